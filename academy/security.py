"""Baseline security: CSRF, login throttling, response headers, safe redirects, the session cookie."""
import time
from functools import partial
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect, generate_csrf
from itsdangerous import BadSignature
from werkzeug.middleware.proxy_fix import ProxyFix

from academy.db import WRITE_METHODS
from academy.memo import memoised, remember

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def account_at_address() -> str:
    """The login limit's key: the account tried, from this address.  One account cannot be guessed at
    quickly, yet a whole office behind one NAT address is not locked out when its people log in at once
    (a looser limit per address still slows guessing across accounts)."""
    return f"{(request.form.get('username') or '').strip().lower()[:150]}|{get_remote_address()}"


MAX_REMEMBERED = 10_000  # cookies and CSRF tokens per process; the memo is emptied when full


class RememberingCookieSession(SecureCookieSessionInterface):
    """Flask's signed cookie session, except that a Cookie header already verified in this process is not
    parsed, verified and decoded again (cookie parsing, HMAC, base64, zlib and JSON on every request).
    Its age is still checked every time, and only sessions of plain values are remembered (each request
    gets its own copy)."""

    def get_signing_serializer(self, app: Flask):
        key = ("serializer", app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        return remember("session_cookies", key, lambda: super(RememberingCookieSession, self).get_signing_serializer(app), 16)

    def open_session(self, app: Flask, request):
        header = request.environ.get("HTTP_COOKIE")
        serializer = self.get_signing_serializer(app)
        if not header or serializer is None:
            return super().open_session(app, request)
        max_age = app.permanent_session_lifetime.total_seconds()
        cookie = lambda: request.cookies.get(self.get_cookie_name(app))  # noqa: E731
        try:
            data, signed_at = memoised(app.extensions.setdefault("session_data", {}), (serializer, header),
                                       lambda: _decode(serializer, cookie(), max_age), MAX_REMEMBERED)
        except BadSignature:
            return self.session_class()
        if data is None or time.time() - signed_at > max_age:
            return super().open_session(app, request)
        return self.session_class(data)


def _decode(serializer, cookie: str | None, max_age: float) -> tuple:
    """(data, signing time) of a valid cookie; data None when there is no session cookie or it holds values
    a request could change in place."""
    if not cookie:
        return None, 0.0
    data, signed_at = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
    plain = all(isinstance(v, str | int | float | bool | None) for v in data.values())
    return (data if plain else None), signed_at.timestamp()


def csrf_token() -> str:
    """Flask-WTF's signed CSRF token for this session, signed once per process instead of on every page."""
    raw = session.get("csrf_token")
    if raw is None or current_app.config.get("WTF_CSRF_TIME_LIMIT") is not None or "csrf_token" in g:
        return generate_csrf()
    g.csrf_token = remember("csrf_tokens", (current_app.secret_key, raw), generate_csrf, MAX_REMEMBERED)
    return g.csrf_token


def init_app(app: Flask) -> None:
    app.session_interface = RememberingCookieSession()
    # Flask-WTF's own hook checks exemptions before it looks at the method; check_csrf asks only write requests.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    app.before_request(refuse_nul_characters)
    app.before_request(check_csrf)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
    _drop_idle_limiter_hooks(app)
    app.wsgi_app = SecurityHeaders(app.wsgi_app)
    if hops := app.config["PROXY_HOPS"]:  # the client's address and scheme as the trusted proxies saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def _drop_idle_limiter_hooks(app: Flask) -> None:
    """Only decorated views (login) are limited, and the decorator does all the work.  Flask-Limiter also
    hooks every request: before it, a check of application-wide limits (there are none); after it,
    rate-limit headers (disabled) and deductions for `deduct_when` limits (none); at teardown, a reset of
    its per-request state, which it first creates and which is dropped with the request context anyway.
    Together they cost about a tenth of a bare request, so they are taken out again."""
    if app.config["RATELIMIT_HEADERS_ENABLED"]:
        return
    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        hooks[None] = [hook for hook in hooks.get(None, []) if not _is_limiter_hook(hook)]


def _is_limiter_hook(hook) -> bool:
    owner = getattr(hook, "__self__", None) or (hook.args[0] if isinstance(hook, partial) and hook.args else None)
    return owner is limiter


def refuse_nul_characters() -> None:
    """No field of ours takes a NUL character, and PostgreSQL text cannot store one (the query would fail
    with a 500): such requests get a 400 before any view runs."""
    query = request.query_string  # a NUL in the query's names or values is "%00" or a raw NUL byte
    if "\x00" in request.path or b"%00" in query or b"\x00" in query:
        abort(400)
    if request.method in WRITE_METHODS and any("\x00" in field for field in _form_fields()):
        abort(400)


def _form_fields():
    for key, values in request.form.lists():
        yield key
        yield from values


def check_csrf() -> None:
    """Every POST, PUT, PATCH and DELETE carries a valid CSRF token (Flask-WTF's check; 400 otherwise)."""
    if request.method in WRITE_METHODS and current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()


SECURITY_HEADERS = [("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                    ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY")]


class SecurityHeaders:
    """WSGI middleware: the fixed security headers on every response, error pages and static files included,
    and a Cache-Control where the response has none (pages are never stored: they hold personal data)."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        def start_with_headers(status, headers, exc_info=None):
            return start_response(status, headers + SECURITY_HEADERS + cache_control(headers), exc_info)

        return self.wsgi_app(environ, start_with_headers)


def cache_control(headers: list) -> list:
    names = {name.lower(): value for name, value in headers}
    if "cache-control" in names:
        return []
    return [("Cache-Control", "no-store" if names.get("content-type", "").startswith("text/html") else "private")]


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are allowed as redirect targets."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(char) < 33 or ord(char) == 127 for char in target):  # a header cannot hold a newline, and browsers
        return default  # drop tabs and newlines from URLs, so "/\t/evil" would become "//evil"
    return target
