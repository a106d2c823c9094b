"""Sums per team of per-learner rows, kept as those rows change: what lets a report over a whole organisation
read a few rows per team instead of every learner's (bench/reports.py).

A team sum adds up, per team, a per-learner SELECT declared by the part of the product that owns the rows
(academy.learning.team_rows: what each learner answered per concept, completed per module, did per week, passed
per quiz).  Only active trainees in a team count, as in the reports' scope (academy.org.scope).  Two things
change a sum:

- the learner's rows change (grading, a completed lesson, a regrade): the service that rewrites them does so
  inside `moving(...)`;
- the learner's membership changes (team, active, roles: academy.org.admin.services): the same `moving(...)`
  around the change.

`moving` takes the learners' share out of their teams' sums, lets the caller change the rows or the
membership, and adds the share back, by the same statement with the opposite sign: one rule for both, and the
sums always equal a recount (tests/test_progress_rows.py).  On databases that run writers side by side the
learners and their teams are locked first, so that two transactions of one team take turns rather than lock
each other's rows in opposite orders between the two statements.
"""
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Integer, Select, Table, bindparam, delete, exists, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from academy.org.models import Team, User, UserRole
from academy.platform.dialects import add_upsert, serialises_writers

LEARNERS = bindparam("learners", expanding=True)
SIGN = bindparam("sign", type_=Integer)


@dataclass(frozen=True)
class TeamSum:
    """`table` (team_id, *keys, *values) holds, per team and keys, the sum of `per_learner`'s values over the
    counted learners; `per_learner` selects (user_id, *keys, *values) for the learners in the bound parameter
    `learners` (academy.org.team_sums.LEARNERS)."""

    table: Table
    keys: tuple[str, ...]
    values: tuple[str, ...]
    per_learner: Select


SUMS: dict[str, TeamSum] = {}


def declare(name: str, team_sum: TeamSum) -> None:
    SUMS[name] = team_sum


def counted() -> list:
    """The learners a team sum counts: active trainees in a team (the reports' people, academy.reports)."""
    return [User.team_id.is_not(None), User.active.is_(True),
            exists().where(UserRole.user_id == User.id, UserRole.role == "trainee")]


def by_team(team_sum: TeamSum) -> Select:
    """(team_id, *keys, sign × sum of each value) of the counted learners among `learners`, in key order (so
    that the rows are locked in the same order by every writer)."""
    rows = team_sum.per_learner.subquery("per_learner")
    keys = [rows.c[k] for k in team_sum.keys]
    return (select(User.team_id, *keys, *(func.sum(rows.c[v]) * SIGN for v in team_sum.values))
            .join(User, User.id == rows.c.user_id).where(*counted())
            .group_by(User.team_id, *keys).order_by(User.team_id, *keys))


@cache  # built once per sum and database kind; each call binds the learners and the sign
def _shift_statement(name: str, dialect_name: str):
    team_sum = SUMS[name]
    return add_upsert(dialect_name, team_sum.table, ("team_id", *team_sum.keys), team_sum.values, by_team(team_sum))


def shift(connection: Connection, learner_ids: list[int], names: Iterable[str], sign: int) -> None:
    """Add (sign 1) or take away (sign -1) these learners' share of the sums `names`, as their rows and
    membership are now."""
    for name in names:
        connection.execute(_shift_statement(name, connection.dialect.name), {"learners": learner_ids, "sign": sign})


def _lock(session: Session, learner_ids: list[int]) -> None:
    """Where writers run side by side: the learners in a team and their teams, in (team, learner) order, one
    statement (a learner in no team has no share to take out).  The order is the same for every writer, and a
    learner belongs to one team, so two transactions (several learners each, as a regrade) cannot each hold what
    the other waits for; the learner is locked with the team, so an admin changing a learner and the learner
    submitting take turns."""
    if serialises_writers(session.connection()):
        return
    session.execute(select(User.id, Team.id).join(Team, Team.id == User.team_id).where(User.id.in_(learner_ids))
                    .order_by(Team.id, User.id).with_for_update(key_share=True))


@contextmanager
def moving(session: Session, learner_ids: Iterable[int], names: Iterable[str] | None = None,
           changes_team: bool = False) -> Iterator[None]:
    """Take these learners' share out of the team sums `names` (all of them by default), let the caller change
    their rows or their membership, then add their share back as it is after the change.  `changes_team`: the
    caller may move them to another team, whose rows are then locked too before adding to them."""
    learners = sorted(set(learner_ids))
    names = tuple(SUMS if names is None else names)
    if not learners or not names:
        yield
        return
    session.flush()
    _lock(session, learners)
    shift(session.connection(), learners, names, -1)
    yield
    session.flush()
    if changes_team:  # the new team's writers hold its rows between their two statements: wait for them
        _lock(session, learners)
    shift(session.connection(), learners, names, 1)


def rebuild(connection: Connection, names: Iterable[str] | None = None, chunk: int = 500) -> None:
    """Recount the sums `names` (all by default) from every learner's rows: for a migration that adds a sum."""
    names = tuple(SUMS if names is None else names)
    ids = [row[0] for row in connection.execute(select(User.id).order_by(User.id))]
    for name in names:
        connection.execute(delete(SUMS[name].table))
    for start in range(0, len(ids), chunk):
        shift(connection, ids[start:start + chunk], names, 1)
