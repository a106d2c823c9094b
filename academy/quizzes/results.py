"""A learner's standing on each quiz, by the quiz's grading method (one query per learner)."""
from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select

from academy.models import Attempt
from academy.quizmd import Quiz
from academy.reads import Reader, ReadQuery


@dataclass(frozen=True)
class QuizStanding:
    quiz_id: str
    attempts: int
    percent: float | None
    passed: bool
    pending: bool
    redline: bool
    in_progress_id: int | None


ATTEMPT_ROWS = ReadQuery(
    select(Attempt.id, Attempt.quiz_id, Attempt.number, Attempt.state, Attempt.percent, Attempt.passed, Attempt.redline)
    .where(Attempt.user_id == bindparam("user_id")).order_by(Attempt.quiz_id, Attempt.number)
)


RECENT_RESULTS = ReadQuery(
    select(Attempt.id, Attempt.quiz_id, Attempt.state, Attempt.percent, Attempt.passed, Attempt.redline, Attempt.submitted_at)
    .where(Attempt.user_id == bindparam("user_id"), or_(Attempt.state == "graded", Attempt.state == "review"))
    .order_by(Attempt.submitted_at.desc()).limit(bindparam("limit"))
)


def recent_results(reader: Reader, user_id: int, limit: int = 5) -> tuple:
    """The learner's latest submitted attempts, newest first (no answers loaded)."""
    return tuple(RECENT_RESULTS.rows(reader, user_id=user_id, limit=limit))


def attempt_rows(reader: Reader, user_id: int) -> tuple:
    """The learner's attempts (id, quiz, number, state, percent, passed, red line), by quiz and number."""
    return tuple(ATTEMPT_ROWS.rows(reader, user_id=user_id))


def _by_quiz(rows: tuple) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(row.quiz_id, []).append(row)
    return grouped


def standing(quiz: Quiz, rows: list) -> QuizStanding:
    graded = [r for r in rows if r.state == "graded"]
    current = next((r.id for r in rows if r.state == "in_progress"), None)
    pending = any(r.state == "review" for r in rows)
    if not graded:
        return QuizStanding(quiz.id, len(rows), None, False, pending, False, current)
    percent, passed, redline = _grade(quiz, graded)
    return QuizStanding(quiz.id, len(rows), percent, passed, pending, redline, current)


def _grade(quiz: Quiz, graded: list) -> tuple[float, bool, bool]:
    if quiz.grading == "latest":
        row = graded[-1]
        return row.percent, bool(row.passed), row.redline
    if quiz.grading == "average":
        average = sum(r.percent for r in graded) / len(graded)
        redline = any(r.redline for r in graded)
        return average, average >= quiz.pass_score and not redline, redline
    row = max(graded, key=lambda r: (bool(r.passed), r.percent))
    return row.percent, bool(row.passed), row.redline


def standings(rows: tuple, quizzes) -> dict[str, QuizStanding]:
    """Each quiz's standing from the learner's `attempt_rows`."""
    grouped = _by_quiz(rows)
    return {q.id: standing(q, grouped.get(q.id, [])) for q in quizzes}
