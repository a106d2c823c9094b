"""Coaching loop SQL (issue 16 item 5): the role-plays of the viewer's people waiting for a review, oldest
first, and how many reviews each person has given.  Helper `review` is adding the same two questions to
academy.learning.roleplay.services (contract C6: waiting_for, reviews_given); academy.reports.services asks
those when they exist and these otherwise.
"""
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.learning.models import Attempt, RoleplayReview
from academy.org.models import Team, User
from academy.reports.people_sql import ReportScope

WAITING_LIMIT = 200


def waiting(session: Session, scope: ReportScope) -> list:
    """(attempt_id, quiz_id, submitted_at, user_id, display_name, team_name) awaiting review, oldest first."""
    query = (select(Attempt.id.label("attempt_id"), Attempt.quiz_id, Attempt.submitted_at, User.id.label("user_id"),
                    User.display_name, Team.name.label("team_name"))
             .join(User, Attempt.user_id == User.id).outerjoin(Team, User.team_id == Team.id)
             .where(Attempt.state == "review", *scope.learner_conditions())
             .order_by(Attempt.submitted_at, Attempt.id).limit(WAITING_LIMIT))
    return list(session.execute(query))


def reviews_given(session: Session, reviewer_ids: list[int], since: datetime | None = None) -> dict[int, int]:
    query = select(RoleplayReview.reviewer_id, func.count()).where(RoleplayReview.reviewer_id.in_(reviewer_ids))
    if since is not None:
        query = query.where(RoleplayReview.created_at >= since)
    return {reviewer: n for reviewer, n in session.execute(query.group_by(RoleplayReview.reviewer_id))}
