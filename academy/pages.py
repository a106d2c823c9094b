"""Pages rendered once per distinct content and reused, with the signed-in user's own values filled in.

Most of a learner's page is the same for everyone in the same state: the lesson page differs only in
whether the lesson is done; the learning map only in the module statuses and quiz standings.  A view
that calls `render_page` names, in `key`, everything its HTML depends on apart from what this module
adds itself (template, language, roles, path).  The page is rendered once per key with two holes, the
user's display name and the CSRF token, and each request fills them in (the name HTML-escaped).  The
access check, the session and the learner's data are still read on every request; only identical
HTML is not built again.  Pages that show flashed messages are rendered normally.  Templates of these
pages show the name only through `user_name()` and the token only through `csrf_token()` (a real token in
a shared page is refused: it would hand one user's token to others).
"""
import re

from flask import Flask, g, render_template, request, session
from flask_login import current_user
from markupsafe import Markup, escape

from academy.chrome import page_lang
from academy.content.catalog import get_catalog
from academy.security import csrf_token

NAME_HOLE = "\x00user-name\x00"
CSRF_HOLE = "\x00csrf-token\x00"
_HOLES = re.compile(f"({NAME_HOLE}|{CSRF_HOLE})")
MAX_PAGES = 512  # per process; a page is 3–30 KB of UTF-8


def render_page(template: str, key: tuple, **context) -> str | bytes:
    """render_template(template, **context) for a page whose HTML is a function of `key` (plain, hashable
    data) besides the language, roles, path, user name and CSRF token.  A shared page comes back as UTF-8
    bytes: its parts are kept encoded, so a request does not encode the whole page again."""
    if "_flashes" in session:
        return render_template(template, **context)
    user = current_user._get_current_object()
    full_key = (template, key, page_lang(), user.roles, request.path, request.script_root)
    parts = get_catalog().derived("pages", full_key, lambda: _render_with_holes(template, context), MAX_PAGES)
    values = {NAME_HOLE: str(escape(user.display_name)).encode(), CSRF_HOLE: csrf_token().encode()}
    return b"".join([values.get(part, part) for part in parts])


def _render_with_holes(template: str, context: dict) -> tuple[str | bytes, ...]:
    """The page as UTF-8 parts, with the two holes left as their markers."""
    g.page_holes = True
    try:
        html = render_template(template, **context)
    finally:
        g.page_holes = False
    token = g.get("csrf_token")  # set by Flask-WTF whenever it makes a real token, e.g. for a FlaskForm
    if token and token in html:
        raise RuntimeError(f"{template}: a shared page must show the CSRF token only through csrf_token()")
    return tuple(part if part in (NAME_HOLE, CSRF_HOLE) else part.encode() for part in _HOLES.split(html))


def user_name() -> str:
    """The signed-in user's display name (a hole while a shared page is being rendered)."""
    return Markup(NAME_HOLE) if g.get("page_holes") else current_user.display_name


def page_csrf_token() -> str:
    return Markup(CSRF_HOLE) if g.get("page_holes") else csrf_token()


def init_app(app: Flask) -> None:
    # Replaces the csrf_token of Flask-WTF and academy.security, which sets it as a global and in the context.
    app.jinja_env.globals.update(user_name=user_name, csrf_token=page_csrf_token)
    app.context_processor(lambda: {"csrf_token": page_csrf_token})
