"""academy.org.scope: who may see whom, as one SQL condition."""
from sqlalchemy import select

from academy.org.models import ManagerScope, Region, Team, User
from academy.org.scope import learners_visible_to, may_see
from tests.factories import make_user


def org(db):
    east, west = Region(name="华东"), Region(name="华西")
    db.add_all([east, west])
    db.flush()
    teams = [Team(name="一组", region_id=east.id), Team(name="二组", region_id=east.id), Team(name="三组", region_id=west.id)]
    db.add_all(teams)
    db.flush()
    learners = [make_user(db, f"l{i}", team=team) for i, team in enumerate(teams)]
    return east, teams, learners


def visible(db, viewer) -> set[str]:
    condition = learners_visible_to(db, viewer)
    query = select(User.username).where(User.username.like("l%"))
    return set(db.scalars(query.where(condition) if condition is not None else query))


def test_a_manager_sees_the_teams_and_regions_of_their_scope_and_nobody_else(db):
    east, teams, learners = org(db)
    by_region = make_user(db, "m1", roles=("manager",))
    by_region.scopes.append(ManagerScope(region_id=east.id))
    by_team = make_user(db, "m2", roles=("manager",))
    by_team.scopes.append(ManagerScope(team_id=teams[2].id))
    unscoped = make_user(db, "m3", roles=("manager",))
    db.flush()
    assert visible(db, by_region) == {"l0", "l1"}
    assert visible(db, by_team) == {"l2"}
    assert visible(db, unscoped) == set()  # an empty scope is nobody, not everybody
    assert not may_see(db, by_team, learners[0].id) and may_see(db, by_region, learners[1].id)


def test_trainers_and_admins_see_everyone_and_a_learner_only_themselves(db):
    _east, _teams, learners = org(db)
    assert visible(db, make_user(db, "t9", roles=("trainer",))) == {"l0", "l1", "l2"}
    assert visible(db, make_user(db, "a9", roles=("admin",))) == {"l0", "l1", "l2"}
    assert visible(db, learners[0]) == {"l0"}
