"""Chinese first, English available (Flask-Babel, which also gives templates `_()` and `ngettext()`)."""
from flask import Flask, session
from flask_babel import Babel, gettext
from flask_login import current_user

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


def colon() -> str:
    """The colon after a label: full-width "：" in Chinese, ": " in English (templates write
    `{{ _('得分') }}{{ colon() }}` instead of a "：" that an English page would show too)."""
    return gettext("：")


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["colon"] = colon
