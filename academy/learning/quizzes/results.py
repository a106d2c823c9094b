"""A learner's standing on each quiz, by the quiz's grading method (one query per learner)."""
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import and_, bindparam, case, false, func, not_, or_, select
from sqlalchemy.orm import Session

from academy.learning.models import Attempt, QuizTally
from academy.learning.questions import Quiz


@dataclass(frozen=True)
class QuizStanding:
    quiz_id: str
    attempts: int
    percent: float | None
    passed: bool
    pending: bool
    redline: bool
    in_progress_id: int | None
    best_percent: float | None = None  # the best graded attempt, (passed, percent) highest, whatever the grading method
    best_passed: bool = False


TALLIES = (  # every column but user_id
    select(*(column for column in QuizTally.__table__.c if column.name != "user_id"))
    .where(QuizTally.user_id == bindparam("user_id")).order_by(QuizTally.quiz_id)
)


RECENT_RESULTS = (
    select(Attempt.id, Attempt.quiz_id, Attempt.state, Attempt.percent, Attempt.passed, Attempt.redline, Attempt.submitted_at)
    .where(Attempt.user_id == bindparam("user_id"), or_(Attempt.state == "graded", Attempt.state == "review"))
    .order_by(Attempt.submitted_at.desc(), Attempt.id.desc()).limit(bindparam("limit"))
)


def recent_results(session: Session, user_id: int, limit: int = 5, hidden: frozenset[str] = frozenset()) -> tuple:
    """The learner's latest submitted attempts, newest first (no answers loaded), leaving out the `hidden` quizzes
    (those the learner may not see)."""
    return tuple(session.connection().execute(_recent_without(tuple(sorted(hidden))), {"user_id": user_id, "limit": limit}))


@lru_cache(maxsize=16)
def _recent_without(hidden: tuple[str, ...]):
    return RECENT_RESULTS.where(Attempt.quiz_id.not_in(hidden)) if hidden else RECENT_RESULTS


def quiz_tallies(session: Session, user_id: int) -> tuple:
    """The learner's quiz tallies (one row per quiz attempted), by quiz."""
    return tuple(session.connection().execute(TALLIES, {"user_id": user_id}))


ONE_TALLY = TALLIES.where(QuizTally.quiz_id == bindparam("quiz_id"))


def quiz_standing(session: Session, user_id: int, quiz: Quiz) -> QuizStanding:
    """The learner's standing on one quiz, from its tally row alone (a page about one quiz needs no other)."""
    return standing(quiz, session.connection().execute(ONE_TALLY, {"user_id": user_id, "quiz_id": quiz.id}).first())


def standing(quiz: Quiz, tally) -> QuizStanding:
    """The standing by the quiz's grading method, from the learner's tally of the quiz (None: never attempted)."""
    if tally is None:
        return QuizStanding(quiz.id, 0, None, False, False, False, None)
    pending = tally.in_review > 0
    if not tally.graded:
        return QuizStanding(quiz.id, tally.attempts, None, False, pending, False, tally.in_progress_id)
    percent, passed, redline = _grade(quiz, tally)
    return QuizStanding(quiz.id, tally.attempts, percent, passed, pending, redline, tally.in_progress_id,
                        tally.best_percent, tally.best_passed)


def _grade(quiz: Quiz, tally) -> tuple[float, bool, bool]:
    if quiz.grading == "average":
        # a running average carries float noise in its last digits; percents themselves have two decimals
        average, redline = round(float(tally.average_percent), 6), tally.any_redline
        return average, average >= quiz.pass_score and not redline, redline
    if quiz.grading == "latest":
        return tally.latest_percent, tally.latest_passed, tally.latest_redline
    return tally.best_percent, tally.best_passed, tally.best_redline


AVERAGE_NOISE = 0.0000005  # what _grade's round(average, 6) forgives


def passed_sql(tally, grading, pass_score):
    """The SQL twin of `_grade`'s passed, for reports that count passes in the database: `tally` is QuizTally
    or an alias of it, `grading` and `pass_score` SQL values (columns or literals) of the quiz.  A learner with
    no tally has not passed (tests/test_assignments.py checks it agrees with `standing`)."""
    average_passed = and_(tally.average_percent >= pass_score - AVERAGE_NOISE, not_(tally.any_redline))
    return case((func.coalesce(tally.graded, 0) == 0, false()), (grading == "average", average_passed),
                (grading == "latest", tally.latest_passed), else_=tally.best_passed)


def standings(rows: tuple, quizzes) -> dict[str, QuizStanding]:
    """Each quiz's standing from the learner's `quiz_tallies` rows."""
    by_quiz = {row.quiz_id: row for row in rows}
    return {q.id: standing(q, by_quiz.get(q.id)) for q in quizzes}
