"""Deny by default, authentication, session revocation, CSRF, throttling and response headers."""
import re
from urllib.parse import quote

import pytest

from academy.platform.access import PUBLIC_ENDPOINTS
from academy.platform.db import dispose
from academy.platform.security import safe_next
from tests.conftest import make_app
from tests.factories import PASSWORD, login, make_user


def concrete_url(rule) -> str:
    return re.sub(r"<(?:int:)?([^>]+)>", lambda m: "1" if "int:" in m.group(0) else "x", rule.rule)


def test_every_route_is_public_or_declares_roles(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "allowed_roles", None), f"{rule.endpoint} declares no roles"


def test_anonymous_users_are_sent_to_login_everywhere(app, client):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        method = "POST" if "POST" in rule.methods else "GET"
        response = client.open(concrete_url(rule), method=method)
        assert response.status_code == 302, rule.rule
        assert response.headers["Location"].startswith("/login"), rule.rule


def test_redirects_carry_an_ascii_location(client, db):
    response = client.get("/lessons/课程")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=" + quote("/lessons/课程")
    make_user(db, "u1")
    done = client.post("/login", data={"username": "u1", "password": PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/"


def test_trainee_is_denied_staff_routes(app, client, db):
    make_user(db, "t1")
    login(client, "t1")
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "allowed_roles", frozenset())
        if rule.endpoint in PUBLIC_ENDPOINTS or "any" in roles or "trainee" in roles:
            continue
        method = "POST" if "POST" in rule.methods and "GET" not in rule.methods else "GET"
        assert client.open(concrete_url(rule), method=method).status_code == 403, rule.rule


def test_login_and_wrong_password(client, db):
    make_user(db, "alice")
    bad = client.post("/login", data={"username": "alice", "password": "wrong"})
    assert bad.status_code == 422 and "用户名或密码错误" in bad.get_data(as_text=True)
    good = login(client, "alice")
    assert good.status_code == 302 and good.headers["Location"] == "/"


def test_deactivated_user_cannot_log_in(client, db):
    user = make_user(db, "bob")
    user.active = False
    db.commit()
    assert login(client, "bob").status_code == 422


@pytest.mark.parametrize("target,expected", [
    ("/map", "/map"), ("https://evil.example/", "/"), ("//evil.example", "/"), ("/\\evil", "/"),
    ("javascript:alert(1)", "/"), ("", "/"), ("/x\r\nSet-Cookie: a=b", "/"), ("/\t/evil.example", "/"),
    ("/a b", "/"),
])
def test_next_redirects_stay_on_site(client, db, target, expected):
    """Newlines in a next= target answered 500 (a header cannot hold them) in login and the language switch."""
    make_user(db, "carol")
    response = client.post(f"/login?next={quote(target, safe='/:')}", data={"username": "carol", "password": PASSWORD})
    assert response.headers["Location"] == expected
    assert safe_next(target, "/") == expected
    switched = client.post("/language", data={"lang": "en", "next": target})
    assert switched.status_code == 302 and switched.headers["Location"] == expected


def test_logout_revokes_copied_cookie(app, client, db):
    make_user(db, "dave")
    login(client, "dave")
    cookie = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/map").status_code == 200
    assert client.get("/logout").status_code == 405  # logout is POST only
    client.post("/logout")
    assert thief.get("/map").status_code == 302


def test_a_login_ends_after_its_lifetime_however_active(app, client, db):
    """An absolute lifetime, checked on the server: an old login session stops even with a valid cookie."""
    from datetime import timedelta

    from sqlalchemy import update

    from academy.org.models import LoginSession, utcnow

    user = make_user(db, "olga")
    login(client, "olga")
    assert client.get("/map").status_code == 200
    lifetime = app.permanent_session_lifetime
    assert lifetime == timedelta(hours=12)  # LOGIN_SESSION_HOURS, default
    db.execute(update(LoginSession).where(LoginSession.user_id == user.id).values(created_at=utcnow() - lifetime + timedelta(minutes=1)))
    db.commit()
    assert client.get("/map").status_code == 200  # a minute left
    db.execute(update(LoginSession).where(LoginSession.user_id == user.id).values(created_at=utcnow() - lifetime - timedelta(minutes=1)))
    db.commit()
    response = client.get("/map")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, "olga")  # signing in again starts a new lifetime
    assert client.get("/map").status_code == 200


class FakeClock:
    """Stands in for the `time` module of the auth views: the idle rule reads time.time() there."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    from academy.org.auth import views

    fake = FakeClock()
    monkeypatch.setattr(views, "time", fake)
    return fake


def signed_out_for_idling(response, client) -> bool:
    if response.status_code != 302 or "/login" not in response.headers["Location"]:
        return False
    return "长时间未操作" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_learners_are_signed_out_after_two_idle_hours_and_activity_keeps_them_in(app, client, db, clock):
    make_user(db, "ida")
    login(client, "ida")
    for _ in range(3):  # a request every 119 minutes keeps the login alive (up to its absolute lifetime)
        clock.now += 119 * 60
        assert client.get("/map").status_code == 200
    clock.now += 121 * 60
    assert signed_out_for_idling(client.get("/map"), client)
    assert client.get("/map").status_code == 302  # the cookie no longer signs anyone in
    login(client, "ida")
    assert client.get("/map").status_code == 200


def test_staff_are_signed_out_after_thirty_idle_minutes(app, client, db, clock):
    make_user(db, "tess", roles=("trainee", "trainer"))
    login(client, "tess")
    clock.now += 29 * 60
    assert client.get("/review/").status_code == 200
    clock.now += 31 * 60
    assert signed_out_for_idling(client.get("/review/"), client)


def test_an_old_copy_of_the_cookie_stays_idle_while_its_owner_works_on(app, client, db, clock):
    make_user(db, "cora")
    login(client, "cora")
    copied = client.get_cookie("session").value
    for _ in range(3):
        clock.now += 60 * 60
        assert client.get("/map").status_code == 200
    other = app.test_client()
    other.set_cookie("session", copied)
    assert signed_out_for_idling(other.get("/map"), other)
    assert client.get("/map").status_code == 200


def test_the_activity_mark_is_rewritten_every_few_minutes_not_on_every_request(app, client, db, clock):
    make_user(db, "mark")
    login(client, "mark")
    client.get("/map")  # the first page also stores the CSRF secret in the session
    assert "Set-Cookie" not in client.get("/map").headers
    clock.now += 4 * 60
    assert "Set-Cookie" not in client.get("/map").headers
    clock.now += 2 * 60
    assert "session=" in client.get("/map").headers.get("Set-Cookie", "")


def test_forms_require_csrf(csrf_client, csrf_app):
    with csrf_app.app_context():
        from academy.platform.db import get_session

        make_user(get_session(), "erin")
    response = csrf_client.post("/login", data={"username": "erin", "password": PASSWORD})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    ok = csrf_client.post("/login", data={"username": "erin", "password": PASSWORD, "csrf_token": token})
    assert ok.status_code == 302
    assert csrf_client.post("/lessons/clients-org-traits/complete").status_code == 400


def test_login_is_throttled_per_account_and_per_address(database_url, tmp_path):
    """Ten tries per account and address a minute; a hundred per address, so that an office behind one NAT
    address can log in at the start of a training session (the limit was ten per address)."""
    app = make_app(database_url, tmp_path, RATELIMIT_ENABLED=True)
    client = app.test_client()
    codes = [client.post("/login", data={"username": "x", "password": "y"}).status_code for _ in range(11)]
    assert codes[:10] == [422] * 10 and codes[10] == 429
    assert client.post("/login", data={"username": " X ", "password": "y"}).status_code == 429  # same account
    others = [client.post("/login", data={"username": f"u{i}", "password": "y"}).status_code for i in range(88)]
    assert others == [422] * 88  # 100 tries from this address so far, the refused ones included
    assert client.post("/login", data={"username": "u-last", "password": "y"}).status_code == 429
    dispose(app)


@pytest.mark.parametrize("hops", [0, 1])
def test_login_limits_see_the_client_behind_a_trusted_proxy(database_url, tmp_path, hops):
    """With PROXY_HOPS=1 the address is the one the proxy put in X-Forwarded-For, so people behind one
    reverse proxy do not share a limit; without it the header is ignored (a client could fake it)."""
    app = make_app(database_url, tmp_path, RATELIMIT_ENABLED=True, PROXY_HOPS=hops)
    client = app.test_client()

    def attempt(address):
        return client.post("/login", data={"username": "x", "password": "y"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("10.0.0.1") for _ in range(11)] == [422] * 10 + [429]
    assert attempt("10.0.0.2") == (422 if hops else 429)
    dispose(app)


def test_requests_for_other_host_names_are_refused_when_hosts_are_configured(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", "academy.intranet, 10.1.2.3")
    app = make_app(database_url, tmp_path)
    client = app.test_client()
    assert client.get("/login", base_url="http://academy.intranet").status_code == 200
    assert client.get("/login", base_url="http://10.1.2.3:8000").status_code == 200
    refused = client.get("/login", base_url="http://evil.example")
    assert refused.status_code == 400 and "请求无效" in refused.get_data(as_text=True)
    dispose(app)


def test_security_headers_on_every_response(client):
    for path in ("/login", "/healthz", "/static/css/app.css", "/nope"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert len(headers.getlist("Content-Security-Policy")) == 1 and len(headers.getlist("Cache-Control")) == 1
    assert client.get("/login").headers["Cache-Control"] == "no-store"  # pages are never stored
    assert client.get("/healthz").headers["Cache-Control"] == "private"


def test_unknown_ids_give_chinese_404(client, db):
    make_user(db, "frank")
    login(client, "frank")
    for path in ("/lessons/nope", "/modules/nope", "/quizzes/nope"):
        response = client.get(path)
        assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_language_switch(client, db):
    make_user(db, "gina")
    login(client, "gina")
    client.post("/language", data={"lang": "en", "next": "/map"})
    assert 'lang="en"' in client.get("/map").get_data(as_text=True)


def test_nul_characters_are_refused_before_any_view(client, db):
    # PostgreSQL text cannot hold NUL: the login query failed with a 500 there before this check.
    assert client.post("/login", data={"username": "ad\x00min", "password": "x"}).status_code == 400
    make_user(db, "nul-admin", roles=("admin",))
    login(client, "nul-admin")
    for path in ("/admin/users?q=a%00b", "/admin/users?q%00=a", "/admin/users?q=a\x00b", "/lessons/a%00b", "/quizzes/a%00b"):
        response = client.get(path)
        assert response.status_code == 400 and "请求无效" in response.get_data(as_text=True), path
    assert client.get("/admin/users?q=ab").status_code == 200


def test_ids_beyond_the_id_column_are_not_found(client, db):
    # They answered 500 before (PostgreSQL: integer out of range; SQLite: Python int too large).
    make_user(db, "big-ids", roles=("admin", "trainer", "trainee"))
    login(client, "big-ids")
    for number in ("2147483648", "9223372036854775808", "99999999999999999999999"):
        for path in (f"/attempts/{number}", f"/attempts/{number}/result", f"/admin/users/{number}/edit", f"/review/{number}"):
            assert client.get(path).status_code == 404, path
        assert client.post(f"/attempts/{number}/submit").status_code == 404
    assert client.get("/attempts/2147483647").status_code == 404  # the largest id still reaches the view
