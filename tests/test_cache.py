"""The one cache (academy.platform.cache): which pages are shared, what their key holds, and where they are kept."""
import pytest
import redis
from flask import template_rendered
from sqlalchemy import select

from academy.org.models import Region, Team
from academy.platform.access import ANY_USER
from tests.conftest import _empty_tables, make_app
from tests.factories import login, make_user
from tests.test_access import concrete_url

STAFF = ("trainer", "manager", "admin")


class Spy:
    """A page store that records every key it is asked for."""

    def __init__(self, store) -> None:
        self.store, self.asked = store, []

    def get(self, key):
        self.asked.append(key)
        return self.store.get(key)

    def put(self, key, parts):
        self.asked.append(key)
        self.store.put(key, parts)


@pytest.fixture
def rendered(app):
    """The names of the templates the app renders during the test (Flask's template_rendered signal)."""
    names: list[str] = []

    def record(_app, template, **_context) -> None:
        names.append(template.name)

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


def test_no_staff_trainer_manager_admin_or_report_route_is_ever_shared(app, client, db):
    """Declared: only learner views (open to any signed-in user) may be shared pages.  Observed: every GET route
    that staff can open, fetched by a user holding every staff role, never touches the page store."""
    region = Region(name="华东")
    db.add(region)
    db.flush()
    db.add(Team(name="一组", region_id=region.id))
    db.commit()
    make_user(db, "boss", roles=("trainee", *STAFF))
    login(client, "boss")
    spy = app.extensions["page_store"] = Spy(app.extensions["page_store"])
    staff_rules = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "allowed_roles", frozenset())
        if ANY_USER in roles or not roles:
            continue
        assert not getattr(view, "shared_page", False), rule.rule
        if "GET" in rule.methods:
            staff_rules.append(rule)
            for _ in range(2):
                assert client.get(concrete_url(rule)).status_code < 500, rule.rule
    assert staff_rules and spy.asked == [], [r.rule for r in staff_rules]
    assert {"/admin/users", "/review/"} <= {rule.rule for rule in staff_rules}


def test_the_key_holds_the_query_string_language_and_roles(app, client, db):
    make_user(db, "t1")
    login(client, "t1")
    spy = app.extensions["page_store"] = Spy(app.extensions["page_store"])
    for path in ("/map", "/map?view=1", "/map?view=2", "/map"):
        assert client.get(path).status_code == 200
    assert len(set(spy.asked)) == 3
    client.post("/language", data={"lang": "en", "next": "/"})
    assert "Learning map" in client.get("/map").get_data(as_text=True) or client.get("/map").status_code == 200
    assert len(set(spy.asked)) == 4


def test_two_learners_in_the_same_state_share_one_rendering(app, db, rendered):
    from academy.platform import cache

    cache.clear()  # pages rendered by earlier tests
    make_user(db, "amy", name="Amy")
    make_user(db, "bob", name="Bob")
    pages = {}
    for name in ("amy", "bob"):
        client = app.test_client()
        login(client, name)
        pages[name] = client.get("/map").get_data(as_text=True)
    assert rendered.count("courses/map.html") == 1
    assert "Amy" in pages["amy"] and "Bob" not in pages["amy"] and "Bob" in pages["bob"]


def test_a_quiz_page_is_shared_by_learners_who_stand_alike_on_the_quiz(app, db, rendered):
    """The intro page shows the learner's standing on that quiz only, so it is keyed on that: learners who have
    done different lessons share it, and one who has started the quiz gets a page of their own."""
    from academy.platform import cache

    cache.clear()
    make_user(db, "amy", name="Amy")
    make_user(db, "bob", name="Bob")
    amy, bob = app.test_client(), app.test_client()
    login(amy, "amy")
    login(bob, "bob")
    assert amy.post("/lessons/clients-org-traits/complete").status_code in (200, 302)
    amy.get("/map")  # shows (and so clears) the flashed message: a page with one is never shared
    for client in (amy, bob):
        assert "开始作答" in client.get("/quizzes/final-exam").get_data(as_text=True)
    assert rendered.count("quizzes/intro.html") == 1
    assert bob.post("/quizzes/final-exam/start").status_code == 302
    assert "继续作答" in bob.get("/quizzes/final-exam").get_data(as_text=True)
    assert "开始作答" in amy.get("/quizzes/final-exam").get_data(as_text=True)
    assert rendered.count("quizzes/intro.html") == 2


def test_several_app_servers_share_pages_through_redis(database_url, tmp_path, db):
    """Two apps (two servers) on one Redis: a page rendered by the first is served by the second."""
    url = "redis://127.0.0.1:6379/15"
    redis.Redis.from_url(url).flushdb()
    first = make_app(database_url, tmp_path, PAGE_CACHE_URL=url)
    second = make_app(database_url, tmp_path, PAGE_CACHE_URL=url)
    make_user(db, "t1", name="Tina")
    for app in (first, second):
        client = app.test_client()
        login(client, "t1")
        assert "Tina" in client.get("/lessons/clients-org-traits").get_data(as_text=True)
    keys = redis.Redis.from_url(url).keys("academy:page:*")
    assert len(keys) == 1
    redis.Redis.from_url(url).flushdb()
    _empty_tables(first)
    assert db.scalar(select(Team)) is None
