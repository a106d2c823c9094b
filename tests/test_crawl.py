"""Every page each role can reach by following links renders without a server error.

The demo organisation gives the crawl real data: lessons done, graded attempts of every quiz, dialogue
paths, role-plays awaiting review and reviewed, mistake books, regions, teams and users.
"""
import re
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from academy.demo import seed_demo
from academy.platform.db import Base
from tests.factories import PASSWORD, login

MAX_PAGES = 600
MAX_VARIANTS = 12
MAX_QUERIES = 3  # one path under other filters, sorts or pages (the reports link many)
LINK = re.compile(r'href="([^"#]*)')


@pytest.fixture
def demo(app):
    with app.app_context():
        seed_demo(PASSWORD)
    return app


AUTHORING_PAGE = re.compile(r"^/authoring/(doc|edit|options|try|history|revision|export)/"
                            r"(quizzes/banks/|quizzes/|courses/[^/]+/module\.md|courses/)")


def _page_key(path: str) -> str:
    """One document's authoring pages stand for every document of its kind (a quiz, a bank, a module, a lesson):
    the workspace links to each of hundreds of look-alikes."""
    match = AUTHORING_PAGE.match(path)
    if match is None and re.match(r"^/authoring/items/.+/edit$", path):
        return "/authoring/items/edit"  # one item's form stands for every item's
    return f"/authoring/{match.group(1)}/{match.group(2)}" if match else path


def crawl(client, start: str = "/") -> tuple[set[str], list[str]]:
    """GET every same-site link breadth-first; the paths visited and the ones that failed.  Look-alike pages
    (the same path with other numbers or another query: sort orders, filters, pages of a report, every
    learner's drill-down) are visited up to MAX_VARIANTS times each."""
    seen, keys, queue, failures, variants = set(), set(), [start], [], Counter()
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen or _page_key(path) in keys:
            continue
        seen.add(path)
        bare = path.partition("?")[0]
        shape = re.sub(r"\d+", "N", bare)
        variants[shape] += 1
        variants["?" + bare] += "?" in path
        if variants[shape] > MAX_VARIANTS or variants["?" + bare] > MAX_QUERIES:
            continue
        keys.add(_page_key(path))
        response = client.get(path)
        if response.status_code >= 500:
            failures.append(f"{path} → {response.status_code}")
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else None
        response.close()  # a streamed download keeps its request open until closed
        if body is not None:
            queue += [link for link in map(_local, LINK.findall(body)) if link]
    return seen, failures


def database_state(app) -> dict[str, int]:
    """A digest of every table's rows, to prove that reading pages wrote nothing."""
    with app.extensions["db_engine"].connect() as conn:
        return {table.name: hash(repr(conn.execute(select(table).order_by(*table.primary_key.columns)).all()))
                for table in Base.metadata.sorted_tables}


def _local(href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("/static/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize("username, must_reach", [
    ("trainee5", ["/map", "/lessons/", "/quizzes/", "/attempts/", "/mistakes"]),
    ("trainer1", ["/review", "/admin/content", "/authoring/doc/", "/authoring/edit/", "/authoring/try/"]),
    ("manager1", ["/review", "/reports/", "/reports/learners/", "/reports/export", "/attempts/"]),
    ("admin", ["/admin/users", "/admin/org", "/admin/import", "/admin/content", "/reports/"]),
])
def test_every_linked_page_renders(demo, client, username, must_reach):
    started = time.monotonic()
    login(client, username)
    before = database_state(demo)
    seen, failures = crawl(client)
    assert failures == [], "\n".join(failures)
    assert database_state(demo) == before, "GET requests must not write (on PostgreSQL they run without a transaction)"
    missing = [prefix for prefix in must_reach if not any(path.startswith(prefix) for path in seen)]
    assert missing == [], f"{username} reached {len(seen)} pages but none under {missing}"
    assert time.monotonic() - started < 60
