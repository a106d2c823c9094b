"""Regrade after a key fix (issue 15 item 5): the attempts of chosen earlier versions are scored again against
the corrected quiz through the attempt services; tally, attempt_item and the 错题本 follow; one audit entry and
one notice per changed attempt; the learner sees the corrected score with a note; twice changes nothing; a
reason is required; trainers and admins only."""
import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from academy.learning.models import Attempt, AttemptItem, QuizTally
from academy.learning.questions import parse_quiz_text
from academy.learning.quizzes import services
from academy.learning.quizzes.responses import parse_responses
from academy.org.models import AuditEntry, Notice, User, utcnow
from tests.factories import login, make_user, start_quiz
from tests.test_quiz_flow import correct_form, quiz
from tests.test_standings import assert_tallies_equal_recounts

KEYED = "- [x] 道谢，再请教这笔钱从哪项预算出、还要向谁汇报、上什么会"
WRONG = "- [ ] 按他的要求当天发出报价单，表明响应速度，预算和汇报的事下次拜访再问"


def with_wrong_key(q):
    """clients-quiz as it was published with a wrong key for q01 (a instead of b)."""
    source = q.source.replace(KEYED, KEYED.replace("[x]", "[ ]")).replace(WRONG, WRONG.replace("[ ]", "[x]"), 1)
    wrong, _sink = parse_quiz_text(source, q.path)
    assert wrong is not None and wrong.content_hash != q.content_hash
    return wrong


@pytest.fixture
def taken(app, db):
    """Two learners took the wrongly keyed version: one answered b (right, marked wrong), one answered a."""
    right = quiz(app, "clients-quiz")
    wrong = with_wrong_key(right)
    ids = {}
    for name, answer in (("ann", "b"), ("bob", "a")):
        user = make_user(db, name)
        attempt = services.start_attempt(db, user.id, wrong, utcnow())
        form = correct_form(right) | {"q-clients-q01": answer}
        services.submit_attempt(db, attempt, wrong, parse_responses(wrong, MultiDict(form)), utcnow())
        db.commit()
        ids[name] = (user.id, attempt.id)
    return {"right": right, "wrong": wrong, "ids": ids, "old_version": db.get(Attempt, ids["ann"][1]).version_id}


def row(db, attempt_id, item_id="clients-q01"):
    return db.scalar(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id, AttemptItem.item_id == item_id))


def test_regrading_changes_scores_and_everything_derived(app, db, taken):
    from academy.learning.quizzes.mistakes import book, open_entries

    ann_id, ann_attempt = taken["ids"]["ann"]
    bob_id, bob_attempt = taken["ids"]["bob"]
    before = {n: db.get(Attempt, a).score for n, (_u, a) in taken["ids"].items()}
    assert not row(db, ann_attempt).correct and row(db, bob_attempt).correct
    assert "clients-q01" in {e.key for e in open_entries(book(db, ann_id))}
    actor = make_user(db, "fixer", roles=("trainer",)).id
    changed = services.regrade_attempts(db, actor, taken["right"], [taken["old_version"]], "第 1 题答案标错了", utcnow())
    db.commit()
    assert {r.attempt.id for r in changed} == {ann_attempt, bob_attempt}
    db.expire_all()
    ann, bob = db.get(Attempt, ann_attempt), db.get(Attempt, bob_attempt)
    assert ann.score == before["ann"] + 2 and bob.score == before["bob"] - 2
    assert ann.result["clients-q01"]["correct"] and not bob.result["clients-q01"]["correct"]
    assert ann.outcomes["clients-q01"] is True and bob.outcomes["clients-q01"] is False
    assert ann.version_id == taken["old_version"] and ann.regraded_version_id not in (None, taken["old_version"])
    assert ann.regrade["reason"] == "第 1 题答案标错了" and ann.regrade["before"]["score"] == before["ann"]
    # attempt_item, the tally and the 错题本 follow
    assert row(db, ann_attempt).correct and row(db, ann_attempt).score == 2.0 and not row(db, bob_attempt).correct
    assert db.get(QuizTally, (ann_id, "clients-quiz")).best_percent == ann.percent
    for user_id in (ann_id, bob_id):
        assert_tallies_equal_recounts(db, user_id)  # attempt_item too, against the regraded quiz (below)
    assert "clients-q01" not in {e.key for e in open_entries(book(db, ann_id))}
    assert "clients-q01" in {e.key for e in open_entries(book(db, bob_id))}
    # one audit entry and one notice per attempt
    audits = db.scalars(select(AuditEntry).where(AuditEntry.action == "attempt.regrade")).all()
    assert sorted(int(a.target_id) for a in audits) == sorted([ann_attempt, bob_attempt])
    ann_audit = next(a for a in audits if a.target_id == str(ann_attempt))
    assert ann_audit.actor_id == actor
    assert ann_audit.reason == "第 1 题答案标错了" and ann_audit.detail["after"]["score"] == ann.score
    notice = db.scalar(select(Notice).where(Notice.user_id == ann_id))
    assert notice.text == f"你的《{taken['right'].title}》成绩已重新评分：{before['ann']:g} → {ann.score:g}，原因：第 1 题答案标错了"
    assert notice.link == f"/attempts/{ann_attempt}/result"


def test_regrading_twice_changes_nothing_the_second_time(app, db, taken):
    now = utcnow()
    services.regrade_attempts(db, None, taken["right"], [taken["old_version"]], "答案标错", now)
    db.commit()
    scores = {a.id: (a.score, a.result, a.regrade) for a in db.scalars(select(Attempt))}
    assert services.regrade_attempts(db, None, taken["right"], [taken["old_version"]], "再来一次", utcnow()) == []
    db.commit()
    db.expire_all()
    assert {a.id: (a.score, a.result, a.regrade) for a in db.scalars(select(Attempt))} == scores
    assert db.query(AuditEntry).count() == 2 and db.query(Notice).count() == 2


def test_refusals_write_nothing(app, db, taken):
    for reason in ("", "   "):
        with pytest.raises(services.AttemptRejected) as refused:
            services.regrade_attempts(db, None, taken["right"], [taken["old_version"]], reason, utcnow())
        assert refused.value.status == 422
    with pytest.raises(services.AttemptRejected) as refused:
        services.regrade_attempts(db, None, taken["right"], [taken["old_version"] + 1000], "x", utcnow())
    assert refused.value.status == 404
    with pytest.raises(services.AttemptRejected) as refused:
        services.regrade_attempts(db, None, taken["right"], [], "x", utcnow())
    assert refused.value.status == 422
    db.rollback()
    assert db.query(AuditEntry).count() == 0 and all(a.regrade is None for a in db.scalars(select(Attempt)))


def test_items_missing_from_the_new_version_keep_their_score(app, db, taken):
    """The corrected version drops q02 and adds nothing: q02 keeps its old score and is named as kept."""
    right = taken["right"]
    start = right.source.index("## 单选：临床要全上")
    end = right.source.index("## 单选：长周期项目怎样跟进")
    dropped, _sink = parse_quiz_text(right.source[:start] + right.source[end:], right.path)
    assert dropped.item("clients-q02") is None
    ann_attempt = taken["ids"]["ann"][1]
    old_q02 = db.get(Attempt, ann_attempt).result["clients-q02"]
    services.regrade_attempts(db, None, dropped, [taken["old_version"]], "删去第 2 题，修正第 1 题", utcnow())
    db.commit()
    db.expire_all()
    ann = db.get(Attempt, ann_attempt)
    assert ann.result["clients-q02"] == old_q02 and ann.regrade["kept"] == ["clients-q02"]
    assert row(db, ann_attempt, "clients-q02").score == old_q02["score"]
    assert ann.max_score == right.total_points
    assert_tallies_equal_recounts(db, taken["ids"]["ann"][0])


def test_role_play_scores_from_reviews_are_kept(app, db, reviewed):
    attempt_id, before, corrected, version_id = reviewed
    assert services.regrade_attempts(db, None, corrected, [version_id], "预算题的部分得分改了", utcnow())
    db.commit()
    db.expire_all()
    attempt = db.get(Attempt, attempt_id)
    manual = [item.id for item in corrected.scored_items() if item.manual]
    assert manual and set(manual) <= set(attempt.regrade["kept"])
    assert all(attempt.result[i] == before[i] for i in manual)  # the reviewer's scores, as they were
    assert attempt.result["sample-single"] != before["sample-single"]
    assert_tallies_equal_recounts(db, attempt.user_id)


@pytest.fixture
def reviewed(app, db):
    """A graded sample-all-types attempt (its role-play scored by a reviewer) that chose the 50 % option of the
    single-choice item; and a corrected version where that option is the key."""
    import random

    from academy.demo import _sample_answers

    q = quiz(app, "sample-all-types")
    learner = make_user(db, "rp", roles=("trainer",))
    attempt = services.start_attempt(db, learner.id, q, utcnow())
    answers = _sample_answers(q, random.Random(3), 1.0) | {"sample-single": "b"}
    services.submit_attempt(db, attempt, q, answers, utcnow())
    if attempt.state == "review":
        levels = {item.id: {"levels": {str(i): item.levels[-1][1] for i in range(len(item.criteria))}} if item.criteria
                  else {"score": item.points / 2} for item in q.scored_items() if item.manual}
        services.apply_review(db, attempt, q, levels, utcnow())
    db.commit()
    assert attempt.state == "graded"
    source = q.source.replace("- [ ] {50%} 项目由哪位领导分管", "- [x] 项目由哪位领导分管").replace(
        "- [x] 项目是否已列入本年度部门预算", "- [ ] 项目是否已列入本年度部门预算")
    corrected, _sink = parse_quiz_text(source, q.path)
    assert corrected is not None and corrected.content_hash != q.content_hash
    return attempt.id, dict(attempt.result), corrected, attempt.version_id


# ---- pages -------------------------------------------------------------------------------------


@pytest.fixture
def coach(client, db):
    make_user(db, "coach", roles=("trainer",))
    login(client, "coach")
    return client


def test_the_regrade_page_previews_then_regrades(app, db, taken, coach):
    page = coach.get("/authoring/regrade/clients-quiz")
    current = taken["right"].content_hash
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "已评分作答 2 份" in text
    version = str(taken["old_version"])
    assert f'name="against" type="hidden" value="{taken["right"].content_hash}"' in text
    preview = coach.post("/authoring/regrade/clients-quiz", data={"versions": version, "preview": "1"})
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "2 份作答中有 2 份会改变" in text and "ann" in text
    assert db.query(AuditEntry).count() == 0  # a dry run
    refused = coach.post("/authoring/regrade/clients-quiz", data={"versions": version, "confirm": "1", "reason": " ", "against": current})
    assert refused.status_code == 422 and "请填写重新评分的原因" in refused.get_data(as_text=True)
    assert coach.post("/authoring/regrade/clients-quiz", data={"confirm": "1", "reason": "x", "against": current}).status_code == 422
    unknown = {"versions": "999999", "confirm": "1", "reason": "x", "against": current}
    assert coach.post("/authoring/regrade/clients-quiz", data=unknown).status_code == 422
    assert coach.post("/authoring/regrade/clients-quiz", data={"versions": "abc", "preview": "1"}).status_code == 422
    confirm = {"versions": version, "confirm": "1", "reason": "第 1 题答案标错了", "against": current}
    done = coach.post("/authoring/regrade/clients-quiz", data=confirm)
    assert done.status_code == 302
    assert "已重新评分 2 份作答" in coach.get(done.headers["Location"]).get_data(as_text=True)
    db.rollback()  # a fresh snapshot: the requests committed after this session last read
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "attempt.regrade")).all()
    coach_id = db.scalar(select(User.id).where(User.username == "coach"))
    assert len(audit) == 2 and {a.actor_id for a in audit} == {coach_id}
    again = coach.post("/authoring/regrade/clients-quiz", data={"versions": version, "confirm": "1", "reason": "再来", "against": current})
    assert "没有作答需要改变" in coach.get(again.headers["Location"]).get_data(as_text=True)


def test_a_confirm_against_a_version_that_is_no_longer_current_is_refused_with_a_new_preview(app, db, taken, coach):
    """Bug: a trainer previewed the regrade, another published the quiz again, and the confirm regraded against the
    newer key the trainer had never previewed.  The form names the version it showed; a confirm for another one
    is refused (409) with the preview for the version that is current now, and nothing changes."""
    version = str(taken["old_version"])
    form = {"versions": version, "confirm": "1", "reason": "第 1 题答案标错了"}
    for against in (taken["wrong"].content_hash, "", None):  # another version's page; a form from before the field
        posted = form | ({"against": against} if against is not None else {})
        refused = coach.post("/authoring/regrade/clients-quiz", data=posted)
        text = refused.get_data(as_text=True)
        assert refused.status_code == 409 and "又发布了新版本" in text and "2 份作答中有 2 份会改变" in text
        assert f'name="against" type="hidden" value="{taken["right"].content_hash}"' in text  # confirm again: today's
    db.rollback()
    assert db.query(AuditEntry).count() == 0 and db.get(Attempt, taken["ids"]["ann"][1]).regraded_version_id is None
    done = coach.post("/authoring/regrade/clients-quiz", data=form | {"against": taken["right"].content_hash})
    assert done.status_code == 302


def test_the_learner_sees_the_corrected_score_with_a_note(app, db, taken, client):
    services.regrade_attempts(db, None, taken["right"], [taken["old_version"]], "第 1 题答案<b>标错</b>了", utcnow())
    db.commit()
    login(client, "ann")
    attempt = db.get(Attempt, taken["ids"]["ann"][1])
    page = client.get(f"/attempts/{attempt.id}/result").get_data(as_text=True)
    assert "重新评分" in page and "第 1 题答案&lt;b&gt;标错&lt;/b&gt;了" in page
    assert f"<strong>{attempt.score:.1f}</strong>" in page
    assert "正确答案" in page  # shown with the corrected key
    notices = client.get("/notices").get_data(as_text=True)
    assert "成绩已重新评分" in notices


@pytest.mark.parametrize("method", ["get", "post"])
def test_trainees_and_managers_may_not_regrade(client, db, method):
    make_user(db, "t1")
    make_user(db, "m1", roles=("manager",))
    for who in ("t1", "m1"):
        login(client, who)
        assert getattr(client, method)("/authoring/regrade/clients-quiz", data={"versions": "1", "confirm": "1",
                                                                                 "reason": "x"}).status_code == 403
        client.post("/logout")
    db.rollback()
    assert db.query(AuditEntry).count() == 0


def test_unknown_quiz_is_404(coach):
    assert coach.get("/authoring/regrade/nope").status_code == 404
    assert coach.post("/authoring/regrade/nope", data={"versions": "1", "confirm": "1", "reason": "x"}).status_code == 404


def test_admins_may_regrade(admin_client):
    page = admin_client.get("/authoring/regrade/clients-quiz")
    assert page.status_code == 200 and "还没有较早版本的作答" in page.get_data(as_text=True)


def test_regrading_against_the_same_version_changes_nothing(app, db, client):
    """Taken over HTTP on the current version, then regraded against it: nothing changes."""
    make_user(db, "t9")
    login(client, "t9")
    attempt_id = start_quiz(client, "clients-quiz")
    client.post(f"/attempts/{attempt_id}/submit", data=correct_form(quiz(app, "clients-quiz")))
    db.rollback()
    version = db.get(Attempt, attempt_id).version_id
    assert services.regrade_attempts(db, None, quiz(app, "clients-quiz"), [version], "无变化", utcnow()) == []


def test_the_notice_is_in_the_language_the_learner_last_chose(app, db, taken, client):
    """ann switched the interface to English (the switch is stored on her account): her notice is in English,
    bob (who never chose) gets his in Chinese, whoever regrades and in whatever language."""
    login(client, "ann")
    client.post("/language", data={"lang": "en", "next": "/"})
    db.rollback()
    assert db.scalar(select(User.locale).where(User.username == "ann")) == "en"
    actor = make_user(db, "fixer", roles=("trainer",)).id
    with app.app_context():  # as in the request or command that regrades
        services.regrade_attempts(db, actor, taken["right"], [taken["old_version"]], "第 1 题答案标错了", utcnow())
    db.commit()
    texts = {user_id: db.scalar(select(Notice.text).where(Notice.user_id == user_id)) for user_id, _a in taken["ids"].values()}
    assert texts[taken["ids"]["ann"][0]].startswith(f"Your result in “{taken['right'].title}” was regraded")
    assert texts[taken["ids"]["bob"][0]].startswith(f"你的《{taken['right'].title}》成绩已重新评分")
