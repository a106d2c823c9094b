"""Whatever a trainer's, manager's or admin's form posts, the answer is a page, a redirect or a 4xx, never a 500.

test_bad_input.py throws arbitrary forms at the learner and admin routes; most of them stop at the first
missing field.  The staff forms are long (an item's options, a quiz's options, an assignment), so here each
form starts as a person would post it (every input, textarea and select of the GET page with the value the page
gives it, and the empty required fields typed in) and hypothesis spoils up to four of its fields (drops them, or
swaps their values for edge cases or arbitrary text) and adds a few of its own.  Mostly sound forms get past the
form checks into the services, where a half-checked value would surface as a 500.  One user holds every role.
"""
import os
import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from academy.org.models import ManagerScope, Region, Team
from tests.factories import form_fields, login, make_user, start_quiz

EXAMPLES = int(os.environ.get("STAFF_FORM_EXAMPLES", "30"))  # forms per route; set it higher for a deeper search
QUIZ = "clients-quiz"
QUIZ_PATH = f"quizzes/{QUIZ}.md"
EDGE_VALUES = ("", " ", "0", "-1", "1", "2", "101", "99999999999999999999", "1e308", "nan", "inf", "-0", "1.5",
               "y", "on", "true", "<b>x</b>", "<script>alert(1)</script>", "x" * 5000, "a\r\nb", "\x00", "../..",
               "１２", "2026-02-30", "2026-12-31", "1900-01-01", "9999-12-31", "admin", "开场", "quizzes/x.md",
               "=1+1", "{", "}", "[[", "---", "#", "~", "::", "1;2", "single", "dialogue", "add:options",
               "remove:options:0", "up:options:1", "add:nothing", "remove:options:99", "preview", "save")
@st.composite
def spoilt(draw, fields: MultiDict) -> MultiDict:
    """`fields` with a few spoilt (dropped, or their value swapped for an edge case or arbitrary text) and a few
    fields added: mostly the form a person would post, so that the services see it, with something wrong in it."""
    entries = list(fields.items(multi=True))
    value = st.one_of(st.sampled_from(EDGE_VALUES), st.text(max_size=30))
    spoil = draw(st.lists(st.integers(0, max(len(entries) - 1, 0)), max_size=4, unique=True))
    form = MultiDict()
    for n, (name, original) in enumerate(entries):
        if n not in spoil:
            form.add(name, original)
        elif draw(st.booleans()):
            form.add(name, draw(value))  # else dropped
    names = sorted(set(fields)) or ["x"]
    for _ in range(draw(st.integers(0, 3))):
        form.add(draw(st.one_of(st.sampled_from(names), st.text(max_size=12))), draw(value))
    return form


@pytest.fixture
def boss(app, client, db):
    """Signed in as one user with all four roles, scoped to a region with one team and one learner."""
    region = Region(name="华东片区")
    team = Team(region=region, name="一组")
    db.add_all([region, team])
    db.commit()
    boss = make_user(db, "boss", roles=("trainee", "trainer", "manager", "admin"), team=team)
    db.add(ManagerScope(user_id=boss.id, region_id=region.id))
    db.commit()
    learner = make_user(db, "learner", team=team)
    make_user(db, "trainer2", roles=("trainer",))  # whom the grant form names
    login(client, "boss")
    return {"team": team.id, "region": region.id, "learner": learner.id}


def _item_id(client) -> str:
    html = client.get(f"/authoring/doc/{QUIZ_PATH}").get_data(as_text=True)
    return re.search(rf'/authoring/items/{re.escape(QUIZ_PATH)}/([^/"]+)/edit', html).group(1)


def _assignment(client, ids) -> int:
    form = form_fields(client.get("/assignments").get_data(as_text=True), "/assignments")
    form["due_on"] = (date.today() + timedelta(days=30)).isoformat()
    client.post("/assignments", data=form)
    html = client.get("/assignments").get_data(as_text=True)
    found = re.search(r'href="/assignments/(\d+)"', html)
    assert found, "no assignment was made to spoil the edit form of"
    return int(found.group(1))


def _regradable(client) -> str:
    """The quiz with an attempt graded on a version before the current one: the regrade form is shown only then."""
    client.post(f"/attempts/{start_quiz(client, QUIZ)}/submit", data={})
    source = form_fields(client.get(EDIT).get_data(as_text=True), EDIT)
    source["source"] = source["source"].replace("\n---\n", "\n---\n（新版）", 1)  # the quiz's introduction
    assert client.post(f"/authoring/publish/{QUIZ_PATH}", data=source).status_code == 302
    return f"/authoring/regrade/{QUIZ}"


def _earlier_version(client) -> str:
    html = client.get(f"/authoring/regrade/{QUIZ}").get_data(as_text=True)
    return re.search(r'name="versions"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="versions"', html).group(1)


EDIT = f"/authoring/edit/{QUIZ_PATH}"
DOC = f"/authoring/doc/{QUIZ_PATH}"
ITEM = {"title": "模糊测试题", "stem": "客户说预算已经用完，你先做什么？", "options-0-text": "先问清预算的来源与周期",
        "options-1-text": "马上降价", "options-2-text": "请客户吃饭", "categories-0": "事实", "categories-1": "观点",
        "items-0-text": "预算下月下达", "items-0-category": "事实", "items-1-text": "方案太贵", "items-1-category": "观点",
        "items-2-text": "采购走公开招标", "items-2-category": "事实", "explanation": "先了解再行动。"}
ROUTES = {  # name: the page that shows the form, the route it posts to (None: the form's own action), and what a
    # person types into its empty fields before posting it
    "new_quiz": lambda c, ids: ("/authoring/new", None, {"quiz_id": "fuzz-quiz", "title": "模糊测试"}),
    "new_lesson": lambda c, ids: ("/authoring/new-lesson", None,
                                  {"slug": "09-fuzz", "lesson_id": "fuzz-lesson", "title": "模糊测试"}),
    "edit": lambda c, ids: (EDIT, None, {}),
    "preview": lambda c, ids: (EDIT, "/authoring/preview", {}),  # the editor's live preview posts its form there
    "publish": lambda c, ids: (EDIT, f"/authoring/publish/{QUIZ_PATH}", {}),  # 保存并发布
    "options": lambda c, ids: (f"/authoring/options/{QUIZ_PATH}", None, {}),
    "try": lambda c, ids: (f"/authoring/try/{QUIZ_PATH}", None, {}),
    "duplicate": lambda c, ids: (DOC, f"/authoring/duplicate/{QUIZ_PATH}", {"new_id": "fuzz-copy"}),
    "grant": lambda c, ids: (DOC, f"/authoring/grant/{QUIZ_PATH}", {"username": "trainer2"}),
    "archive": lambda c, ids: (DOC, f"/authoring/archive/{QUIZ_PATH}", {}),
    "item_new": lambda c, ids: (f"/authoring/items/{QUIZ_PATH}/new?type=multiple", None, ITEM),
    "item_new_classify": lambda c, ids: (f"/authoring/items/{QUIZ_PATH}/new?type=classify", None, ITEM),
    "item_edit": lambda c, ids: (f"/authoring/items/{QUIZ_PATH}/{_item_id(c)}/edit", None, {}),
    "regrade": lambda c, ids: (_regradable(c), None, {"reason": "答案有误", "versions": _earlier_version(c)}),
    "assign": lambda c, ids: ("/assignments", None, {"due_on": (date.today() + timedelta(days=30)).isoformat()}),
    "assignment_edit": lambda c, ids: ((page := f"/assignments/{_assignment(c, ids)}"), page + "/edit", {}),
}


@pytest.mark.parametrize("route", ROUTES)
def test_no_spoilt_staff_form_makes_a_route_fail(route, client, boss):
    page, target, typed = ROUTES[route](client, boss)
    shown = client.get(page)
    assert shown.status_code == 200, (page, shown.status_code)
    html = shown.get_data(as_text=True)
    fields = MultiDict(target and form_fields(html, target) or form_fields(html))  # a button may post the main form elsewhere
    assert fields, f"{page} shows no form to post to {target or page}"
    for name, value in typed.items():
        if not fields.get(name):
            fields[name] = value
    target = target or page

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(form=spoilt(fields))
    def post(form):
        response = client.post(target, data=form)
        assert response.status_code < 500, (route, form)

    post()
