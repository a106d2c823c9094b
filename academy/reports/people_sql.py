"""Whose data a report shows: the learners the viewer may see (academy.org.scope.visibility, the one
rule), narrowed by the page's region and team filters.  Every report query joins through `ReportScope.people`,
so a foreign id can only ever narrow the set to nobody.

Every report statement is built once per shape — what it filters on, never the values — and bound per call
(`ReportScope.rows`): building and keying a statement of this size cost more Python than running it on a
one-team page (bench/README.md).  The values are parameters: `seen` (the viewer's teams or own id), `team_id`,
`region_id`, `since_at` and `until_at`, plus those a statement names itself.
"""
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Select, bindparam, exists, select, union_all
from sqlalchemy.orm import Session

from academy.learning.content.catalog import Catalog
from academy.org.models import Region, Team, User, UserRole
from academy.org.scope import visibility, visible_as_parameter
from academy.reports.filters import Filters

SINCE = bindparam("since_at")  # typed by the column it is compared with
UNTIL = bindparam("until_at")
STATEMENTS_KEPT = 1024


@dataclass
class ReportScope:
    """The viewer's learners under the filters, as SQL; built once per request (one scope query)."""

    visible: tuple  # whom the viewer sees, as data (academy.org.scope.visibility); the assignment status takes it too
    filters: Filters
    catalog: Catalog  # the content measured: the statements name its lessons and quizzes

    @classmethod
    def of(cls, session: Session, viewer, filters: Filters, catalog: Catalog) -> "ReportScope":
        return cls(visibility(session, viewer), filters, catalog)

    @cached_property
    def shape(self) -> tuple:
        """What the statements filter on (the visibility's kind, which filters are set), never the values."""
        f = self.filters
        return (self.visible[0], f.team_id is not None, f.region_id is not None, f.since is not None,
                f.until is not None, f.module_id)

    @cached_property
    def parameters(self) -> dict:
        f = self.filters
        return {"seen": self.visible[1], "team_id": f.team_id, "region_id": f.region_id, "since_at": f.since_at,
                "until_at": f.until_at}

    def rows(self, session: Session, name: str, build: Callable, key: Hashable = (), **values) -> list:
        """The rows of the statement `build()` makes for this scope's shape (built once per name, shape, `key` —
        whatever else it depends on —, content and database kind), bound to this scope's values and `values`."""
        return self.execute(session, name, build, key, **values).all()

    def execute(self, session: Session, name: str, build: Callable, key: Hashable = (), **values):
        dialect = session.get_bind().dialect.name
        statement = self.catalog.derived("report-statements", (name, dialect, self.shape, key), build, STATEMENTS_KEPT)
        return session.connection().execute(statement, {**self.parameters, **values})

    @cached_property
    def condition(self):
        """The condition on User for `visible` (the parameter `seen`); None = everyone."""
        return visible_as_parameter(self.visible[0])

    def learner_conditions(self, team_filter: bool = True) -> list:
        """Active trainees the viewer may see, in the filtered region/team."""
        conditions = [User.active.is_(True),
                      exists().where(UserRole.user_id == User.id, UserRole.role == "trainee")]
        if self.condition is not None:
            conditions.append(self.condition)
        if team_filter and self.filters.team_id is not None:
            conditions.append(User.team_id == bindparam("team_id"))
        if team_filter and self.filters.region_id is not None:
            conditions.append(User.team_id.in_(select(Team.id).where(Team.region_id == bindparam("region_id"))))
        return conditions

    def team_conditions(self, team_id) -> list | None:
        """The conditions on the `team_id` column of a team sum (academy.org.team_sums) for the teams in scope,
        or None when the viewer sees only themselves (the sums cannot answer)."""
        kind = self.visible[0]
        if kind == "self":
            return None
        conditions = [team_id.in_(bindparam("seen", expanding=True))] if kind == "teams" else []
        if self.filters.team_id is not None:
            conditions.append(team_id == bindparam("team_id"))
        if self.filters.region_id is not None:
            conditions.append(team_id.in_(select(Team.id).where(Team.region_id == bindparam("region_id"))))
        return conditions

    def dated(self, column) -> list:
        """The conditions putting `column` in the date range of the filters."""
        f = self.filters
        return ([column >= SINCE] if f.since else []) + ([column < UNTIL] if f.until else [])

    @property
    def includes_unteamed(self) -> bool:
        """Whether the scope has learners in no team (whom no team sum counts): everyone, unfiltered."""
        return self.visible[0] == "everyone" and self.filters.team_id is None and self.filters.region_id is None

    def team_sums_or_learners(self, team_id, team_rows, learner_rows, sums_answer: bool = True):
        """`team_rows(conditions)` from a team sum for the teams in scope (`team_id`: the sum's column), with
        `learner_rows(learners)` for the learners in scope who are in no team, whom no sum counts (`learners`: a
        SELECT of their ids); `learner_rows` of every learner in scope where the sums do not answer (not
        `sums_answer`, or a viewer who sees only themselves)."""
        teams = self.team_conditions(team_id) if sums_answer else None
        if teams is None:
            return learner_rows(self.user_ids())
        rows = team_rows(teams)
        if not self.includes_unteamed:
            return rows
        return union_all(rows, learner_rows(self.user_ids().where(User.team_id.is_(None))))

    def people(self) -> Select:
        """(user_id, team_id) of the learners in scope: the subquery every report joins."""
        return select(User.id.label("user_id"), User.team_id.label("team_id")).where(*self.learner_conditions())

    def user_ids(self) -> Select:
        return select(User.id).where(*self.learner_conditions())


def visible_teams(session: Session, scope: ReportScope) -> list:
    """(region_id, region_name, team_id, team_name) of the teams with a learner the viewer may see (all teams
    for those who see everyone), ordered for the filter menus: one statement."""
    def build():
        query = (select(Region.id.label("region_id"), Region.name.label("region_name"), Team.id.label("team_id"),
                        Team.name.label("team_name"))
                 .join(Region, Team.region_id == Region.id).order_by(Region.name, Team.name))
        if scope.condition is not None:
            query = query.where(exists().where(User.team_id == Team.id, *scope.learner_conditions(team_filter=False)))
        return query

    return scope.rows(session, "visible_teams", build)
