"""Whatever a form posts to any write route, the answer is a page, a redirect or a 4xx, never a 500.

Hypothesis builds the forms from the fields the app reads (answers of every item type of the sample quiz,
dialogue choices, rubric levels, admin fields) and from arbitrary names, with values from edge cases
(huge numbers, 5,000 characters, newlines, markup, full-width digits) and arbitrary text.  One user holds
every role, so each route gets past its access rule and reaches the code that reads the form.
"""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from academy.learning.content.catalog import get_catalog
from academy.org.models import ManagerScope, Region, Team
from tests.factories import login, make_user, start_quiz

QUIZ = "sample-all-types"
STAFF_FIELDS = ("username", "password", "display_name", "roles", "region_id", "team_id", "name", "active",
                "region_ids", "team_ids", "lang", "next", "choice", "anchor", "file", "current_password",
                "new_password", "confirm_password", "reason")
EDGE_VALUES = ("", "0", "-1", "1", "2", "3", "99999999999999999999", "1e308", "nan", "true", "on", "<b>x</b>",
               "x" * 5000, "a\r\nb", "/a\r\nb", "../..", "１２", "admin", "trainee", "trainer,manager", "开场")


def _quiz_fields() -> tuple[str, ...]:
    names = []
    for item in get_catalog().quiz(QUIZ).scored_items():
        field = f"q-{item.id}"
        names += [field, f"{field}-0", f"{field}-1", f"{field}-self-0", f"{item.id}-level-0",
                  f"{item.id}-comment-0", f"{item.id}-summary", f"{item.id}-score"]
    return tuple(names)


def forms(field_names):
    name = st.one_of(st.sampled_from(field_names), st.text(max_size=12))
    value = st.one_of(st.sampled_from(EDGE_VALUES), st.text(max_size=40))
    return st.lists(st.tuples(name, value), max_size=14).map(MultiDict)


@pytest.fixture
def everyone(app, client, db):
    """Signed in as one user with all four roles; the ids the routes need."""
    with app.app_context():
        fields = _quiz_fields()
    region = Region(name="华东片区")
    team = Team(region=region, name="一组")
    db.add_all([region, team])
    db.commit()
    boss = make_user(db, "boss", roles=("trainee", "trainer", "manager", "admin"), team=team)
    db.add(ManagerScope(user_id=boss.id, team_id=team.id))  # the learners' manager: may add a second rating
    other = make_user(db, "someone", roles=("trainee", "trainer"), team=team)  # the sample quiz is for staff
    make_user(db, "grader", roles=("trainer",))
    login(client, "someone")  # never one's own attempt: the role-plays to review are someone else's
    in_review = start_quiz(client, QUIZ)
    client.post(f"/attempts/{in_review}/submit", data={"q-sample-roleplay": "先认同，再讲价值。"})
    reviewed = start_quiz(client, QUIZ)
    client.post(f"/attempts/{reviewed}/submit", data={"q-sample-roleplay": "先认同，再讲价值。"})
    client.post("/logout")
    login(client, "grader")
    with app.app_context():
        item = next(i for i in get_catalog().quiz(QUIZ).items if i.criteria)
    form = {f"{item.id}-level-{n}": "3" for n in range(len(item.criteria))} | {"sample-essay-score": "4"}
    assert client.post(f"/review/{reviewed}", data=form).status_code == 302
    client.post("/logout")
    login(client, "boss")
    return {"fields": fields + STAFF_FIELDS, "region": region.id, "team": team.id, "user": other.id,
            "review": in_review, "reviewed": reviewed}



ROUTES = {  # path, given the ids and the open attempt
    "complete": lambda ids, a: "/lessons/clients-org-traits/complete",
    "start": lambda ids, a: f"/quizzes/{QUIZ}/start",
    "save": lambda ids, a: f"/attempts/{a}/save",
    "check": lambda ids, a: f"/attempts/{a}/check/sample-single",
    "choose": lambda ids, a: f"/attempts/{a}/dialogue/sample-dialogue",
    "submit": lambda ids, a: f"/attempts/{a}/submit",
    "practice": lambda ids, a: "/mistakes/practice",
    "review": lambda ids, a: f"/review/{ids['review']}",
    "review_second": lambda ids, a: f"/review/{ids['reviewed']}/second",
    "review_reopen": lambda ids, a: f"/review/{ids['reviewed']}/reopen",
    "language": lambda ids, a: "/language",
    "user_new": lambda ids, a: "/admin/users/new",
    "user_edit": lambda ids, a: f"/admin/users/{ids['user']}/edit",
    "user_deactivate": lambda ids, a: f"/admin/users/{ids['user']}/deactivate",
    "region_new": lambda ids, a: "/admin/regions",
    "team_new": lambda ids, a: "/admin/teams",
    "region_edit": lambda ids, a: f"/admin/regions/{ids['region']}",
    "team_edit": lambda ids, a: f"/admin/teams/{ids['team']}",
    "user_import": lambda ids, a: "/admin/import",
    "user_reset_password": lambda ids, a: f"/admin/users/{ids['user']}/reset-password",
    "import_passwords": lambda ids, a: "/admin/import/passwords/x",
    "change_password": lambda ids, a: "/account/password",
}


@pytest.mark.parametrize("route", ROUTES)
def test_no_form_makes_a_write_route_fail(route, client, everyone):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(form=forms(everyone["fields"]))
    def post(form):
        attempt = start_quiz(client, QUIZ)  # the open attempt, or a new one after a submit
        response = client.post(ROUTES[route](everyone, attempt), data=form)
        assert response.status_code < 500, (route, form)
        assert response.status_code in (200, 302, 303) or 400 <= response.status_code < 500

    post()


def test_login_and_logout_take_any_form(client, db):
    make_user(db, "t1")

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(form=forms(STAFF_FIELDS))
    def post(form):
        assert client.post("/login", data=form).status_code < 500, form
        assert client.post("/logout", data=form).status_code < 500, form

    post()


def test_saving_ignores_a_posted_anchor(client, everyone):
    """Saving used to append a posted "anchor" to its redirect: a newline in it answered 500."""
    attempt = start_quiz(client, QUIZ)
    response = client.post(f"/attempts/{attempt}/save", data={"anchor": "#x\r\nSet-Cookie: a=b"})
    assert response.status_code == 302 and response.headers["Location"] == f"/attempts/{attempt}"
