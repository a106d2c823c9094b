"""Admin rules: users and 片区/团队. Callers commit; these only flush."""
import logging
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from academy.org import team_sums
from academy.org.auth.services import hash_password, revoke_all_sessions, set_one_time_password
from academy.org.models import ROLES, ManagerScope, Region, Team, User

log = logging.getLogger(__name__)

MIN_PASSWORD = 8
USER_LIST_LIMIT = 500
ROLE_LABELS = {"trainee": "学员", "trainer": "讲师", "manager": "经理", "admin": "管理员"}  # also accepted in import files
ROLE_NAMES = {"trainee": _l("学员"), "trainer": _l("讲师"), "manager": _l("经理"), "admin": _l("管理员")}  # shown in the UI


class AdminRejected(Exception):
    """A rule refused the change; reasons are (form field name or None, message).

    Services give lazy translations; `reasons` and `str()` put them into the current language.
    """

    def __init__(self, reasons: list[tuple[str | None, str]]) -> None:
        super().__init__(*(message for _, message in reasons))
        self._reasons = list(reasons)

    @property
    def reasons(self) -> list[tuple[str | None, str]]:
        """(field name or None, message in the current language as plain text; templates escape it)."""
        return [(name, str(message)) for name, message in self._reasons]

    def __str__(self) -> str:
        return "；".join(message for _, message in self.reasons)


@dataclass
class UserData:
    username: str
    display_name: str
    roles: set[str]
    team_id: int | None = None
    password: str | None = None
    active: bool = True
    scope_region_ids: set[int] = field(default_factory=set)
    scope_team_ids: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class UserListing:
    users: list[User]
    truncated: bool


def list_users(session: Session, q: str = "") -> UserListing:
    """Users whose username, name, team or 片区 contains q (at most USER_LIST_LIMIT)."""
    stmt = (select(User).outerjoin(User.team).outerjoin(Team.region)
            .options(selectinload(User.team).selectinload(Team.region)).order_by(User.username))
    if q.strip():
        columns = (User.username, User.display_name, Team.name, Region.name)  # its % and _ taken literally
        stmt = stmt.where(or_(*(c.icontains(q.strip(), autoescape=True) for c in columns)))
    users = list(session.scalars(stmt.limit(USER_LIST_LIMIT + 1)))
    return UserListing(users[:USER_LIST_LIMIT], len(users) > USER_LIST_LIMIT)


def team_choices(session: Session, keep_team_id: int | None = None) -> list[tuple[int, str, str]]:
    """Active teams as (id, team name, 片区 name), plus the user's current team even if inactive."""
    stmt = select(Team).join(Team.region).options(selectinload(Team.region)).order_by(Region.name, Team.name)
    usable = and_(Team.active.is_(True), Region.active.is_(True))
    teams = session.scalars(stmt.where(or_(usable, Team.id == keep_team_id) if keep_team_id else usable))
    return [(t.id, t.name, t.region.name) for t in teams]


def scope_choices(session: Session) -> list[tuple[str, str, str]]:
    """(value, name, 片区 name) for every region ("r:<id>") and team ("t:<id>")."""
    regions = session.scalars(select(Region).options(selectinload(Region.teams)).order_by(Region.name))
    choices = []
    for region in regions:
        choices.append((f"r:{region.id}", region.name, region.name))
        choices += [(f"t:{t.id}", t.name, region.name) for t in region.teams]
    return choices


def _username_taken(session: Session, username: str, user: User | None) -> bool:
    other = session.scalar(select(User.id).where(User.username == username))
    return other is not None and (user is None or other != user.id)


def _password_reasons(password: str | None, required: bool) -> list[tuple[str, str]]:
    if not password:
        return [("password", _l("请设置初始密码。"))] if required else []
    if len(password) < MIN_PASSWORD:
        return [("password", _l("密码至少需要 %(n)s 个字符。", n=MIN_PASSWORD))]
    return []


def _self_reasons(data: UserData, user: User | None, actor_id: int | None) -> list[tuple[str, str]]:
    if user is None or user.id != actor_id:
        return []
    reasons = [] if data.active else [("active", _l("不能停用你自己的账号。"))]
    return reasons + ([] if "admin" in data.roles else [("roles", _l("不能取消你自己的管理员角色。"))])


def _team_reasons(session: Session, data: UserData, user: User | None) -> list[tuple[str, str]]:
    if data.team_id is None:
        return []
    team = session.get(Team, data.team_id)
    if team is None:
        return [("team_id", _l("所选团队不存在。"))]
    unchanged = user is not None and user.team_id == team.id
    return [] if unchanged or (team.active and team.region.active) else [("team_id", _l("所选团队已停用。"))]


def _check_user(session: Session, data: UserData, user: User | None, actor_id: int | None) -> None:
    reasons = [] if data.roles and data.roles <= set(ROLES) else [("roles", _l("请至少选择一个有效角色。"))]
    if _username_taken(session, data.username, user):
        reasons.append(("username", _l("用户名“%(name)s”已存在。", name=data.username)))
    reasons += _password_reasons(data.password, required=user is None)
    reasons += _team_reasons(session, data, user) + _self_reasons(data, user, actor_id)
    if reasons:
        raise AdminRejected(reasons)


def flush_unique(session: Session, reason: tuple[str | None, str]) -> None:
    """Flush inside a savepoint so a unique-constraint race becomes a domain error."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise AdminRejected([reason]) from exc


def _apply(session: Session, user: User, data: UserData) -> None:
    user.username, user.display_name = data.username, data.display_name
    user.team_id, user.active = data.team_id, data.active
    user.set_roles(set(data.roles))
    is_manager = "manager" in data.roles
    regions = {r for r in data.scope_region_ids if session.get(Region, r)} if is_manager else set()
    teams = {t for t in data.scope_team_ids if session.get(Team, t)} if is_manager else set()
    user.scopes[:] = ([ManagerScope(region_id=r) for r in sorted(regions)]
                      + [ManagerScope(team_id=t) for t in sorted(teams)])


def create_user(session: Session, data: UserData) -> User:
    _check_user(session, data, None, None)
    user = User(password_hash=hash_password(data.password or ""))
    _apply(session, user, data)
    session.add(user)
    flush_unique(session, ("username", _l("用户名“%(name)s”已存在。", name=data.username)))
    log.info("admin created user %r (id=%s, roles=%s)", user.username, user.id, sorted(data.roles))
    return user


def update_user(session: Session, user: User, data: UserData, actor_id: int) -> User:
    """Save the edit form; a new password or deactivation ends the user's other logins."""
    _check_user(session, data, user, actor_id)
    was_active = user.active
    with team_sums.moving(session, [user.id], changes_team=True):  # a new team, role or status moves their share
        _apply(session, user, data)
        if data.password:
            user.password_hash = hash_password(data.password)
        flush_unique(session, ("username", _l("用户名“%(name)s”已存在。", name=data.username)))
    if user.id != actor_id and (data.password or (was_active and not data.active)):
        revoke_all_sessions(session, user)
    log.info("admin %s updated user %r (id=%s)", actor_id, user.username, user.id)
    return user


def deactivate_user(session: Session, user: User, actor_id: int) -> None:
    if user.id == actor_id:
        raise AdminRejected([(None, _l("不能停用你自己的账号。"))])
    with team_sums.moving(session, [user.id]):
        user.active = False
    revoke_all_sessions(session, user)
    log.info("admin %s deactivated user %r (id=%s)", actor_id, user.username, user.id)


def reset_password(session: Session, user: User, actor_id: int) -> str:
    """A one-time password for the user (returned once, to show the admin); their logins end, and they must
    choose their own password at the next sign-in.

    :raises AdminRejected: the account is deactivated, or it is the admin's own.
    """
    if not user.active:
        raise AdminRejected([(None, _l("用户“%(name)s”已停用，不能重置密码。如需重置，请先在编辑页启用该账号。",
                                       name=user.username))])
    if user.id == actor_id:
        raise AdminRejected([(None, _l("不能重置你自己的密码，请使用页面顶部的“修改密码”。"))])
    password = set_one_time_password(session, user)
    session.flush()
    log.info("admin %s reset the password of user %r (id=%s)", actor_id, user.username, user.id)
    return password


# ---- 片区 and 团队 -----------------------------------------------------------------------

def org_overview(session: Session) -> list[Region]:
    return list(session.scalars(select(Region).options(selectinload(Region.teams)).order_by(Region.name)))


def active_regions(session: Session) -> list[Region]:
    return list(session.scalars(select(Region).where(Region.active.is_(True)).order_by(Region.name)))


def _clean_name(name: str, problem) -> str:
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise AdminRejected([("name", problem)])
    return name


def _check_region_name(session: Session, name: str, region: Region | None) -> str:
    name = _clean_name(name, _l("片区名称不能为空，且最多 80 个字符。"))
    other = session.scalar(select(Region).where(Region.name == name))
    if other is not None and other is not region:
        raise AdminRejected([("name", _l("片区“%(name)s”已存在。", name=name))])
    return name


def _check_team_name(session: Session, region: Region, name: str, team: Team | None) -> str:
    name = _clean_name(name, _l("团队名称不能为空，且最多 80 个字符。"))
    other = session.scalar(select(Team).where(Team.region_id == region.id, Team.name == name))
    if other is not None and other is not team:
        raise AdminRejected([("name", _l("片区“%(region)s”下已有团队“%(name)s”。", region=region.name, name=name))])
    return name


def create_region(session: Session, name: str) -> Region:
    region = Region(name=_check_region_name(session, name, None))
    session.add(region)
    flush_unique(session, ("name", _l("片区“%(name)s”已存在。", name=region.name)))
    log.info("admin created region %r (id=%s)", region.name, region.id)
    return region


def update_region(session: Session, region: Region, name: str, active: bool) -> Region:
    region.name, region.active = _check_region_name(session, name, region), active
    flush_unique(session, ("name", _l("片区“%(name)s”已存在。", name=region.name)))
    log.info("admin updated region id=%s: %r active=%s", region.id, region.name, active)
    return region


def create_team(session: Session, region_id: int, name: str) -> Team:
    region = session.get(Region, region_id)
    if region is None or not region.active:
        raise AdminRejected([("region_id", _l("所选片区不存在或已停用。"))])
    team = Team(region=region, name=_check_team_name(session, region, name, None))
    session.add(team)
    flush_unique(session, ("name", _l("片区“%(region)s”下已有团队“%(name)s”。", region=region.name, name=team.name)))
    log.info("admin created team %r in region %r (id=%s)", team.name, region.name, team.id)
    return team


def update_team(session: Session, team: Team, name: str, active: bool) -> Team:
    team.name, team.active = _check_team_name(session, team.region, name, team), active
    flush_unique(session, ("name", _l("片区“%(region)s”下已有团队“%(name)s”。", region=team.region.name, name=team.name)))
    log.info("admin updated team id=%s: %r active=%s", team.id, team.name, active)
    return team
