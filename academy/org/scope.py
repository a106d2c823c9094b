"""Who may see whom, as an SQL condition on User: the one place that answers it (the review queue uses it now;
the manager reports use it next).

Trainers and admins see every learner.  A manager (片区管理者) sees the learners of the teams and regions
named in their scope; a manager with an empty scope sees nobody, never everybody.
"""
from sqlalchemy import ColumnElement, bindparam, false, or_, select
from sqlalchemy.orm import Session

from academy.org.models import ManagerScope, Region, Team, User

SEE_EVERYONE = ("trainer", "admin")


def learners_visible_to(session: Session, viewer) -> ColumnElement[bool] | None:
    """The condition on User for the learners `viewer` may see; None when they may see everyone."""
    return visible_condition(*visibility(session, viewer))


def visibility(session: Session, viewer) -> tuple[str, object]:
    """Whom `viewer` may see, as data: ("everyone", None), ("self", their id) or ("teams", [team ids]), so a
    statement built once can take it as parameters (academy.learning.assignments.status)."""
    if viewer.has_role(*SEE_EVERYONE):
        return "everyone", None
    if not viewer.has_role("manager"):
        return "self", viewer.id
    return "teams", managed_team_ids(session, viewer.id)


def visible_condition(kind: str, value) -> ColumnElement[bool] | None:
    """The condition on User for a `visibility`; `value` is the id or the list of team ids, or a bound
    parameter standing for it.  A list of ids, not a subquery: the planner then knows it is a few teams and
    walks their learners by index (with a subquery PostgreSQL guessed half the organisation and scanned whole
    report tables).  An empty list of teams is nobody, never everybody."""
    if kind == "everyone":
        return None
    if kind == "self":
        return User.id == value
    return User.team_id.in_(value)


def visible_as_parameter(kind: str) -> ColumnElement[bool] | None:
    """`visible_condition` with its value as the bound parameter `seen` (the list of team ids, or the viewer's
    own id), for a statement built once per kind and bound per call."""
    return visible_condition(kind, bindparam("seen", expanding=True) if kind == "teams" else bindparam("seen"))


def managed_learners(session: Session, viewer) -> ColumnElement[bool]:
    """The condition on User for the learners in the teams and regions of `viewer`'s manager scope, whatever
    else they may see (a trainer who is also a manager manages only these): the learners whose manager they are."""
    if not viewer.has_role("manager"):
        return false()
    return visible_condition("teams", managed_team_ids(session, viewer.id))


def managed_team_ids(session: Session, manager_id: int) -> list[int]:
    """The teams a manager's scope names, directly or through their region: one statement."""
    named = or_(ManagerScope.team_id == Team.id, ManagerScope.region_id == Team.region_id)
    return list(session.scalars(select(Team.id).join(ManagerScope, named)
                                .where(ManagerScope.user_id == manager_id).distinct().order_by(Team.id)))


def scope_ids(session: Session, manager_id: int) -> tuple[list[int], list[int]]:
    """The region ids and team ids named in a manager's scope."""
    scopes = session.execute(select(ManagerScope.region_id, ManagerScope.team_id)
                             .where(ManagerScope.user_id == manager_id)).all()
    return [s.region_id for s in scopes if s.region_id], [s.team_id for s in scopes if s.team_id]


def teams_visible_to(session: Session, viewer) -> ColumnElement[bool] | None:
    """The condition on Team for the teams whose learners `viewer` sees (None: every team)."""
    if viewer.has_role(*SEE_EVERYONE):
        return None
    if not viewer.has_role("manager"):
        return false()
    region_ids, team_ids = scope_ids(session, viewer.id)
    return or_(Team.id.in_(team_ids), Team.region_id.in_(region_ids)) if region_ids or team_ids else false()


def regions_managed_by(session: Session, viewer) -> ColumnElement[bool] | None:
    """The condition on Region for the whole regions in `viewer`'s sight (None: every region); a manager of
    one team does not see that team's whole region."""
    if viewer.has_role(*SEE_EVERYONE):
        return None
    if not viewer.has_role("manager"):
        return false()
    region_ids, _team_ids = scope_ids(session, viewer.id)
    return Region.id.in_(region_ids) if region_ids else false()


def may_see(session: Session, viewer, learner_id: int) -> bool:
    condition = learners_visible_to(session, viewer)
    if condition is None:
        return True
    return session.scalar(select(User.id).where(User.id == learner_id, condition)) is not None


def manages(session: Session, viewer, learner_id: int) -> bool:
    """Whether `viewer` is this learner's manager (the learner is in their scope)."""
    condition = managed_learners(session, viewer)
    return session.scalar(select(User.id).where(User.id == learner_id, condition)) is not None
