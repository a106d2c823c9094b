"""Role-play review (issue 15 item 7, issue 16 item 5): the queue, the rubric, the second rater and the final
score, the history, reopening, notices, audit, and who may do what (through HTTP, as users do)."""
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from academy.learning.models import Attempt, QuizTally, RoleplayReview
from academy.learning.quizzes import tally
from academy.learning.roleplay import queue as reviews
from academy.org.models import AuditEntry, ManagerScope, Notice, Region, Team, utcnow
from tests.factories import login, make_user, start_quiz

ROLEPLAY = "clients-roleplay"
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def org(db):
    east, west = Region(name="华东"), Region(name="西南")
    one, two = Team(region=east, name="一组"), Team(region=west, name="二组")
    db.add_all([east, west, one, two])
    db.commit()
    people = SimpleNamespace(one=one.id, two=two.id)
    for name, roles, team in (("learner", ("trainee",), one), ("mate", ("trainee",), one), ("stranger", ("trainee",), two),
                              ("coach", ("trainer",), None), ("coach2", ("trainer",), None),
                              ("boss", ("manager",), one), ("boss2", ("manager",), one), ("far", ("manager",), two)):
        setattr(people, name, make_user(db, name, roles=roles, team=team).id)
    db.add_all([ManagerScope(user_id=people.boss, team_id=one.id), ManagerScope(user_id=people.boss2, region_id=east.id),
                ManagerScope(user_id=people.far, region_id=west.id)])
    db.commit()
    return people


def quiz_of(app, quiz_id=ROLEPLAY):
    with app.app_context():
        from academy.learning.content.catalog import get_catalog

        return get_catalog().quiz(quiz_id)


def item_of(app, quiz_id=ROLEPLAY):
    """The quiz's first item scored on a rubric."""
    return next(item for item in quiz_of(app, quiz_id).items if item.criteria)


def submit_direct(app, db, user_id, quiz_id):
    """A submitted role-play of a module the learner has not unlocked yet (through the services, as the demo does)."""
    from academy.learning.quizzes import services as quiz_services

    quiz, now = quiz_of(app, quiz_id), utcnow()
    with app.app_context():
        attempt = quiz_services.start_attempt(db, user_id, quiz, now)
        quiz_services.submit_attempt(db, attempt, quiz, {item_of(app, quiz_id).id: {"text": "回应", "self": {}}}, now)
        db.commit()
    return attempt.id


def as_user(client, username):
    client.post("/logout")
    login(client, username)


def submit(client, username, quiz_id=ROLEPLAY, text="先复述客户关切，再讲采购路径。"):
    as_user(client, username)
    attempt_id = start_quiz(client, quiz_id)
    answers = {f"q-{item.id}": text for item in quiz_of(client.application, quiz_id).items if item.manual}
    client.post(f"/attempts/{attempt_id}/submit", data=answers)
    assert client.get(f"/attempts/{attempt_id}/result").status_code == 200  # submitted
    return attempt_id


def rubric_form(item, levels, comment="", summary=""):
    form = {f"{item.id}-level-{i}": str(float(level)) for i, level in enumerate(levels)}
    form |= {f"{item.id}-comment-{i}": comment for i in range(len(item.criteria))}
    return form | {f"{item.id}-summary": summary}


def top_levels(item):
    return [max(p for _, p in item.levels)] * len(item.criteria)


def fresh(db, attempt_id):
    db.rollback()  # end the read snapshot
    return db.get(Attempt, attempt_id)


def tally_matches_recount(app, db, attempt):
    """The derived rows follow the review: the tally equals a recount, the per-item rows equal the attempt's."""
    from academy.learning.models import AttemptItem
    from academy.learning.quizzes import item_rows
    from academy.learning.quizzes.versions import attempt_quiz

    db.rollback()
    row = db.get(QuizTally, (attempt.user_id, attempt.quiz_id))
    recount = tally.recount(db.connection(), attempt.user_id, attempt.quiz_id)
    assert {key: getattr(row, key) for key in recount} == recount
    stored = db.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)).all()
    with app.app_context():
        expected = item_rows.rows(attempt, attempt_quiz(attempt))
    assert sorted((r.item_id, r.score) for r in stored) == sorted((r["item_id"], r["score"]) for r in expected)
    assert bool(stored) == (attempt.state == "graded")
    return row


def test_a_reviewer_never_sees_or_grades_their_own_role_play(client, app, db):
    """Bug: a trainer's own role-play appeared in their own queue and they could grade it 10/10."""
    make_user(db, "both", roles=("trainee", "trainer"))
    make_user(db, "someone")
    own = submit(client, "both")
    theirs = submit(client, "someone")
    as_user(client, "both")
    queue = client.get("/review/").get_data(as_text=True)
    assert f"/review/{theirs}" in queue and f"/review/{own}" not in queue
    page = client.get(f"/review/{own}")
    assert page.status_code == 403 and "不能评阅自己的作答" in page.get_data(as_text=True)
    item = item_of(app)
    posted = client.post(f"/review/{own}", data=rubric_form(item, top_levels(item)))
    assert posted.status_code == 403 and "不能评阅自己的作答" in posted.get_data(as_text=True)
    assert fresh(db, own).state == "review" and db.scalar(select(RoleplayReview.id)) is None
    assert db.scalar(select(AuditEntry.id)) is None


@pytest.mark.parametrize("quiz_id", ["clients-dialogue", "clients-quiz"])
def test_only_role_plays_open_for_review(client, app, db, org, quiz_id):
    """Bug: /review/<id> opened for any attempt (a dialogue showed an empty rubric form)."""
    attempt_id = submit(client, "learner", quiz_id)
    as_user(client, "coach")
    page = client.get(f"/review/{attempt_id}")
    assert page.status_code == 404 and "这不是角色扮演作答" in page.get_data(as_text=True)
    assert client.post(f"/review/{attempt_id}", data={}).status_code == 404
    assert f"/review/{attempt_id}" not in client.get("/review/").get_data(as_text=True)


def test_an_unsubmitted_role_play_and_unknown_ids_are_not_found(client, app, db, org):
    as_user(client, "learner")
    open_attempt = start_quiz(client, ROLEPLAY)
    as_user(client, "coach")
    assert "还没有提交" in client.get(f"/review/{open_attempt}").get_data(as_text=True)
    for path in ("/review/999999", "/review/999999/second", "/review/999999/reopen"):
        response = client.get(path) if path.endswith("999999") else client.post(path, data={"reason": "x"})
        assert response.status_code == 404, path


def test_a_graded_role_play_opens_read_only_and_a_second_save_is_refused(client, app, db, org):
    """Bug: a graded attempt showed a blank form whose save gave 409."""
    item = item_of(app)
    attempt_id = submit(client, "learner")
    as_user(client, "coach")
    assert client.post(f"/review/{attempt_id}", data=rubric_form(item, top_levels(item), "结构清楚")).status_code == 302
    page = client.get(f"/review/{attempt_id}").get_data(as_text=True)
    assert "评阅记录（只读）" in page and "结构清楚" in page and "保存评阅" not in page
    assert 'type="radio"' not in page  # the trainer is not the learner's manager: no second-rating form either
    again = client.post(f"/review/{attempt_id}", data=rubric_form(item, [0] * len(item.criteria)))
    assert again.status_code == 409 and "已经评阅过了" in again.get_data(as_text=True)
    assert fresh(db, attempt_id).percent == 100.0


def test_trainees_are_refused_every_review_route(client, app, db, org):
    attempt_id = submit(client, "mate")
    as_user(client, "learner")
    for path in ("/review/", "/review/history", f"/review/{attempt_id}"):
        assert client.get(path).status_code == 403, path
    for path in (f"/review/{attempt_id}", f"/review/{attempt_id}/second", f"/review/{attempt_id}/reopen"):
        assert client.post(path, data={"reason": "x"}).status_code == 403, path


def test_a_manager_reviews_only_their_own_people(client, app, db, org):
    item = item_of(app)
    mine, foreign = submit(client, "learner"), submit(client, "stranger")
    as_user(client, "boss")
    queue = client.get("/review/").get_data(as_text=True)
    assert f"/review/{mine}" in queue and f"/review/{foreign}" not in queue
    assert client.get(f"/review/{foreign}").status_code == 403
    assert client.post(f"/review/{foreign}", data=rubric_form(item, top_levels(item))).status_code == 403
    assert fresh(db, foreign).state == "review"
    # another team's id in the filter: an empty queue, never that team's role-plays
    filtered = client.get(f"/review/?team={org.two}").get_data(as_text=True)
    assert f"/review/{foreign}" not in filtered and "没有待评阅的角色扮演" in filtered
    assert client.post(f"/review/{mine}", data=rubric_form(item, top_levels(item))).status_code == 302


def test_bad_levels_are_refused_with_the_form_kept_and_nothing_written(client, app, db, org):
    item = item_of(app)
    attempt_id = submit(client, "learner")
    as_user(client, "coach")
    for levels in ([7] * len(item.criteria), ["nan"] * len(item.criteria), top_levels(item)[:-1]):
        form = rubric_form(item, [1] * len(item.criteria), "我写的评语")
        form.update({f"{item.id}-level-{i}": str(v) for i, v in enumerate(levels)})
        if len(levels) < len(item.criteria):
            form.pop(f"{item.id}-level-{len(item.criteria) - 1}")
        response = client.post(f"/review/{attempt_id}", data=form)
        body = response.get_data(as_text=True)
        assert response.status_code == 422 and 'role="alert"' in body and 'value="我写的评语"' in body
    assert fresh(db, attempt_id).state == "review"
    assert db.scalar(select(RoleplayReview.id)) is None and db.scalar(select(AuditEntry.id)) is None
    assert db.scalar(select(Notice.id)) is None


def test_hostile_text_is_shown_as_text_everywhere_the_review_goes(client, app, db, org):
    item = item_of(app)
    attempt_id = submit(client, "learner", text=HOSTILE)
    as_user(client, "coach")
    assert HOSTILE not in client.get(f"/review/{attempt_id}").get_data(as_text=True)
    client.post(f"/review/{attempt_id}", data=rubric_form(item, top_levels(item), HOSTILE, HOSTILE))
    for path in (f"/review/{attempt_id}", "/review/history"):
        page = client.get(path).get_data(as_text=True)
        assert HOSTILE not in page, path
    assert "&lt;script&gt;" in client.get(f"/review/{attempt_id}").get_data(as_text=True)
    as_user(client, "boss")
    client.post(f"/review/{attempt_id}/second", data=rubric_form(item, top_levels(item), HOSTILE, HOSTILE))
    client.post(f"/review/{attempt_id}/reopen", data={"reason": HOSTILE})
    assert HOSTILE not in client.get("/review/history").get_data(as_text=True)
    as_user(client, "learner")
    assert HOSTILE not in client.get("/notices").get_data(as_text=True)


def test_the_queue_lists_role_plays_awaiting_review_oldest_first_with_filters_and_pages(client, app, db, org, monkeypatch):
    first, second = submit(client, "learner"), submit(client, "stranger")
    other_quiz = submit_direct(app, db, org.mate, "intel-roleplay")
    graded = submit(client, "mate")
    dialogue = submit(client, "mate", "clients-dialogue")
    db.rollback()
    db.get(Attempt, first).submitted_at = utcnow() - timedelta(days=4)  # overdue
    db.get(Attempt, second).submitted_at = utcnow() - timedelta(days=2)
    db.get(Attempt, other_quiz).submitted_at = utcnow() - timedelta(days=1)
    db.commit()
    item = item_of(app)
    as_user(client, "coach")
    client.post(f"/review/{graded}", data=rubric_form(item, top_levels(item)))
    page = client.get("/review/").get_data(as_text=True)
    assert page.index(f"/review/{first}") < page.index(f"/review/{second}") < page.index(f"/review/{other_quiz}")
    assert f"/review/{graded}\"" not in page and f"/review/{dialogue}" not in page
    assert page.count('class="is-overdue"') == 1 and "已超 3 天" in page and "4 天" in page
    by_team = client.get(f"/review/?team={org.one}").get_data(as_text=True)
    assert f"/review/{first}" in by_team and f"/review/{second}" not in by_team
    by_quiz = client.get("/review/?quiz=intel-roleplay").get_data(as_text=True)
    assert f"/review/{other_quiz}" in by_quiz and f"/review/{first}" not in by_quiz
    monkeypatch.setattr(reviews, "PAGE_SIZE", 1)  # the filters stay in the pager's links (the state is in the URL)
    one = client.get(f"/review/?quiz={ROLEPLAY}").get_data(as_text=True)
    assert f"/review/{first}" in one and f"/review/{second}" not in one
    next_link = re.search(r'href="([^"]*page=2[^"]*)"', one).group(1).replace("&amp;", "&")
    assert f"quiz={ROLEPLAY}" in next_link
    two = client.get(next_link).get_data(as_text=True)
    assert f"/review/{second}" in two and f"/review/{first}" not in two and "上一页" in two and "下一页" not in two
    for query in ("?page=0", "?page=-1", "?page=99999999999", "?team=abc", "?team=99999999999999999999", "?quiz=" + "x" * 500):
        assert client.get("/review/" + query).status_code == 200, query
        assert client.get("/review/history" + query).status_code == 200, query


def test_second_rater_disagreement_final_score_notices_audit_and_tally(client, app, db, org):
    item = item_of(app)
    attempt_id = submit(client, "learner")
    as_user(client, "boss")
    assert 'type="radio"' in client.get(f"/review/{attempt_id}").get_data(as_text=True)  # awaiting: the first form
    as_user(client, "coach")
    client.post(f"/review/{attempt_id}", data=rubric_form(item, top_levels(item), "第一位"))
    # who may not add the second rating: a trainer who is not the learner's manager, a manager out of scope
    second_form = rubric_form(item, [2, 3, 0, 3, 2], "第二位", "经理总评")
    assert client.post(f"/review/{attempt_id}/second", data=second_form).status_code == 403
    as_user(client, "far")
    assert client.post(f"/review/{attempt_id}/second", data=second_form).status_code == 403
    as_user(client, "boss")
    page = client.get(f"/review/{attempt_id}").get_data(as_text=True)
    assert f'action="/review/{attempt_id}/second"' in page and "最终得分规则" in page
    bad = client.post(f"/review/{attempt_id}/second", data=rubric_form(item, [5] * len(item.criteria)))
    assert bad.status_code == 422
    assert client.post(f"/review/{attempt_id}/second", data=second_form).status_code == 302
    attempt = fresh(db, attempt_id)
    weights = [c.weight for c in item.criteria]
    final = [2.5, 3, 1.5, 3, 2.5]  # the mean per criterion; the red-line criterion (合规意识) the lower of 3 and 3
    assert [c.redline for c in item.criteria] == [False, False, False, True, False]
    expected = round(10 * sum(w * f for w, f in zip(weights, final)) / (3 * sum(weights)), 4)
    assert attempt.state == "graded" and attempt.score == pytest.approx(expected) and attempt.passed
    assert attempt.answers[item.id]["levels"] == {str(i): float(v) for i, v in enumerate(final)}
    assert attempt.answers[item.id]["recheck"] is True
    page = client.get(f"/review/{attempt_id}").get_data(as_text=True)
    assert "需要复核" in page and "相差 2 级" in page and "一致" in page and "第二位" in page and "经理总评" in page
    assert f'action="/review/{attempt_id}/second"' not in page  # once per round
    assert client.post(f"/review/{attempt_id}/second", data=second_form).status_code == 409
    # boss2 is also the learner's manager, but the second rating is given
    as_user(client, "boss2")
    assert client.post(f"/review/{attempt_id}/second", data=second_form).status_code == 409
    rows = db.scalars(select(RoleplayReview).order_by(RoleplayReview.id)).all()
    assert [(r.rater, r.review_round) for r in rows] == [("first", 1), ("second", 1)]
    entries = db.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["review.grade", "review.second"]
    assert entries[1].detail["before"]["percent"] == 100.0 and entries[1].detail["after"]["score"] == pytest.approx(expected)
    assert entries[1].detail["recheck"] is True and entries[1].actor_id == org.boss
    notices = db.scalars(select(Notice).where(Notice.user_id == org.learner).order_by(Notice.id)).all()
    assert [n.kind for n in notices] == ["review.given", "review.second"]
    assert all(n.link == f"/attempts/{attempt_id}/result" for n in notices)
    tally_matches_recount(app, db, attempt)
    as_user(client, "learner")
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "第二评阅" in result and "经理总评" in result
    assert client.get("/notices").get_data(as_text=True).count(f"/attempts/{attempt_id}/result") == 2


def test_a_red_line_at_the_lowest_level_from_either_rater_fails_the_attempt(client, app, db, org):
    item = item_of(app)
    attempt_id = submit(client, "learner")
    as_user(client, "coach")
    client.post(f"/review/{attempt_id}", data=rubric_form(item, top_levels(item)))
    as_user(client, "boss")
    client.post(f"/review/{attempt_id}/second", data=rubric_form(item, [3, 3, 3, 0, 3]))
    attempt = fresh(db, attempt_id)
    assert attempt.redline and not attempt.passed


def test_the_first_rater_cannot_also_give_the_second_rating(client, app, db, org):
    item = item_of(app)
    attempt_id = submit(client, "learner")
    as_user(client, "boss")
    client.post(f"/review/{attempt_id}", data=rubric_form(item, top_levels(item)))
    assert f'action="/review/{attempt_id}/second"' not in client.get(f"/review/{attempt_id}").get_data(as_text=True)
    response = client.post(f"/review/{attempt_id}/second", data=rubric_form(item, top_levels(item)))
    assert response.status_code == 403 and "第一评阅人以外" in response.get_data(as_text=True)
    as_user(client, "boss2")  # the learner's other manager may
    assert f'href="/review/{attempt_id}"' in client.get("/review/").get_data(as_text=True).split("可添加第二评分")[1]
    assert client.post(f"/review/{attempt_id}/second", data=rubric_form(item, top_levels(item))).status_code == 302


def test_reopen_sends_the_attempt_back_to_the_queue_with_a_reason(client, app, db, org):
    item = item_of(app)
    attempt_id = submit(client, "learner")
    as_user(client, "coach")
    client.post(f"/review/{attempt_id}", data=rubric_form(item, top_levels(item), "首评"))
    tally_before = tally_matches_recount(app, db, fresh(db, attempt_id))
    assert tally_before.in_review == 0 and tally_before.graded == 1
    empty = client.post(f"/review/{attempt_id}/reopen", data={"reason": "  "})
    assert empty.status_code == 422 and "原因" in empty.get_data(as_text=True) and fresh(db, attempt_id).state == "graded"
    as_user(client, "far")  # out of scope
    assert client.post(f"/review/{attempt_id}/reopen", data={"reason": "x"}).status_code == 403
    as_user(client, "coach2")
    assert client.post(f"/review/{attempt_id}/reopen", data={"reason": "评分偏高，请复核"}).status_code == 302
    attempt = fresh(db, attempt_id)
    assert attempt.state == "review" and attempt.score is None and attempt.passed is None and attempt.graded_at is None
    assert "levels" not in attempt.answers[item.id] and attempt.answers[item.id]["text"]
    row = tally_matches_recount(app, db, attempt)
    assert row.in_review == 1 and row.graded == 0
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "review.reopen"))
    assert entry.reason == "评分偏高，请复核" and entry.detail["before"]["percent"] == 100.0
    assert entry.detail["after"]["state"] == "review" and entry.actor_id == org.coach2
    notice = db.scalar(select(Notice).where(Notice.kind == "review.reopened"))
    assert notice.user_id == org.learner and "评分偏高" in notice.text
    assert client.post(f"/review/{attempt_id}/reopen", data={"reason": "再来"}).status_code == 409
    assert f"/review/{attempt_id}" in client.get("/review/").get_data(as_text=True)
    history = client.get("/review/history").get_data(as_text=True)
    assert "已重开" in history and "评分偏高，请复核" in history
    # reviewed again: a second round; the history keeps both
    assert client.post(f"/review/{attempt_id}", data=rubric_form(item, [2] * len(item.criteria))).status_code == 302
    attempt = fresh(db, attempt_id)
    assert attempt.state == "graded" and attempt.percent == pytest.approx(66.67, abs=0.01)
    tally_matches_recount(app, db, attempt)
    rounds = db.scalars(select(RoleplayReview.review_round).order_by(RoleplayReview.id)).all()
    assert rounds == [1, 2]
    page = client.get(f"/review/{attempt_id}").get_data(as_text=True)
    assert "已重开的评阅" in page and "评分偏高，请复核" in page
    assert client.get("/review/history").get_data(as_text=True).count(f"/review/{attempt_id}\"") == 2


def test_the_history_filters_by_reviewer_team_and_quiz_and_keeps_to_the_viewer_s_scope(client, app, db, org):
    item = item_of(app)
    ours, theirs = submit(client, "learner"), submit(client, "stranger")
    intel = submit_direct(app, db, org.mate, "intel-roleplay")
    intel_item = item_of(app, "intel-roleplay")
    as_user(client, "coach")
    client.post(f"/review/{ours}", data=rubric_form(item, top_levels(item)))
    client.post(f"/review/{intel}", data=rubric_form(intel_item, top_levels(intel_item)))
    as_user(client, "coach2")
    client.post(f"/review/{theirs}", data=rubric_form(item, top_levels(item)))
    links = lambda page: {n for n in (ours, theirs, intel) if f"/review/{n}\"" in page}  # noqa: E731
    assert links(client.get("/review/history").get_data(as_text=True)) == {ours, theirs, intel}
    assert links(client.get(f"/review/history?reviewer={org.coach}").get_data(as_text=True)) == {ours, intel}
    assert links(client.get(f"/review/history?team={org.two}").get_data(as_text=True)) == {theirs}
    assert links(client.get("/review/history?quiz=intel-roleplay").get_data(as_text=True)) == {intel}
    as_user(client, "boss")
    assert links(client.get("/review/history").get_data(as_text=True)) == {ours, intel}
    assert links(client.get(f"/review/history?team={org.two}").get_data(as_text=True)) == set()


def test_coaching_loop_contract_waiting_for_and_reviews_given(client, app, db, org):
    """Contract C6: the manager report reads these."""
    item = item_of(app)
    old, new, foreign = submit(client, "learner"), submit(client, "mate"), submit(client, "stranger")
    db.rollback()
    db.get(Attempt, old).submitted_at = utcnow() - timedelta(days=5)
    db.commit()
    with app.test_request_context():
        from academy.org.auth.services import SessionUser

        boss = SessionUser(org.boss, "boss", "boss", org.one, None, frozenset({"manager"}))
        waiting = reviews.waiting_for(db, boss)
        assert [w.attempt_id for w in waiting] == [old, new]
        assert waiting[0].overdue and waiting[0].waited >= timedelta(days=5) and not waiting[1].overdue
        assert (waiting[0].display_name, waiting[0].team_name, waiting[0].user_id) == ("learner", "一组", org.learner)
        coach = SessionUser(org.coach, "coach", "coach", None, None, frozenset({"trainer"}))
        assert len(reviews.review_queue(db, coach)) == 3  # every learner's, counted over all pages
    as_user(client, "coach")
    client.post(f"/review/{old}", data=rubric_form(item, top_levels(item)))
    client.post(f"/review/{foreign}", data=rubric_form(item, top_levels(item)))
    as_user(client, "boss")
    client.post(f"/review/{old}/second", data=rubric_form(item, top_levels(item)))
    db.rollback()
    assert reviews.reviews_given(db, [org.coach, org.boss, org.far]) == {org.coach: 2, org.boss: 1, org.far: 0}
    assert reviews.reviews_given(db, [org.coach], since=utcnow() + timedelta(minutes=1)) == {org.coach: 0}
    assert reviews.reviews_given(db, []) == {}
    page = client.get("/review/").get_data(as_text=True)  # the manager's queue: their people, how long they waited
    assert f"/review/{new}" in page and f"/review/{foreign}" not in page and "已等待" in page


def test_migration_0013_keeps_reviews_and_downgrades(tmp_path):
    from alembic import command
    from sqlalchemy import inspect, text

    from academy.platform import migrate
    from tests.factories import database_at

    engine = database_at(tmp_path / "old.db", "0012_assign", "h")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO attempt (id, user_id, quiz_id, version_id, number, state, seed, started_at, answers,"
                          " checked, max_score, redline) VALUES (1, 1, 'q', 1, 1, 'graded', 1, '2026-01-01', '{}', '[]', 10, 0)"))
        conn.execute(text("INSERT INTO roleplay_review (attempt_id, reviewer_id, levels, comments, summary, created_at)"
                          " VALUES (1, 1, '{}', '{}', 's', '2026-01-01')"))
    migrate.upgrade(engine)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT review_round, rater, summary FROM roleplay_review")).all() == [(1, "first", "s")]
        conn.execute(text("INSERT INTO roleplay_review (attempt_id, reviewer_id, levels, comments, summary, created_at, rater,"
                          " review_round) VALUES (1, 1, '{}', '{}', 'two', '2026-01-02', 'second', 1)"))
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0012_assign")
        assert conn.execute(text("SELECT summary FROM roleplay_review")).all() == [("s",)]
        assert [u["column_names"] for u in inspect(conn).get_unique_constraints("roleplay_review")] == [["attempt_id"]]
    migrate.upgrade(engine)
    engine.dispose()


def test_an_essay_in_the_same_quiz_is_scored_on_the_review_page(client, app, db, org):
    """A quiz with a role-play and an essay (the sample quiz): the page scores both, so the attempt is graded."""
    make_user(db, "staffer", roles=("trainee", "trainer"), team=db.get(Team, org.one))  # the sample quiz is for staff
    quiz = quiz_of(app, "sample-all-types")
    rubric = item_of(app, "sample-all-types")
    essay = next(item for item in quiz.items if item.manual and not item.criteria)
    attempt_id = submit(client, "staffer", "sample-all-types", text="我的回应")
    as_user(client, "coach")
    page = client.get(f"/review/{attempt_id}").get_data(as_text=True)
    assert f'name="{essay.id}-score"' in page
    form = rubric_form(rubric, top_levels(rubric))
    for bad in ("", "-1", str(essay.points + 1), "nan", "abc"):
        response = client.post(f"/review/{attempt_id}", data=form | {f"{essay.id}-score": bad})
        assert response.status_code == 422 and "分数" in response.get_data(as_text=True), bad
    assert client.post(f"/review/{attempt_id}", data=form | {f"{essay.id}-score": "4", f"{essay.id}-comment-0": "简洁"}).status_code == 302
    attempt = fresh(db, attempt_id)
    assert attempt.state == "graded" and attempt.result[essay.id]["score"] == 4
    as_user(client, "boss")
    client.post(f"/review/{attempt_id}/second", data=form | {f"{essay.id}-score": "1"})
    attempt = fresh(db, attempt_id)
    assert attempt.result[essay.id]["score"] == 2.5  # the mean of the two raters' scores
    tally_matches_recount(app, db, attempt)
    client.post(f"/review/{attempt_id}/reopen", data={"reason": "重评"})
    attempt = fresh(db, attempt_id)
    assert attempt.state == "review" and "score" not in attempt.answers[essay.id]


def test_a_graded_role_play_without_review_rows_still_opens(client, app, db, org):
    """Graded by other means (generated data): the page says so instead of failing, and offers nothing to do."""
    item = item_of(app)
    attempt_id = submit(client, "learner")
    as_user(client, "coach")
    client.post(f"/review/{attempt_id}", data=rubric_form(item, top_levels(item)))
    db.rollback()
    db.query(RoleplayReview).delete()
    db.commit()
    page = client.get(f"/review/{attempt_id}")
    assert page.status_code == 200 and "没有保存评阅人的记录" in page.get_data(as_text=True)
    assert client.post(f"/review/{attempt_id}/reopen", data={"reason": "x"}).status_code == 409
