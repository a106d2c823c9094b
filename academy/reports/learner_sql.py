"""One learner's drill-down SQL: who they are (only if the viewer may see them), their progress per module,
their attempts (each links to its result page) and the role-play reviews they received.  A fixed number of
statements, whatever the learner has done.
"""
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from academy.learning.models import Attempt, LessonProgress, QuizTally, RoleplayReview
from academy.org.models import Region, Team, User
from academy.reports.people_sql import ReportScope

ATTEMPT_LIMIT = 300


def learner(session: Session, scope: ReportScope, user_id: int):
    """(user_id, username, display_name, team_name, region_name) or None when not in the viewer's scope."""
    def build():
        return (select(User.id.label("user_id"), User.username, User.display_name, Team.name.label("team_name"),
                       Region.name.label("region_name"))
                .outerjoin(Team, User.team_id == Team.id).outerjoin(Region, Team.region_id == Region.id)
                .where(User.id == bindparam("learner_id"), *scope.learner_conditions(team_filter=False)))

    return scope.execute(session, "learner", build, learner_id=user_id).first()


def lessons_by_module(session: Session, user_id: int) -> dict[str, int]:
    query = (select(LessonProgress.module_id, func.count())
             .where(LessonProgress.user_id == user_id, LessonProgress.completed_at.is_not(None))
             .group_by(LessonProgress.module_id))
    return {module_id: n for module_id, n in session.execute(query)}


def tallies(session: Session, user_id: int) -> dict[str, object]:
    return {row.quiz_id: row for row in session.execute(select(QuizTally).where(QuizTally.user_id == user_id)).scalars()}


def attempts(session: Session, user_id: int) -> list:
    query = (select(Attempt.id, Attempt.quiz_id, Attempt.number, Attempt.state, Attempt.submitted_at, Attempt.percent,
                    Attempt.passed, Attempt.redline)
             .where(Attempt.user_id == user_id, Attempt.state != "in_progress")
             .order_by(Attempt.submitted_at.desc(), Attempt.id.desc()).limit(ATTEMPT_LIMIT))
    return list(session.execute(query))


def reviews(session: Session, user_id: int) -> list:
    query = (select(RoleplayReview.attempt_id, RoleplayReview.summary, RoleplayReview.created_at, Attempt.quiz_id,
                    Attempt.percent, User.display_name.label("reviewer"))
             .join(Attempt, RoleplayReview.attempt_id == Attempt.id).join(User, RoleplayReview.reviewer_id == User.id)
             .where(Attempt.user_id == user_id).order_by(RoleplayReview.created_at.desc()))
    return list(session.execute(query))
