"""The language a user last chose is kept on their account (User.locale): a later sign-in elsewhere starts in it,
and what is written to them outside their own requests (notices, reminder mail) is in it; without a choice,
Chinese."""
import email
from datetime import timedelta
from email import policy

from sqlalchemy import select

from academy.org.models import Notice, User
from academy.platform.db import dispose
from tests.conftest import _empty_tables, make_app
from tests.factories import login, make_user
from tests.test_reminders import TODAY, add, org, run, sink  # noqa: F401  (fixtures)


def locale_of(db, username):
    db.rollback()
    return db.scalar(select(User.locale).where(User.username == username))


def page_lang(client, path="/"):
    page = client.get(path).get_data(as_text=True)
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def test_the_switch_is_remembered_on_the_account_and_a_new_sign_in_starts_in_it(app, client, db):
    make_user(db, "ann")
    login(client, "ann")
    assert locale_of(db, "ann") is None and page_lang(client) == "zh-CN"
    assert client.post("/language", data={"lang": "en", "next": "/"}).status_code == 302
    assert locale_of(db, "ann") == "en" and page_lang(client) == "en"
    elsewhere = app.test_client()
    login(elsewhere, "ann")
    assert page_lang(elsewhere) == "en"
    elsewhere.post("/language", data={"lang": "zh_CN", "next": "/"})
    assert locale_of(db, "ann") == "zh_CN"


def test_a_language_chosen_on_the_login_page_survives_the_sign_in_and_is_remembered(client, db):
    make_user(db, "ann")
    client.post("/language", data={"lang": "en", "next": "/login"})
    login(client, "ann")
    assert page_lang(client) == "en" and locale_of(db, "ann") == "en"


def test_unknown_languages_are_ignored(client, db):
    make_user(db, "ann")
    login(client, "ann")
    assert client.post("/language", data={"lang": "fr'; --", "next": "/"}).status_code == 302
    assert locale_of(db, "ann") is None and page_lang(client) == "zh-CN"


def test_reminders_and_the_digest_are_written_in_each_recipients_language(database_url, tmp_path, db, org, sink):  # noqa: F811
    db.execute(User.__table__.update().where(User.id.in_([org["learners"][0], org["manager"]])).values(locale="en"))
    db.commit()
    app = make_app(database_url, tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.server_address[1],
                   MAIL_RECIPIENT_DOMAIN="corp.example")
    try:
        add(db, org, TODAY - timedelta(days=1), team_id=org["team"])
        run(app.test_cli_runner(), TODAY)
        db.rollback()
        texts = dict(db.execute(select(Notice.user_id, Notice.text)).all())
        english, chinese = org["learners"]
        assert texts[english].startswith("Overdue: ") and "Please finish it soon" in texts[english]
        assert texts[chinese].startswith("已逾期：")
        digest = texts[org["manager"]]
        assert digest.startswith("2 overdue learning assignments among your people") and " · due " in digest
        assert "截止" not in digest and "；" not in digest
        mails = {m["To"].split("@")[0]: m for m in (email.message_from_bytes(raw, policy=policy.default)
                                                     for raw in sink.messages)}
        assert mails["t1"]["Subject"] == "Sales Academy: assignment reminder"
        assert mails["t2"]["Subject"] == "政企销售学院：学习任务提醒"
        assert mails["manager1"]["Subject"] == "Sales Academy: overdue assignments"
        assert "Overdue: " in mails["t1"].get_content() and " · due " in mails["manager1"].get_content()
    finally:
        _empty_tables(app)
        dispose(app)
