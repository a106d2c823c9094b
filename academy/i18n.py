"""Chinese first, English available (Flask-Babel)."""
from flask import Flask, g, session
from flask_babel import Babel, get_translations
from flask_login import current_user
from markupsafe import Markup

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


def _translations():
    """The request's catalogue, looked up once (a page has dozens of `_()` calls)."""
    if "translations" not in g:
        g.translations = get_translations()
    return g.translations


def _as_markup(translated: str, variables: dict) -> Markup:
    """As Jinja's new-style gettext does it: the translation is markup, the variables are escaped into it."""
    return Markup(translated) % variables


def template_gettext(string: str, **variables) -> Markup:
    """`_()` in templates: a plain global instead of Jinja's context-passing wrappers (a quiz page calls it
    about a hundred times)."""
    return _as_markup(_translations().ugettext(string), variables)


def template_ngettext(singular: str, plural: str, num: int, **variables) -> Markup:
    variables.setdefault("num", num)
    return _as_markup(_translations().ungettext(singular, plural, num), variables)


def bound_gettext() -> dict:
    """Context processor: the page's `_()` bound to its catalogue (macros imported without context use the global)."""
    ugettext = _translations().ugettext

    def gettext(string: str, **variables) -> Markup:
        return _as_markup(ugettext(string), variables)

    return {"_": gettext, "gettext": gettext}


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
    app.context_processor(bound_gettext)
