"""Accounts people can run (issue 14, item 5): changing one's password, an admin's reset to a one-time
password that must be changed at the next sign-in, what --demo does to an existing admin, and deactivation
ending the user's sessions."""
import re

import pytest
from sqlalchemy import select

from academy.org.auth.services import authenticate, weak_password_reasons
from academy.org.models import LoginSession, User
from tests.factories import PASSWORD, login, make_user

NEW = "a-better-pass-2026"


def fresh_user(db, username: str) -> User | None:
    db.commit()  # end the read snapshot (SQLite WAL) so the request's commit is visible
    return db.scalar(select(User).where(User.username == username))


def change(client, current=PASSWORD, new=NEW, confirm=None):
    return client.post("/account/password", data={"current_password": current, "new_password": new,
                                                   "confirm_password": new if confirm is None else confirm})


def signed_in(client) -> bool:
    return client.get("/map").status_code == 200


# ---- changing one's own password --------------------------------------------------------

def test_every_page_links_to_the_password_change(client, db):
    make_user(db, "amy")
    login(client, "amy")
    page = client.get("/").get_data(as_text=True)
    assert page.count('href="/account/password"') == 2  # the wide header and the phone menu
    form = client.get("/account/password")
    assert form.status_code == 200 and 'autocomplete="current-password"' in form.get_data(as_text=True)


def test_changing_the_password_ends_every_other_login_and_keeps_this_one(app, client, db):
    make_user(db, "amy")
    login(client, "amy")
    laptop, copied = app.test_client(), app.test_client()
    login(laptop, "amy")
    copied.set_cookie("session", client.get_cookie("session").value)  # a copy of this browser's cookie
    assert signed_in(laptop) and signed_in(copied)

    response = change(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "密码已修改" in client.get("/").get_data(as_text=True)
    assert signed_in(client)
    assert not signed_in(laptop) and not signed_in(copied)
    assert authenticate(db, "amy", NEW) is not None and authenticate(db, "amy", PASSWORD) is None
    assert login(laptop, "amy", NEW).status_code == 302


@pytest.mark.parametrize(("form", "message"), [
    ({"current": "wrong-password"}, "当前密码不正确"),
    ({"current": ""}, "请输入当前密码"),
    ({"new": "short-pw"}, "新密码至少需要 10 个字符"),
    ({"new": "12345678901234"}, "新密码不能全是数字"),
    ({"new": "XiaoMing-Wang"}, "新密码不能与用户名相同"),
    ({"new": "xiaoming-wang "}, "新密码不能与用户名相同"),
    ({"new": "old-pass-word-1"}, "新密码不能与当前密码相同"),
    ({"confirm": "a-better-pass-2027"}, "两次输入的新密码不一致"),
    ({"new": "", "confirm": ""}, "请输入新密码"),
    ({"new": "x" * 257}, "新密码最多 256 个字符"),
])
def test_a_refused_change_says_why_in_chinese_and_changes_nothing(app, client, db, form, message):
    make_user(db, "xiaoming-wang", password="old-pass-word-1")
    before = fresh_user(db, "xiaoming-wang").password_hash
    login(client, "xiaoming-wang", "old-pass-word-1")
    other = app.test_client()
    login(other, "xiaoming-wang", "old-pass-word-1")
    response = change(client, form.get("current", "old-pass-word-1"), form.get("new", NEW), form.get("confirm"))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert fresh_user(db, "xiaoming-wang").password_hash == before
    assert signed_in(client) and signed_in(other)
    assert db.scalars(select(LoginSession.revoked_at)).all() == [None, None]


def test_guessing_the_current_password_is_throttled(database_url, tmp_path):
    """A stolen session cannot be used to find the password: ten tries a minute per user."""
    from academy.platform.db import dispose, get_session
    from tests.conftest import _empty_tables, make_app

    app = make_app(database_url, tmp_path, RATELIMIT_ENABLED=True)
    try:
        with app.app_context():
            make_user(get_session(), "amy")
        client = app.test_client()
        login(client, "amy")
        assert [change(client, current="guess").status_code for _ in range(11)] == [422] * 10 + [429]
        assert "尝试次数过多" in change(client).get_data(as_text=True)
        with app.app_context():
            assert authenticate(get_session(), "amy", PASSWORD) is not None  # not changed, even with the right one
    finally:
        _empty_tables(app)
        dispose(app)


def test_strength_rules():
    assert weak_password_reasons("a-good-one-10", "amy", "old") == []
    assert len(weak_password_reasons("1234", "1234", "1234")) == 4  # short, digits, the username, the current


def test_the_change_page_follows_the_interface_language(client, db):
    make_user(db, "amy")
    login(client, "amy")
    client.post("/language", data={"lang": "en", "next": "/"})
    page = change(client, current="nope").get_data(as_text=True)
    assert "Change password" in page and "The current password is incorrect." in page and "当前密码" not in page


# ---- an admin's reset to a one-time password --------------------------------------------

def reset(admin_client, user_id: int):
    return admin_client.post(f"/admin/users/{user_id}/reset-password")


def one_time(page: str) -> str:
    return re.search(r"<code>([^<]+)</code>", page).group(1)


def test_a_reset_gives_a_one_time_password_that_must_be_changed_at_the_next_sign_in(app, admin_client, db):
    user_id = make_user(db, "lily").id
    lily = app.test_client()
    login(lily, "lily")
    assert signed_in(lily)
    assert "重置为一次性密码" in admin_client.get(f"/admin/users/{user_id}/edit").get_data(as_text=True)

    response = reset(admin_client, user_id)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = one_time(response.get_data(as_text=True))
    assert len(password) == 12 and "只显示这一次" in response.get_data(as_text=True)
    assert not signed_in(lily)  # her logins ended
    assert fresh_user(db, "lily").must_change_password
    assert authenticate(db, "lily", PASSWORD) is None

    assert login(lily, "lily", password).status_code == 302
    for path in ("/", "/map", "/quizzes/", "/mistakes", "/lessons/clients-org-traits"):
        sent = lily.get(path)
        assert sent.status_code == 302 and sent.headers["Location"] == "/account/password", path
    assert lily.post("/quizzes/clients-quiz/start").headers["Location"] == "/account/password"
    page = lily.get("/account/password").get_data(as_text=True)
    assert "一次性密码" in page and "取消" not in page
    assert lily.get("/static/css/app.css").status_code == 200

    assert change(lily, current=password).status_code == 302
    assert signed_in(lily) and not fresh_user(db, "lily").must_change_password
    assert lily.get("/").status_code == 200


def test_a_user_who_must_change_can_still_sign_out_and_switch_language(client, db):
    user = make_user(db, "lily")
    user.must_change_password = True
    db.commit()
    login(client, "lily")
    assert client.post("/language", data={"lang": "en", "next": "/account/password"}).status_code == 302
    assert "Change password" in client.get("/account/password").get_data(as_text=True)
    assert client.post("/logout").headers["Location"] == "/login"
    assert client.get("/map").headers["Location"].startswith("/login")


def test_resetting_a_deactivated_user_is_refused_and_changes_nothing(admin_client, db):
    user = make_user(db, "gone")
    user.active = False
    db.commit()
    before = fresh_user(db, "gone").password_hash
    assert "不能重置密码" in admin_client.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    response = reset(admin_client, user.id)
    assert response.status_code == 422
    assert "已停用，不能重置密码" in response.get_data(as_text=True)
    gone = fresh_user(db, "gone")
    assert gone.password_hash == before and not gone.must_change_password


def test_an_admin_cannot_reset_their_own_password_and_unknown_users_are_404(admin_client, db):
    boss = fresh_user(db, "boss")
    response = reset(admin_client, boss.id)
    assert response.status_code == 422 and "修改密码" in response.get_data(as_text=True)
    assert not fresh_user(db, "boss").must_change_password
    assert reset(admin_client, 99999).status_code == 404


@pytest.mark.parametrize("role", ["trainee", "trainer", "manager"])
def test_only_admins_reset_passwords(client, db, role):
    target = make_user(db, "target")
    make_user(db, "someone", roles=(role,))
    login(client, "someone")
    assert reset(client, target.id).status_code == 403
    assert not fresh_user(db, "target").must_change_password


def test_imported_users_must_change_their_password_at_first_sign_in(admin_client, app, db):
    import io

    csv = "用户名,姓名,密码\r\nnewcomer,新人,file-pass-1\r\n".encode()
    response = admin_client.post("/admin/import", data={"file": (io.BytesIO(csv), "u.csv")},
                                 content_type="multipart/form-data")
    assert response.status_code == 200
    newcomer = app.test_client()
    login(newcomer, "newcomer", "file-pass-1")
    assert newcomer.get("/").headers["Location"] == "/account/password"
    assert change(newcomer, current="file-pass-1").status_code == 302
    assert newcomer.get("/").status_code == 200


# ---- deactivation ends the user's sessions -----------------------------------------------

def test_deactivating_in_the_edit_form_signs_the_user_out_at_the_next_request(app, admin_client, db):
    user_id = make_user(db, "leaver").id
    leaver = app.test_client()
    login(leaver, "leaver")
    assert leaver.get("/").status_code == 200 and leaver.get("/").status_code == 200  # a shared, cached page
    form = {"username": "leaver", "display_name": "leaver", "password": "", "roles": ["trainee"], "team_id": "0"}
    assert admin_client.post(f"/admin/users/{user_id}/edit", data=form).status_code == 302  # "active" unticked

    after = leaver.get("/")
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")
    assert db.scalars(select(LoginSession.revoked_at).where(LoginSession.user_id == user_id)).all() != [None]
    assert login(leaver, "leaver").status_code == 422  # and cannot sign in again


# ---- --demo and the existing admin -------------------------------------------------------

def test_demo_keeps_the_password_of_an_existing_admin_and_says_so(runner, db):
    make_user(db, "admin", roles=("admin",), password="printed-at-first-start")
    output = runner.invoke(args=["seed-demo", "--password", "demo-pass-123"]).output
    assert "已存在的账号 admin 保留原来的密码" in output and "首次启动时终端打印的初始密码" in output
    assert "新建的演示账号的密码：demo-pass-123" in output
    db.commit()
    assert authenticate(db, "admin", "printed-at-first-start") is not None
    assert authenticate(db, "admin", "demo-pass-123") is None
    assert authenticate(db, "trainer1", "demo-pass-123") is not None


def test_demo_on_an_empty_database_gives_every_account_the_demo_password(runner, db):
    output = runner.invoke(args=["seed-demo", "--password", "demo-pass-123"]).output
    assert "所有演示账号的密码：demo-pass-123" in output and "保留" not in output
    db.commit()
    assert authenticate(db, "admin", "demo-pass-123") is not None


# ---- migration 0009 -----------------------------------------------------------------------

def test_migration_0009_keeps_users_and_goes_back(tmp_path):
    from alembic import command
    from sqlalchemy import inspect, text

    from academy.platform import migrate
    from tests.factories import database_at

    engine = database_at(tmp_path / "old.db", "0008")
    with engine.begin() as conn:  # a row that refers to the user (ON DELETE CASCADE): must survive both ways
        conn.execute(text("INSERT INTO login_session (user_id, token_hash, created_at) VALUES (1, 'h', '2026-01-01')"))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT username, must_change_password FROM user_account")).all() == [("old", False)]
        assert conn.execute(text("SELECT count(*) FROM login_session")).scalar() == 1
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0008")
        assert "must_change_password" not in {c["name"] for c in inspect(conn).get_columns("user_account")}
        assert "password_handout" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT count(*) FROM login_session")).scalar() == 1
    migrate.upgrade(engine)
    engine.dispose()
