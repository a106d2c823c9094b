"""Deleting an item in the form editor (/authoring/items/<path>/<id>/delete): a confirmation page, then a POST
(CSRF) that takes the item's block out of the draft like any other edit; the last item is kept; audited; a change
made meanwhile, another trainer's quiz and unknown items are refused."""
import re

import pytest
from sqlalchemy import select

from academy.authoring import store
from academy.org.models import AuditEntry
from tests.factories import PASSWORD, login, make_user
from tests.test_item_editor import PATH, QUIZ, draft, page, parsed, put_quiz

ALONE = "---\nid: fe-quiz\ntitle: 只有一题\n---\n## 判断：拆分 {#fe-only}\n可以拆分项目规避招标。\n\n答案：错\n"


@pytest.fixture
def author(app, client, db):
    """A signed-in trainer owning the draft quiz of test_item_editor."""
    user = make_user(db, "t1", roles=("trainer",))
    put_quiz(app, user.id)
    login(client, "t1")
    return user


def delete_url(item_id: str, path: str = PATH) -> str:
    return f"/authoring/items/{path}/{item_id}/delete"


def confirm(client, item_id: str) -> dict:
    shown = page(client.get(delete_url(item_id)))
    return {"base": re.search(r'name="base" value="([^"]*)"', shown).group(1)}


def test_the_confirmation_page_shows_the_item_and_deletes_nothing(client, db, author):
    shown = page(client.get(delete_url("fe-multiple")))
    assert "方式" in shown and "多选" in shown and "确认删除" in shown
    assert f'action="{delete_url("fe-multiple")}"' in shown and 'method="post"' in shown
    assert draft(db) == QUIZ


def test_deleting_takes_the_block_out_of_the_draft_and_keeps_everything_else(client, db, author):
    response = client.post(delete_url("fe-multiple"), data=confirm(client, "fe-multiple"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/authoring/doc/{PATH}")
    source = draft(db)
    assert "fe-multiple" not in source and "竞争性磋商" not in source
    assert source == QUIZ.replace(QUIZ[QUIZ.index("## 多选：方式"):QUIZ.index("## 判断：拆分")], "")
    assert [i.id for i in parsed(db).items] == ["fe-single", "fe-tf", "fe-order", "fe-match", "fe-classify", "fe-dialogue"]
    entries = db.execute(select(AuditEntry.action, AuditEntry.reason, AuditEntry.detail, AuditEntry.actor_id)
                         .order_by(AuditEntry.id)).all()
    assert ("content.draft", "表单删除 fe-multiple") in [(a, r) for a, r, _d, _u in entries]
    assert [(d, u) for a, _r, d, u in entries if a == "content.item_delete"] == [({"item": "fe-multiple", "title": "方式"},
                                                                                  author.id)]
    assert "题目 fe-multiple 已从草稿中删除" in page(client.get(f"/authoring/doc/{PATH}"))


def test_an_item_the_form_cannot_edit_can_still_be_deleted(client, db, author):
    assert client.post(delete_url("fe-dialogue"), data=confirm(client, "fe-dialogue")).status_code == 302
    assert parsed(db).item("fe-dialogue") is None and "### 结局" not in draft(db)


def test_the_last_item_is_not_deleted(app, client, db, author):
    put_quiz(app, author.id, ALONE)
    shown = page(client.get(delete_url("fe-only")))
    assert "唯一的一道题" in shown and "确认删除" not in shown
    refused = client.post(delete_url("fe-only"), data={"base": ""})
    assert refused.status_code == 422 and "唯一的一道题，不能删除" in page(refused)
    assert draft(db) == ALONE


def test_a_change_made_since_the_confirmation_is_refused(app, client, db, author):
    fields = confirm(client, "fe-tf")
    changed = QUIZ.replace("答对：对，化整为零违法。", "答对：别人刚改过。")
    put_quiz(app, author.id, changed)
    refused = client.post(delete_url("fe-tf"), data=fields)
    assert refused.status_code == 422 and "已被修改" in page(refused)
    assert draft(db) == changed


def test_get_never_deletes_and_the_post_needs_the_csrf_token(csrf_app, csrf_client, db):
    with csrf_app.app_context():
        from academy.platform.db import get_session

        make_user(get_session(), "t1", roles=("trainer",))
    put_quiz(csrf_app, None)
    sign_in = page(csrf_client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', sign_in).group(1)
    assert csrf_client.post("/login", data={"username": "t1", "password": PASSWORD, "csrf_token": token}).status_code == 302
    shown = page(csrf_client.get(delete_url("fe-tf")))
    assert draft(db) == QUIZ
    assert csrf_client.post(delete_url("fe-tf"), data={"base": confirm(csrf_client, "fe-tf")["base"]}).status_code == 400
    assert draft(db) == QUIZ
    token = re.search(r'name="csrf_token" value="([^"]+)"', shown).group(1)
    assert csrf_client.post(delete_url("fe-tf"), data={"csrf_token": token}).status_code == 302
    assert "fe-tf" not in draft(db)


def test_another_trainers_quiz_and_trainees_are_refused(app, client, db):
    owner = make_user(db, "owner", roles=("trainer",))
    put_quiz(app, owner.id)
    db.rollback()
    make_user(db, "other", roles=("trainer",))
    login(client, "other")
    refused = client.get(delete_url("fe-tf"))
    assert refused.status_code == 403 and "不能编辑这个测验" in page(refused)
    assert client.post(delete_url("fe-tf")).status_code == 403
    assert draft(db) == QUIZ
    make_user(db, "learner")
    login(client, "learner")
    assert client.post(delete_url("fe-tf")).status_code == 403
    assert draft(db) == QUIZ


def test_unknown_items_and_quizzes_are_404(client, author):
    assert client.get(delete_url("no-such-item")).status_code == 404
    assert client.post(delete_url("no-such-item")).status_code == 404
    assert client.get(delete_url("fe-tf", "quizzes/no-such-quiz.md")).status_code == 404
    assert client.get(delete_url("x", "courses/clients/module.md")).status_code == 404


def test_the_quiz_page_links_every_item_to_its_deletion(client, author):
    shown = page(client.get(f"/authoring/doc/{PATH}"))
    for item_id in ("fe-single", "fe-dialogue"):
        assert f'href="{delete_url(item_id)}"' in shown


def test_deleting_changes_the_draft_only_until_it_is_published(client, db, author):
    assert client.post(f"/authoring/publish/{PATH}").status_code == 302
    client.post(delete_url("fe-order"), data=confirm(client, "fe-order"))
    assert "fe-order" not in draft(db) and "fe-order" in store.published_source(db, PATH)
    assert client.post(f"/authoring/publish/{PATH}").status_code == 302
    db.rollback()
    assert "fe-order" not in store.published_source(db, PATH)
