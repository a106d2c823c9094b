"""Item analysis and regrading follow the workspace's one rule (academy.authoring.store.may_edit): a trainer acts
on the quizzes they created or were granted and on the file content nobody owns, admins on everything; another
trainer's quiz is a 403 with the reason."""
import pytest
from sqlalchemy import func, select

from academy.org.models import AuditEntry
from tests.factories import login, make_user

QUIZ = """---
id: owned-quiz
title: 别人的测验
---
## 判断：红线 {#owned-q1}
可以拆分项目规避招标。
答案：错
"""
PATH = "quizzes/owned-quiz.md"
PAGES = ["/authoring/analysis/owned-quiz", "/authoring/analysis/owned-quiz?version=1",
         "/authoring/analysis/owned-quiz/answers?format=csv", "/authoring/regrade/owned-quiz"]


@pytest.fixture
def clients(app, db):
    """(owner, another trainer, admin) clients; the owner has published quizzes/owned-quiz.md."""
    signed_in = {}
    for name, roles in (("owner", ("trainer",)), ("other", ("trainer",)), ("boss", ("admin",))):
        make_user(db, name, roles=roles)
        signed_in[name] = app.test_client()
        login(signed_in[name], name)
    owner = signed_in["owner"]
    assert owner.post("/authoring/new", data={"quiz_id": "owned-quiz", "title": "别人的测验", "course": ""}).status_code == 302
    assert owner.post(f"/authoring/edit/{PATH}", data={"source": QUIZ}).status_code == 302
    assert owner.post(f"/authoring/publish/{PATH}").status_code == 302
    return signed_in["owner"], signed_in["other"], signed_in["boss"]


def test_another_trainer_is_refused_analysis_and_regrade_of_a_quiz_they_may_not_edit(clients, db):
    owner, other, boss = clients
    for url in PAGES:
        refused = other.get(url)
        assert refused.status_code == 403, url
        assert "培训师只能" in refused.get_data(as_text=True), url
    refused = other.post("/authoring/regrade/owned-quiz", data={"versions": ["1"], "reason": "改答案", "confirm": "1"})
    assert refused.status_code == 403
    db.rollback()
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("attempt.regrade%"))) == 0
    for client in (owner, boss):
        assert client.get("/authoring/analysis/owned-quiz").status_code == 200
        assert client.get("/authoring/regrade/owned-quiz").status_code == 200
        assert client.get("/authoring/analysis/owned-quiz/answers?format=csv").status_code == 200


def test_the_analysis_list_shows_a_trainer_only_the_quizzes_they_may_act_on(clients):
    owner, other, boss = clients
    mine = other.get("/authoring/analysis/").get_data(as_text=True)
    assert "/authoring/analysis/owned-quiz" not in mine and "/authoring/regrade/owned-quiz" not in mine
    assert "/authoring/analysis/clients-quiz" in mine  # the shared file content
    assert "只列出你可以编辑的测验" in mine
    for client in (owner, boss):
        assert "/authoring/analysis/owned-quiz" in client.get("/authoring/analysis/").get_data(as_text=True)
    assert "只列出你可以编辑的测验" not in boss.get("/authoring/analysis/").get_data(as_text=True)


def test_file_content_without_an_owner_is_open_to_every_trainer(clients):
    _owner, other, _boss = clients
    assert other.get("/authoring/analysis/clients-quiz").status_code == 200
    assert other.get("/authoring/regrade/clients-quiz").status_code == 200


def test_a_grant_opens_analysis_and_regrade_and_a_revoke_closes_them(clients):
    _owner, other, boss = clients
    assert boss.post(f"/authoring/grant/{PATH}", data={"username": "other"}).status_code == 302
    for url in PAGES:
        assert other.get(url).status_code == (404 if "version=1" in url else 200), url  # no version 1: nobody took it
    assert boss.post(f"/authoring/grant/{PATH}", data={"username": "other", "revoke": "1"}).status_code == 302
    assert other.get("/authoring/regrade/owned-quiz").status_code == 403


def test_an_unknown_quiz_is_still_404(clients):
    _owner, other, _boss = clients
    assert other.get("/authoring/analysis/no-such-quiz").status_code == 404
    assert other.get("/authoring/regrade/no-such-quiz").status_code == 404
