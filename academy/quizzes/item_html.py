"""The form controls of one question, rendered once and reused.

Their HTML is a pure function of the pinned quiz version, the item, the language, the attempt's seed
(only for items whose order it shuffles) and the saved answer, so a page that is reloaded after every
save re-renders only the question whose answer changed, and learners share unanswered questions.
"""
import json

from flask import current_app
from markupsafe import Markup

from academy.chrome import page_lang
from academy import cache
from academy.quizmd import Item
from academy.quizzes import layout

MAX_ENTRIES = 4096


def _key(view, item: Item, parent: Item | None) -> tuple:
    answer = json.dumps(view.answer(item, parent), sort_keys=True, ensure_ascii=False)
    seed = view.seed if layout.shown_by_seed(view.quiz, item) else None
    return (view.quiz.content_hash, item.id, parent.id if parent else None, page_lang(), seed, answer)


def item_body(view, item: Item, parent: Item | None = None) -> Markup:
    def render() -> Markup:
        macro = current_app.jinja_env.get_template("quizzes/_items.html").module.item_body
        return Markup(macro(item, view, parent))

    return cache.memo("item_html", _key(view, item, parent), render, MAX_ENTRIES)
