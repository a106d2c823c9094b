"""`flask send-reminders`: notices before the due date and after it, one overdue digest per manager, idempotent;
e-mail copies only when SMTP is configured (checked against a local SMTP sink)."""
import email
import socketserver
import threading
from datetime import date, timedelta
from email import policy

import pytest
from sqlalchemy import func, select

from academy.learning.models import Assignment, ReminderSent
from academy.org.models import ManagerScope, Notice, Region, Team
from academy.platform.db import dispose
from tests.conftest import _empty_tables, make_app
from tests.factories import make_user

TODAY = date(2027, 3, 10)
ROLE_PLAY_TITLE = "开放式演练 · 采购路径与角色地图"  # quizzes/clients-roleplay.md


class SinkHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, MAIL, RCPT, DATA, QUIT; every message lands in server.messages."""

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self.reply("220 sink")
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 sink")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 ok")
            elif command == "DATA":
                self.reply("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.server.messages.append(data)
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 no")


@pytest.fixture
def sink():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SinkHandler)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def org(db):
    region = Region(name="华东")
    db.add(region)
    db.flush()
    team = Team(name="一组", region_id=region.id)
    db.add(team)
    db.commit()
    manager = make_user(db, "manager1", roles=("manager",))
    db.add(ManagerScope(user_id=manager.id, region_id=region.id))
    db.commit()
    learners = [make_user(db, f"t{i}", team=team, name=f"学员{i}") for i in (1, 2)]
    admin = make_user(db, "boss", roles=("admin",))
    ids = {"team": team.id, "manager": manager.id, "admin": admin.id, "learners": [u.id for u in learners]}
    db.rollback()
    return ids


def add(db, org, due: date, **assignee) -> int:
    row = Assignment(kind="module", target_id="clients", due_on=due, note="", created_by=org["admin"], **assignee)
    db.add(row)
    db.commit()
    return row.id


def run(runner, day: date):
    result = runner.invoke(args=["send-reminders", "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def notices(db, user_id=None):
    db.rollback()
    query = select(Notice.kind, Notice.text, Notice.user_id).order_by(Notice.id)
    return db.execute(query.where(Notice.user_id == user_id) if user_id else query).all()


def test_reminders_three_days_and_one_day_before_then_overdue_then_nothing_more(runner, db, org):
    add(db, org, TODAY + timedelta(days=3), team_id=org["team"])
    first = org["learners"][0]
    assert "已发送 2 条站内提醒" in run(runner, TODAY)  # both learners: 3 days left
    assert "已发送 0 条站内提醒" in run(runner, TODAY)  # the same day again: nothing new
    assert "已发送 0 条站内提醒" in run(runner, TODAY + timedelta(days=1))  # 2 days left: the 3-day one was sent
    assert "已发送 2 条站内提醒" in run(runner, TODAY + timedelta(days=2))  # 1 day left
    texts = [t for _k, t, _u in notices(db, first)]
    assert len(texts) == 2 and "还剩 3 天" in texts[0] and "还剩 1 天" in texts[1]
    # overdue: each learner once, and the manager one digest listing both
    out = run(runner, TODAY + timedelta(days=4))
    assert "已发送 3 条站内提醒" in out
    digest = [t for k, t, _u in notices(db, org["manager"]) if k == "overdue-digest"]
    assert len(digest) == 1 and "学员1" in digest[0] and "学员2" in digest[0] and "2 条" in digest[0]
    assert "已发送 0 条站内提醒" in run(runner, TODAY + timedelta(days=4))
    assert "已发送 1 条站内提醒" in run(runner, TODAY + timedelta(days=5))  # the next day's digest only
    db.rollback()
    assert db.scalar(select(func.count()).select_from(ReminderSent)) == 2 + 2 + 2 + 2


def test_no_reminders_for_done_cancelled_or_far_assignments_and_no_digest_outside_scope(runner, db, org):
    from academy.org.models import utcnow

    add(db, org, TODAY + timedelta(days=20), team_id=org["team"])
    cancelled = add(db, org, TODAY - timedelta(days=1), team_id=org["team"])
    db.get(Assignment, cancelled).cancelled_at = utcnow()
    db.commit()
    other = make_user(db, "manager2", roles=("manager",))
    region = Region(name="西南")
    db.add(region)
    db.flush()
    db.add(ManagerScope(user_id=other.id, region_id=region.id))
    db.commit()
    assert "已发送 0 条站内提醒" in run(runner, TODAY)
    add(db, org, TODAY - timedelta(days=1), user_id=org["learners"][0])
    run(runner, TODAY)
    assert notices(db, other.id) == []
    assert [k for k, _t, _u in notices(db, org["manager"])] == ["overdue-digest"]


def test_bad_date_option_is_refused(runner, db):
    result = runner.invoke(args=["send-reminders", "--today", "2027-02-30"])
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output


def test_mails_arrive_with_a_chinese_subject_when_smtp_is_configured(database_url, tmp_path, db, org, sink):
    app = make_app(database_url, tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.server_address[1],
                   MAIL_RECIPIENT_DOMAIN="corp.example")
    try:
        add(db, org, TODAY - timedelta(days=1), team_id=org["team"])
        out = run(app.test_cli_runner(), TODAY)
        assert "已发送 3 条站内提醒，3 封邮件" in out
        messages = [email.message_from_bytes(raw, policy=policy.default) for raw in sink.messages]
        assert sorted(m["To"] for m in messages) == ["manager1@corp.example", "t1@corp.example", "t2@corp.example"]
        assert {m["Subject"] for m in messages} == {"政企销售学院：学习任务提醒", "政企销售学院：逾期学习任务汇总"}
        assert all(b"=?utf-8?" in raw.split(b"\r\n\r\n")[0].lower() for raw in sink.messages)  # RFC 2047 headers
        digest = next(m for m in messages if m["To"].startswith("manager1"))
        assert "学员1" in digest.get_content() and "学员2" in digest.get_content()
        assert "已发送 0 条站内提醒，0 封邮件" in run(app.test_cli_runner(), TODAY)
        assert len(sink.messages) == 3
    finally:
        _empty_tables(app)
        dispose(app)


def test_no_mail_is_sent_when_smtp_is_not_configured(runner, db, org, sink, monkeypatch):
    import smtplib

    monkeypatch.setattr(smtplib, "SMTP", lambda *a, **k: pytest.fail("SMTP used without MAIL_SERVER"))
    add(db, org, TODAY - timedelta(days=1), team_id=org["team"])
    assert "已发送 3 条站内提醒，0 封邮件" in run(runner, TODAY)
    assert sink.messages == []


# --- role-plays waiting for review ---

def submitted_role_play(app, db, user_id: int, at) -> int:
    """A role-play submitted at `at` (a stored moment), waiting for review."""
    from academy.learning.content.catalog import get_catalog
    from academy.learning.quizzes import services

    with app.app_context():
        quiz = get_catalog().quiz("clients-roleplay")
        attempt = services.start_attempt(db, user_id, quiz, at)
        answers = {item.id: {"text": "先复述客户关切，再讲采购路径。", "self": {}} for item in quiz.items if item.manual}
        services.submit_attempt(db, attempt, quiz, answers, at)
        db.commit()
        assert attempt.state == "review"
        return attempt.id


def review_digests(db, user_id):
    return [text for kind, text, _u in notices(db, user_id) if kind == "review-digest"]


def test_role_plays_waiting_over_three_days_go_to_their_manager_then_after_a_week_to_the_trainers(app, runner, db, org):
    from academy.platform.clock import day_starts

    coach = make_user(db, "coach", roles=("trainer",)).id
    stranger_manager = make_user(db, "manager2", roles=("manager",)).id  # a scope with no team: nobody's manager
    db.commit()
    learner = org["learners"][0]
    submitted_role_play(app, db, learner, day_starts(TODAY - timedelta(days=3)) + timedelta(hours=1))
    run(runner, TODAY - timedelta(days=1))  # 3 days less an hour by that day's end: not yet
    assert review_digests(db, org["manager"]) == []
    run(runner, TODAY)
    [digest] = review_digests(db, org["manager"])
    assert "有 1 份角色扮演等待评阅超过 3 天" in digest and "学员1（一组）" in digest
    assert f"{TODAY - timedelta(days=3)} 提交" in digest and f"· {ROLE_PLAY_TITLE} ·" in digest
    assert review_digests(db, coach) == [] and review_digests(db, stranger_manager) == []
    assert "已发送 0 条站内提醒" in run(runner, TODAY)  # once a day
    run(runner, TODAY + timedelta(days=4))  # 8 days less an hour: the trainers are told too
    assert len(review_digests(db, org["manager"])) == 2 and len(review_digests(db, coach)) == 1
    assert review_digests(db, stranger_manager) == [] and review_digests(db, learner) == []
    db.rollback()
    link = db.scalar(select(Notice.link).where(Notice.user_id == coach, Notice.kind == "review-digest"))
    assert link == "/review/"


def test_a_reviewed_role_play_and_a_reviewers_own_are_left_out(app, runner, db, org):
    from academy.learning.models import Attempt
    from academy.platform.clock import day_starts

    long_ago = day_starts(TODAY - timedelta(days=20))
    own = make_user(db, "coach", roles=("trainer", "trainee"), team=db.get(Team, org["team"])).id
    db.commit()
    submitted_role_play(app, db, own, long_ago)
    reviewed = submitted_role_play(app, db, org["learners"][1], long_ago)
    db.get(Attempt, reviewed).state = "graded"
    db.commit()
    run(runner, TODAY)
    assert review_digests(db, own) == []  # their own role-play is not theirs to review
    [digest] = review_digests(db, org["manager"])
    assert "有 1 份" in digest and "coach" in digest and "学员2" not in digest


def follow_up_digests(db, user_id):
    return [text for kind, text, _u in notices(db, user_id) if kind == "follow-up-digest"]


def note(db, learner_id: int, coach_id: int, held: date, follow_up: date | None, next_step: str = "拜访后一起复盘") -> int:
    from academy.org.models import CoachingNote

    row = CoachingNote(learner_id=learner_id, coach_id=coach_id, held_on=held, summary="谈过", topic="预算",
                       next_step=next_step, follow_up_on=follow_up)
    db.add(row)
    db.commit()
    return row.id


def test_a_coach_is_reminded_of_follow_ups_due_each_day_until_the_next_note(runner, db, org):
    first, second = org["learners"]
    note(db, first, org["manager"], TODAY - timedelta(days=10), TODAY)
    note(db, second, org["manager"], TODAY - timedelta(days=2), TODAY + timedelta(days=3))  # not due yet
    run(runner, TODAY - timedelta(days=1))
    assert follow_up_digests(db, org["manager"]) == []
    run(runner, TODAY)
    [digest] = follow_up_digests(db, org["manager"])
    assert "有 1 个辅导跟进到期" in digest and f"学员1（一组）· 拜访后一起复盘 · 跟进日期 {TODAY}" in digest
    assert "学员2" not in digest
    assert "已发送 0 条站内提醒" in run(runner, TODAY)  # once a day
    note(db, first, org["manager"], TODAY + timedelta(days=1), None)  # the follow-up conversation
    run(runner, TODAY + timedelta(days=3))
    [_first, latest] = follow_up_digests(db, org["manager"])
    assert "学员1" not in latest and "学员2（一组）" in latest
    db.rollback()
    assert db.scalar(select(Notice.link).where(Notice.kind == "follow-up-digest").limit(1)) == "/reports/coaching"


def test_follow_ups_of_learners_who_left_the_coachs_scope_are_not_sent(runner, db, org):
    west = Region(name="西南")
    db.add(west)
    db.commit()
    moved = make_user(db, "mover", team=Team(name="三组", region_id=west.id), name="调走的")
    note(db, moved.id, org["manager"], TODAY - timedelta(days=10), TODAY - timedelta(days=1))
    note(db, moved.id, org["admin"], TODAY - timedelta(days=10), TODAY - timedelta(days=1))  # an admin's: everyone
    run(runner, TODAY)
    assert follow_up_digests(db, org["manager"]) == []
    [digest] = follow_up_digests(db, org["admin"])
    assert "调走的（三组）" in digest
