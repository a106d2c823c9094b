"""The /assignments people picker is a search (a plain GET form, `q` in the URL): it lists only the trainees in
the assigner's scope whose name or username contains the text, at most MAX_PEOPLE_SHOWN of them; 片区 and teams
are always offered."""
import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from academy.learning.assignments.services import MAX_PEOPLE_SHOWN, MAX_QUERY
from academy.learning.models import Assignment
from tests.factories import login, make_user, two_region_org

PEOPLE_OPTION = re.compile(r'<option[^>]*value="u:(\d+)"')


@pytest.fixture
def org(db):
    """manager1 sees 华东 (team 一组: 张伟 a1); 西南 (team 二组: 张伟强 b1, foreign to manager1)."""
    return two_region_org(db, b1_name="张伟强")


def people(page: str) -> set[int]:
    return {int(i) for i in PEOPLE_OPTION.findall(page)}


def test_without_a_search_no_person_is_listed_but_regions_and_teams_are(client, db, org):
    login(client, "manager1")
    page = client.get("/assignments").get_data(as_text=True)
    assert people(page) == set()
    assert f'value="r:{org["east"]}"' in page and f'value="t:{org["team_a"]}"' in page
    assert re.search(r'<form method="get" action="/assignments"[^>]*role="search"', page)
    assert 'name="q"' in page and "查找人员" in page


@pytest.mark.parametrize("q", ["张伟", "a1", "A1", "伟"])
def test_a_search_by_name_or_username_finds_the_person_in_scope_and_chooses_them(client, db, org, q):
    login(client, "manager1")
    page = client.get("/assignments", query_string={"q": q}).get_data(as_text=True)
    assert people(page) == {org["a1"]}
    assert re.search(rf'<option selected value="u:{org["a1"]}"|<option value="u:{org["a1"]}" selected', page), page
    assert "找到 1 位学员" in page and f'value="{q}"' in page


@pytest.mark.parametrize("q", ["张伟强", "b1", "强"])
def test_a_person_outside_the_scope_is_never_shown(client, db, org, q):
    login(client, "manager1")
    page = client.get("/assignments", query_string={"q": q}).get_data(as_text=True)
    assert org["b1"] not in people(page) and "张伟强（b1）" not in page
    assert "你管辖范围内没有" in page


def test_an_admin_finds_everyone(admin_client, db, org):
    page = admin_client.get("/assignments", query_string={"q": "张伟"}).get_data(as_text=True)
    assert people(page) == {org["a1"], org["b1"]} and "找到 2 位学员" in page


@pytest.mark.parametrize("q", ["%", "_", "\\", "%%", "张%", "_1", "' OR '1'='1", "a1\t", "\u202e1a", "<script>alert(1)</script>",
                               "${7*7}", "{{ 7*7 }}", "长" * 500])
def test_hostile_search_text_is_taken_literally_and_escaped(client, db, org, q):
    login(client, "manager1")
    response = client.get("/assignments", query_string={"q": q})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    found = people(page)
    assert org["b1"] not in found
    assert found == ({org["a1"]} if q == "a1\t" else set()), (q, found)  # wildcards match nothing; controls are dropped
    assert "<script>alert(1)" not in page
    if q == "<script>alert(1)</script>":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    if q == "长" * 500:
        assert f'value="{"长" * MAX_QUERY}"' in page


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=60))
def test_any_search_text_answers_200_without_a_foreign_person(client, db, org, q):
    login(client, "manager1")
    response = client.get("/assignments", query_string={"q": q})
    assert response.status_code == (400 if "\x00" in q else 200)  # a NUL anywhere in a query: 400 (security.py)
    assert org["b1"] not in people(response.get_data(as_text=True))


def test_too_many_matches_are_cut_with_a_note(client, db, org):
    for n in range(MAX_PEOPLE_SHOWN + 1):
        make_user(db, f"sales{n:03d}", team=db.merge(org["team_a_obj"]), name=f"销售{n:03d}")
    db.rollback()
    login(client, "manager1")
    page = client.get("/assignments", query_string={"q": "sales"}).get_data(as_text=True)
    assert len(people(page)) == MAX_PEOPLE_SHOWN
    assert f"找到的人员超过 {MAX_PEOPLE_SHOWN} 位" in page
    narrowed = client.get("/assignments", query_string={"q": "sales050"}).get_data(as_text=True)
    assert len(people(narrowed)) == 1 and "超过" not in narrowed


def test_a_nul_in_the_search_is_a_400_with_a_message(client, db, org):
    login(client, "manager1")
    response = client.get("/assignments", query_string={"q": "a1\x00"})
    assert response.status_code == 400 and "请求无效" in response.get_data(as_text=True)


def test_a_refused_post_keeps_the_search(client, db, org):
    login(client, "manager1")
    response = client.post("/assignments?q=a1", data={"target": "module:clients", "assignee": f"u:{org['a1']}",
                                                      "due_on": "not a date"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert people(page) == {org["a1"]} and 'value="a1"' in page and 'action="/assignments?q=a1"' in page
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Assignment)) == 0


def test_the_search_does_not_decide_what_is_assigned(client, db, org):
    """A person found by the search is chosen on the page only: a post without an assignee is refused."""
    login(client, "manager1")
    due = (date.today() + timedelta(days=7)).isoformat()
    response = client.post("/assignments?q=a1", data={"target": "module:clients", "due_on": due})
    assert response.status_code == 422 and "请选择分配对象" in response.get_data(as_text=True)
    assert client.post("/assignments?q=a1", data={"target": "module:clients", "assignee": f"u:{org['b1']}",
                                                  "due_on": due}).status_code == 403
    assert client.post("/assignments?q=a1", data={"target": "module:clients", "assignee": f"u:{org['a1']}",
                                                  "due_on": due}).status_code == 302
    db.rollback()
    assert db.scalar(select(Assignment.user_id)) == org["a1"]
