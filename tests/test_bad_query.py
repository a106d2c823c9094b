"""Whatever query string a page is asked for with, the answer is a page, a redirect or a 4xx, never a 500: the GET half
of tests/test_bad_input.py, which posts forms.

The pages are those a demo learner and the demo admin reach by following links (one of each look-alike: every
learner's drill-down stands for all of them).  Hypothesis adds the query parameters the app reads (report filters,
sort orders, pages, search words, item and version choices) and arbitrary ones, with edge values: huge and
negative numbers, dates that do not exist, markup, 5,000 characters, full-width digits, and arbitrary text.
"""
import os
import re
from collections import Counter, deque

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from academy.demo import seed_demo
from tests.factories import PASSWORD, login
from tests.test_crawl import LINK, _local

ARG_NAMES = ("q", "status", "page", "item", "format", "version", "quiz", "next", "draft", "cancelled", "basis",
             "action", "to", "from", "team", "region", "sort", "module", "dir")
EDGE_VALUES = ("", "0", "-1", "1", "2", "99999999999999999999", "1e308", "nan", "2026-02-30", "2026-13-01",
               "9999-12-31", "0001-01-01", "<b>x</b>", "x" * 5000, "a\r\nb", "//evil.example", "../..", "１２",
               "desc", "asc", "overdue", "xlsx", "csv", "采购 预算", "\x00")
VISITS = 3  # pages of one view whose links are followed
# pages reached through a form rather than a link
FORM_PAGES = {"trainee5": ("/search",), "admin": ("/search", "/authoring/import", "/authoring/analysis/clients-quiz/answers")}
EXAMPLES = int(os.environ.get("QUERY_EXAMPLES", "6"))  # query strings per page

queries = st.lists(st.tuples(st.one_of(st.sampled_from(ARG_NAMES), st.text(max_size=10)),
                             st.one_of(st.sampled_from(EDGE_VALUES), st.text(max_size=30))), max_size=8).map(MultiDict)


def reachable(app, client) -> list[str]:
    """One path of each page (view) the signed-in user reaches by following links from their home page; each view
    is followed through at most VISITS of its pages."""
    adapter = app.url_map.bind("localhost")
    queue, seen, visits, found = deque(["/"]), set(), Counter(), {}
    while queue:
        path = queue.popleft()
        bare = path.partition("?")[0]
        try:
            endpoint, _args = adapter.match(bare)
        except HTTPException:  # a redirect to the canonical path, or not a page of the app
            continue
        if path in seen or visits[endpoint] >= VISITS:
            continue
        seen.add(path)
        visits[endpoint] += 1
        response = client.get(path)
        if response.mimetype == "text/html":
            queue.extend(link for link in map(_local, LINK.findall(response.get_data(as_text=True))) if link)
        response.close()
        if response.status_code == 200:
            found.setdefault(endpoint, bare)
    return list(found.values())


@pytest.mark.parametrize("username", ["trainee5", "admin"])
def test_no_query_string_makes_a_page_fail(app, client, username):
    with app.app_context():
        seed_demo(PASSWORD)
    login(client, username)
    pages = reachable(app, client) + list(FORM_PAGES[username])
    assert len(pages) >= (15 if username == "trainee5" else 45), pages
    statuses = {path: client.get(path).status_code for path in FORM_PAGES[username]}
    assert set(statuses.values()) == {200}, statuses

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(query=queries)
    def ask(path, query):
        response = client.get(path, query_string=query)
        response.close()
        assert response.status_code < 500, (path, query)

    for path in pages:
        ask(path)


def test_an_id_beyond_any_column_is_not_found(app, client, db):
    """Werkzeug's int converter takes any digits; a number past the database's integer types is simply no row, for a
    page and for a form posted to it."""
    from tests.factories import make_user

    make_user(db, "boss", roles=("trainee", "trainer", "manager", "admin"))
    login(client, "boss")
    huge = "9" * 30
    paths = [re.sub(r"<int:[^>]+>", huge, re.sub(r"<(?:path:)?[a-z_]+>", "x", rule.rule))
             for rule in app.url_map.iter_rules() if "<int:" in rule.rule and "GET" in rule.methods]
    assert len(paths) >= 8, paths
    assert {path: client.get(path).status_code for path in paths} == dict.fromkeys(paths, 404)
    posts = [re.sub(r"<int:[^>]+>", huge, re.sub(r"<(?:path:)?[a-z_]+>", "x", rule.rule))
             for rule in app.url_map.iter_rules() if "<int:" in rule.rule and rule.methods == {"POST", "OPTIONS"}]
    assert len(posts) >= 10, posts
    assert {path: client.post(path).status_code for path in posts} == dict.fromkeys(posts, 404)
