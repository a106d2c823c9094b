"""Plain helpers that build test data through the real services, and read back the forms a page shows."""
import re
from contextlib import contextmanager
from html import unescape

from academy.org.auth.services import hash_password
from academy.org.models import User

PASSWORD = "pw-123456"
_HASH_CACHE: dict[str, str] = {}


def make_user(db, username: str, roles=("trainee",), password: str = PASSWORD, team=None, name: str | None = None) -> User:
    digest = _HASH_CACHE.get(password) or _HASH_CACHE.setdefault(password, hash_password(password))
    user = User(username=username, display_name=name or username, password_hash=digest, team=team)
    user.set_roles(set(roles))
    db.add(user)
    db.commit()
    return user


def login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


def start_quiz(client, quiz_id: str) -> int:
    response = client.post(f"/quizzes/{quiz_id}/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def exported(app, since=None) -> list[dict]:
    """The statements `flask export-xapi` would write."""
    from academy.learning.xapi_export import export
    from academy.platform.db import get_session

    with app.app_context():
        return list(export(get_session(), since))


def database_at(path, revision: str, version_hash: str | None = None):
    """An SQLite database migrated only up to `revision`, holding learner 1 ("old") and, given a hash, version 1
    of quiz "q": the starting point of a migration test."""
    from sqlalchemy import text

    from academy.platform import migrate
    from academy.platform.db import make_engine

    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, revision)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO user_account (id, username, display_name, password_hash, active, created_at) "
                          "VALUES (1, 'old', 'old', 'x', 1, '2026-01-01 00:00:00')"))
        if version_hash is not None:
            conn.execute(text("INSERT INTO quiz_version (id, quiz_id, content_hash, snapshot, created_at) "
                              "VALUES (1, 'q', :hash, '{}', '2026-01-01 00:00:00')"), {"hash": version_hash})
    return engine


def two_region_org(db, b1_name: str = "李娜") -> dict:
    """Two regions with a team each; manager1 sees 华东 only; learners a1 张伟 (华东/一组) and b1 (西南/二组).
    Ends the test session's read snapshot, so that it sees what requests write."""
    from academy.org.models import ManagerScope, Region, Team

    east, west = Region(name="华东"), Region(name="西南")
    db.add_all([east, west])
    db.flush()
    team_a, team_b = Team(name="一组", region_id=east.id), Team(name="二组", region_id=west.id)
    db.add_all([team_a, team_b])
    db.commit()
    manager = make_user(db, "manager1", roles=("manager",))
    db.add(ManagerScope(user_id=manager.id, region_id=east.id))
    db.commit()
    a1 = make_user(db, "a1", team=team_a, name="张伟")
    b1 = make_user(db, "b1", team=team_b, name=b1_name)
    ids = {"east": east.id, "west": west.id, "team_a": team_a.id, "team_b": team_b.id, "manager": manager.id,
           "a1": a1.id, "b1": b1.id, "team_a_obj": team_a}
    db.rollback()
    return ids


@contextmanager
def statements_of(app):
    """The statements sent while the block runs (a list, filled as they run).  The content check, which every few
    seconds reads the published-content token on a connection of its own whatever the page, is held off meanwhile:
    a slow run would otherwise count it on whichever request came after the interval."""
    from sqlalchemy import event

    engine = app.extensions["db_engine"]
    seen: list[str] = []
    listener = lambda _conn, _cursor, statement, *_args: seen.append(statement)  # noqa: E731
    interval = app.config["CONTENT_RECHECK_SECONDS"]
    app.config["CONTENT_RECHECK_SECONDS"] = float("inf")
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        app.config["CONTENT_RECHECK_SECONDS"] = interval


_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
_INPUT = re.compile(r"<input\b([^>]*)>", re.S)
_TEXTAREA = re.compile(r"<textarea\b([^>]*)>\r?\n?(.*?)</textarea>", re.S)
_SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S)
_OPTION = re.compile(r"<option\b([^>]*)>", re.S)
_ATTR = re.compile(r'([a-z][\w-]*)(?:="([^"]*)")?')


def _attrs(text: str) -> dict:
    return {name: unescape(value) for name, value in _ATTR.findall(text)}


def form_fields(html: str, action: str | None = None) -> dict:
    """What a browser would post from the page's first POST form that posts to `action` (a form without an action
    posts to the page itself, and matches any), or with no `action` from the first POST form of the page's <main>
    (the header's sign-out and language forms come before it): every input with its value (a checkbox or radio
    only when checked), every textarea with its text, every select with its selected option, or its first as a
    browser takes."""
    if action is None:
        html = html[max(html.find("<main"), 0):]
    for opening, form in _FORM.findall(html):
        opening = _attrs(opening)
        if opening.get("method") != "post" or (action is not None and opening.get("action", action) != action):
            continue
        fields = {}
        for attributes in _INPUT.findall(form):
            attrs = _attrs(attributes)
            kind = attrs.get("type", "text")
            if "name" not in attrs or kind in ("file", "submit"):
                continue
            if kind not in ("checkbox", "radio"):
                fields[attrs["name"]] = attrs.get("value", "")
            elif "checked" in attrs:
                fields[attrs["name"]] = attrs.get("value", "on")
        for attributes, text in _TEXTAREA.findall(form):
            fields[_attrs(attributes)["name"]] = unescape(text)
        for attributes, options in _SELECT.findall(form):
            choices = [_attrs(option) for option in _OPTION.findall(options)]
            chosen = [c for c in choices if "selected" in c] or choices[:1]
            fields[_attrs(attributes)["name"]] = chosen[0].get("value", "") if chosen else ""
        return fields
    return {}
