"""Chinese first, English available (Flask-Babel)."""
from flask import Flask, g, session
from flask_babel import Babel, get_locale, get_translations
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


def _translations():
    """The request's catalogue, looked up once (a page has dozens of `_()` calls)."""
    if "translations" not in g:
        g.translations = get_translations()
    return g.translations


def template_gettext(string: str) -> str:
    return _translations().ugettext(string)


def template_ngettext(singular: str, plural: str, number: int) -> str:
    return _translations().ungettext(singular, plural, number)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(template_gettext, template_ngettext, newstyle=True)
    app.jinja_env.globals["get_locale"] = get_locale
