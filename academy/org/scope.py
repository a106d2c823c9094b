"""Who may see whom, as an SQL condition on User: the one place that answers it (the review queue uses it now;
the manager reports use it next).

Trainers and admins see every learner.  A manager (片区管理者) sees the learners of the teams and regions
named in their scope; a manager with an empty scope sees nobody, never everybody.
"""
from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from academy.org.models import ManagerScope, Team, User

SEE_EVERYONE = ("trainer", "admin")


def learners_visible_to(session: Session, viewer) -> ColumnElement[bool] | None:
    """The condition on User for the learners `viewer` may see; None when they may see everyone."""
    if viewer.has_role(*SEE_EVERYONE):
        return None
    if not viewer.has_role("manager"):
        return User.id == viewer.id
    scopes = session.execute(select(ManagerScope.region_id, ManagerScope.team_id)
                             .where(ManagerScope.user_id == viewer.id)).all()
    region_ids = [s.region_id for s in scopes if s.region_id]
    team_ids = [s.team_id for s in scopes if s.team_id]
    if not region_ids and not team_ids:
        return false()
    in_regions = select(Team.id).where(Team.region_id.in_(region_ids))
    return or_(User.team_id.in_(team_ids), User.team_id.in_(in_regions))


def may_see(session: Session, viewer, learner_id: int) -> bool:
    condition = learners_visible_to(session, viewer)
    if condition is None:
        return True
    return session.scalar(select(User.id).where(User.id == learner_id, condition)) is not None
