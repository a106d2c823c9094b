"""A learner's standing on each quiz, by the quiz's grading method (one query per learner)."""
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from academy.models import Attempt
from academy.quizmd import Quiz


@dataclass(frozen=True)
class QuizStanding:
    quiz_id: str
    attempts: int
    percent: float | None
    passed: bool
    pending: bool
    redline: bool
    in_progress_id: int | None


ATTEMPT_ROWS = (
    select(Attempt.id, Attempt.quiz_id, Attempt.number, Attempt.state, Attempt.percent, Attempt.passed, Attempt.redline)
    .where(Attempt.user_id == bindparam("user_id")).order_by(Attempt.quiz_id, Attempt.number)
)


RECENT_RESULTS = (
    select(Attempt.id, Attempt.quiz_id, Attempt.state, Attempt.percent, Attempt.passed, Attempt.redline, Attempt.submitted_at)
    .where(Attempt.user_id == bindparam("user_id"), Attempt.state.in_(("graded", "review")))
    .order_by(Attempt.submitted_at.desc()).limit(bindparam("limit"))
)


def recent_results(session: Session, user_id: int, limit: int = 5) -> list:
    """The learner's latest submitted attempts, newest first (no answers loaded)."""
    return session.connection().execute(RECENT_RESULTS, {"user_id": user_id, "limit": limit}).all()


def attempt_rows(session: Session, user_id: int) -> dict[str, list]:
    rows = session.connection().execute(ATTEMPT_ROWS, {"user_id": user_id}).all()
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


def standings(session: Session, user_id: int, quizzes) -> dict[str, QuizStanding]:
    rows = attempt_rows(session, user_id)
    return {q.id: standing(q, rows.get(q.id, [])) for q in quizzes}
