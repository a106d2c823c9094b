"""The quiz tally: per learner and quiz, what every grading method needs, so that pages read one row per quiz
instead of every attempt.

It is derived from the attempts and nothing else.  A service that changes what it is built from (starts,
grades, sends to review, expires or regrades an attempt) calls `refresh` for the (learner, quiz) keys it
touched, in its own transaction; there are no listeners and no second set of rules.  The refresh recounts
from the attempts, so the tally is always equal to a recount (tests/test_standings.py).  The sums per team of
the tallies (academy.learning.team_rows) move with them, and the learners' progress towards their assignments'
targets (academy.learning.target_rows) is recounted from them.
"""
from collections.abc import Iterable

from sqlalchemy import Select, and_, bindparam, case, delete, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from academy.learning import progress_rows, target_rows
from academy.learning.models import Attempt, QuizTally
from academy.learning.team_rows import QUIZZES
from academy.org import team_sums
from academy.platform.dialects import upsert

GRADED = Attempt.state == "graded"


# The recount's statements are built once (module level) and bound per call: building SQL expressions cost more
# than running them, and refresh runs in every submit.  They read every attempt of the given learners in the
# given quizzes (a superset of the keys asked for, which is exactly them for one submit), in three statements
# however many keys there are: a regrade or a bulk seed refreshes thousands at once.
SCOPE = (Attempt.user_id.in_(bindparam("learners", expanding=True)), Attempt.quiz_id.in_(bindparam("quizzes", expanding=True)))

COUNTS = select(
    Attempt.user_id, Attempt.quiz_id,
    func.count().label("attempts"), func.count(case((GRADED, 1))).label("graded"),
    func.count(case((Attempt.state == "review", 1))).label("in_review"),
    func.min(case((Attempt.state == "in_progress", Attempt.id))).label("in_progress_id"),  # at most one
    func.avg(case((GRADED, Attempt.percent))).label("average_percent"),
    func.max(case((and_(GRADED, Attempt.redline), 1), else_=0)).label("any_redline"),
).where(*SCOPE).group_by(Attempt.user_id, Attempt.quiz_id)

# Which graded attempt the highest and the latest grading methods count: the first in these orders.
RANKINGS = {
    "best": (func.coalesce(Attempt.passed, False).desc(), func.coalesce(Attempt.percent, -1).desc(), Attempt.number),
    "latest": (Attempt.number.desc(),),
}


def _first_by(order) -> Select:
    rank = func.row_number().over(partition_by=(Attempt.user_id, Attempt.quiz_id), order_by=order).label("rank")
    ranked = select(Attempt.user_id, Attempt.quiz_id, Attempt.percent, Attempt.passed, Attempt.redline, rank) \
        .where(*SCOPE, GRADED).subquery()
    return select(ranked.c.user_id, ranked.c.quiz_id, ranked.c.percent, ranked.c.passed, ranked.c.redline) \
        .where(ranked.c.rank == 1)


RANKED = {name: _first_by(order) for name, order in RANKINGS.items()}
FORGET = delete(QuizTally).where(QuizTally.user_id == bindparam("user_id"), QuizTally.quiz_id == bindparam("quiz_id"))
KEY = ("user_id", "quiz_id")


def recount_all(connection: Connection, keys: Iterable[tuple[int, str]], ranked: bool = True) -> dict[tuple[int, str], dict]:
    """The tally columns of these (learner, quiz) keys that have attempts, counted from the attempts.  Without
    `ranked`, only the counts (COUNTS' columns): the best and latest attempts are left out."""
    keys = set(keys)
    if not keys:
        return {}
    scope = {"learners": sorted({user for user, _ in keys}), "quizzes": sorted({quiz for _, quiz in keys})}
    found = {}
    for row in connection.execute(COUNTS, scope):
        if (row.user_id, row.quiz_id) in keys:
            values = row._asdict()
            found[(row.user_id, row.quiz_id)] = values | {"any_redline": bool(values["any_redline"])}
    if not ranked:
        return found
    for values in found.values():
        for name in RANKINGS:
            values |= {f"{name}_percent": None, f"{name}_passed": False, f"{name}_redline": False}
    for name, statement in RANKED.items():
        for row in connection.execute(statement, scope):
            if (values := found.get((row.user_id, row.quiz_id))) is not None:
                values |= {f"{name}_percent": row.percent, f"{name}_passed": bool(row.passed),
                           f"{name}_redline": bool(row.redline)}
    return found


def recount(connection: Connection, user_id: int, quiz_id: str, ranked: bool = True) -> dict | None:
    """The tally columns of one learner and quiz (only the counts without `ranked`); None when they have no attempt."""
    return recount_all(connection, [(user_id, quiz_id)], ranked).get((user_id, quiz_id))


def refresh(session: Session, keys: Iterable[tuple[int, str]], graded: bool = True) -> None:
    """Rewrite the tallies of these (learner id, quiz id) keys from the attempts, in the caller's transaction.
    `graded`: whether graded attempts may have changed.  A start alone changes none: the best and latest graded
    attempts stay what the last refresh found (every change to a graded attempt refreshes with `graded`), so
    only the counts are rewritten, and the team sums, which count graded tallies only, do not move.

    Learners are locked in a fixed order first (where the database runs writers side by side), so that two
    transactions changing the same learner's attempts take turns and the second counts the first's."""
    session.flush()
    keys = sorted(set(keys))
    if not keys:
        return
    connection = session.connection()
    learners = sorted({user_id for user_id, _quiz in keys})
    progress_rows.lock_learners(session, learners)
    with team_sums.moving(session, learners, [QUIZZES] if graded else []):
        rewrite(connection, keys, ranked=graded)
    target_rows.refresh(session, learners)  # what of their assignments they have met and touched


def rewrite(connection: Connection, keys: list[tuple[int, str]], ranked: bool = True) -> None:
    """Rewrite the tallies of these keys from the attempts, and nothing else: `refresh` moves the team sums with
    them; the migration that adds the tally runs this before there are any.  Without `ranked` only the counts are
    rewritten (a new row gets no best or latest attempt)."""
    found = recount_all(connection, keys, ranked)
    upsert(connection, QuizTally.__table__, KEY, list(found.values()))
    gone = [{"user_id": user_id, "quiz_id": quiz_id} for user_id, quiz_id in keys if (user_id, quiz_id) not in found]
    if gone:
        connection.execute(FORGET, gone)
