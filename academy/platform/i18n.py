"""Chinese first, English available (Flask-Babel, which also gives templates `_()` and `ngettext()`), and times on
the organisation's clock (academy.platform.clock)."""
from datetime import datetime

from flask import Flask, session
from flask_babel import Babel, force_locale, gettext
from flask_login import current_user

from academy.platform import clock

LOCALES = ("zh_CN", "en")
babel = Babel()


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LOCALES:
        return chosen
    user = current_user._get_current_object()
    if user.is_authenticated and user.locale in LOCALES:
        return user.locale
    return "zh_CN"


def user_language(stored: str | None) -> str:
    """A user's stored language (User.locale: the one they last chose) if we have it, else Chinese."""
    return stored if stored in LOCALES else LOCALES[0]


def in_language_of(stored: str | None):
    """Text written for a user outside their own request (a notice, a reminder mail) is written in their language:
    `with in_language_of(user.locale): text = _("…")`."""
    return force_locale(user_language(stored))


def colon() -> str:
    """The colon after a label: full-width "：" in Chinese, ": " in English (templates write
    `{{ _('得分') }}{{ colon() }}` instead of a "：" that an English page would show too)."""
    return gettext("：")


def day(moment: datetime | None) -> str:
    """A stored timestamp's day on the organisation's clock (templates: `{{ attempt.submitted_at|day }}`)."""
    return clock.shown(moment, "%Y-%m-%d")


def iso(moment: datetime | None) -> str:
    """A stored timestamp for `<time datetime>`, with its offset: without one a browser reads it as its own zone's."""
    return clock.local(moment).isoformat(timespec="seconds") if moment is not None else ""


def init_app(app: Flask) -> None:
    clock.configure(app.config["TIMEZONE"])
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]  # Babel's own date formatting agrees
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["colon"] = colon
    app.jinja_env.filters.update(when=clock.shown, day=day, iso=iso)
