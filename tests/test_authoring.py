"""The trainer workspace at /authoring (issue 15 items 1 and 8): every route for the roles allowed and refused,
bad input as 4xx, hostile text shown as text, publishing refused with errors, drafts invisible to learners,
archived quizzes 404 for learners, preview as a trainee writing nothing, every change audited."""
import re

import pytest
from sqlalchemy import func, select

from academy.authoring.models import ContentDocument, ContentGrant, ContentRevision
from academy.learning.models import Attempt, QuizVersion
from academy.org.models import AuditEntry
from tests.factories import login, make_user

QUIZ = """---
id: {id}
title: {title}
attempts: unlimited
---
## 单选：预算 {{#{id}-q1}}
哪项最先确认？

- [x] 预算来源
- [ ] 礼品

解析：先看预算。

## 判断：红线 {{#{id}-q2}}
可以拆分项目规避招标。
答案：错
"""

PATHS = ("quizzes/clients-quiz.md", "courses/clients/module.md")


def trainer(client, db, name="t1", roles=("trainer",)):
    user = make_user(db, name, roles=roles)
    login(client, name)
    return user


def create_quiz(client, quiz_id="new-quiz", title="新测验"):
    response = client.post("/authoring/new", data={"quiz_id": quiz_id, "title": title, "course": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return f"quizzes/{quiz_id}.md"


def save(client, path, source, action="save"):
    return client.post(f"/authoring/edit/{path}", data={"source": source, "action": action})


def publish(client, path, **data):
    return client.post(f"/authoring/publish/{path}", data=data)


def fresh(db):
    db.rollback()
    return db


# --- who may come in ------------------------------------------------------------------------------------------

ROUTES_GET = ["/authoring/", "/authoring/new", "/authoring/new-lesson", "/authoring/doc/quizzes/clients-quiz.md",
              "/authoring/edit/quizzes/clients-quiz.md", "/authoring/options/quizzes/clients-quiz.md",
              "/authoring/try/quizzes/clients-quiz.md", "/authoring/export/quizzes/clients-quiz.md",
              "/authoring/edit/courses/clients/module.md", "/authoring/doc/courses/clients/01-org-traits.md"]


@pytest.mark.parametrize("roles", [("trainee",), ("manager",)])
def test_learners_and_managers_are_refused_everywhere(client, db, roles):
    make_user(db, "someone", roles=roles)
    login(client, "someone")
    for url in ROUTES_GET:
        assert client.get(url).status_code == 403, url
    for url in ("/authoring/preview", "/authoring/publish/quizzes/clients-quiz.md", "/authoring/archive/quizzes/clients-quiz.md",
                "/authoring/grant/quizzes/clients-quiz.md", "/authoring/duplicate/quizzes/clients-quiz.md"):
        assert client.post(url, data={"path": "quizzes/clients-quiz.md", "source": "x"}).status_code == 403, url


def test_anonymous_visitors_are_sent_to_login(client):
    assert client.get("/authoring/").status_code == 302


@pytest.mark.parametrize("roles", [("trainer",), ("admin",)])
def test_trainers_and_admins_open_every_page(client, db, roles):
    trainer(client, db, "editor", roles)
    for url in ROUTES_GET:
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:500])
    assert "内容编辑" in client.get("/authoring/").get_data(as_text=True)


def test_home_lists_documents_with_status_and_the_review_queue(client, db):
    trainer(client, db)
    path = create_quiz(client)
    page = client.get("/authoring/").get_data(as_text=True)
    assert path in page and "草稿" in page and "clients-quiz.md" in page and "已发布" in page
    assert "/review/" in page and "目前没有待评阅的角色扮演" in page
    nav = client.get("/quizzes/").get_data(as_text=True)
    assert 'href="/authoring/"' in nav


def test_unknown_paths_are_404(client, db):
    trainer(client, db)
    for url in ("/authoring/doc/../../etc/passwd", "/authoring/doc/quizzes/nope.md", "/authoring/edit/quizzes/Bad.md",
                "/authoring/history/quizzes/nope.md", "/authoring/revision/quizzes/clients-quiz.md/1",
                "/authoring/try/courses/clients/module.md", "/authoring/options/courses/clients/module.md",
                "/authoring/edit/quizzes/nope.md", "/authoring/export/quizzes/nope.md", "/authoring/revision/quizzes/x.md/99999999999"):
        assert client.get(url).status_code == 404, url


# --- create, edit, publish ------------------------------------------------------------------------------------

def test_a_trainer_creates_edits_and_publishes_a_quiz_and_learners_see_only_the_published_one(client, db, app):
    author = trainer(client, db)
    path = create_quiz(client, "budget-check", "预算检查")
    learner = app.test_client()
    make_user(db, "learner")
    login(learner, "learner")
    assert learner.get("/quizzes/budget-check").status_code == 404  # a draft never reaches learners
    assert save(client, path, QUIZ.format(id="budget-check", title="预算检查 v1")).status_code == 302
    assert "预算检查 v1" in client.get(f"/authoring/edit/{path}").get_data(as_text=True)
    assert learner.get("/quizzes/budget-check").status_code == 404
    response = publish(client, path, note="第一版")
    assert response.status_code == 302
    assert "预算检查 v1" in learner.get("/quizzes/budget-check").get_data(as_text=True)
    # a second draft stays invisible while the first version is served
    save(client, path, QUIZ.format(id="budget-check", title="预算检查 v2"))
    assert "预算检查 v1" in learner.get("/quizzes/budget-check").get_data(as_text=True)
    publish(client, path)
    assert "预算检查 v2" in learner.get("/quizzes/budget-check").get_data(as_text=True)
    db = fresh(db)
    numbers = db.scalars(select(ContentRevision.number).order_by(ContentRevision.number)).all()
    assert numbers == [1, 2]
    assert db.scalar(select(ContentDocument.owner_id).where(ContentDocument.path == path)) == author.id
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.target_id == path).order_by(AuditEntry.id)).all()
    assert actions == ["content.draft", "content.draft", "content.publish", "content.draft", "content.publish"]
    history = client.get(f"/authoring/history/{path}").get_data(as_text=True)
    assert "第一版" in history and "t1" in history
    assert "预算检查 v1" in client.get(f"/authoring/revision/{path}/1").get_data(as_text=True)


def test_saving_and_publishing_from_the_editor_in_one_step(client, db, app):
    trainer(client, db)
    path = create_quiz(client, "one-step")
    response = publish(client, path, source=QUIZ.format(id="one-step", title="一步发布"), note="")
    assert response.status_code == 302
    make_user(db, "learner")
    learner = app.test_client()
    login(learner, "learner")
    assert "一步发布" in learner.get("/quizzes/one-step").get_data(as_text=True)


def test_a_quiz_with_errors_cannot_be_published(client, db):
    trainer(client, db)
    path = create_quiz(client, "broken")
    broken = "---\nid: broken\ntitle: 坏\ncourse: nowhere\n---\n## 单选：没有正确项 {#b1}\n题干\n\n- [ ] A\n- [ ] B\n"
    save(client, path, broken)
    response = publish(client, path)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r"行 \d+", page) and "E" in page
    assert fresh(db).scalar(select(func.count()).select_from(ContentRevision)) == 0
    assert not any(a == "content.publish" for a in db.scalars(select(AuditEntry.action)))
    bad_course = QUIZ.format(id="broken", title="坏").replace("attempts: unlimited", "course: nowhere")
    response = publish(client, path, source=bad_course)
    assert response.status_code == 422 and "E008" in response.get_data(as_text=True)


def test_publish_without_a_draft_is_refused(client, db):
    trainer(client, db)
    assert publish(client, "quizzes/clients-quiz.md").status_code == 422


def test_the_preview_fragment_renders_items_and_problems_with_lines(client, db):
    trainer(client, db)
    ok = client.post("/authoring/preview", data={"path": "quizzes/x-new.md", "source": QUIZ.format(id="x-new", title="预览")})
    page = ok.get_data(as_text=True)
    assert ok.status_code == 200 and "预算来源" in page and "没有发现问题" in page and "<html" not in page
    bad = client.post("/authoring/preview", data={"path": "quizzes/x-new.md", "source": "---\nid: x\n---\n"})
    assert bad.status_code == 200 and re.search(r"行 1</a>: <code>E004</code>", bad.get_data(as_text=True))
    duplicate = client.post("/authoring/preview", data={"path": "quizzes/other.md",
                                                        "source": QUIZ.format(id="clients-quiz", title="重复")})
    assert "E006" in duplicate.get_data(as_text=True)
    lesson = client.post("/authoring/preview", data={"path": "courses/clients/09-new.md",
                                                     "source": "---\nid: clients-new\ntitle: 新课\n---\n## 一 {#a}\n**正文**\n"})
    assert "<strong>正文</strong>" in lesson.get_data(as_text=True)
    assert client.post("/authoring/preview", data={"path": "../x", "source": ""}).status_code == 404
    assert client.post("/authoring/preview", data={"path": "quizzes/x.md", "source": "x" * 1_000_001}).status_code == 413


def test_the_editor_without_script_previews_on_the_server(client, db):
    trainer(client, db)
    response = save(client, "quizzes/clients-quiz.md", QUIZ.format(id="clients-quiz", title="服务端预览"), action="preview")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "预算来源" in page and "服务端预览" in page
    assert fresh(db).scalar(select(ContentDocument.id)) is None  # a preview saves nothing


def test_hostile_text_is_shown_as_text(client, db):
    trainer(client, db)
    path = create_quiz(client, "hostile", '<script>alert(1)</script>"')
    hostile = QUIZ.format(id="hostile", title="<img src=x onerror=alert(1)>").replace("哪项最先确认？", "<script>alert(2)</script>")
    save(client, path, hostile)
    for url in (f"/authoring/edit/{path}", f"/authoring/doc/{path}", "/authoring/", f"/authoring/try/{path}"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, url
    preview = client.post("/authoring/preview", data={"path": path, "source": hostile}).get_data(as_text=True)
    assert "<script>alert" not in preview and "onerror=alert" not in preview.replace("&lt;img src=x onerror=alert(1)&gt;", "")


def test_bad_input_is_a_4xx(client, db):
    trainer(client, db)
    assert client.post("/authoring/new", data={"quiz_id": "Bad Id", "title": "x"}).status_code == 422
    assert client.post("/authoring/new", data={"quiz_id": "ok", "title": ""}).status_code == 422
    taken = client.post("/authoring/new", data={"quiz_id": "clients-quiz", "title": "重名"})
    assert taken.status_code == 422 and "已存在" in taken.get_data(as_text=True)
    assert save(client, "quizzes/clients-quiz.md", "a\x00b").status_code in (400, 422)
    assert client.post("/authoring/duplicate/quizzes/clients-quiz.md", data={"new_id": "UPPER"}).status_code == 422
    assert client.post("/authoring/duplicate/quizzes/clients-quiz.md", data={"new_id": "intel-quiz"}).status_code == 422
    assert client.post("/authoring/options/quizzes/clients-quiz.md", data={"title": "t", "pass_score": "150", "grading": "highest",
                                                                          "shuffle": "none", "review": "never"}).status_code == 422
    assert client.post("/authoring/options/quizzes/clients-quiz.md", data={"title": "t", "grading": "evil", "shuffle": "none",
                                                                          "review": "never"}).status_code == 422
    assert client.post("/authoring/new-lesson", data={"module": "clients", "slug": "x", "lesson_id": "a", "title": "t"}).status_code == 422
    assert client.post("/authoring/restore/quizzes/clients-quiz.md/5").status_code == 404
    assert fresh(db).scalar(select(func.count()).select_from(ContentRevision)) == 0


# --- options, duplicate, archive --------------------------------------------------------------------------------

def test_options_rewrite_the_front_matter_of_the_draft(client, db):
    trainer(client, db)
    path = create_quiz(client, "opts")
    form = client.get(f"/authoring/options/{path}").get_data(as_text=True)
    assert 'name="pass_score"' in form and 'name="closes_at"' in form
    response = client.post(f"/authoring/options/{path}", data={
        "title": "带选项的测验", "pass_score": "80", "attempts": "3", "time_limit": "20", "grading": "latest",
        "shuffle": "both", "review": "after_close", "closes_at": "2027-01-31", "required": "y", "staff_only": "y"})
    assert response.status_code == 302
    source = fresh(db).scalar(select(ContentDocument.draft_source).where(ContentDocument.path == path))
    for line in ("title: 带选项的测验", "pass_score: 80", "attempts: 3", "time_limit: 20m", "grading: latest", "shuffle: both",
                 "review: after_close", "closes_at: 2027-01-31", "required: true", "audience: staff"):
        assert f"\n{line}\n" in source, line
    assert "## 单选：第一道题" in source  # the items are untouched
    assert publish(client, path).status_code == 302


def test_duplicate_makes_a_draft_with_a_new_id_owned_by_the_trainer(client, db, app):
    make_user(db, "learner")
    author = trainer(client, db)
    response = client.post("/authoring/duplicate/quizzes/clients-quiz.md", data={"new_id": "clients-quiz-copy"})
    assert response.status_code == 302
    doc = fresh(db).scalar(select(ContentDocument).where(ContentDocument.path == "quizzes/clients-quiz-copy.md"))
    assert doc.owner_id == author.id and "\nid: clients-quiz-copy\n" in doc.draft_source
    assert publish(client, doc.path).status_code == 302
    learner = app.test_client()
    login(learner, "learner")
    assert learner.get("/quizzes/clients-quiz-copy").status_code == 200
    assert "content.duplicate" in fresh(db).scalars(select(AuditEntry.action)).all()


def test_an_archived_quiz_is_404_for_learners_and_comes_back(client, db, app):
    trainer(client, db)
    make_user(db, "learner")
    learner = app.test_client()
    login(learner, "learner")
    assert learner.get("/quizzes/clients-quiz").status_code == 200
    assert client.post("/authoring/archive/quizzes/clients-quiz.md", data={"archived": "1"}).status_code == 302
    assert learner.get("/quizzes/clients-quiz").status_code == 404
    assert learner.post("/quizzes/clients-quiz/start").status_code == 404
    assert "已归档" in client.get("/authoring/").get_data(as_text=True)
    assert client.post("/authoring/archive/quizzes/clients-quiz.md", data={"archived": "0"}).status_code == 302
    assert learner.get("/quizzes/clients-quiz").status_code == 200
    actions = fresh(db).scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["content.archive", "content.unarchive"]


# --- lessons and modules ------------------------------------------------------------------------------------------

def test_a_lesson_is_edited_previewed_and_published_the_same_way(client, db, app):
    trainer(client, db)
    path = "courses/clients/01-org-traits.md"
    source = client.get(f"/authoring/edit/{path}").get_data(as_text=True)
    assert "clients-org-traits" in source
    make_user(db, "learner")
    learner = app.test_client()
    login(learner, "learner")
    original = fresh(db).scalar(select(func.count()).select_from(ContentDocument))
    lesson_source = "---\nid: clients-org-traits\ntitle: 改过的课时\norder: 1\n---\n## 一、新内容 {#new}\n新的正文。\n"
    save(client, path, lesson_source)
    assert "改过的课时" not in learner.get("/lessons/clients-org-traits").get_data(as_text=True)
    assert publish(client, path).status_code == 302
    assert "新的正文" in learner.get("/lessons/clients-org-traits").get_data(as_text=True)
    assert original == 0


def test_a_new_lesson_is_created_from_a_template(client, db):
    trainer(client, db)
    response = client.post("/authoring/new-lesson", data={"module": "clients", "slug": "09-extra", "lesson_id": "clients-extra",
                                                          "title": "补充课时"})
    assert response.status_code == 302
    assert publish(client, "courses/clients/09-extra.md").status_code == 302


def test_module_md_is_edited_the_same_way(client, db):
    trainer(client, db)
    path = "courses/clients/module.md"
    assert "<textarea" in client.get(f"/authoring/edit/{path}").get_data(as_text=True)
    source = fresh(db) and client.get(f"/authoring/export/{path}").get_data(as_text=True)
    assert publish(client, path, source=source.replace("\n---\n", "\n---\n新的模块简介。\n", 1)).status_code == 302


# --- preview as a trainee --------------------------------------------------------------------------------------

def test_preview_as_a_trainee_scores_the_draft_and_records_nothing(client, db):
    trainer(client, db)
    path = create_quiz(client, "trial")
    save(client, path, QUIZ.format(id="trial", title="试做"))
    page = client.get(f"/authoring/try/{path}").get_data(as_text=True)
    assert "不会记录" in page and 'name="q-trial-q1"' in page
    options = re.findall(r'name="q-trial-q1" value="([^"]+)"', page)
    seed = re.search(r'name="seed" value="(\d+)"', page).group(1)
    result = client.post(f"/authoring/try/{path}", data={"seed": seed, "q-trial-q1": options[0], "q-trial-q2": "false"})
    text = result.get_data(as_text=True)
    assert result.status_code == 200 and "预览结果" in text and "得分" in text
    db = fresh(db)
    for model in (Attempt, QuizVersion):
        assert db.scalar(select(func.count()).select_from(model)) == 0
    assert client.post(f"/authoring/try/{path}", data={"q-trial-q1": "zzz"}).status_code == 422


def test_preview_as_a_trainee_plays_a_dialogue_step_by_step(client, db):
    trainer(client, db)
    path = "quizzes/clients-dialogue.md"
    page = client.get(f"/authoring/try/{path}").get_data(as_text=True)
    step = re.search(r'name="step" value="([^"]+)"', page).group(1)
    seed = re.search(r'name="seed" value="(\d+)"', page).group(1)
    item_id = step.partition(":")[0]
    after = client.post(f"/authoring/try/{path}", data={"seed": seed, "step": step, f"path-{item_id}": ""})
    assert after.status_code == 200
    played = re.search(rf'name="path-{item_id}" value="([^"]*)"', after.get_data(as_text=True)).group(1)
    assert played == step.partition(":")[2]
    assert client.post(f"/authoring/try/{path}", data={"seed": seed, f"path-{item_id}": "99,98"}).status_code == 422
    assert client.post(f"/authoring/try/{path}", data={"seed": seed, "step": f"{item_id}:77"}).status_code == 422
    done = client.post(f"/authoring/try/{path}", data={"seed": seed, f"path-{item_id}": played})
    assert done.status_code == 200 and "预览结果" in done.get_data(as_text=True)


# --- permissions ---------------------------------------------------------------------------------------------------

def test_a_trainer_cannot_edit_another_trainers_quiz_until_granted(client, db, app):
    trainer(client, db, "owner")
    path = create_quiz(client, "owned")
    make_user(db, "t2", roles=("trainer",))
    other = app.test_client()
    login(other, "t2")
    refused = other.get(f"/authoring/edit/{path}")
    assert refused.status_code == 403 and "不能编辑" in refused.get_data(as_text=True)
    assert save(other, path, "x").status_code == 403
    assert publish(other, path).status_code == 403
    assert other.post(f"/authoring/archive/{path}").status_code == 403
    assert other.post(f"/authoring/grant/{path}", data={"username": "t2"}).status_code == 403
    assert other.get(f"/authoring/doc/{path}").status_code == 200  # may look, not touch
    # file content without an owner: every trainer edits it
    assert other.get("/authoring/edit/quizzes/clients-quiz.md").status_code == 200
    make_user(db, "boss", roles=("admin",))
    admin = app.test_client()
    login(admin, "boss")
    assert admin.get(f"/authoring/edit/{path}").status_code == 200
    assert admin.post(f"/authoring/grant/{path}", data={"username": "t2"}).status_code == 302
    assert other.get(f"/authoring/edit/{path}").status_code == 200
    assert "t2" in admin.get(f"/authoring/doc/{path}").get_data(as_text=True)
    assert admin.post(f"/authoring/grant/{path}", data={"username": "t2", "revoke": "1"}).status_code == 302
    assert other.get(f"/authoring/edit/{path}").status_code == 403
    assert admin.post(f"/authoring/grant/{path}", data={"username": "nobody"}).status_code == 422
    make_user(db, "pupil")
    assert admin.post(f"/authoring/grant/{path}", data={"username": "pupil"}).status_code == 422
    db = fresh(db)
    assert db.scalar(select(func.count()).select_from(ContentGrant)) == 0
    assert {"content.grant", "content.revoke"} <= set(db.scalars(select(AuditEntry.action)))


# --- export, history, conflicts ---------------------------------------------------------------------------------

def test_export_downloads_quiz_markdown(client, db):
    trainer(client, db)
    response = client.get("/authoring/export/quizzes/clients-quiz.md")
    assert response.status_code == 200 and response.mimetype == "text/markdown"
    assert 'filename="clients-quiz.md"' in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True).startswith("---\nid: clients-quiz")
    save(client, "quizzes/clients-quiz.md", QUIZ.format(id="clients-quiz", title="草稿导出"))
    assert "草稿导出" in client.get("/authoring/export/quizzes/clients-quiz.md?draft=1").get_data(as_text=True)
    assert "草稿导出" not in client.get("/authoring/export/quizzes/clients-quiz.md").get_data(as_text=True)


def test_restore_puts_an_old_revision_in_the_draft(client, db):
    trainer(client, db)
    path = create_quiz(client, "restorable")
    publish(client, path, source=QUIZ.format(id="restorable", title="第一版"))
    publish(client, path, source=QUIZ.format(id="restorable", title="第二版"))
    assert client.post(f"/authoring/restore/{path}/1").status_code == 302
    assert "第一版" in fresh(db).scalar(select(ContentDocument.draft_source).where(ContentDocument.path == path))

