"""Baseline security: CSRF, login throttling, response headers, safe redirects, the session cookie."""
from urllib.parse import urlsplit

from flask import Flask, abort, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def account_at_address() -> str:
    """The login limit's key: the account tried, from this address.  One account cannot be guessed at
    quickly, yet a whole office behind one NAT address is not locked out when its people log in at once
    (a looser limit per address still slows guessing across accounts)."""
    return f"{(request.form.get('username') or '').strip().lower()[:150]}|{get_remote_address()}"


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_characters)
    csrf.init_app(app)  # every POST, PUT, PATCH and DELETE carries a valid token (400 otherwise)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
    app.wsgi_app = SecurityHeaders(app.wsgi_app)
    if hops := app.config["PROXY_HOPS"]:  # the client's address and scheme as the trusted proxies saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


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
