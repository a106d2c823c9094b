"""The form controls of one question, rendered once and reused.

Their HTML is a pure function of the pinned quiz version, the item, the language, the attempt's seed
(only for items whose order it shuffles) and the saved answer, so a page that is reloaded after every
save re-renders only the question whose answer changed, and learners share unanswered questions.
"""
import json

from flask import current_app
from markupsafe import Markup

from academy.chrome import page_lang
from academy.quizmd import Item

MAX_ENTRIES = 4096
SEEDED_TYPES = {"ordering", "matching"}  # always shown in a per-attempt order (see layout.py)


def _uses_seed(view, item: Item) -> bool:
    if item.type in SEEDED_TYPES:
        return True
    return item.type in ("single", "multiple") and view.quiz.shuffle in ("options", "both") and item.shuffle


def _key(view, item: Item, parent: Item | None) -> tuple:
    answer = json.dumps(view.answer(item, parent), sort_keys=True, ensure_ascii=False)
    seed = view.seed if _uses_seed(view, item) else None
    return (view.version_key, item.id, parent.id if parent else None, page_lang(), seed, answer)


def item_body(view, item: Item, parent: Item | None = None) -> Markup:
    cache = current_app.extensions.setdefault("item_html_cache", {})
    key = _key(view, item, parent)
    html = cache.get(key)
    if html is None:
        macro = current_app.jinja_env.get_template("quizzes/_items.html").module.item_body
        html = Markup(macro(item, view, parent))
        if len(cache) >= MAX_ENTRIES:
            cache.clear()  # a safety bound; clear() is atomic, also under threaded workers
        cache[key] = html
    return html
