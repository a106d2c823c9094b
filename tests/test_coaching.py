"""1:1 coaching notes (academy.org.coaching): a manager records a conversation on a learner's report page, the learner
reads it and is told, follow-ups come due on the coaching page until the next note, an admin sees each manager's
coaching; scope, bad input and deletion."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from academy.org.models import CoachingNote, Notice, User
from academy.platform import clock
from tests.factories import form_fields, login, make_user, statements_of, two_region_org

NOTE = {"held_on": "", "topic": "预算", "summary": "一起看了区教育局的采购意向；他按“预计采购时间”排计划。",
        "next_step": "周五前练完“预算”相关错题", "follow_up_on": ""}


def _note(**changes) -> dict:
    return {**NOTE, "held_on": clock.today().isoformat(), **changes}


def _count(db) -> int:
    db.rollback()  # a fresh snapshot: see what the requests committed
    return db.scalar(select(func.count()).select_from(CoachingNote))


def _as(client, username: str):
    client.post("/logout")
    login(client, username)
    return client


@pytest.fixture
def org(db):
    return two_region_org(db)


def test_a_manager_records_a_note_the_learner_is_told_and_reads_it(client, db, org):
    login(client, "manager1")
    page = client.get(f"/reports/learners/{org['a1']}").get_data(as_text=True)
    action = f"/reports/learners/{org['a1']}/coaching"
    form = form_fields(page, action)
    assert form["held_on"] == clock.today().isoformat()  # today, filled in
    assert 'id="coaching-topics"' in page and "学员本人可以在“辅导记录”里看到这条记录" in page
    done = client.post(action, data={**form, **_note(follow_up_on=_day(7))})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/reports/learners/{org['a1']}#coaching-h")
    page = client.get(f"/reports/learners/{org['a1']}").get_data(as_text=True)
    assert "已记录这次辅导谈话" in page and NOTE["summary"] in page and NOTE["next_step"] in page
    assert "删除这条记录" in page  # the coach's own note
    _as(client, "a1")
    mine = client.get("/coaching").get_data(as_text=True)
    assert NOTE["summary"] in mine and NOTE["next_step"] in mine and ">预算<" in mine and "删除这条记录" not in mine
    notice = db.scalars(select(Notice).where(Notice.user_id == org["a1"])).one()
    assert notice.kind == "coaching" and notice.link == "/coaching" and "记录了与你的一次辅导谈话" in notice.text
    assert "：预算" in notice.text


def test_the_learner_is_told_in_their_own_language(client, db, org):
    learner = db.get(User, org["a1"])
    learner.locale = "en"
    db.commit()
    login(client, "manager1")
    assert client.post(f"/reports/learners/{org['a1']}/coaching", data=_note(topic="")).status_code == 302
    text = db.scalars(select(Notice.text).where(Notice.user_id == org["a1"])).one()
    assert "coaching conversation" in text and "记录" not in text


def test_a_learner_never_coached_is_told_where_notes_will_appear(client, db, org):
    login(client, "a1")
    page = client.get("/coaching").get_data(as_text=True)
    assert "还没有辅导记录" in page and 'href="/coaching" aria-current="page"' in page


def test_a_learner_outside_the_scope_is_not_found_and_nothing_is_written(client, db, org):
    login(client, "manager1")
    response = client.post(f"/reports/learners/{org['b1']}/coaching", data=_note())
    assert response.status_code == 404 and "不在你的查看范围内" in response.get_data(as_text=True)
    assert client.post("/reports/learners/999999/coaching", data=_note()).status_code == 404
    assert _count(db) == 0 and db.scalar(select(func.count()).select_from(Notice)) == 0


def test_a_deactivated_learner_or_a_colleague_who_is_no_learner_is_not_found(client, db, org):
    learner = db.get(User, org["a1"])
    learner.active = False
    db.commit()
    colleague = make_user(db, "trainer_east", roles=("trainer",), team=db.merge(org["team_a_obj"]))
    login(client, "manager1")
    for user_id in (org["a1"], colleague.id):
        assert client.post(f"/reports/learners/{user_id}/coaching", data=_note()).status_code == 404
        assert client.get(f"/reports/learners/{user_id}").status_code == 404  # as the report page answers
    assert _count(db) == 0


def test_only_managers_and_admins_record_notes(client, db, org):
    make_user(db, "trainer1", roles=("trainer",))
    for username in ("a1", "trainer1"):
        _as(client, username)
        assert client.post(f"/reports/learners/{org['a1']}/coaching", data=_note()).status_code == 403
    make_user(db, "admin1", roles=("admin",))
    _as(client, "admin1")
    assert client.post(f"/reports/learners/{org['b1']}/coaching", data=_note()).status_code == 302  # everyone's
    assert _count(db) == 1


def test_nobody_writes_a_note_about_themselves(client, db, org):
    from academy.org.models import ManagerScope

    playing = make_user(db, "captain", roles=("manager", "trainee"), team=db.merge(org["team_a_obj"]))
    db.add(ManagerScope(user_id=playing.id, team_id=org["team_a"]))
    db.commit()
    login(client, "captain")
    response = client.post(f"/reports/learners/{playing.id}/coaching", data=_note())
    assert response.status_code == 403 and "不能写给自己" in response.get_data(as_text=True) and _count(db) == 0
    assert "记录一次辅导谈话" not in client.get(f"/reports/learners/{playing.id}").get_data(as_text=True)


def _day(offset: int) -> str:
    """The organisation's today moved by `offset` days, reckoned when the test runs (not when it is collected: a run
    that crosses midnight must not turn a refused day into an accepted one)."""
    return (clock.today() + timedelta(days=offset)).isoformat()


@pytest.mark.parametrize("changes,message", [
    ({"summary": "   "}, "请写下谈了什么"),
    ({"summary": "很" * 1001}, "谈话内容最多 1000 个字"),
    ({"topic": "话" * 41}, "话题最多 40 个字"),
    ({"next_step": "步" * 301}, "约定的下一步最多 300 个字"),
    ({"held_on": "2026-13-45"}, "谈话日期的格式应为 YYYY-MM-DD"),
    ({"held_on": ""}, "谈话日期的格式应为 YYYY-MM-DD"),
    ({"held_on": 1}, "谈话日期不能晚于今天"),
    ({"held_on": -400}, "谈话日期不能早于一年前"),
    ({"follow_up_on": "下周五"}, "跟进日期的格式应为 YYYY-MM-DD"),
    ({"follow_up_on": 0}, "跟进日期应在谈话之后"),
    ({"held_on": -9, "follow_up_on": -2}, "不早于今天"),
    ({"follow_up_on": 181}, "跟进日期最多定在 180 天以后"),
])
def test_bad_input_is_refused_beside_its_field_and_the_text_is_kept(client, db, org, changes, message):
    changes = {name: _day(value) if isinstance(value, int) else value for name, value in changes.items()}
    login(client, "manager1")
    response = client.post(f"/reports/learners/{org['a1']}/coaching", data=_note(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page and 'aria-invalid="true"' in page
    summary = changes.get("summary", NOTE["summary"]).strip()
    if summary and len(summary) <= 1000:
        assert form_fields(page, f"/reports/learners/{org['a1']}/coaching")["summary"].strip() == summary
    assert _count(db) == 0


def test_a_form_without_its_token_is_refused(csrf_app, database_url, tmp_path):
    from academy.platform.db import get_session

    with csrf_app.app_context():
        ids = two_region_org(get_session())
    client = csrf_app.test_client()
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "manager1", "password": "pass-word-123", "csrf_token": token})
    response = client.post(f"/reports/learners/{ids['a1']}/coaching", data=_note())
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)


def _add(db, learner_id: int, coach_id: int, held_days_ago: int, follow_up_days_ago: int | None, **values) -> int:
    """A note written on an earlier day (the form takes today's and later follow-ups only)."""
    today = clock.today()
    note = CoachingNote(learner_id=learner_id, coach_id=coach_id, held_on=today - timedelta(days=held_days_ago),
                        summary=values.get("summary", "谈过"), topic=values.get("topic", ""),
                        next_step=values.get("next_step", "拜访后复盘"),
                        follow_up_on=None if follow_up_days_ago is None else today - timedelta(days=follow_up_days_ago))
    db.add(note)
    db.commit()
    return note.id


def test_a_follow_up_is_due_from_its_day_until_the_coach_records_the_next_note(client, db, org):
    _add(db, org["a1"], org["manager"], 10, 3, next_step="复盘教育局拜访")
    login(client, "manager1")
    page = client.get("/reports/coaching").get_data(as_text=True)
    table = re.search(r'id="follow-up-table">(.*?)</table>', page, re.S).group(1)
    assert "张伟" in table and "复盘教育局拜访" in table and "逾期 3 天" in table
    assert f'href="/reports/learners/{org["a1"]}#coaching-form-h"' in table
    stats = re.findall(r'<span class="stat-value">(\d+)</span><span class="stat-label">([^<]+)', page)
    assert ("1", "到期待跟进") in stats and any(label.startswith("你记录的辅导谈话") and value == "1" for value, label in stats)
    assert client.post(f"/reports/learners/{org['a1']}/coaching", data=_note()).status_code == 302
    page = client.get("/reports/coaching").get_data(as_text=True)
    assert 'id="follow-up-table"' not in page and "没有到期的跟进" in page
    notes = client.get(f"/reports/learners/{org['a1']}").get_data(as_text=True).split('class="coaching-note"')[1:]
    assert len(notes) == 2 and "（已跟进）" not in notes[0] and "（已跟进）" in notes[1]  # newest first


def test_follow_ups_not_yet_due_or_of_others_or_out_of_scope_are_not_listed(client, db, org):
    other = make_user(db, "manager2", roles=("manager",))
    _add(db, org["a1"], org["manager"], 1, -2)  # due in two days
    _add(db, org["a1"], other.id, 10, 3)  # another coach's
    _add(db, org["b1"], org["manager"], 30, 5)  # b1 is outside manager1's scope now
    login(client, "manager1")
    page = client.get("/reports/coaching").get_data(as_text=True)
    assert "没有到期的跟进" in page and 'id="coaches-table"' not in page  # each manager sees their own figures


def test_an_admin_sees_each_managers_coaching(client, db, org):
    make_user(db, "admin1", roles=("admin",))
    quiet = make_user(db, "manager2", roles=("manager",), name="孙经理")
    _add(db, org["a1"], org["manager"], 10, 3)
    _add(db, org["a1"], org["manager"], 40, None)
    _add(db, org["b1"], org["manager"], 5, None)
    login(client, "admin1")
    page = client.get("/reports/coaching").get_data(as_text=True)
    rows = re.findall(r"<tr><th scope=\"row\">([^<]+)</th>((?:<td[^>]*>.*?</td>\s*)+)</tr>",
                      re.search(r'id="coaches-table">(.*?)</table>', page, re.S).group(1), re.S)
    cells = {name: re.findall(r"<td[^>]*>(?:<strong>)?(\d+)", tds) for name, tds in rows}
    manager = db.get(User, org["manager"]).display_name
    assert cells[manager] == ["0", "3", "2", "1"] and cells[quiet.display_name] == ["0", "0", "0", "0"]
    since = _day(-20)
    page = client.get(f"/reports/coaching?from={since}").get_data(as_text=True)
    table = re.search(r'id="coaches-table">(.*?)</table>', page, re.S).group(1)
    assert re.search(rf"{manager}</th><td class=\"num\">0</td><td class=\"num\">2</td><td class=\"num\">2</td>", table)


def test_a_coach_deletes_their_own_notes_only(client, db, org):
    other = make_user(db, "manager2", roles=("manager",))
    from academy.org.models import ManagerScope

    db.add(ManagerScope(user_id=other.id, region_id=org["east"]))
    db.commit()
    mine = _add(db, org["a1"], org["manager"], 2, None)
    theirs = _add(db, org["a1"], other.id, 3, None)
    outside = _add(db, org["b1"], other.id, 3, None)
    login(client, "manager1")
    page = client.get(f"/reports/learners/{org['a1']}").get_data(as_text=True)
    assert f"/reports/coaching-notes/{mine}/delete" in page and f"/reports/coaching-notes/{theirs}/delete" not in page
    assert client.post(f"/reports/coaching-notes/{theirs}/delete").status_code == 403
    assert client.post(f"/reports/coaching-notes/{outside}/delete").status_code == 404
    assert client.post("/reports/coaching-notes/999999/delete").status_code == 404
    done = client.post(f"/reports/coaching-notes/{mine}/delete")
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/reports/learners/{org['a1']}#coaching-h")
    assert _count(db) == 2 and db.get(CoachingNote, mine) is None
    from academy.org.models import AuditEntry

    trace = db.scalars(select(AuditEntry).where(AuditEntry.action == "coaching.delete")).one()
    assert trace.actor_id == org["manager"] and trace.target_id == str(org["a1"]) and trace.detail["summary"] == "谈过"


def test_the_learner_page_reads_the_notes_in_one_statement_however_many(app, client, db, org):
    login(client, "manager1")
    path = f"/reports/learners/{org['a1']}"
    client.get(path)  # warm: the catalog and templates load once

    def statements() -> int:
        with statements_of(app) as seen:
            assert client.get(path).status_code == 200
        return len(seen)

    before = statements()
    for days in range(1, 13):
        _add(db, org["a1"], org["manager"], days, None)
    assert statements() == before
    _as(client, "a1")
    client.get("/coaching")
    with statements_of(app) as seen:
        page = client.get("/coaching").get_data(as_text=True)
    assert page.count('class="coaching-note"') == 12 and len(seen) <= 3


HOSTILE = '=HYPERLINK("http://evil.example","x")'


def test_the_export_holds_the_notes_in_scope_and_days_as_text(client, db, org):
    import csv
    import io

    make_user(db, "manager2", roles=("manager",))
    _add(db, org["a1"], org["manager"], 10, 3, summary=HOSTILE, topic="预算")
    _add(db, org["a1"], org["manager"], 2, None, summary="跟进过了")
    _add(db, org["b1"], org["manager"], 5, None, summary="西南的")
    login(client, "manager1")
    response = client.get("/reports/export/coaching.csv")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["谈话日期", "用户名", "姓名"] and [row[1] for row in rows[1:]] == ["a1", "a1"]
    newest, oldest = rows[1], rows[2]
    assert newest[7] == "跟进过了" and newest[10] == "" and oldest[7] == "'" + HOSTILE  # text, never a formula
    assert oldest[9] == _day(-3) and oldest[10] == "是"  # answered by the later note
    since = _day(-5)
    rows = list(csv.reader(io.StringIO(client.get(f"/reports/export/coaching.csv?from={since}").get_data(as_text=True))))
    assert len(rows) == 2 and rows[1][7] == "跟进过了"  # a note held on the day `from` names is in; before it, out
    on_the_day = _day(-2)
    rows = list(csv.reader(io.StringIO(client.get(f"/reports/export/coaching.csv?from={on_the_day}&to={on_the_day}")
                                       .get_data(as_text=True))))
    assert len(rows) == 2
