"""Bulk user import: validate every row first, then create all users or none. Callers commit."""
import logging
import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from argon2 import PasswordHasher
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from academy.org.admin import handouts
from academy.org.admin.importer import ImportRow
from academy.org.admin.services import MIN_PASSWORD, ROLE_LABELS, flush_unique
from academy.org.auth.services import one_time_password
from academy.org.models import ROLES, Region, Team, User

log = logging.getLogger(__name__)

ROLE_ALIASES = {**{r: r for r in ROLES}, **{label: role for role, label in ROLE_LABELS.items()}}
ROLE_SEPARATORS = re.compile(r"[,，;；、]")
# OWASP floor for argon2id (t=2, m=19 MiB, p=1): a 5,000-row import stays around a minute
# instead of ~10. authenticate() rehashes with the full parameters on first login.
IMPORT_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@dataclass(frozen=True)
class RowProblem:
    line: int
    username: str
    reasons: tuple[str, ...]  # lazy translations until read through ImportRejected.problems


@dataclass(frozen=True)
class ImportedUser:
    line: int
    username: str
    display_name: str
    generated_password: str | None
    team: str = ""  # "片区 / 团队", or empty


@dataclass(frozen=True)
class ImportOutcome:
    imported: list[ImportedUser]
    handout_token: str | None  # the one download of the generated passwords; None when none were generated

    @property
    def generated(self) -> int:
        return sum(1 for user in self.imported if user.generated_password)


class ImportRejected(Exception):
    """At least one row is invalid; nothing was imported."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"{len(problems)} 行有错误")
        self._problems = problems

    @property
    def problems(self) -> list[RowProblem]:
        """The bad rows, their reasons in the current language as plain text (templates escape it)."""
        return [replace(p, reasons=tuple(str(reason) for reason in p.reasons)) for p in self._problems]


@dataclass
class _Plan:
    line: int
    username: str
    display_name: str
    roles: set[str]
    team_id: int | None
    password: str | None
    team: str = ""


class _OrgLookup:
    """All 片区 and teams by name, loaded once per import."""

    def __init__(self, session: Session) -> None:
        self.regions = {r.name: r for r in session.scalars(select(Region))}
        self.teams: dict[str, list[Team]] = {}
        self.labels: dict[int, str] = {}
        for team in session.scalars(select(Team).options(selectinload(Team.region))):
            self.teams.setdefault(team.name, []).append(team)
            self.labels[team.id] = f"{team.region.name} / {team.name}"

    def region_reason(self, name: str) -> str | None:
        if name and name not in self.regions:
            return _l("未知片区“%(name)s”", name=name)
        return _l("片区“%(name)s”已停用", name=name) if name and not self.regions[name].active else None

    def team(self, region: str, name: str) -> tuple[int | None, str | None]:
        if not name:
            return None, self.region_reason(region)
        matches = [t for t in self.teams.get(name, []) if not region or t.region.name == region]
        if not matches:
            unknown = (_l("未知团队“%(name)s”（片区“%(region)s”下）", name=name, region=region) if region
                       else _l("未知团队“%(name)s”", name=name))
            return None, self.region_reason(region) or unknown
        if len(matches) > 1:
            return None, _l("多个片区都有团队“%(name)s”，请填写片区", name=name)
        team = matches[0]
        return (team.id, None) if team.active and team.region.active else (None, _l("团队“%(name)s”已停用", name=name))


def parse_roles(text: str) -> tuple[set[str], list[str]]:
    """'学员、讲师' or 'trainee, trainer' → roles; an empty cell means 学员."""
    names = [n.strip() for n in ROLE_SEPARATORS.split(text or "") if n.strip()]
    roles = {ROLE_ALIASES.get(n.lower()) for n in names} - {None}
    unknown = [_l("未知角色“%(name)s”", name=n) for n in names if n.lower() not in ROLE_ALIASES]
    return (roles or {"trainee"}), unknown


def _existing_usernames(session: Session, names: Iterable[str]) -> set[str]:
    names, found = sorted(set(names) - {""}), set()
    for start in range(0, len(names), 500):
        chunk = names[start:start + 500]
        found.update(session.scalars(select(User.username).where(User.username.in_(chunk))))
    return found


def _username_reasons(username: str, line: int, existing: set[str], seen: dict[str, int]) -> list[str]:
    if not username:
        return [_l("缺少用户名")]
    if len(username) > 64:
        return [_l("用户名超过 64 个字符")]
    if username in seen:
        return [_l("用户名“%(name)s”与第 %(line)s 行重复", name=username, line=seen[username])]
    seen[username] = line
    return [_l("用户名“%(name)s”已存在", name=username)] if username in existing else []


def _plan_row(row: ImportRow, lookup: _OrgLookup, existing: set[str], seen: dict[str, int]):
    username, password = row.get("username"), row.get("password")
    reasons = _username_reasons(username, row.line, existing, seen)
    display_name = row.get("display_name") or username
    if len(display_name) > 80:
        reasons.append(_l("姓名超过 80 个字符"))
    roles, role_reasons = parse_roles(row.get("roles"))
    team_id, team_reason = lookup.team(row.get("region"), row.get("team"))
    reasons += role_reasons + ([team_reason] if team_reason else [])
    if password and len(password) < MIN_PASSWORD:
        reasons.append(_l("密码太短（至少 %(n)s 个字符）", n=MIN_PASSWORD))
    plan = _Plan(row.line, username, display_name, roles, team_id, password or None, lookup.labels.get(team_id, ""))
    return plan, reasons


def _hash_all(passwords: list[str]) -> list[str]:
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(IMPORT_HASHER.hash, passwords))


def _create_planned(session: Session, plans: list[_Plan]) -> list[ImportedUser]:
    generated = {p.line: one_time_password() for p in plans if not p.password}
    hashes = _hash_all([p.password or generated[p.line] for p in plans])
    for plan, password_hash in zip(plans, hashes, strict=True):
        # Whoever prepared the file knows every password in it: each user chooses their own at first sign-in.
        user = User(username=plan.username, display_name=plan.display_name, team_id=plan.team_id,
                    password_hash=password_hash, must_change_password=True)
        user.set_roles(plan.roles)
        session.add(user)
    flush_unique(session, (None, _l("导入时有用户名已被占用（可能有人同时创建了同名用户），请重新上传。")))
    return [ImportedUser(p.line, p.username, p.display_name, generated.get(p.line), p.team) for p in plans]


def import_users(session: Session, rows: list[ImportRow]) -> list[ImportedUser]:
    """Check every row, then create all users or none.

    :raises ImportRejected: with one RowProblem per bad row; nothing is added.
    """
    lookup, seen = _OrgLookup(session), {}
    existing = _existing_usernames(session, (r.get("username") for r in rows))
    plans, problems = [], []
    for row in rows:
        plan, reasons = _plan_row(row, lookup, existing, seen)
        plans.append(plan)
        if reasons:
            problems.append(RowProblem(row.line, plan.username, tuple(reasons)))
    if problems:
        raise ImportRejected(problems)
    imported = _create_planned(session, plans)
    log.info("admin imported %d users", len(imported))
    return imported


def import_with_handout(session: Session, rows: list[ImportRow], admin_id: int) -> ImportOutcome:
    """import_users, and the generated passwords kept for one download by the importing admin."""
    imported = import_users(session, rows)
    handout = [[u.username, u.display_name, u.team, u.generated_password] for u in imported if u.generated_password]
    return ImportOutcome(imported, handouts.keep(session, admin_id, handout) if handout else None)
