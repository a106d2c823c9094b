"""The content store (issue 15 item 2): the database holds content versions; files are imported when their hash
changes and never silently overwrite a newer browser edit; learners read published versions only; several app
servers on one database see a publish after the recheck interval."""
import logging

import pytest
from sqlalchemy import select

from academy.authoring import store
from academy.authoring.models import ContentDocument, ContentRevision
from academy.learning.content.catalog import get_catalog, load_full_catalog
from academy.org.models import AuditEntry
from academy.platform.db import dispose, get_session
from tests.conftest import ROOT, _empty_tables, make_app
from tests.factories import make_user

QUIZ = """---
id: {id}
title: {title}
course: basics
attempts: unlimited
---
## 判断：一道题 {{#{id}-tf}}
预算先于采购。
答案：对
"""


def write_content(root) -> None:
    files = {
        "courses/basics/module.md": "---\nid: basics\ntitle: 基础模块\norder: 1\n---\n简介。\n",
        "courses/basics/01-first.md": "---\nid: basics-first\ntitle: 第一课\n---\n## 一、内容 {#content}\n正文。\n",
        "quizzes/alpha.md": QUIZ.format(id="alpha", title="文件版"),
    }
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")


@pytest.fixture
def content_dir(tmp_path):
    write_content(tmp_path / "content")
    return tmp_path / "content"


@pytest.fixture
def content_app(database_url, tmp_path, content_dir):
    app = make_app(database_url, tmp_path, CONTENT_DIR=str(content_dir))
    yield app
    _empty_tables(app)
    dispose(app)


def catalog_of(app):
    with app.test_request_context():
        from academy.learning.content.catalog import recheck_now

        recheck_now()
        return get_catalog()


def in_store(app, work):
    """Run work(session) in one transaction of the app (as a view or command would), then commit."""
    with app.app_context():
        session = get_session()
        result = work(session)
        session.commit()
        return result


def test_an_empty_database_serves_the_files_as_they_are(content_app):
    catalog = catalog_of(content_app)
    assert [q.id for q in catalog.quizzes] == ["alpha"] and catalog.quiz("alpha").title == "文件版"
    assert catalog.stamp[1] is None


def test_shipped_content_is_unchanged_by_the_overlay_when_nothing_is_published(app):
    catalog = catalog_of(app)
    assert catalog.quizzes == load_full_catalog(ROOT).quizzes


def test_a_draft_is_invisible_until_published_and_publish_numbers_revisions(content_app, db):
    author = make_user(db, "t1", roles=("trainer",))
    in_store(content_app, lambda s: store.save_draft(s, author.id, "quizzes/alpha.md", QUIZ.format(id="alpha", title="草稿版")))
    assert catalog_of(content_app).quiz("alpha").title == "文件版"
    rev = in_store(content_app, lambda s: store.publish(s, author.id, "quizzes/alpha.md", reason="改标题"))
    assert rev.number == 1 and rev.origin == "browser"
    assert catalog_of(content_app).quiz("alpha").title == "草稿版"
    in_store(content_app, lambda s: store.save_draft(s, author.id, "quizzes/alpha.md", QUIZ.format(id="alpha", title="第三版")))
    assert in_store(content_app, lambda s: store.publish(s, author.id, "quizzes/alpha.md")).number == 2
    db.rollback()  # a new snapshot
    actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["content.draft", "content.publish", "content.draft", "content.publish"]


def test_a_draft_with_errors_is_not_published_and_nothing_is_written(content_app, db):
    author = make_user(db, "t1", roles=("trainer",))
    broken = QUIZ.format(id="alpha", title="坏").replace("course: basics", "course: nowhere")
    in_store(content_app, lambda s: store.save_draft(s, author.id, "quizzes/alpha.md", broken))

    def publish(session):
        with pytest.raises(store.NotPublishable) as refused:
            store.publish(session, author.id, "quizzes/alpha.md", catalog=get_catalog())
        return refused.value.problems

    with content_app.test_request_context():
        problems = publish(get_session())
    assert {p.code for p in problems} >= {"E008"} and all(p.line >= 1 for p in problems)
    db.rollback()
    assert db.scalar(select(ContentRevision.id)) is None
    assert catalog_of(content_app).quiz("alpha").title == "文件版"


def test_a_new_quiz_lives_only_in_the_database_and_archiving_hides_it(content_app, db):
    author = make_user(db, "t1", roles=("trainer",))
    in_store(content_app, lambda s: store.create(s, author.id, "quizzes/beta.md", QUIZ.format(id="beta", title="新测验")))
    in_store(content_app, lambda s: store.publish(s, author.id, "quizzes/beta.md"))
    assert catalog_of(content_app).quiz("beta").title == "新测验"
    db.rollback()
    assert db.scalar(select(ContentDocument.owner_id).where(ContentDocument.path == "quizzes/beta.md")) == author.id
    in_store(content_app, lambda s: store.set_archived(s, author.id, "quizzes/beta.md", True))
    in_store(content_app, lambda s: store.set_archived(s, author.id, "quizzes/alpha.md", True))
    assert catalog_of(content_app).quizzes == ()
    in_store(content_app, lambda s: store.set_archived(s, author.id, "quizzes/alpha.md", False))
    assert [q.id for q in catalog_of(content_app).quizzes] == ["alpha"]


def test_import_unchanged_files_writes_nothing_new(content_app, content_dir, db):
    first = in_store(content_app, lambda s: store.import_files(s, content_dir))
    assert set(first.added) == {"courses/basics/module.md", "courses/basics/01-first.md", "quizzes/alpha.md"}
    again = in_store(content_app, lambda s: store.import_files(s, content_dir))
    assert (again.added, again.updated, again.conflicts, again.unchanged) == ((), (), (), 3)
    db.rollback()
    assert len(db.scalars(select(ContentRevision)).all()) == 3


def test_a_changed_file_is_published_when_the_published_version_came_from_the_file(content_app, content_dir, db):
    in_store(content_app, lambda s: store.import_files(s, content_dir))
    (content_dir / "quizzes/alpha.md").write_text(QUIZ.format(id="alpha", title="文件第二版"), encoding="utf-8")
    report = in_store(content_app, lambda s: store.import_files(s, content_dir))
    assert report.updated == ("quizzes/alpha.md",) and report.conflicts == ()
    db.rollback()
    revisions = db.scalars(select(ContentRevision).join(ContentDocument).where(ContentDocument.path == "quizzes/alpha.md")
                           .order_by(ContentRevision.number)).all()
    assert [(r.number, r.origin, r.conflict) for r in revisions] == [(1, "file", False), (2, "file", False)]
    assert catalog_of(content_app).quiz("alpha").title == "文件第二版"


def test_a_changed_file_never_overwrites_a_newer_browser_edit(content_app, content_dir, db, caplog):
    author = make_user(db, "t1", roles=("trainer",))
    in_store(content_app, lambda s: store.import_files(s, content_dir))
    in_store(content_app, lambda s: store.save_draft(s, author.id, "quizzes/alpha.md", QUIZ.format(id="alpha", title="浏览器版")))
    in_store(content_app, lambda s: store.publish(s, author.id, "quizzes/alpha.md"))
    (content_dir / "quizzes/alpha.md").write_text(QUIZ.format(id="alpha", title="文件新版"), encoding="utf-8")
    assert catalog_of(content_app).quiz("alpha").title == "浏览器版"  # before the import too
    with caplog.at_level(logging.WARNING, logger="academy.authoring.store"):
        report = in_store(content_app, lambda s: store.import_files(s, content_dir))
    assert report.conflicts == ("quizzes/alpha.md",)
    assert "quizzes/alpha.md" in caplog.text
    db.rollback()
    revisions = db.scalars(select(ContentRevision).order_by(ContentRevision.id)).all()
    kept = [(r.origin, r.conflict, "浏览器版" in r.source, "文件新版" in r.source) for r in revisions if "alpha" in r.source]
    assert kept[-2:] == [("browser", False, True, False), ("file", True, False, True)]  # both kept
    assert catalog_of(content_app).quiz("alpha").title == "浏览器版"
    with content_app.app_context():
        assert [path for path, _ in content_app.extensions["content"]["overlay"].conflicts()] == ["quizzes/alpha.md"]
    again = in_store(content_app, lambda s: store.import_files(s, content_dir))
    assert again.conflicts == () and again.unchanged == 3  # warned once, not at every start


def test_import_content_command(content_app, content_dir):
    result = content_app.test_cli_runner().invoke(args=["import-content"])
    assert result.exit_code == 0, result.output
    assert "新增 3" in result.output


def test_several_app_servers_see_a_publish_after_the_recheck_interval(database_url, tmp_path, content_dir, db):
    apps = [make_app(database_url, tmp_path / name, CONTENT_DIR=str(content_dir), CONTENT_RECHECK_SECONDS=0.2)
            for name in ("one", "two")]
    try:
        author = make_user(db, "t1", roles=("trainer",))
        for app in apps:
            with app.test_request_context():
                assert get_catalog().quiz("alpha").title == "文件版"
        in_store(apps[0], lambda s: store.save_draft(s, author.id, "quizzes/alpha.md", QUIZ.format(id="alpha", title="新版")))
        in_store(apps[0], lambda s: store.publish(s, author.id, "quizzes/alpha.md"))
        import time

        time.sleep(0.25)
        with apps[1].test_request_context():
            assert get_catalog().quiz("alpha").title == "新版"
    finally:
        _empty_tables(apps[0])
        for app in apps:
            dispose(app)


def test_front_matter_is_rewritten_line_by_line():
    source = "---\nid: a\ntitle: 旧\ntags:\n  - x\n  - y\nattempts: 2\n---\n正文 title: 不动\n"
    out = store.set_front_matter(source, {"title": "新: 标题", "tags": None, "time_limit": "20m", "attempts": "3"})
    assert out == '---\nid: a\ntitle: "新: 标题"\nattempts: 3\ntime_limit: 20m\n---\n正文 title: 不动\n'


def test_paths_and_kinds():
    assert store.kind_of("quizzes/x-1.md") == "quiz" and store.kind_of("quizzes/banks/b.md") == "bank"
    assert store.kind_of("courses/m/module.md") == "module" and store.kind_of("courses/m/01-a.md") == "lesson"
    for bad in ("../etc/passwd", "quizzes/../x.md", "quizzes/X.md", "quizzes/a/b/c.md", "", "courses/m.md"):
        assert store.kind_of(bad) is None


def test_a_conflict_shows_on_the_content_check_page_and_in_the_workspace(content_app, content_dir, db):
    author = make_user(db, "t1", roles=("trainer",))
    in_store(content_app, lambda s: store.import_files(s, content_dir))
    in_store(content_app, lambda s: store.save_draft(s, author.id, "quizzes/alpha.md", QUIZ.format(id="alpha", title="浏览器版")))
    in_store(content_app, lambda s: store.publish(s, author.id, "quizzes/alpha.md"))
    (content_dir / "quizzes/alpha.md").write_text(QUIZ.format(id="alpha", title="文件新版"), encoding="utf-8")
    in_store(content_app, lambda s: store.import_files(s, content_dir))
    client = content_app.test_client()
    from tests.factories import login

    login(client, "t1")
    check = client.get("/admin/content").get_data(as_text=True)
    assert "quizzes/alpha.md" in check and "/authoring/doc/quizzes/alpha.md" in check and "冲突" in check
    assert "文件冲突" in client.get("/authoring/").get_data(as_text=True)
    page = client.get("/authoring/doc/quizzes/alpha.md").get_data(as_text=True)
    assert "/authoring/revision/quizzes/alpha.md/3" in page
    # resolving: the file's version becomes the draft and is published; the conflict is then behind
    assert client.post("/authoring/restore/quizzes/alpha.md/3").status_code == 302
    assert client.post("/authoring/publish/quizzes/alpha.md").status_code == 302
    assert "冲突" not in client.get("/admin/content").get_data(as_text=True)
    assert catalog_of(content_app).quiz("alpha").title == "文件新版"
