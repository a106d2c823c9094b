"""Assignments: create, change the due date, cancel (managers within their scope, admins everywhere); audited."""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from academy.learning.assignments import targets
from academy.learning.assignments.status import assignment_scope
from academy.learning.content.catalog import Catalog
from academy.learning.models import Assignment
from academy.org import audit
from academy.org.models import Region, Team, User, UserRole, utcnow
from academy.org.scope import learners_visible_to, regions_managed_by, teams_visible_to

MAX_NOTE = 200
MAX_DAYS_AHEAD = 730  # a due date more than two years ahead is a typing error
MAX_PEOPLE_SHOWN = 50
MAX_QUERY = 40


class AssignmentRejected(Exception):
    """A rule refused the change; `field` names the form field (or None), `status` the HTTP status."""

    def __init__(self, message, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self._message, self.field, self.status = message, field, status

    @property
    def message(self) -> str:
        return str(self._message)


@dataclass(frozen=True)
class AssignmentData:
    target: str  # "module:<id>", "quiz:<id>" or "stage:<stage>"
    assignee: str  # "r:<region id>", "t:<team id>" or "u:<user id>"
    due_on: date | None
    note: str = ""


def _parse_id(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 12 else None


@dataclass(frozen=True)
class AssigneeChoices:
    """The select options grouped by 片区 / 团队 / 人员; people only those matching the search, `more` when more
    matched than are listed (a whole company's names would not fit in a select)."""
    groups: dict[str, list[tuple[str, str]]]
    query: str
    more: bool


def clean_query(text: str | None) -> str:
    """The people search as typed, without control characters (PostgreSQL refuses NUL), at most MAX_QUERY long."""
    return "".join(c for c in (text or "") if c.isprintable()).strip()[:MAX_QUERY]


def find_people(session: Session, viewer, query: str) -> tuple[list[tuple[str, str]], bool]:
    """Active trainees in `viewer`'s scope whose name or username contains `query` (LIKE, its wildcards taken
    literally), at most MAX_PEOPLE_SHOWN, and whether there were more."""
    if not query:
        return [], False
    condition = learners_visible_to(session, viewer)
    people = session.execute(
        select(User.id, User.display_name, User.username).where(
            User.active, User.id.in_(select(UserRole.user_id).where(UserRole.role == "trainee")),
            or_(User.display_name.icontains(query, autoescape=True), User.username.icontains(query, autoescape=True)),
            *(() if condition is None else (condition,)))
        .order_by(User.display_name, User.id).limit(MAX_PEOPLE_SHOWN + 1)).all()
    return [(f"u:{p.id}", f"{p.display_name}（{p.username}）") for p in people[:MAX_PEOPLE_SHOWN]], len(people) > MAX_PEOPLE_SHOWN


def assignee_choices(session: Session, viewer, query: str = "") -> AssigneeChoices:
    """What `viewer` may assign to: every 片区 and team in their scope, and the people their search finds."""
    regions_condition = regions_managed_by(session, viewer)
    regions = session.scalars(select(Region).where(Region.active, *(() if regions_condition is None else (regions_condition,)))
                              .order_by(Region.name)).all()
    teams_condition = teams_visible_to(session, viewer)
    teams = session.execute(select(Team.id, Team.name, Region.name.label("region")).join(Region)
                            .where(Team.active, *(() if teams_condition is None else (teams_condition,)))
                            .order_by(Region.name, Team.name)).all()
    query = clean_query(query)
    people, more = find_people(session, viewer, query)
    return AssigneeChoices({
        "region": [(f"r:{r.id}", r.name) for r in regions],
        "team": [(f"t:{t.id}", f"{t.region} · {t.name}") for t in teams],
        "user": people,
    }, query, more)


def _resolve_assignee(session: Session, viewer, assignee: str) -> dict:
    """The assignee columns, refusing anything outside the viewer's scope (403) or unknown (404)."""
    prefix, _, raw = (assignee or "").partition(":")
    object_id = _parse_id(raw)
    model = {"r": Region, "t": Team, "u": User}.get(prefix)
    if model is None or object_id is None:
        raise AssignmentRejected(_l("请选择分配对象：片区、团队或人员。"), "assignee")
    row = session.get(model, object_id)
    if row is None or not getattr(row, "active", True):
        raise AssignmentRejected(_l("所选的分配对象不存在。"), "assignee", 404)
    condition = {"r": regions_managed_by, "t": teams_visible_to, "u": learners_visible_to}[prefix](session, viewer)
    if condition is not None and session.scalar(select(model.id).where(model.id == object_id, condition)) is None:
        raise AssignmentRejected(_l("只能分配给你管辖范围内的片区、团队或人员。"), "assignee", 403)
    return {"r": {"region_id": object_id}, "t": {"team_id": object_id}, "u": {"user_id": object_id}}[prefix]


def _resolve_target(catalog: Catalog, target: str) -> tuple[str, str]:
    kind, _, target_id = (target or "").partition(":")
    if kind not in targets.KINDS or not targets.exists(catalog, kind, target_id):
        raise AssignmentRejected(_l("请选择要分配的模块、测验或商机阶段演练。"), "target")
    return kind, target_id


def check_due(due_on: date | None, today: date) -> date:
    if due_on is None:
        raise AssignmentRejected(_l("请填写截止日期（格式 YYYY-MM-DD）。"), "due_on")
    if due_on < today:
        raise AssignmentRejected(_l("截止日期不能早于今天。"), "due_on")
    if due_on > today + timedelta(days=MAX_DAYS_AHEAD):
        raise AssignmentRejected(_l("截止日期不能超过两年以后。"), "due_on")
    return due_on


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise AssignmentRejected(_l("备注最多 %(n)d 个字符。", n=MAX_NOTE), "note")
    return note


def create_assignment(session: Session, viewer, catalog: Catalog, data: AssignmentData, today: date) -> Assignment:
    kind, target_id = _resolve_target(catalog, data.target)
    assignee = _resolve_assignee(session, viewer, data.assignee)
    assignment = Assignment(kind=kind, target_id=target_id, due_on=check_due(data.due_on, today),
                            note=_check_note(data.note), created_by=viewer.id, created_at=utcnow(), **assignee)
    session.add(assignment)
    session.flush()
    audit.record(session, viewer.id, "assignment.create", "assignment", assignment.id,
                 detail={"kind": kind, "target": target_id, "due_on": assignment.due_on.isoformat(), **assignee})
    return assignment


def visible_assignment(session: Session, viewer, assignment_id: int) -> Assignment | None:
    """The assignment if `viewer` may see and change it (None: unknown or outside their scope alike)."""
    condition = assignment_scope(session, viewer)
    query = select(Assignment).where(Assignment.id == assignment_id)
    return session.scalar(query if condition is None else query.where(condition))


def visible_assignments(session: Session, viewer, include_cancelled: bool = False, limit: int = 500) -> list[Assignment]:
    condition = assignment_scope(session, viewer)
    query = select(Assignment).order_by(Assignment.cancelled_at.is_not(None), Assignment.due_on, Assignment.id).limit(limit)
    if condition is not None:
        query = query.where(condition)
    if not include_cancelled:
        query = query.where(Assignment.cancelled_at.is_(None))
    return list(session.scalars(query))


def assignee_names(session: Session, assignments: list[Assignment]) -> dict[int, str]:
    """Each assignment's assignee as a label (three statements, whatever the number of assignments)."""
    region_ids = {a.region_id for a in assignments if a.region_id}
    team_ids = {a.team_id for a in assignments if a.team_id}
    user_ids = {a.user_id for a in assignments if a.user_id}
    regions = dict(session.execute(select(Region.id, Region.name).where(Region.id.in_(region_ids))).all()) if region_ids else {}
    teams = dict(session.execute(select(Team.id, Team.name).where(Team.id.in_(team_ids))).all()) if team_ids else {}
    users = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()) if user_ids else {}
    return {a.id: (str(_l("片区")) + "·" + regions.get(a.region_id, "?") if a.region_id else
                   str(_l("团队")) + "·" + teams.get(a.team_id, "?") if a.team_id else
                   users.get(a.user_id, "?")) for a in assignments}


def update_assignment(session: Session, viewer, assignment: Assignment, due_on: date | None, note: str, today: date) -> None:
    if assignment.cancelled_at is not None:
        raise AssignmentRejected(_l("该分配已取消，不能再修改。"), None, 409)
    before = {"due_on": assignment.due_on.isoformat(), "note": assignment.note}
    assignment.due_on = check_due(due_on, today)
    assignment.note = _check_note(note)
    session.flush()
    audit.record(session, viewer.id, "assignment.update", "assignment", assignment.id,
                 detail={"before": before, "after": {"due_on": assignment.due_on.isoformat(), "note": assignment.note}})


def cancel_assignment(session: Session, viewer, assignment: Assignment) -> None:
    if assignment.cancelled_at is not None:
        raise AssignmentRejected(_l("该分配已经取消。"), None, 409)
    assignment.cancelled_at = utcnow()
    session.flush()
    audit.record(session, viewer.id, "assignment.cancel", "assignment", assignment.id,
                 detail={"kind": assignment.kind, "target": assignment.target_id})
