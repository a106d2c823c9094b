"""What every learner page shows is the signed-in learner's own: name, token, state, language, messages."""
import re

from tests.factories import PASSWORD, login, make_user, start_quiz

TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def csrf_login(client, username: str) -> str:
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token}).status_code == 302
    return TOKEN.search(client.get("/").get_data(as_text=True)).group(1)


def test_a_shared_page_shows_each_user_their_own_escaped_name_and_working_token(csrf_app, database_url, tmp_path):
    from academy.platform.db import get_session

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
    make_user(db, "t1", roles=("trainer",))  # the sample quiz (every item type) is for staff only
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
    make_user(db, "t1", roles=("trainer",))  # the sample quiz (every item type) is for staff only
    make_user(db, "t2")
    login(client, "t1")
    attempt_id = start_quiz(client, "sample-all-types")
    client.post("/logout")
    login(client, "t2")
    assert client.get(f"/attempts/{attempt_id}").status_code == 403
    assert client.get("/attempts/999999").status_code == 404


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
        from academy.platform.db import dispose, get_session

        make_user(get_session(), "t1")
    login(client, "t1")
    assert "新写的一段话" not in client.get("/lessons/clients-org-traits").get_data(as_text=True)
    lesson = next((content / "courses").glob("*/*org-traits.md"))
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n\n新写的一段话。\n", encoding="utf-8")
    assert "新写的一段话" in client.get("/lessons/clients-org-traits").get_data(as_text=True)
    from tests.conftest import _empty_tables

    _empty_tables(app)
    dispose(app)


def test_a_lesson_table_scrolls_in_its_own_box(client, db):
    """Issue 14: a wide Markdown table scrolls inside a focusable box instead of widening the page on a phone;
    the navigation is also a <details> menu, for phones, that needs no script."""
    make_user(db, "t1")
    login(client, "t1")
    page = client.get("/lessons/clients-roles").get_data(as_text=True)
    tables = re.findall(r"(.{40})<table\b", page, re.S)
    assert tables and all(before.endswith('<div class="table-scroll" tabindex="0">') for before in tables)
    assert page.count("<table") == page.count("</table></div>")
    menu = re.search(r'<details class="site-menu">\s*<summary[^>]*>菜单</summary>(.*?)</details>', page, re.S)
    assert menu and 'href="/map"' in menu.group(1) and "/logout" in menu.group(1)
