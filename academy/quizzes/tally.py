"""Keeping quiz_tally true: a transaction that adds or changes attempts rewrites the tallies of their (learner,
quiz) just before it commits, recomputed from the attempts themselves.

On PostgreSQL the tally row is created first and locked, so that two transactions changing attempts of the
same learner and quiz take turns, and the second counts the first one's committed attempt (READ COMMITTED
gives each statement a fresh snapshot).  SQLite serialises writers anyway (BEGIN IMMEDIATE).
"""
from sqlalchemy import and_, bindparam, case, delete, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from academy.models import Attempt, QuizTally

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


UPSERTS = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}
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


@event.listens_for(Session, "after_flush")
def _note_changed_attempts(session: Session, _context) -> None:
    keys = session.info.setdefault("tally_keys", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Attempt):
            keys.add((obj.user_id, obj.quiz_id))


@event.listens_for(Session, "before_commit")
def _rewrite_tallies(session: Session) -> None:
    """Once per transaction, however often it flushed: just before it commits."""
    session.flush()
    keys = session.info.pop("tally_keys", None)
    if keys:
        refresh(session.connection(), keys)


@event.listens_for(Session, "after_rollback")
def _forget_tallies(session: Session) -> None:
    session.info.pop("tally_keys", None)
