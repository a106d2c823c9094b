"""Regrade page data: which earlier versions of a quiz have graded attempts, and a dry run of regrading them.
The regrade itself is one call of the attempt services (academy.learning.quizzes.services.regrade_attempts)."""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.learning.models import Attempt, QuizVersion
from academy.learning.questions import Quiz
from academy.learning.quizzes.services import Regraded, plan_regrade
from academy.learning.quizzes.versions import quiz_versions
from academy.org.models import User


@dataclass(frozen=True)
class VersionRow:
    number: int
    version: QuizVersion
    graded: int
    current: bool


def versions(session: Session, quiz: Quiz) -> list[VersionRow]:
    """The quiz's stored versions, with their graded attempts; the current one (the catalog's content) marked."""
    counts = dict(session.execute(select(Attempt.version_id, func.count())
                                  .where(Attempt.quiz_id == quiz.id, Attempt.state == "graded").group_by(Attempt.version_id)).all())
    return [VersionRow(number, version, counts.get(version.id, 0), version.content_hash == quiz.content_hash)
            for number, version in quiz_versions(session, quiz.id)]


@dataclass(frozen=True)
class PreviewRow:
    learner: str
    number: int
    before: float | None
    after: float | None
    passed_before: bool | None
    passed_after: bool | None
    changed: bool


def preview(session: Session, quiz: Quiz, version_ids: list[int]) -> tuple[list[PreviewRow], int]:
    """What regrading would change, attempt by attempt (nothing is written); and how many would change."""
    plan: list[Regraded] = plan_regrade(session, quiz, version_ids)
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_({r.attempt.user_id for r in plan}))).all())
    rows = [PreviewRow(names.get(r.attempt.user_id, ""), r.attempt.number, r.before, r.after, r.attempt.passed, r.grading.passed,
                       r.changed) for r in plan]
    return rows, sum(1 for row in rows if row.changed)
