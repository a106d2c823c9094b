"""Assignment status in SQL: every query about who has which assignment and how far they are lives here.

Who has an assignment is worked out when it is read: a person assignment applies to that person; a team or
region assignment applies to the active trainees who are in that team or region now (a new member inherits
it, one who moves away leaves it).  The status of each (assignment, learner) is counted in one statement from
what the learner has met and touched of the target's requirements (academy.learning.assignments.targets), kept
per learner and target in learner_target (academy.learning.target_rows):

- 已完成 done: every requirement met (lessons completed, quizzes passed by their grading method);
- 已逾期 overdue: not done and the due date has passed;
- 学习中 in_progress: a lesson completed or a quiz attempted;
- 未开始 not_started: otherwise.

Nothing is loaded per learner or per assignment in Python: a page makes the same number of statements
whatever the size of the organisation.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, String, and_, bindparam, case, exists, false, func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from academy.learning import target_rows
from academy.learning.content.catalog import Catalog
from academy.learning.models import Assignment, LearnerTarget, LearnerTargetStamp
from academy.org.models import Team, User, UserRole
from academy.org.scope import learners_visible_to, scope_ids, visibility, visible_as_parameter

STATUSES = ("not_started", "in_progress", "done", "overdue")
STATUS_LABELS = {"not_started": _l("未开始"), "in_progress": _l("学习中"), "done": _l("已完成"), "overdue": _l("已逾期")}
MAX_ROWS = 5000  # per page; a list longer than this is cut (the reports page the rest)
TODAY = bindparam("today", type_=Date)
VERSION = bindparam("targets_version", type_=String)


def _is_trainee(user):
    return exists().where(UserRole.user_id == user.id, UserRole.role == "trainee")


def _learners_of_assignments(assignment_conditions: list, learner_conditions: list):
    """(assignment_id, learner_id) for the assignments and learners meeting these conditions, where the
    assignment applies to the learner now: it names them; or they are a trainee in its team, or in a team of
    its region.  A UNION ALL of three joins, each walking an index with the conditions inside it (one OR over
    the three columns made the database try every learner for every assignment); an assignment has one kind
    of target, so no pair appears twice."""
    where = [Assignment.cancelled_at.is_(None), *assignment_conditions, *learner_conditions]
    trainee = _is_trainee(User)
    person = (select(Assignment.id.label("assignment_id"), User.id.label("learner_id"))
              .join(User, User.id == Assignment.user_id).where(*where))
    team = select(Assignment.id, User.id).join(User, User.team_id == Assignment.team_id).where(trainee, *where)
    region = (select(Assignment.id, User.id).join(Team, Team.region_id == Assignment.region_id)
              .join(User, User.team_id == Team.id).where(trainee, *where))
    return union_all(person, team, region).cte("applies")


def assignment_scope(session: Session, viewer):
    """The condition on Assignment for those `viewer` may see and change: admins every one; a manager those
    given to a region, team or person in their scope; anyone else none (learners read theirs through
    `assignment_status_rows`)."""
    if viewer.has_role("admin"):
        return None
    if not viewer.has_role("manager"):
        return false()
    region_ids, team_ids = scope_ids(session, viewer.id)
    in_regions = select(Team.id).where(Team.region_id.in_(region_ids))
    visible = learners_visible_to(session, viewer)
    people = select(User.id).where(visible) if visible is not None else select(User.id)
    return or_(Assignment.region_id.in_(region_ids), Assignment.team_id.in_(team_ids),
               Assignment.team_id.in_(in_regions), Assignment.user_id.in_(people))


@dataclass(frozen=True)
class Shape:
    """What a status statement filters on; each shape is built once per content version and database kind and
    bound per call (building the expression, whose requirements are a table of literals, cost several times
    running it on a report page).  The values are parameters: see `_shape_and_parameters`."""

    visible: str = "everyone"  # academy.org.scope.visibility: everyone, self or teams
    mine: bool = False  # only the viewer's own assignments, whatever their roles
    assignments: bool = False  # only the assignment ids given
    learner: bool = False  # only one learner
    team: bool = False  # only the learners of one team
    region: bool = False  # only the learners of one region
    overdue_only: bool = False  # only assignments already due (none of the others' rows can be overdue)
    recount_stale: bool = True  # count learners whose kept rows are not current from their records (`_counts`)


def _shape_and_parameters(session: Session, viewer, catalog: Catalog, today: date, *, assignment_ids=None, learner_id=None,
                          mine: bool = False, overdue_only: bool = False, team_id=None, region_id=None, visible=None,
                          recount_stale: bool = True):
    """The shape of the statement a call needs, and the values of its parameters."""
    if viewer is None or mine:
        visible = ("everyone", None)
    visible, seen = visible or visibility(session, viewer)
    shape = Shape(visible=visible, mine=mine, assignments=assignment_ids is not None, learner=learner_id is not None,
                  team=team_id is not None, region=region_id is not None, overdue_only=overdue_only,
                  recount_stale=recount_stale)
    parameters = {"today": today, "targets_version": target_rows.version(catalog), "viewer_id": viewer.id if mine else None, "seen": seen,
                  "assignment_ids": list(assignment_ids or ()),
                  "learner_id": learner_id, "team_id": team_id, "region_id": region_id}
    return shape, parameters


def _conditions(shape: Shape) -> tuple[list, list]:
    """The conditions on Assignment and on the learner (User) for a shape, with the values as parameters."""
    learners = [User.active]
    if shape.mine:
        learners.append(User.id == bindparam("viewer_id"))
    elif (visible := visible_as_parameter(shape.visible)) is not None:
        learners.append(visible)
    if shape.learner:
        learners.append(User.id == bindparam("learner_id"))
    if shape.team:
        learners.append(User.team_id == bindparam("team_id"))
    if shape.region:
        learners.append(User.team_id.in_(select(Team.id).where(Team.region_id == bindparam("region_id"))))
    assignments = []
    if shape.assignments:
        assignments.append(Assignment.id.in_(bindparam("assignment_ids", expanding=True)))
    if shape.overdue_only:
        assignments.append(Assignment.due_on < TODAY)
    return assignments, learners


def _statement(catalog: Catalog, dialect_name: str, shape: Shape, build):
    """The statement `build(counts)` makes of the counts for this shape, built once per content version."""
    def compute():
        return build(_counts(catalog, dialect_name, *_conditions(shape), recount_stale=shape.recount_stale))

    return catalog.derived("assignment-status", (dialect_name, shape, build), compute, 64)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _counts(catalog: Catalog, dialect_name: str, assignments: list, learners: list, recount_stale: bool = True):
    """The counts per (assignment, learner) for the assignments and learners meeting these conditions: the
    learner's learner_target row for the target where their rows are stamped with the current requirements,
    else counted from their records by the same rule (academy.learning.target_rows).  Each row says whether its
    learner's kept rows were current (`current`).  Without `recount_stale` the records are not read: a learner
    whose rows are not current counts as having met and touched nothing, and the caller must count them again."""
    applies = _learners_of_assignments(assignments, learners)
    needs = target_rows.needs_table(catalog, dialect_name)
    kept, current = aliased(LearnerTarget), aliased(LearnerTargetStamp)
    # each pair with whether its learner's rows are stamped with the current requirements, looked up once
    stamped = (select(applies.c.assignment_id, applies.c.learner_id, current.user_id.is_not(None).label("current"))
               .outerjoin(current, and_(current.user_id == applies.c.learner_id, current.version == VERSION))
               .cte("stamped"))
    learner, is_current = stamped.c.learner_id, stamped.c.current
    source = (stamped.join(Assignment, Assignment.id == stamped.c.assignment_id)
              .outerjoin(needs, and_(needs.c.kind == Assignment.kind, needs.c.target_id == Assignment.target_id))
              .outerjoin(kept, and_(is_current, kept.user_id == learner, kept.kind == Assignment.kind,
                                    kept.target_id == Assignment.target_id)))
    met, touched = [kept.met], [kept.touched]
    if recount_stale:
        stale = select(learner.label("user_id")).where(~is_current)
        live = target_rows.progress(target_rows.requirements_table(catalog, dialect_name),
                                    lambda user_id: user_id.in_(stale)).subquery("live")
        source = source.outerjoin(live, and_(~is_current, live.c.user_id == learner, live.c.kind == Assignment.kind,
                                             live.c.target_id == Assignment.target_id))
        met, touched = [*met, live.c.met], [*touched, live.c.touched]
    counts = select(Assignment.id.label("assignment_id"), learner.label("learner_id"),
                    func.coalesce(needs.c.needed, 0).label("needed"), func.coalesce(*met, 0).label("met"),
                    func.coalesce(*touched, 0).label("touched"), is_current).select_from(source)
    return counts.subquery("counts")


def _status_expression(counts):
    done = and_(counts.c.needed > 0, counts.c.met == counts.c.needed)
    return case((done, "done"), (Assignment.due_on < TODAY, "overdue"), (counts.c.touched > 0, "in_progress"),
                else_="not_started")


def assignment_status_rows(session: Session, viewer, catalog: Catalog, today: date, *, assignment_ids=None,
                           learner_id=None, status: str | None = None, mine: bool = False, limit: int = MAX_ROWS,
                           team_id: int | None = None, region_id: int | None = None, visible: tuple | None = None,
                           recount_stale: bool = True):
    """The (assignment, learner, status) rows `viewer` may see (viewer None: everyone, for the reminders),
    ordered by due date and learner name, at most `limit` of them; each row's `total` counts them all.
    `mine`: only the viewer's own assignments, whatever their roles; team_id / region_id: only the learners of
    that team or region; `visible`: whom the viewer sees (academy.org.scope.visibility) when the caller has it;
    `recount_stale` False: rows whose `current` is false are wrong (see `_counts`)."""
    shape, parameters = _shape_and_parameters(session, viewer, catalog, today, assignment_ids=assignment_ids, learner_id=learner_id,
                                              mine=mine, overdue_only=status == "overdue", team_id=team_id,
                                              region_id=region_id, visible=visible, recount_stale=recount_stale)
    statement = _statement(catalog, _dialect(session), shape, _rows_builder(status, limit))
    return session.connection().execute(statement, parameters).all()


@cache
def _rows_builder(status: str | None, limit: int):
    """One function per (status, limit), so that it can be part of a statement's cache key."""
    return lambda counts: _rows(counts, status, limit)


def _rows(counts, status: str | None, limit: int):
    status_column = _status_expression(counts).label("status")
    team = aliased(Team)
    query = (select(Assignment.id.label("assignment_id"), Assignment.kind, Assignment.target_id, Assignment.due_on,
                    Assignment.note, Assignment.region_id.label("to_region"), Assignment.team_id.label("to_team"),
                    Assignment.user_id.label("to_user"), User.id.label("learner_id"), User.display_name,
                    User.username, User.team_id, team.name.label("team_name"), team.region_id,
                    counts.c.needed, counts.c.met, counts.c.current, status_column,
                    func.count().over().label("total"))  # all the rows, before the limit: "showing 50 of 3,120"
             .select_from(counts)
             .join(Assignment, Assignment.id == counts.c.assignment_id)
             .join(User, User.id == counts.c.learner_id)
             .outerjoin(team, team.id == User.team_id)
             .order_by(Assignment.due_on, Assignment.id, User.display_name, User.id).limit(limit))
    return query.where(status_column == status) if status is not None else query


def _per_status(counts):
    status_column = _status_expression(counts)
    return (select(counts.c.assignment_id, status_column.label("status"), func.count().label("n"))
            .select_from(counts).join(Assignment, Assignment.id == counts.c.assignment_id)
            .group_by(counts.c.assignment_id, status_column))


def status_counts(session: Session, viewer, catalog: Catalog, today: date, assignment_ids) -> dict[int, dict[str, int]]:
    """Per assignment, how many of the learners `viewer` sees are in each status (one statement)."""
    ids = list(assignment_ids)
    if not ids:
        return {}
    shape, parameters = _shape_and_parameters(session, viewer, catalog, today, assignment_ids=ids)
    rows = session.connection().execute(_statement(catalog, _dialect(session), shape, _per_status), parameters).all()
    result: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    for row in rows:
        result[row.assignment_id][row.status] = row.n
    return {i: result[i] for i in ids}


MY_ROWS = 200


def my_assignments(session: Session, user, catalog: Catalog, today: date) -> tuple:
    """The signed-in learner's open assignments as plain tuples (a shared page's state):
    (assignment id, kind, target id, due date, note, status).

    Read from the learner's kept rows, and counted from their records only when those predate the current
    requirements (a content change since the learner's last lesson or quiz).  The learner's home page thus
    runs the statement without the recount, a sixth of its size, on nearly every visit (bench/README.md)."""
    rows = assignment_status_rows(session, user, catalog, today, mine=True, limit=MY_ROWS, recount_stale=False)
    if not all(row.current for row in rows):
        rows = assignment_status_rows(session, user, catalog, today, mine=True, limit=MY_ROWS)
    return tuple((r.assignment_id, r.kind, r.target_id, r.due_on.isoformat(), r.note, r.status) for r in rows)
