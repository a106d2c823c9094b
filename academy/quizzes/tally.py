"""Keeping quiz_tally true: a transaction that adds or changes attempts rewrites the tallies of their (learner,
quiz) just before it commits, recomputed from the attempts themselves.

On PostgreSQL the tally row is created first and locked, so that two transactions changing attempts of the
same learner and quiz take turns, and the second counts the first one's committed attempt (READ COMMITTED
gives each statement a fresh snapshot).  SQLite serialises writers anyway (BEGIN IMMEDIATE).
"""
from sqlalchemy import and_, case, delete, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from academy.models import Attempt, QuizTally

GRADED = Attempt.state == "graded"
COUNTS = select(
    func.count().label("attempts"), func.count(case((GRADED, 1))).label("graded"),
    func.count(case((Attempt.state == "review", 1))).label("in_review"),
    func.min(case((Attempt.state == "in_progress", Attempt.id))).label("in_progress_id"),  # there is at most one
    func.avg(case((GRADED, Attempt.percent))).label("average_percent"),
    func.max(case((and_(GRADED, Attempt.redline), 1), else_=0)).label("any_redline"),
)
RANKINGS = {  # which graded attempt the highest and the latest grading methods count
    "best": (func.coalesce(Attempt.passed, False).desc(), func.coalesce(Attempt.percent, -1).desc(), Attempt.number),
    "latest": (Attempt.number.desc(),),
}
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def tally_values(connection: Connection, user_id: int, quiz_id: str) -> dict:
    """The tally columns of one learner and quiz, from their attempts."""
    mine = (Attempt.user_id == user_id, Attempt.quiz_id == quiz_id)
    counts = connection.execute(COUNTS.where(*mine)).one()._asdict()
    values = counts | {"any_redline": bool(counts["any_redline"])}
    for name, order in RANKINGS.items():
        row = connection.execute(select(Attempt.percent, Attempt.passed, Attempt.redline)
                                 .where(*mine, GRADED).order_by(*order).limit(1)).first()
        values |= {f"{name}_percent": row.percent if row else None, f"{name}_passed": bool(row and row.passed),
                   f"{name}_redline": bool(row and row.redline)}
    return values


def refresh(connection: Connection, keys) -> None:
    """Rewrite the tallies of these (user id, quiz id) pairs, in a fixed order (no lock cycles)."""
    insert = _INSERTS[connection.dialect.name]
    for user_id, quiz_id in sorted(keys):
        this = (QuizTally.user_id == user_id, QuizTally.quiz_id == quiz_id)
        if connection.dialect.name == "postgresql":  # SQLite writers are serialised already
            _lock(connection, insert, user_id, quiz_id)
        values = tally_values(connection, user_id, quiz_id)
        if values["attempts"]:
            connection.execute(insert(QuizTally).values(user_id=user_id, quiz_id=quiz_id, **values)
                               .on_conflict_do_update(index_elements=["user_id", "quiz_id"], set_=values))
        else:
            connection.execute(delete(QuizTally).where(*this))


def _lock(connection: Connection, insert, user_id: int, quiz_id: str) -> None:
    """Create the row if needed and lock it until the transaction ends."""
    connection.execute(insert(QuizTally).values(user_id=user_id, quiz_id=quiz_id, attempts=0, graded=0, in_review=0)
                       .on_conflict_do_nothing(index_elements=["user_id", "quiz_id"]))
    connection.execute(select(QuizTally.user_id).where(QuizTally.user_id == user_id, QuizTally.quiz_id == quiz_id)
                       .with_for_update())


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
