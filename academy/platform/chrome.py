"""Page chrome that is the same for many requests, rendered once per process and reused.

The site navigation depends only on the language, the user's roles, the current endpoint and the
mount point, so it is rendered once for each such key (a few hundred at most) instead of on every
request; the per-user parts of the header (name, CSRF-protected forms) stay in base.html.
"""
from flask import Flask, g, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from academy.platform import cache
from academy.platform.i18n import select_locale

MAX_ENTRIES = 2048  # a safety bound; real keys are languages × role sets × endpoints


def page_lang() -> str:
    """The page's BCP 47 language, worked out once per request."""
    if "page_lang" not in g:
        g.page_lang = "en" if select_locale() == "en" else "zh-CN"
    return g.page_lang


CONTENT_LANG = "zh-CN"  # the course, quizzes and role-plays are written in Chinese, whatever the interface language
MARKED_CONTENT = Markup(f' lang="{CONTENT_LANG}"')


def content_lang() -> Markup:
    """The lang attribute for course content on a page in another language (WCAG 3.1.2, language of parts),
    so that a screen reader reads a lesson in Chinese on the English interface; nothing on a Chinese page."""
    return Markup("") if page_lang() == CONTENT_LANG else MARKED_CONTENT


def content_text(text) -> Markup:
    """Content text such as a title, escaped; on a page in another language, marked as Chinese."""
    escaped, marked = escape(text), content_lang()
    return Markup(f"<span{marked}>{escaped}</span>") if marked else escaped


def site_nav() -> Markup:
    """The main navigation of the signed-in user (empty when signed out)."""
    if not current_user.is_authenticated:
        return Markup("")
    key = ("nav", page_lang(), current_user.roles, request.endpoint, request.script_root)
    return cache.memo("chrome", key, lambda: Markup(render_template("_chrome/nav.html")), MAX_ENTRIES)


def cached_url(endpoint: str, **values) -> str:
    """url_for for links that never change while the app runs (assets, fixed pages)."""
    key = ("url", request.script_root, endpoint, tuple(sorted(values.items())))
    return cache.memo("chrome", key, lambda: url_for(endpoint, **values), MAX_ENTRIES)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(site_nav=site_nav, cached_url=cached_url, page_lang=page_lang,
                                 content_lang=content_lang)
    app.jinja_env.filters["content_text"] = content_text
