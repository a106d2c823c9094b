"""Pages rendered once and reused (academy.pages), the driver-level reads (academy.reads) and the
remembered session cookie: each must give exactly what rendering and reading afresh would give."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from academy.db import get_reader
from academy.models import Attempt, LoginSession
from academy.reads import Reader, ReadQuery
from tests.factories import PASSWORD, login, make_user, start_quiz

TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def csrf_login(client, username: str) -> str:
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token}).status_code == 302
    return TOKEN.search(client.get("/").get_data(as_text=True)).group(1)


def test_a_shared_page_shows_each_user_their_own_escaped_name_and_working_token(csrf_app, database_url, tmp_path):
    from academy.db import get_session

    with csrf_app.app_context():
        make_user(get_session(), "amy", name="<b>Amy</b>")
        make_user(get_session(), "bob", name="Bob & Co")
    first, second = csrf_app.test_client(), csrf_app.test_client()
    csrf_login(first, "amy")
    csrf_login(second, "bob")
    pages = [c.get("/lessons/clients-org-traits").get_data(as_text=True) for c in (first, second)]
    assert "&lt;b&gt;Amy&lt;/b&gt;" in pages[0] and "<b>Amy</b>" not in pages[0] and "Bob" not in pages[0]
    assert "Bob &amp; Co" in pages[1] and "Amy" not in pages[1]
    tokens = [set(TOKEN.findall(page)) for page in pages]
    assert all(len(t) == 1 for t in tokens) and tokens[0] != tokens[1]  # every form of a page: the user's own token
    for path in ("/", "/map", "/modules/clients", "/quizzes/", "/quizzes/clients-quiz"):  # every shared page
        mine, theirs = (c.get(path).get_data(as_text=True) for c in (first, second))
        assert "Amy" in mine and "Bob" not in mine and "Bob" in theirs and "Amy" not in theirs, path
        assert TOKEN.findall(mine)[0] != TOKEN.findall(theirs)[0], path
    done = second.post("/lessons/clients-org-traits/complete", data={"csrf_token": tokens[1].pop()})
    assert done.status_code == 302  # the token filled into the shared page is valid for its session
    assert first.post("/lessons/clients-org-traits/complete", data={"csrf_token": "forged"}).status_code == 400


def test_a_reused_page_follows_the_learners_state_language_and_messages(client, db):
    make_user(db, "t1")
    login(client, "t1")
    page = lambda: client.get("/lessons/clients-org-traits").get_data(as_text=True)  # noqa: E731
    assert "badge-done" not in page()
    client.post("/lessons/clients-org-traits/complete")
    assert "已完成：" in client.get("/lessons/clients-org-traits").get_data(as_text=True)  # the flash, once
    assert "badge-done" in page() and "已完成：" not in page()
    client.post("/language", data={"lang": "en", "next": "/"})
    english = page()
    assert '<html lang="en">' in english and "完成本节" not in english and "badge-done" in english


def test_the_take_page_shows_the_saved_answers_of_the_moment(client, db, app):
    make_user(db, "t1")
    login(client, "t1")
    attempt_id = start_quiz(client, "sample-all-types")
    choice = r'name="q-sample-tf" value="([^"]+)"\s*checked'
    assert re.findall(choice, client.get(f"/attempts/{attempt_id}").get_data(as_text=True)) == []
    client.post(f"/attempts/{attempt_id}/save", data={"q-sample-tf": "true"})
    client.get(f"/attempts/{attempt_id}")  # the page with the "saved" message
    assert re.findall(choice, client.get(f"/attempts/{attempt_id}").get_data(as_text=True)) == ["true"]
    client.post(f"/attempts/{attempt_id}/save", data={"q-sample-tf": "false"})
    client.get(f"/attempts/{attempt_id}")
    assert re.findall(choice, client.get(f"/attempts/{attempt_id}").get_data(as_text=True)) == ["false"]


def test_another_users_attempt_is_refused_on_the_read_path(client, db):
    make_user(db, "t1")
    make_user(db, "t2")
    login(client, "t1")
    attempt_id = start_quiz(client, "sample-all-types")
    client.post("/logout")
    login(client, "t2")
    assert client.get(f"/attempts/{attempt_id}").status_code == 403
    assert client.get("/attempts/999999").status_code == 404


def test_read_queries_return_what_sqlalchemy_returns(app, client, db):
    make_user(db, "t1")
    login(client, "t1")
    start_quiz(client, "sample-all-types")
    statement = select(Attempt.id, Attempt.started_at, Attempt.answers, Attempt.passed, LoginSession.token_hash).join(
        LoginSession, LoginSession.user_id == Attempt.user_id)
    expected = [tuple(row) for row in db.execute(statement)]
    with app.app_context():
        rows = ReadQuery(statement).rows(get_reader())
    assert [tuple(row) for row in rows] == expected and expected
    assert rows[0].started_at == expected[0][1] and isinstance(rows[0].answers, dict)


def test_read_queries_refuse_expanding_parameters(app):
    with app.app_context(), pytest.raises(ValueError):
        ReadQuery(select(Attempt.id).where(Attempt.state.in_(("graded", "review")))).rows(get_reader())


def test_a_remembered_session_cookie_still_expires_and_cannot_be_forged(app, client, db, monkeypatch):
    make_user(db, "t1")
    login(client, "t1")
    assert client.get("/map").status_code == 200
    cookie = client.get_cookie("session")
    forged = cookie.value[:-2] + ("AA" if not cookie.value.endswith("AA") else "BB")
    client.set_cookie("session", forged)
    assert client.get("/map").status_code == 302
    client.set_cookie("session", cookie.value)
    assert client.get("/map").status_code == 200  # remembered now
    app.permanent_session_lifetime = timedelta(seconds=1)
    import academy.security as security

    later = security.time.time() + 5
    monkeypatch.setattr(security.time, "time", lambda: later)
    assert client.get("/map").status_code == 302


def test_the_quiz_list_follows_quizzes_outside_the_modules(client, db):
    make_user(db, "t1")
    login(client, "t1")
    exam = re.compile(r'href="/quizzes/final-exam">[^<]*</a>\s*(<span class="badge[^"]*">[^<]*</span>)?')
    assert exam.search(client.get("/quizzes/").get_data(as_text=True)).group(1) is None
    assert client.post(f"/attempts/{start_quiz(client, 'final-exam')}/submit", data={}).status_code == 302
    assert exam.search(client.get("/quizzes/").get_data(as_text=True)).group(1) == '<span class="badge badge-fail">0%</span>'


def test_changed_content_replaces_the_reused_pages(database_url, tmp_path):
    import shutil

    from tests.conftest import ROOT, make_app

    content = tmp_path / "content"
    shutil.copytree(ROOT / "courses", content / "courses")
    shutil.copytree(ROOT / "quizzes", content / "quizzes")
    app = make_app(database_url, tmp_path, CONTENT_DIR=str(content), CONTENT_RECHECK_SECONDS=0)
    client = app.test_client()
    with app.app_context():
        from academy.db import dispose, get_session

        make_user(get_session(), "t1")
    login(client, "t1")
    assert "新写的一段话" not in client.get("/lessons/clients-org-traits").get_data(as_text=True)
    lesson = next((content / "courses").glob("*/*org-traits.md"))
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n\n新写的一段话。\n", encoding="utf-8")
    assert "新写的一段话" in client.get("/lessons/clients-org-traits").get_data(as_text=True)
    from tests.conftest import _empty_tables

    _empty_tables(app)
    dispose(app)


def test_a_real_csrf_token_is_never_kept_in_a_shared_page(app, client, db, monkeypatch):
    from flask_wtf.csrf import generate_csrf

    import academy.pages as pages

    make_user(db, "t1")
    login(client, "t1")
    monkeypatch.setattr(pages, "page_csrf_token", generate_csrf)  # as if a template used a FlaskForm's field
    app.jinja_env.globals["csrf_token"] = generate_csrf
    app.template_context_processors[None].append(lambda: {"csrf_token": generate_csrf})
    with app.app_context():
        from academy.content.catalog import get_catalog

        get_catalog()._derived.pop("pages", None)  # shared with earlier tests' apps: render afresh
    with pytest.raises(RuntimeError, match="CSRF"):
        client.get("/lessons/clients-org-traits")


def test_reads_survive_a_database_that_went_away(app, client, db):
    """The read pool does not ping before every request; a read that finds its connection gone (database
    restarted) reconnects and reads again."""
    from sqlalchemy import text

    from academy.models import User

    make_user(db, "gone")
    login(client, "gone")
    assert client.get("/map").status_code == 200
    with app.app_context():
        reader = get_reader()
        reader._connection.dbapi_connection.close()  # noqa: SLF001 - as a restart leaves it
        assert [row.username for row in ReadQuery(select(User.username).where(User.username == "gone")).rows(reader)] == ["gone"]
    if app.extensions["db_engine"].dialect.name == "postgresql":  # end the app's server processes, as a restart does
        with app.extensions["db_engine"].connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        assert client.get("/map").status_code == 200 and client.get("/").status_code == 200


def test_each_thread_keeps_its_reader_and_a_forked_process_opens_its_own(app, client, db, monkeypatch):
    """The hot reads' connection stays with the thread from request to request, outside the pool (which keeps
    no connection checked out for it); a process with another id, as after a fork, opens a new one."""
    import os
    import threading

    make_user(db, "keeper")
    login(client, "keeper")
    seen, fetch = [], Reader.fetch

    def noted_fetch(reader, sql, arguments):
        seen.append(reader)
        return fetch(reader, sql, arguments)

    monkeypatch.setattr(Reader, "fetch", noted_fetch)
    for _ in range(3):
        assert client.get("/map").status_code == 200
    assert len(set(seen)) == 1 and app.extensions["db_read_engine"].pool.checkedout() == 0
    other = threading.Thread(target=lambda: client.get("/map"))
    other.start()
    other.join()
    assert len(set(seen)) == 2
    real_pid = os.getpid()
    monkeypatch.setattr("academy.db.os.getpid", lambda: real_pid + 1)
    client.get("/map")
    assert len(set(seen)) == 3 and seen[-1].pid == real_pid + 1
