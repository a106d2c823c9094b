"""Taking quizzes through HTTP: every type, saving, resuming, submitting once, tampering, dialogue, review."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from academy.learning.models import Attempt, QuizTally
from academy.learning.questions import TYPES
from academy.learning.quizzes import mistakes
from academy.org.models import utcnow
from tests.factories import exported, login, make_user, start_quiz


def mapping_choices(item):
    return TYPES[item.type].row_choices(item)


SAMPLE = "sample-all-types"  # every item type; staff only, so the tests that take it sign in as a trainer


@pytest.fixture
def trainee(client, db):
    user = make_user(db, "t1")
    login(client, "t1")
    return user


@pytest.fixture
def trainer(client, db):
    user = make_user(db, "t1", roles=("trainer",))
    login(client, "t1")
    return user


def quiz(app, quiz_id=SAMPLE):
    with app.app_context():
        from academy.learning.content.catalog import get_catalog

        return get_catalog().quiz(quiz_id)


def correct_form(q) -> dict:
    form = {}
    for item in q.items:
        for part in item.parts or (item,):
            form.update(correct_fields(part))
    return form


def correct_fields(item) -> dict:
    name = f"q-{item.id}"
    if item.type == "single":
        return {name: next(o.key for o in item.options if o.correct)}
    if item.type == "multiple":
        return {name: [o.key for o in item.options if o.correct]}
    if item.type == "truefalse":
        return {name: "true" if item.answer else "false"}
    if item.type == "ordering":
        return {f"{name}-{i}": str(i + 1) for i in range(len(item.sequence))}
    if item.type in ("matching", "classify"):
        choices = mapping_choices(item)  # each drop-down sends its choice's index
        return {f"{name}-{i}": str(choices.index(p.right)) for i, p in enumerate(p for p in item.pairs if p.left)}
    if item.type in ("short", "numeric"):
        return {name: item.accepted[0][0]}
    if item.type in ("roleplay", "essay"):
        return {name: "先确认口径，再说明价值，最后给出合规的可选方案。"}
    return {}


def play_best(client, app, attempt_id, item):
    """Choose the highest-scoring offered choice at every node."""
    from academy.learning.questions.quizmd.dialogue import replay

    path = []
    while True:
        outcome = replay(item, path)
        if outcome.finished:
            return outcome
        node = item.node(outcome.node)
        offered = [(i, c) for i, c in enumerate(node.choices) if c.available(dict(outcome.stances)) and not c.redline]
        index = max(offered, key=lambda pair: pair[1].delta)[0]
        response = client.post(f"/attempts/{attempt_id}/dialogue/{item.id}", data={"choice": str(index)})
        assert response.status_code == 302
        path.append(index)


def test_take_page_shows_every_type_without_answers(client, app, trainer):
    attempt_id = start_quiz(client, SAMPLE)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    q = quiz(app)
    assert "答题卡" in page
    for item in q.items:
        assert f'id="item-{item.id}"' in page
    # Feedback, explanations and the rubric's reference answer never reach the page before submit.
    assert "化整为零规避招标属于违法行为" not in page
    assert "对，是主要采购方式" not in page
    assert "参考回答" not in page and "先确认对比口径（功能范围" not in page


def test_all_correct_submission_scores_full_marks_and_waits_for_review(client, app, trainer, db):
    q = quiz(app)
    attempt_id = start_quiz(client, SAMPLE)
    play_best(client, app, attempt_id, q.item("sample-dialogue"))
    response = client.post(f"/attempts/{attempt_id}/submit", data=correct_form(q))
    assert response.status_code == 302
    attempt = db.get(Attempt, attempt_id)
    assert attempt.state == "review"  # role-play and essay need a reviewer
    for item in q.scored_items():
        if not item.manual:
            assert attempt.result[item.id]["correct"], item.id
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "待评阅" in page


def test_submitting_twice_grades_once(client, app, trainee, db):
    attempt_id = start_quiz(client, "clients-quiz")
    first = client.post(f"/attempts/{attempt_id}/submit", data={})
    second = client.post(f"/attempts/{attempt_id}/submit", data={}, follow_redirects=True)
    assert first.status_code == 302
    assert "已提交" in second.get_data(as_text=True)
    db.rollback()
    assert set(db.get(Attempt, attempt_id).result) == {item.id for item in quiz(app, "clients-quiz").scored_items()}
    assert [s["verb"]["display"]["en-US"] for s in exported(app)].count("completed") == 1


def test_answers_are_saved_and_resumed(client, app, trainer):
    q = quiz(app)
    single = q.item("sample-single")
    key = next(o.key for o in single.options if o.correct)
    attempt_id = start_quiz(client, SAMPLE)
    unanswered = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)  # its question HTML is now memoised
    assert not re.search(rf'name="q-{single.id}" value="[^"]+"\s*checked', unanswered)
    assert client.post(f"/attempts/{attempt_id}/save", data={f"q-{single.id}": key}).status_code == 302
    # Closing the browser and starting again resumes the same attempt with the saved answer.
    assert start_quiz(client, SAMPLE) == attempt_id
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert re.findall(rf'name="q-{single.id}" value="([^"]+)"\s*checked', page) == [key]


def test_question_controls_follow_the_interface_language(client, trainer):
    attempt_id = start_quiz(client, SAMPLE)
    assert "请选择" in client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Choose…" in page and "请选择" not in page


def test_saved_matching_and_classify_choices_come_back_in_their_own_rows(client, app, trainer):
    """Each drop-down posts its choice's index; the saved text is shown selected in the row it was given to
    (a bug once compared every row's answer with the inner loop's position)."""
    q = quiz(app)
    attempt_id = start_quiz(client, SAMPLE)
    chosen = {}
    for item in (q.item("sample-matching"), q.item("sample-classify")):
        choices = mapping_choices(item)
        rows = sum(1 for p in item.pairs if p.left)
        chosen[item.id] = {row: (row + 1) % len(choices) for row in range(rows)}  # not the pairs' own order
    form = {f"q-{item_id}-{row}": str(index) for item_id, rows in chosen.items() for row, index in rows.items()}
    assert client.post(f"/attempts/{attempt_id}/save", data=form).status_code == 302
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    for item_id, rows in chosen.items():
        choices = mapping_choices(q.item(item_id))
        for row, index in rows.items():
            select = re.search(rf'<select id="q-{item_id}-{row}".*?</select>', page, re.S).group(0)
            assert re.findall(r'<option value="(\d+)"[^>]*\sselected>', select) == [str(index)], (item_id, row)
            assert f">{choices[index]}</option>" in select

@pytest.mark.parametrize("field,value", [
    ("q-sample-single", "zz"),
    ("q-sample-multiple", "zz"),
    ("q-sample-tf", "maybe"),
    ("q-sample-ordering-0", "99"),
    ("q-sample-classify-0", "不存在的类别"),
    ("q-sample-classify-0", "决策者"),  # a choice's text: the form sends its index
    ("q-sample-classify-0", "4"),  # four categories: 0–3
    ("q-sample-matching-0", "-1"),
])
def test_foreign_option_ids_are_refused(client, trainer, db, field, value):
    attempt_id = start_quiz(client, SAMPLE)
    response = client.post(f"/attempts/{attempt_id}/submit", data={field: value})
    assert response.status_code == 422
    assert db.get(Attempt, attempt_id).state == "in_progress"


def test_oversized_answer_is_refused(client, trainer, db):
    attempt_id = start_quiz(client, SAMPLE)
    response = client.post(f"/attempts/{attempt_id}/save", data={"q-sample-roleplay": "字" * 3001})
    assert response.status_code == 422
    assert "3000" in response.get_data(as_text=True)
    huge = client.post(f"/attempts/{attempt_id}/save", data={"q-sample-roleplay": "x" * (6 * 1024 * 1024)})
    assert huge.status_code == 413


def test_another_users_attempt_is_forbidden(client, app, db, trainer):
    attempt_id = start_quiz(client, SAMPLE)
    make_user(db, "t2")
    client.post("/logout")
    login(client, "t2")
    assert client.get(f"/attempts/{attempt_id}").status_code == 403
    assert client.post(f"/attempts/{attempt_id}/submit", data={}).status_code == 403
    assert client.get("/attempts/999999").status_code == 404


def test_attempt_limit(client, trainee):
    for _ in range(3):
        attempt_id = start_quiz(client, "clients-quiz")
        client.post(f"/attempts/{attempt_id}/submit", data={})
    response = client.post("/quizzes/clients-quiz/start")
    assert response.status_code == 422
    assert "3 次" in response.get_data(as_text=True)


def test_redline_choice_fails_whatever_the_total(client, app, trainer, db):
    q = quiz(app)
    form = correct_form(q)
    form["q-sample-single"] = next(o.key for o in q.item("sample-single").options if o.redline)
    attempt_id = start_quiz(client, SAMPLE)
    play_best(client, app, attempt_id, q.item("sample-dialogue"))
    client.post(f"/attempts/{attempt_id}/submit", data=form)
    attempt = db.get(Attempt, attempt_id)
    assert attempt.redline
    assert attempt.result["sample-single"]["redline"]


def test_dialogue_refuses_unavailable_choice_and_shows_path(client, app, trainee, db):
    q = quiz(app, "clients-dialogue")
    item = q.items[0]
    attempt_id = start_quiz(client, "clients-dialogue")
    bad = client.post(f"/attempts/{attempt_id}/dialogue/{item.id}", data={"choice": "99"})
    assert bad.status_code == 422
    play_best(client, app, attempt_id, item)
    client.post(f"/attempts/{attempt_id}/submit", data={})
    attempt = db.get(Attempt, attempt_id)
    assert attempt.state == "graded" and attempt.passed
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "你的路径" in page and "干系人立场图" in page and "复盘" in page


def practice_round(client, path: str = "/mistakes/practice") -> dict:
    """The round token and the entries of a freshly opened practice page, as the browser posts them back."""
    page = client.get(path).get_data(as_text=True)
    return {"round": re.search(r'name="round" value="([^"]+)"', page).group(1),
            "entry": re.findall(r'name="entry" value="([^"]+)"', page)}


def practise_tomorrow(monkeypatch) -> None:
    """From now on the practice pages run a day later: the second right answer must come on another day."""
    from academy.learning.quizzes import mistake_views

    later = utcnow() + timedelta(days=1)
    monkeypatch.setattr(mistake_views, "utcnow", lambda: later)


def test_wrong_answers_enter_mistake_book_and_leave_after_two_correct_on_two_days(client, app, trainee, db, monkeypatch):
    q = quiz(app, "clients-quiz")
    attempt_id = start_quiz(client, "clients-quiz")
    client.post(f"/attempts/{attempt_id}/submit", data={})
    entries = list(mistakes.book(db, trainee.id).values())
    assert len(entries) >= len(q.scored_items())
    page = client.get("/mistakes").get_data(as_text=True)
    assert "练习到期的错题" in page and "/lessons/" in page
    form = {}
    for entry in entries:
        item = q.item(entry.key)
        if item is not None:
            form.update(correct_fields(item))
    shown = practice_round(client)
    first = client.post("/mistakes/practice", data=form | shown)
    assert first.status_code == 200 and "1 / 2" in first.get_data(as_text=True)  # the page shows the new streak
    assert "起再练一次" in first.get_data(as_text=True)
    assert not set(shown["entry"]) & set(practice_round(client)["entry"])  # not due again today
    practise_tomorrow(monkeypatch)
    second = client.post("/mistakes/practice", data=form | practice_round(client)).get_data(as_text=True)
    assert "2 / 2" in second and "已移出错题本" in second
    db.rollback()  # end the read snapshot
    cleared = [entry for entry in mistakes.book(db, trainee.id).values() if entry.cleared_at is not None]
    assert len(cleared) >= 10 and not [e for e in cleared if e.misses != 1 or e.streak != 2]


def test_the_book_says_a_practice_round_takes_ten_of_the_entries_due(client, app, trainee, db):
    """The button counted every due entry ("18 道") and opened a round of 10."""
    attempt_id = start_quiz(client, "clients-quiz")
    client.post(f"/attempts/{attempt_id}/submit", data={})
    page = client.get("/mistakes").get_data(as_text=True)
    due = int(re.search(r"练习到期的错题（共 (\d+) 道到期，每轮 10 道，不计分）", page).group(1))
    assert due > 10 and len(practice_round(client)["entry"]) == 10


def test_roleplay_review_loop(client, app, db, trainee):
    attempt_id = start_quiz(client, "clients-roleplay")
    q = quiz(app, "clients-roleplay")
    item = q.items[0]
    client.post(f"/attempts/{attempt_id}/submit", data={f"q-{item.id}": "我的回应<script>alert(1)</script>"})
    assert db.get(Attempt, attempt_id).state == "review"
    make_user(db, "coach", roles=("trainer",))
    client.post("/logout")
    login(client, "coach")
    queue = client.get("/review/").get_data(as_text=True)
    assert f"/review/{attempt_id}" in queue
    page = client.get(f"/review/{attempt_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    top = max(p for _, p in item.levels)
    form = {f"{item.id}-level-{i}": str(top) for i in range(len(item.criteria))}
    form[f"{item.id}-comment-0"] = "很好"
    assert client.post(f"/review/{attempt_id}", data=form).status_code == 302
    db.rollback()  # end the read snapshot
    attempt = db.get(Attempt, attempt_id)
    assert attempt.state == "graded" and attempt.passed and attempt.percent == 100.0


def test_roleplay_redline_criterion_fails(client, app, db, trainee):
    attempt_id = start_quiz(client, "clients-roleplay")
    item = quiz(app, "clients-roleplay").items[0]
    client.post(f"/attempts/{attempt_id}/submit", data={f"q-{item.id}": "回应"})
    make_user(db, "coach", roles=("trainer",))
    client.post("/logout")
    login(client, "coach")
    top, low = max(p for _, p in item.levels), min(p for _, p in item.levels)
    form = {f"{item.id}-level-{i}": str(low if c.redline else top) for i, c in enumerate(item.criteria)}
    client.post(f"/review/{attempt_id}", data=form)
    db.rollback()  # end the read snapshot
    attempt = db.get(Attempt, attempt_id)
    assert attempt.redline and not attempt.passed


def test_trainee_cannot_review(client, trainee):
    assert client.get("/review/").status_code == 403


def expire(db, attempt_id):
    from datetime import timedelta

    from academy.org.models import utcnow

    attempt = db.get(Attempt, attempt_id)
    attempt.deadline_at = utcnow() - timedelta(minutes=5)
    db.commit()


def test_time_limit_ignores_answers_sent_after_the_deadline(client, app, trainee, db):
    q = quiz(app, "final-exam")
    first = q.items[0]
    attempt_id = start_quiz(client, "final-exam")
    client.post(f"/attempts/{attempt_id}/save", data=correct_fields(first))
    expire(db, attempt_id)
    late = client.post(f"/attempts/{attempt_id}/save", data={})
    assert late.status_code == 422 and "时间已到" in late.get_data(as_text=True)
    client.post(f"/attempts/{attempt_id}/submit", data=correct_form(q))
    db.rollback()  # end the read snapshot
    attempt = db.get(Attempt, attempt_id)
    assert attempt.state == "graded" and attempt.submitted_at == attempt.deadline_at
    correct = [key for key, value in attempt.result.items() if value["correct"]]
    assert correct == [first.id]  # only the answer saved in time counts
    assert "作答时间已到" in client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)


def test_abandoned_expired_attempt_is_graded_when_the_learner_returns(client, trainee, db):
    attempt_id = start_quiz(client, "final-exam")
    expire(db, attempt_id)
    second = start_quiz(client, "final-exam")
    assert second != attempt_id
    db.rollback()  # end the read snapshot
    assert db.get(Attempt, attempt_id).state == "graded"


def test_check_one_item_reveals_only_its_feedback_and_freezes_it(client, app, trainer, db):
    q = quiz(app)
    single = q.item("sample-single")
    wrong = next(o for o in single.options if not o.correct and not o.redline and o.weight == 0)
    attempt_id = start_quiz(client, SAMPLE)
    response = client.post(f"/attempts/{attempt_id}/check/{single.id}", data={f"q-{single.id}": wrong.key})
    assert response.status_code == 302
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "销售的窗口在预算编制期" in page  # this item's explanation
    assert "对，是主要采购方式" not in page  # another item's feedback stays hidden
    right = next(o.key for o in single.options if o.correct)
    client.post(f"/attempts/{attempt_id}/save", data={f"q-{single.id}": right})
    db.rollback()  # end the read snapshot
    assert db.get(Attempt, attempt_id).answers[single.id] == wrong.key


def test_check_is_refused_where_feedback_waits_for_submit(client, app, trainee):
    item = quiz(app, "clients-quiz").items[0]
    attempt_id = start_quiz(client, "clients-quiz")
    assert client.post(f"/attempts/{attempt_id}/check/{item.id}", data={}).status_code == 404


def test_managers_review_only_their_own_teams(client, app, db, trainee):
    from academy.org.models import ManagerScope, Region, Team

    east, west = Region(name="华东片区"), Region(name="西南片区")
    db.add_all([east, west])
    db.flush()
    team = Team(region_id=east.id, name="一组")
    db.add(team)
    db.flush()
    trainee_row = db.get(type(trainee), trainee.id)
    trainee_row.team_id = team.id
    inside = make_user(db, "m-east", roles=("manager",))
    outside = make_user(db, "m-west", roles=("manager",))
    db.add_all([ManagerScope(user_id=inside.id, region_id=east.id), ManagerScope(user_id=outside.id, region_id=west.id)])
    db.commit()
    attempt_id = start_quiz(client, "clients-roleplay")
    client.post(f"/attempts/{attempt_id}/submit", data={f"q-{quiz(app, 'clients-roleplay').items[0].id}": "回应"})
    for username, code, listed in (("m-west", 403, False), ("m-east", 200, True)):
        client.post("/logout")
        login(client, username)
        assert client.get(f"/review/{attempt_id}").status_code == code
        assert (f"/review/{attempt_id}" in client.get("/review/").get_data(as_text=True)) is listed


def test_timed_quiz_page_shows_the_countdown(client, trainee):
    attempt_id = start_quiz(client, "final-exam")
    page = client.get(f"/attempts/{attempt_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-format="剩余 %(m)s 分 %(s)s 秒"' in html  # app.js fills in the ticking minutes and seconds
    assert re.search(r'role="timer"[^>]*>剩余 (59 分 5\d|60 分 0) 秒<', html)


def test_a_quiz_version_stored_in_a_rolled_back_transaction_is_not_remembered(app, db):
    from academy.learning.models import QuizVersion
    from academy.learning.quizzes.versions import ensure_version

    q = quiz(app, "clients-quiz")
    first = ensure_version(db, q)
    assert ensure_version(db, q) == first  # found again inside the same transaction
    db.rollback()
    assert db.get(QuizVersion, first) is None
    again = ensure_version(db, q)
    db.commit()
    assert db.get(QuizVersion, again) is not None and ensure_version(db, q) == again


def test_a_quiz_version_another_worker_stored_since_the_lookup_is_the_one_used(app, db, monkeypatch):
    """Two workers start the first attempts of new content at once: the one whose insert meets the other's
    stored version (a unique key) takes that version instead of failing the start."""
    from sqlalchemy import func, select

    from academy.learning.models import QuizVersion
    from academy.learning.quizzes import versions

    q = quiz(app, "clients-quiz")
    theirs = versions.ensure_version(db, q)
    db.commit()
    lookups = []
    real_lookup = versions._stored_id

    def missed_first(session, looked_up):  # the lookup ran before the other worker committed
        lookups.append(looked_up.id)
        return None if len(lookups) == 1 else real_lookup(session, looked_up)

    monkeypatch.setattr(versions, "_stored_id", missed_first)
    assert versions.ensure_version(db, q) == theirs
    assert lookups == [q.id, q.id]
    db.commit()
    assert db.scalar(select(func.count()).select_from(QuizVersion).where(QuizVersion.quiz_id == q.id)) == 1


def test_item_figures_are_aggregated_in_sql_from_the_graded_results(client, app, db, trainee):
    """What weak-spot reports read: per item of a quiz, from the attempt_item rows of its graded attempts,
    optionally for some learners only."""
    from academy.learning.quizzes.item_figures import item_figures

    q = quiz(app, "clients-quiz")
    client.post(f"/attempts/{start_quiz(client, 'clients-quiz')}/submit", data=correct_form(q))
    client.post(f"/attempts/{start_quiz(client, 'clients-quiz')}/submit", data={})
    start_quiz(client, "clients-quiz")  # in progress: not counted
    db.rollback()
    figures = item_figures(db, q.id)
    assert [f.item_id for f in figures] == sorted(item.id for item in q.scored_items())
    assert {(f.answered, f.correct, f.mean_share) for f in figures} == {(2, 1, 0.5)}
    # a blank answer to a red-line item fails it
    assert {f.item_id: f.redlines for f in figures} == {item.id: int(item.redline) for item in q.scored_items()}
    assert item_figures(db, q.id, [trainee.id + 1000]) == []


def test_a_second_submit_of_the_same_attempt_writes_nothing(client, app, trainee, db):
    """Two windows: the first submit graded the attempt; the second finds it submitted, is told 已提交, and
    nothing is graded twice."""
    q = quiz(app, "clients-quiz")
    attempt_id = start_quiz(client, "clients-quiz")
    assert client.post(f"/attempts/{attempt_id}/submit", data=correct_form(q)).status_code == 302
    again = client.post(f"/attempts/{attempt_id}/submit", data={})
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    db.rollback()
    assert db.get(Attempt, attempt_id).percent == 100.0
    assert db.scalar(select(QuizTally.graded).where(QuizTally.user_id == trainee.id)) == 1


# --- issue 14 item 2: the quiz intro tells the truth ---

def test_when_every_attempt_is_used_the_intro_says_so_with_the_best_result(client, trainee):
    quiz_id = "clients-quiz"  # attempts: 3
    for _ in range(3):
        assert client.post(f"/attempts/{start_quiz(client, quiz_id)}/submit", data={}).status_code == 302
    page = client.get(f"/quizzes/{quiz_id}").get_data(as_text=True)
    assert f"/quizzes/{quiz_id}/start" not in page and "开始作答" not in page
    assert "你已用完全部 3 次作答机会。" in page and "最好成绩：0.0%（未通过）" in page
    assert "请联系讲师或片区经理为你增加作答次数" in page and 'href="/modules/clients"' in page
    refused = client.post(f"/quizzes/{quiz_id}/start", headers={"Referer": f"http://localhost/quizzes/{quiz_id}"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'class="card error-page"' in text and "你已用完全部 3 次作答机会。" in text
    assert f'<a class="btn btn-primary" href="/quizzes/{quiz_id}">返回上一页</a>' in text and 'href="/">返回我的学习' in text


def test_an_open_last_attempt_can_still_be_continued(client, trainee):
    for _ in range(2):
        client.post(f"/attempts/{start_quiz(client, 'clients-quiz')}/submit", data={})
    start_quiz(client, "clients-quiz")
    page = client.get("/quizzes/clients-quiz").get_data(as_text=True)
    assert "继续作答" in page and "用完" not in page


def test_refusal_pages_are_styled_with_a_way_back(client, trainee):
    missing = client.get("/attempts/999999", headers={"Referer": "http://localhost/map"}).get_data(as_text=True)
    assert 'class="card error-page"' in missing and 'href="/map">返回上一页' in missing and 'href="/">返回我的学习' in missing
    foreign = client.get("/nope", headers={"Referer": "http://elsewhere.example/map"}).get_data(as_text=True)
    assert "返回上一页" not in foreign and 'href="/">返回我的学习' in foreign  # never a link off the site


@pytest.fixture
def short_quiz_client(database_url, tmp_path):
    """The course plus a quiz with a 30-second limit and no red line."""
    import shutil

    from tests.conftest import ROOT, _empty_tables, make_app

    content = tmp_path / "content"
    shutil.copytree(ROOT / "courses", content / "courses")
    shutil.copytree(ROOT / "quizzes", content / "quizzes")
    (content / "quizzes" / "zz-short.md").write_text(
        "---\nid: zz-short\ntitle: 短测验\ncourse: clients\nrequired: false\nattempts: 2\ntime_limit: 30s\n---\n\n"
        "说明。\n\n## 判断：政企采购 {#zz-short-1}\n\n政府采购要依法进行。\n\n答案：对\n", encoding="utf-8")
    app = make_app(database_url, tmp_path, CONTENT_DIR=str(content))
    with app.app_context():
        from academy.platform.db import dispose, get_session

        make_user(get_session(), "t1")
        get_session().commit()
    client = app.test_client()
    login(client, "t1")
    yield client
    _empty_tables(app)
    dispose(app)


def test_a_limit_under_a_minute_is_in_seconds_and_the_red_line_notice_only_where_there_are_red_lines(short_quiz_client):
    page = short_quiz_client.get("/quizzes/zz-short").get_data(as_text=True)
    assert "<dd>30 秒</dd>" in page and "0 分钟" not in page
    assert "红线（一票否决）" not in page
    assert "红线（一票否决）" in short_quiz_client.get("/quizzes/clients-quiz").get_data(as_text=True)
    assert "<dd>60 分钟</dd>" in short_quiz_client.get("/quizzes/final-exam").get_data(as_text=True)


def test_durations_in_words(app):
    from academy.learning.quizzes.views_support import duration

    with app.test_request_context():
        assert [duration(s) for s in (30, 60, 90, 3600)] == ["30 秒", "1 分钟", "1 分 30 秒", "60 分钟"]
