"""Keeping quiz_tally true: a transaction that adds or changes attempts updates the tallies of their (learner,
quiz) just before it commits.  The ORM's flushes are seen by themselves; the attempts that the quiz services
start and finalise in plain Core are reported with `note`.

The two everyday changes are applied as one UPDATE each, whatever the number of attempts: a started attempt
(`attempts + 1`) and an in-progress attempt that is graded or goes to review.  These rely on the rule that a
learner has at most one attempt in progress per quiz, the one with the highest number (`start_attempt`).
Any other change (a review graded, a deletion, an attempt inserted in another state, several changes of one
learner and quiz in one transaction, or a tally row that is missing) recounts the tally from the attempts.

On PostgreSQL a recount creates and locks the tally row first, so that two transactions changing attempts of
the same learner and quiz take turns, and the second counts the first one's committed attempt (READ COMMITTED
gives each statement a fresh snapshot); an UPDATE locks its row by itself.  SQLite serialises writers anyway
(BEGIN IMMEDIATE).
"""
from sqlalchemy import Boolean, Float, and_, bindparam, case, delete, event, exists, func, inspect, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from academy.db import per_dialect
from academy.models import Attempt, QuizTally
from academy.writes import Written

GRADED = Attempt.state == "graded"
MINE = (Attempt.user_id == bindparam("user_id"), Attempt.quiz_id == bindparam("quiz_id"))
# Built once, with bound parameters: building a statement costs more than running it on SQLite.
COUNTS = select(
    func.count().label("attempts"), func.count(case((GRADED, 1))).label("graded"),
    func.count(case((Attempt.state == "review", 1))).label("in_review"),
    func.min(case((Attempt.state == "in_progress", Attempt.id))).label("in_progress_id"),  # there is at most one
    func.avg(case((GRADED, Attempt.percent))).label("average_percent"),
    func.max(case((and_(GRADED, Attempt.redline), 1), else_=0)).label("any_redline"),
).where(*MINE)
GRADED_ROW = select(Attempt.percent, Attempt.passed, Attempt.redline).where(*MINE, GRADED).limit(1)
RANKINGS = {  # which graded attempt the highest and the latest grading methods count
    "best": GRADED_ROW.order_by(func.coalesce(Attempt.passed, False).desc(), func.coalesce(Attempt.percent, -1).desc(),
                                Attempt.number),
    "latest": GRADED_ROW.order_by(Attempt.number.desc()),
}
THIS_TALLY = (QuizTally.user_id == bindparam("user_id"), QuizTally.quiz_id == bindparam("quiz_id"))
LOCK = select(QuizTally.user_id).where(*THIS_TALLY).with_for_update()
DELETE = delete(QuizTally).where(*THIS_TALLY)


def _upsert(insert):
    statement = insert(QuizTally)
    kept = [c.name for c in QuizTally.__table__.columns if c.name not in ("user_id", "quiz_id")]
    return statement.on_conflict_do_update(index_elements=["user_id", "quiz_id"],
                                           set_={name: statement.excluded[name] for name in kept})


UPSERTS = per_dialect(_upsert)
CREATE = postgresql.insert(QuizTally).on_conflict_do_nothing(index_elements=["user_id", "quiz_id"])


def tally_values(connection: Connection, user_id: int, quiz_id: str) -> dict:
    """The tally columns of one learner and quiz, from their attempts."""
    mine = {"user_id": user_id, "quiz_id": quiz_id}
    counts = connection.execute(COUNTS, mine).one()._asdict()
    values = counts | {"any_redline": bool(counts["any_redline"])}
    for name, ranked in RANKINGS.items():
        row = connection.execute(ranked, mine).first()
        values |= {f"{name}_percent": row.percent if row else None, f"{name}_passed": bool(row and row.passed),
                   f"{name}_redline": bool(row and row.redline)}
    return values


def refresh(connection: Connection, keys) -> None:
    """Rewrite the tallies of these (user id, quiz id) pairs, in a fixed order (no lock cycles)."""
    for user_id, quiz_id in sorted(keys):
        key = {"user_id": user_id, "quiz_id": quiz_id}
        if connection.dialect.name == "postgresql":  # SQLite writers are serialised already
            _lock(connection, key)
        values = tally_values(connection, user_id, quiz_id)
        if values["attempts"]:
            connection.execute(UPSERTS[connection.dialect.name], key | values)
        else:
            connection.execute(DELETE, key)


def _lock(connection: Connection, key: dict) -> None:
    """Create the row if needed and lock it until the transaction ends."""
    connection.execute(CREATE, key | {"attempts": 0, "graded": 0, "in_review": 0})
    connection.execute(LOCK, key)


# The two everyday changes as deltas (see the module's docstring).  Every SET expression reads the row as it
# was before the UPDATE, so the conditions below see the old best and average.
# (An UPDATE may not name its parameters after columns: these use "learner" and "quiz".)
PERCENT, PASSED = bindparam("percent", type_=Float), bindparam("passed", type_=Boolean)
REDLINE = bindparam("redline", type_=Boolean)
LEARNER, QUIZ = bindparam("learner"), bindparam("quiz")
TALLY = (QuizTally.user_id == LEARNER, QuizTally.quiz_id == QUIZ)
STARTED = update(QuizTally).where(*TALLY).values(
    attempts=QuizTally.attempts + 1, in_progress_id=func.coalesce(QuizTally.in_progress_id, bindparam("attempt_id")))
OPEN = (*TALLY, QuizTally.in_progress_id == bindparam("attempt_id"))
TO_REVIEW = update(QuizTally).where(*OPEN).values(in_review=QuizTally.in_review + 1, in_progress_id=None)
BETTER = or_(QuizTally.graded == 0, PASSED > QuizTally.best_passed,
             and_(PASSED == QuizTally.best_passed, PERCENT > QuizTally.best_percent))
NEWEST = ~exists().where(Attempt.user_id == LEARNER, Attempt.quiz_id == QUIZ, GRADED, Attempt.number > bindparam("number"))
GRADED_NOW = update(QuizTally).where(*OPEN).values(
    graded=QuizTally.graded + 1, in_progress_id=None,
    average_percent=(func.coalesce(QuizTally.average_percent, 0) * QuizTally.graded + PERCENT) / (QuizTally.graded + 1),
    any_redline=or_(QuizTally.any_redline, REDLINE),
    best_percent=case((BETTER, PERCENT), else_=QuizTally.best_percent),
    best_passed=case((BETTER, PASSED), else_=QuizTally.best_passed),
    best_redline=case((BETTER, REDLINE), else_=QuizTally.best_redline),
    latest_percent=case((NEWEST, PERCENT), else_=QuizTally.latest_percent),
    latest_passed=case((NEWEST, PASSED), else_=QuizTally.latest_passed),
    latest_redline=case((NEWEST, REDLINE), else_=QuizTally.latest_redline),
)
DELTAS = {"started": Written(STARTED), "review": Written(TO_REVIEW), "graded": Written(GRADED_NOW)}
RECOUNT = "recount"
TALLIED = ("user_id", "quiz_id", "number", "state", "percent", "passed", "redline")


def apply(connection: Connection, changes: dict) -> None:
    """Bring the tallies of these (user id, quiz id) keys up to date: one delta UPDATE per everyday change,
    a recount for the rest (and for a delta that finds no matching tally row)."""
    recount = {key for key, change in changes.items() if change is RECOUNT}
    for key, (kind, values) in sorted((k, c) for k, c in changes.items() if c is not RECOUNT):
        if DELTAS[kind].bind(connection.dialect, {"learner": key[0], "quiz": key[1]} | values).run(connection) != 1:
            recount.add(key)
    refresh(connection, recount)


def change_of(session: Session, attempt: Attempt):
    """What flushing this attempt does to its tally: (kind, values) for an everyday change, RECOUNT for any
    other, None when no tallied column changed (answers saved as you go)."""
    if attempt in session.deleted:
        return RECOUNT
    if attempt in session.new:
        return ("started", {"attempt_id": attempt.id}) if attempt.state == "in_progress" else RECOUNT
    attrs = inspect(attempt).attrs
    changed = {name for name in TALLIED if attrs[name].history.has_changes()}
    if not changed:
        return None
    if "state" not in changed or not changed <= {"state", "percent", "passed", "redline"} \
            or attrs.state.history.deleted != ["in_progress"] or attempt.state not in DELTAS:
        return RECOUNT
    return (attempt.state, {"attempt_id": attempt.id, "number": attempt.number, "percent": attempt.percent,
                            "passed": bool(attempt.passed), "redline": bool(attempt.redline)})


@event.listens_for(Session, "after_flush")
def _note_changed_attempts(session: Session, _context) -> None:
    """Attribute history still shows what this flush changed."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Attempt) and (change := change_of(session, obj)) is not None:
            note(session, (obj.user_id, obj.quiz_id), change)


def note(session: Session, key: tuple[int, str], change) -> None:
    """Apply this change to the (user id, quiz id) tally when the transaction commits; also for attempts changed
    in plain Core, which the ORM does not see.  Two changes of one tally in a transaction recount it."""
    changes = session.info.setdefault("tally_changes", {})
    changes[key] = RECOUNT if key in changes else change


@event.listens_for(Session, "before_commit")
def _update_tallies(session: Session) -> None:
    """Once per transaction, however often it flushed: just before it commits."""
    session.flush()
    changes = session.info.pop("tally_changes", None)
    if changes:
        apply(session.connection(), changes)


@event.listens_for(Session, "after_rollback")
def _forget_tallies(session: Session) -> None:
    session.info.pop("tally_changes", None)
