"""Staff-only content (issue 14 item 4): a quiz or a module marked `audience: staff` is shown to trainers,
managers and admins, marked 仅讲师可见; trainees never see it, and its URLs are 404 for them (not 403: a
trainee is not told it exists)."""
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest

from academy.learning.content.catalog import check_source, load_full_catalog
from academy.learning.questions import parse_quiz_text
from academy.org.models import utcnow
from academy.platform.db import dispose
from tests.conftest import ROOT, _empty_tables, make_app
from tests.factories import login, make_user, start_quiz

SAMPLE = "sample-all-types"  # 示例：全部题型与功能, marked audience: staff
MARK = "仅讲师可见"
STAFF = (("trainer",), ("manager",), ("admin",), ("trainee", "trainer"))

QUIZ = """---
id: {id}
title: 测验 {id}
course: {course}
audience: {audience}
attempts: unlimited
---
## 判断：一道题 {{#{id}-tf}}
预算先于采购。
答案：对
"""


def write_content(root) -> None:
    """Module `open` (for everyone, which names the staff-only `inside` as a prerequisite), module `inside`
    (staff only) and three quizzes: one in each module and one marked staff-only itself."""
    files = {
        "courses/open/module.md": "---\nid: open\ntitle: 公开模块\norder: 1\nprerequisites: [inside]\n---\n简介。\n",
        "courses/open/01-first.md": "---\nid: open-first\ntitle: 公开课时\n---\n## 一、内容 {#content}\n正文。\n",
        "courses/inside/module.md": "---\nid: inside\ntitle: 讲师模块\norder: 2\naudience: staff\n---\n讲师用。\n",
        "courses/inside/01-notes.md": "---\nid: inside-notes\ntitle: 讲师课时\n---\n## 一、要点 {#points}\n正文。\n",
        "quizzes/open-quiz.md": QUIZ.format(id="open-quiz", course="open", audience="all"),
        "quizzes/inside-quiz.md": QUIZ.format(id="inside-quiz", course="inside", audience="all"),
        "quizzes/staff-quiz.md": QUIZ.format(id="staff-quiz", course="", audience="staff"),
    }
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")


@contextmanager
def app_on_content(database_url, tmp_path):
    """The app on the content written under tmp_path/content, its tables emptied after."""
    app = make_app(database_url, tmp_path, CONTENT_DIR=str(tmp_path / "content"))
    try:
        yield app
    finally:
        _empty_tables(app)
        dispose(app)


@pytest.fixture
def content_app(database_url, tmp_path):
    write_content(tmp_path / "content")
    with app_on_content(database_url, tmp_path) as app:
        yield app


def signed_in(app, db, username: str, roles=("trainee",)):
    make_user(db, username, roles=roles)
    client = app.test_client()
    login(client, username)
    return client


def coach_and_learner(app):
    """Clients signed in as a new trainer ("coach") and a new trainee ("learner"): the same rows, other views."""
    from sqlalchemy.orm import Session

    with Session(bind=app.extensions["db_engine"]) as db:
        return signed_in(app, db, "coach", ("trainer",)), signed_in(app, db, "learner")


def user_id(db, username: str) -> int:
    from sqlalchemy import select

    from academy.org.models import User

    return db.scalar(select(User.id).where(User.username == username))


def codes(text: str) -> list[tuple[str, str]]:
    _quiz, sink = parse_quiz_text(text.encode(), "quizzes/x.md")
    return [(p.code, p.message) for p in sink.problems]


# --- the format ---

def test_a_quiz_is_for_everyone_unless_marked_for_staff():
    quiz, _ = parse_quiz_text(QUIZ.format(id="a", course="", audience="staff").encode(), "quizzes/a.md")
    assert quiz.audience == "staff" and quiz.staff_only
    plain = QUIZ.format(id="a", course="", audience="all").replace("audience: all\n", "")
    quiz, _ = parse_quiz_text(plain.encode(), "quizzes/a.md")
    assert quiz.audience == "all" and not quiz.staff_only


@pytest.mark.parametrize("value", ["trainers", "Staff", "[staff]", "true"])
def test_an_unknown_audience_is_an_error_with_a_message(value):
    problems = codes(QUIZ.format(id="a", course="", audience=value))
    assert ("E004", "audience 只能是 all / staff (invalid audience)") in problems


def test_module_audience_and_its_problems(tmp_path):
    write_content(tmp_path)
    catalog = load_full_catalog(tmp_path)
    assert [(m.id, m.audience) for m in catalog.modules] == [("open", "all"), ("inside", "staff")]
    assert {q.id: q.staff_only for q in catalog.quizzes} == {"open-quiz": False, "inside-quiz": True, "staff-quiz": True}
    assert [(p.path, p.code) for p in catalog.problems] == [("courses/open/module.md", "W011")]  # the prerequisite
    module = tmp_path / "courses/inside/module.md"
    module.write_text(module.read_text(encoding="utf-8").replace("audience: staff", "audience: trainer"), encoding="utf-8")
    catalog = load_full_catalog(tmp_path)
    assert [str(p) for p in catalog.problems if p.code == "E004"] == [
        "courses/inside/module.md:5: E004 audience 只能是 all / staff (invalid audience)"]
    assert catalog.module("inside").staff_only  # an unreadable mark hides rather than shows


def _link_quiz(root, quiz: str, lesson: str) -> None:
    path = root / f"quizzes/{quiz}.md"
    path.write_text(path.read_text(encoding="utf-8").replace(f"{{#{quiz}-tf}}", f"{{#{quiz}-tf lesson={lesson}}}"),
                    encoding="utf-8")


@pytest.mark.parametrize(("quiz", "lesson", "expected"), [
    ("open-quiz", "inside-notes#points", ["W114"]),  # trainees take it and would be shown no link
    ("open-quiz", "open-first#content", []),
    ("open-quiz", "inside-notes#nowhere", ["W110"]),
    ("open-quiz", "missing", ["W110"]),
    ("inside-quiz", "inside-notes#points", []),  # staff-only through its module
    ("staff-quiz", "inside-notes", []),  # staff-only itself
])
def test_a_lesson_link_trainees_cannot_follow_is_a_warning(tmp_path, quiz, lesson, expected):
    write_content(tmp_path)
    _link_quiz(tmp_path, quiz, lesson)
    catalog = load_full_catalog(tmp_path)
    found = [p for p in catalog.problems if p.code in ("W110", "W114")]
    assert [(p.path, p.line, p.code) for p in found] == [(f"quizzes/{quiz}.md", 8, code) for code in expected]
    source = (tmp_path / f"quizzes/{quiz}.md").read_bytes()  # the editor's live check says the same
    assert [p.code for p in check_source(catalog, f"quizzes/{quiz}.md", source).problems
            if p.code in ("W110", "W114")] == expected


def test_the_trainee_view_leaves_out_staff_content(tmp_path):
    write_content(tmp_path)
    catalog = load_full_catalog(tmp_path)
    trainees = catalog.trainee_view
    assert [m.id for m in trainees.modules] == ["open"] and trainees.module("open").prerequisites == ()
    assert [q.id for q in trainees.quizzes] == ["open-quiz"] and trainees.hidden_quizzes == {"inside-quiz", "staff-quiz"}
    assert list(trainees.lessons) == ["open-first"] and trainees.lesson("inside-notes") is None
    assert trainees.version != catalog.version  # memos derived from either view never mix
    assert catalog.trainee_view is trainees  # worked out once per catalog


def test_a_staff_module_without_quizzes_still_makes_the_views_differ(tmp_path, database_url):
    """Bug: the two views' version named only the staff-only quizzes, so with a staff-only module and no staff-only
    quiz both views had one version, and a value derived from one (a learner's progress from the same rows, the
    search's lessons) was served for the other: a trainee saw the staff module on the learning map."""
    write_content(tmp_path / "content")
    for quiz in ("inside-quiz", "staff-quiz"):
        (tmp_path / f"content/quizzes/{quiz}.md").unlink()
    catalog = load_full_catalog(tmp_path / "content")
    assert catalog.trainee_view.version != catalog.version
    with app_on_content(database_url, tmp_path) as app:
        coach, learner = coach_and_learner(app)
        assert "讲师模块" in coach.get("/map").get_data(as_text=True)  # the same rows as the learner's: none
        assert "讲师课时" in coach.get("/search?q=正文").get_data(as_text=True)
        assert "讲师模块" not in learner.get("/map").get_data(as_text=True)
        assert "讲师课时" not in learner.get("/search?q=正文").get_data(as_text=True)


def test_a_result_page_links_a_staff_lesson_for_staff_only(tmp_path, database_url):
    """Bug: a graded question's HTML on the result page is shared by everyone who answered alike, and its "复习" link
    names the lesson as the viewer's catalogue has it.  The key did not name the catalogue, so a trainee who answered
    as a trainer had was shown the trainer's link to a staff-only lesson, with its title."""
    write_content(tmp_path / "content")
    quiz = tmp_path / "content/quizzes/open-quiz.md"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace("{#open-quiz-tf}", "{#open-quiz-tf lesson=inside-notes#points}"),
                    encoding="utf-8")
    with app_on_content(database_url, tmp_path) as app:
        results = []
        for client in coach_and_learner(app):  # both answer 错 where 对 is right
            attempt = start_quiz(client, "open-quiz")
            client.post(f"/attempts/{attempt}/submit", data={"q-open-quiz-tf": "false"})
            results.append(client.get(f"/attempts/{attempt}/result").get_data(as_text=True))
        assert "讲师课时" in results[0] and "/lessons/inside-notes#points" in results[0]
        assert "讲师课时" not in results[1] and "inside-notes" not in results[1]


def test_the_sample_quiz_is_staff_only():
    quiz = load_full_catalog(ROOT).quiz(SAMPLE)
    assert quiz.title == "示例：全部题型与功能" and "讲师参考" in quiz.tags and quiz.staff_only


# --- the shipped sample quiz, over HTTP ---

def test_trainees_never_see_the_sample_quiz(app, db):
    client = signed_in(app, db, "t1")
    for path in ("/", "/map", "/quizzes/", "/modules/clients", "/mistakes"):
        page = client.get(path)
        assert page.status_code == 200, path
        text = page.get_data(as_text=True)
        assert SAMPLE not in text and "示例：全部题型与功能" not in text and MARK not in text, path
    assert client.get(f"/quizzes/{SAMPLE}").status_code == 404
    assert client.post(f"/quizzes/{SAMPLE}/start").status_code == 404
    assert client.get("/quizzes/no-such-quiz").status_code == 404  # the same answer as for a quiz that does not exist


@pytest.mark.parametrize("roles", STAFF)
def test_staff_see_the_sample_quiz_marked(app, db, roles):
    client = signed_in(app, db, "s1", roles)
    listing = client.get("/quizzes/").get_data(as_text=True)
    assert re.search(rf'href="/quizzes/{SAMPLE}">[^<]*(<[^>]+>[^<]*)*?</a> <span class="badge badge-staff">{MARK}</span>',
                     listing)
    assert listing.count(MARK) == 1
    intro = client.get(f"/quizzes/{SAMPLE}")
    assert intro.status_code == 200 and MARK in intro.get_data(as_text=True)
    attempt = start_quiz(client, SAMPLE)
    assert client.get(f"/attempts/{attempt}").status_code == 200


def test_a_shared_page_is_not_shared_between_staff_and_trainees(app, db):
    """Learner pages are cached per (URL, language, roles, state): the trainer's list, rendered first, is not
    served to a trainee in the same state."""
    trainer = signed_in(app, db, "coach", ("trainer",))
    trainee = signed_in(app, db, "t1")
    for _ in range(2):
        assert MARK in trainer.get("/quizzes/").get_data(as_text=True)
        assert MARK not in trainee.get("/quizzes/").get_data(as_text=True)


def test_what_a_trainee_did_before_the_quiz_was_marked_stays_out_of_sight(app, db):
    """Attempts made before the mark (or while a trainee was staff): not in 最近成绩 or the 错题本, and their
    pages are 404."""
    from academy.learning.content.catalog import get_catalog
    from academy.learning.quizzes import services

    client = signed_in(app, db, "t1")
    learner = user_id(db, "t1")
    with app.app_context():
        quiz = get_catalog().quiz(SAMPLE)
    now = utcnow() - timedelta(days=1)
    old = services.start_attempt(db, learner, quiz, now)
    services.submit_attempt(db, old, quiz, {}, now + timedelta(minutes=5))  # every item wrong: the book fills
    reviewed = {item.id: {"levels": {str(i): item.levels[0][1] for i in range(len(item.criteria))}} if item.criteria
                else {"score": 0} for item in quiz.all_items() if item.manual}  # the role-play and the essay
    services.apply_review(db, old, quiz, reviewed, now + timedelta(minutes=6))
    open_ = services.start_attempt(db, learner, quiz, now + timedelta(minutes=10))
    db.commit()
    visible = start_quiz(client, "clients-quiz")
    client.post(f"/attempts/{visible}/submit", data={})
    dashboard = client.get("/").get_data(as_text=True)
    assert f"/attempts/{visible}/result" in dashboard and f"/attempts/{old.id}/" not in dashboard
    assert db.get(type(old), old.id).state == "graded"
    book = client.get("/mistakes").get_data(as_text=True)
    assert "读懂政企客户" in book  # the visible quiz's entries
    assert "示例：全部题型与功能" not in book
    practice = client.get("/mistakes/practice").get_data(as_text=True)
    assert 'name="q-sample-' not in practice
    for path in (f"/attempts/{old.id}/result", f"/attempts/{open_.id}"):
        assert client.get(path).status_code == 404, path
    for action in ("save", "submit", "check/sample-single", "dialogue/sample-dialogue"):
        assert client.post(f"/attempts/{open_.id}/{action}", data={}).status_code == 404, action


# --- a staff-only module, over HTTP ---

def test_a_staff_only_module_is_404_for_trainees(content_app, db):
    client = signed_in(content_app, db, "t1")
    for path in ("/", "/map", "/quizzes/"):
        text = client.get(path).get_data(as_text=True)
        assert "公开模块" in text and "讲师模块" not in text and "inside" not in text and MARK not in text, path
    assert "先完成" not in client.get("/map").get_data(as_text=True)  # its prerequisite does not lock `open`
    for path in ("/modules/inside", "/lessons/inside-notes", "/quizzes/inside-quiz", "/quizzes/staff-quiz"):
        assert client.get(path).status_code == 404, path
    for path in ("/lessons/inside-notes/complete", "/quizzes/inside-quiz/start", "/quizzes/staff-quiz/start"):
        assert client.post(path).status_code == 404, path
    assert client.get("/modules/open").status_code == 200 and client.get("/lessons/open-first").status_code == 200


def test_staff_see_a_staff_only_module_marked(content_app, db):
    client = signed_in(content_app, db, "coach", ("trainer",))
    learning_map = client.get("/map").get_data(as_text=True)
    assert re.search(rf'讲师模块</a>[^<]*<span class="badge badge-staff">{MARK}</span></h2>', learning_map)
    assert learning_map.count(MARK) == 1  # the module, not again each of its quizzes
    for path in ("/modules/inside", "/lessons/inside-notes", "/quizzes/inside-quiz", "/quizzes/staff-quiz", "/learning"):
        page = client.get(path)
        assert page.status_code == 200 and MARK in page.get_data(as_text=True), path
    assert MARK not in client.get("/modules/open").get_data(as_text=True)
    quizzes = client.get("/quizzes/").get_data(as_text=True)
    assert quizzes.count(MARK) == 2  # the module's heading (not again its quiz) and the quiz outside any module
