"""Chinese first, English available (Flask-Babel)."""
from flask import Flask, session
from flask_babel import Babel, get_locale
from flask_login import current_user

LOCALES = ("zh_CN", "en")
babel = Babel()


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in LOCALES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    return "zh_CN"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
