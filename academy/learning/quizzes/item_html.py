"""The form controls of one question, rendered once and reused.

Their HTML is a pure function of the pinned quiz version, the item, the language, the attempt's seed
(only for items whose order it shuffles) and the saved answer, so a page that is reloaded after every
save re-renders only the question whose answer changed, and learners share unanswered questions.
"""
import json

from flask import current_app
from markupsafe import Markup

from academy.learning.questions import TYPES, Item
from academy.learning.quizzes import layout
from academy.platform import cache
from academy.platform.chrome import page_lang

MAX_ENTRIES = 4096


def _key(view, item: Item, parent: Item | None) -> tuple:
    answer = json.dumps(view.answer(item, parent), sort_keys=True, ensure_ascii=False)
    seed = layout.variant(view.seed) if layout.shown_by_seed(view.quiz, item) else None
    return (view.quiz.content_hash, item.id, parent.id if parent else None, page_lang(), seed, answer)


def _macro(template: str, name: str):
    return getattr(current_app.jinja_env.get_template(template).module, name)


def item_form(view, item: Item, parent: Item | None = None) -> Markup:
    """The item's form controls: its question type's macro in quizzes/_items.html."""
    name = TYPES[item.type].form_macro
    return Markup(_macro("quizzes/_items.html", name)(item, view, parent)) if name else Markup("")


def item_body(view, item: Item, parent: Item | None = None) -> Markup:
    """item_form, rendered once per key and reused."""
    return cache.memo("item_html", _key(view, item, parent), lambda: item_form(view, item, parent), MAX_ENTRIES)


def result_body(view, item: Item, parent: Item | None = None) -> Markup:
    """How the item was answered, on the result page: its question type's macro in quizzes/_results.html."""
    name = TYPES[item.type].result_macro
    return Markup(_macro("quizzes/_results.html", name)(item, view, parent)) if name else Markup("")


def init_app(app) -> None:
    app.jinja_env.globals.update(item_form=item_form, result_body=result_body)
