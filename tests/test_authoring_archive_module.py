"""Archiving a module's module.md (academy.authoring.archiving): refused, with the list, while learners still get
its lessons, its quizzes or modules that require it; allowed once they are archived, leaving no problem behind;
a lesson or quiz cannot be un-archived into an archived module."""
import pytest
from sqlalchemy import select

from academy.authoring.models import ContentDocument
from academy.learning.content.catalog import get_catalog
from academy.org.models import AuditEntry
from tests.factories import login, make_user

MODULE = "---\nid: extra\ntitle: 补充模块\norder: 9\n---\n补充内容。\n"
LESSON = "---\nid: extra-one\ntitle: 补充课时\norder: 1\n---\n## 一、正文 {#one}\n正文。\n"
QUIZ = "---\nid: extra-quiz\ntitle: 补充测验\ncourse: extra\n---\n## 判断：红线 {#extra-q1}\n可以拆分项目规避招标。\n答案：错\n"
DOCS = {"courses/extra/module.md": MODULE, "courses/extra/01-one.md": LESSON, "quizzes/extra-quiz.md": QUIZ}


@pytest.fixture
def trainer(client, db):
    make_user(db, "t1", roles=("trainer",))
    login(client, "t1")
    for path, source in DOCS.items():  # published from the workspace: the module first, then what needs it
        assert client.post(f"/authoring/edit/{path}", data={"source": source}).status_code == 302, path
        assert client.post(f"/authoring/publish/{path}").status_code == 302, path
    return client


def archive(client, path, archived=True):
    return client.post(f"/authoring/archive/{path}", data={"archived": "1" if archived else "0"})


def archived(db, path) -> bool:
    db.rollback()
    return bool(db.scalar(select(ContentDocument.archived).where(ContentDocument.path == path)))


def problems(app) -> list[str]:
    with app.app_context():
        return [str(p) for p in get_catalog().problems]


def test_a_module_with_published_lessons_and_quizzes_is_refused_with_the_list(trainer, db, app):
    refused = archive(trainer, "courses/extra/module.md")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "请先归档它们" in page and "courses/extra/01-one.md" in page and "quizzes/extra-quiz.md" in page
    assert not archived(db, "courses/extra/module.md")
    assert "content.archive" not in db.scalars(select(AuditEntry.action)).all()
    with app.app_context():
        assert get_catalog().module("extra") is not None


def test_a_module_other_modules_require_is_refused_with_them(trainer):
    page = archive(trainer, "courses/clients/module.md").get_data(as_text=True)
    for path in ("courses/clients/01-org-traits.md", "quizzes/clients-quiz.md", "courses/intel/module.md",
                 "courses/playbooks/module.md"):
        assert path in page, path


def test_once_its_lessons_and_quizzes_are_archived_the_module_is_and_nothing_is_broken(trainer, db, app):
    assert archive(trainer, "courses/extra/01-one.md").status_code == 302
    assert archive(trainer, "quizzes/extra-quiz.md").status_code == 302
    assert archive(trainer, "courses/extra/module.md").status_code == 302
    assert archived(db, "courses/extra/module.md")
    assert problems(app) == []  # no lesson without a module (E002), no quiz of an unknown course (E008)
    with app.app_context():
        assert get_catalog().module("extra") is None and get_catalog().lesson("extra-one") is None


def test_a_lesson_or_quiz_cannot_come_back_into_an_archived_module(trainer, db, app):
    for path in ("courses/extra/01-one.md", "quizzes/extra-quiz.md", "courses/extra/module.md"):
        archive(trainer, path)
    for path in ("courses/extra/01-one.md", "quizzes/extra-quiz.md"):
        refused = archive(trainer, path, archived=False)
        assert refused.status_code == 409 and "请先取消归档（或修正）模块" in refused.get_data(as_text=True), path
        assert archived(db, path), path  # rolled back
    assert problems(app) == []
    assert archive(trainer, "courses/extra/module.md", archived=False).status_code == 302
    assert archive(trainer, "courses/extra/01-one.md", archived=False).status_code == 302
    assert archive(trainer, "quizzes/extra-quiz.md", archived=False).status_code == 302
    assert problems(app) == []
    with app.app_context():
        assert get_catalog().lesson("extra-one") is not None and get_catalog().quiz("extra-quiz") is not None


def test_archiving_a_lesson_or_quiz_alone_is_unchanged(trainer, db):
    assert archive(trainer, "courses/extra/01-one.md").status_code == 302
    assert archive(trainer, "courses/extra/01-one.md", archived=False).status_code == 302
    assert not archived(db, "courses/extra/01-one.md")


BANK = ("---\nid: extra-bank\ntitle: 补充题库\nbank: true\n---\n"
        "## 判断：化整为零 {#xb-1}\n把项目拆成几个小项目以避开公开招标是允许的。\n答案：错\n")
USER = "---\nid: extra-bank-user\ntitle: 引用题库的测验\ninclude:\n  - extra-bank#xb-1\n---\n"


def test_a_bank_that_published_quizzes_use_is_refused_archiving_and_a_breaking_edit_refused_publishing(trainer, db, app):
    for path, source in (("quizzes/banks/extra-bank.md", BANK), ("quizzes/extra-bank-user.md", USER)):
        assert trainer.post(f"/authoring/edit/{path}", data={"source": source}).status_code == 302, path
        assert trainer.post(f"/authoring/publish/{path}").status_code == 302, path
    refused = archive(trainer, "quizzes/banks/extra-bank.md")
    assert refused.status_code == 409 and "quizzes/extra-bank-user.md" in refused.get_data(as_text=True)
    assert not archived(db, "quizzes/banks/extra-bank.md")
    emptied = BANK.split("## ")[0] + "## 判断：另一题 {#xb-2}\n合规往来要留痕。\n答案：对\n"  # xb-1, which the quiz includes, is gone
    assert trainer.post("/authoring/edit/quizzes/banks/extra-bank.md", data={"source": emptied}).status_code == 302
    published = trainer.post("/authoring/publish/quizzes/banks/extra-bank.md")
    assert published.status_code == 422 and "E026" in published.get_data(as_text=True)
    assert not any("extra-bank-user" in line for line in problems(app))  # learners still get the working quiz
