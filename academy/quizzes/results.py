"""A learner's standing on each quiz, by the quiz's grading method (one query per learner)."""
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, case, func, or_, select

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


def _attempt_summary():
    """Per quiz, only the attempts a standing can depend on: every attempt not graded (in progress, awaiting
    review), the best and the newest graded one; each row also carries the quiz's counts, average and
    red-line flag.  Windows keep the result a handful of rows however often a learner retries."""
    graded = Attempt.state == "graded"
    per_quiz = {"partition_by": Attempt.quiz_id}
    per_kind = {"partition_by": (Attempt.quiz_id, graded)}
    ranked = select(
        Attempt.id, Attempt.quiz_id, Attempt.number, Attempt.state, Attempt.percent, Attempt.passed, Attempt.redline,
        func.count().over(**per_quiz).label("total"),
        func.count(case((graded, 1))).over(**per_quiz).label("graded"),
        func.avg(case((graded, Attempt.percent))).over(**per_quiz).label("average"),
        func.max(case((and_(graded, Attempt.redline), 1), else_=0)).over(**per_quiz).label("any_redline"),
        func.row_number().over(**per_kind, order_by=(func.coalesce(Attempt.passed, False).desc(),
                                                    func.coalesce(Attempt.percent, -1).desc(), Attempt.number)).label("best"),
        func.row_number().over(**per_kind, order_by=Attempt.number.desc()).label("newest"),
    ).where(Attempt.user_id == bindparam("user_id")).subquery()
    keep = or_(ranked.c.state != "graded", ranked.c.best == 1, ranked.c.newest == 1)
    return select(*ranked.c).where(keep).order_by(ranked.c.quiz_id, ranked.c.number)


ATTEMPT_SUMMARY = ReadQuery(_attempt_summary())


RECENT_RESULTS = ReadQuery(
    select(Attempt.id, Attempt.quiz_id, Attempt.state, Attempt.percent, Attempt.passed, Attempt.redline, Attempt.submitted_at)
    .where(Attempt.user_id == bindparam("user_id"), or_(Attempt.state == "graded", Attempt.state == "review"))
    .order_by(Attempt.submitted_at.desc()).limit(bindparam("limit"))
)


def recent_results(reader: Reader, user_id: int, limit: int = 5) -> tuple:
    """The learner's latest submitted attempts, newest first (no answers loaded)."""
    return tuple(RECENT_RESULTS.rows(reader, user_id=user_id, limit=limit))


def attempt_rows(reader: Reader, user_id: int) -> tuple:
    """The learner's attempt summary rows (see _attempt_summary), by quiz and number."""
    return tuple(ATTEMPT_SUMMARY.rows(reader, user_id=user_id))


def _by_quiz(rows: tuple) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(row.quiz_id, []).append(row)
    return grouped


def standing(quiz: Quiz, rows: list) -> QuizStanding:
    """The standing by the quiz's grading method, from its summary rows."""
    if not rows:
        return QuizStanding(quiz.id, 0, None, False, False, False, None)
    current = next((r.id for r in rows if r.state == "in_progress"), None)
    pending = any(r.state == "review" for r in rows)
    if not rows[0].graded:
        return QuizStanding(quiz.id, rows[0].total, None, False, pending, False, current)
    percent, passed, redline = _grade(quiz, rows)
    return QuizStanding(quiz.id, rows[0].total, percent, passed, pending, redline, current)


def _grade(quiz: Quiz, rows: list) -> tuple[float, bool, bool]:
    if quiz.grading == "average":
        average, redline = float(rows[0].average), bool(rows[0].any_redline)
        return average, average >= quiz.pass_score and not redline, redline
    rank = "newest" if quiz.grading == "latest" else "best"
    row = next(r for r in rows if r.state == "graded" and getattr(r, rank) == 1)
    return row.percent, bool(row.passed), bool(row.redline)


def standings(rows: tuple, quizzes) -> dict[str, QuizStanding]:
    """Each quiz's standing from the learner's `attempt_rows`."""
    grouped = _by_quiz(rows)
    return {q.id: standing(q, grouped.get(q.id, [])) for q in quizzes}
