"""The quiz tally: per learner and quiz, what every grading method needs, so that pages read one row per quiz
instead of every attempt.

It is derived from the attempts and nothing else.  A service that changes what it is built from (starts,
grades, sends to review, expires or regrades an attempt) calls `refresh` for the (learner, quiz) keys it
touched, in its own transaction; there are no listeners and no second set of rules.  The refresh recounts
from the attempts, so the tally is always equal to a recount (tests/test_tally_property.py).
"""
from collections.abc import Iterable

from sqlalchemy import and_, bindparam, case, delete, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from academy.learning.models import Attempt, QuizTally
from academy.org.models import User
from academy.platform.dialects import serialises_writers, upsert

GRADED = Attempt.state == "graded"


# The recount's statements are built once (module level) and bound per call: building SQL expressions cost more
# than running them, and refresh runs in every submit.
MINE = (Attempt.user_id == bindparam("user_id"), Attempt.quiz_id == bindparam("quiz_id"))

COUNTS = select(
    func.count().label("attempts"), func.count(case((GRADED, 1))).label("graded"),
    func.count(case((Attempt.state == "review", 1))).label("in_review"),
    func.min(case((Attempt.state == "in_progress", Attempt.id))).label("in_progress_id"),  # at most one
    func.avg(case((GRADED, Attempt.percent))).label("average_percent"),
    func.max(case((and_(GRADED, Attempt.redline), 1), else_=0)).label("any_redline"),
).where(*MINE)

# Which graded attempt the highest and the latest grading methods count.
RANKINGS = {
    "best": (func.coalesce(Attempt.passed, False).desc(), func.coalesce(Attempt.percent, -1).desc(), Attempt.number),
    "latest": (Attempt.number.desc(),),
}
RANKED = {name: select(Attempt.percent, Attempt.passed, Attempt.redline).where(*MINE, GRADED).order_by(*order).limit(1)
          for name, order in RANKINGS.items()}
FORGET = delete(QuizTally).where(QuizTally.user_id == bindparam("user_id"), QuizTally.quiz_id == bindparam("quiz_id"))


def recount(connection: Connection, user_id: int, quiz_id: str) -> dict:
    """The tally columns of one learner and quiz, counted from their attempts."""
    key = {"user_id": user_id, "quiz_id": quiz_id}
    values = connection.execute(COUNTS, key).one()._asdict()
    values["any_redline"] = bool(values["any_redline"])
    for name, statement in RANKED.items():
        row = connection.execute(statement, key).first()
        values |= {f"{name}_percent": row.percent if row else None, f"{name}_passed": bool(row and row.passed),
                   f"{name}_redline": bool(row and row.redline)}
    return values


def refresh(session: Session, keys: Iterable[tuple[int, str]]) -> None:
    """Rewrite the tallies of these (learner id, quiz id) keys from the attempts, in the caller's transaction.

    Learners are locked in a fixed order first (where the database runs writers side by side), so that two
    transactions changing the same learner's attempts take turns and the second counts the first's."""
    session.flush()
    keys = sorted(set(keys))
    connection = session.connection()
    if not serialises_writers(connection):
        learners = sorted({user_id for user_id, _quiz in keys})
        session.execute(select(User.id).where(User.id.in_(learners)).order_by(User.id).with_for_update())
    for user_id, quiz_id in keys:
        values = recount(connection, user_id, quiz_id)
        key = {"user_id": user_id, "quiz_id": quiz_id}
        if values["attempts"]:
            upsert(connection, QuizTally.__table__, key, values)
        else:
            connection.execute(FORGET, key)
