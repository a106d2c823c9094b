"""The questions of the take page and of the result page, each rendered once and reused.

An unchecked question's HTML is a pure function of the pinned quiz version, the item, its number, the
language, the attempt's seed (only for items whose order it shuffles), the saved answer and (only when it
has a 检查本题 button) the attempt, so a page that is reloaded after every save re-renders only the question
whose answer changed, and learners share their unanswered questions: a 45-question exam page is 45 lookups.
"""
import json

from flask import current_app
from markupsafe import Markup

from academy.learning.questions import TYPES, Item
from academy.learning.quizzes import layout
from academy.platform import cache
from academy.platform.chrome import page_lang

MAX_ENTRIES = 4096


def _key(view, item: Item, number: int) -> tuple:
    answer = json.dumps(view.answer(item), sort_keys=True, ensure_ascii=False)
    seed = layout.variant(view.seed) if layout.shown_by_seed(view.quiz, item) else None
    attempt = view.attempt.id if view.can_check(item) else None  # the button posts to this attempt
    return (view.quiz.content_hash, item.id, number, page_lang(), seed, answer, attempt)


def _macro(template: str, name: str):
    return getattr(current_app.jinja_env.get_template(template).module, name)


def item_form(view, item: Item, parent: Item | None = None) -> Markup:
    """The item's form controls: its question type's macro in quizzes/_items.html."""
    name = TYPES[item.type].form_macro
    return Markup(_macro("quizzes/_items.html", name)(item, view, parent)) if name else Markup("")


def sections(view, items: list[Item]) -> Markup:
    """The answer form's questions: each unchecked one rendered once per key and shared, a checked one (its
    result, this attempt's only) rendered each time."""
    macros = _macro("quizzes/_take_item.html", "section"), _macro("quizzes/_take_item.html", "checked_section")
    html = []
    for number, item in enumerate(items, start=1):
        if item.id in view.checked:
            html.append(macros[1](item, view, number))
        else:
            html.append(cache.memo("item_html", _key(view, item, number), lambda i=item, n=number: macros[0](i, view, n),
                                   MAX_ENTRIES))
    return Markup("\n".join(html))


def answer_sheet(view, items: list[Item], answered: tuple[bool, ...]) -> Markup:
    """The 答题卡, the same for every attempt with the same questions in the same order answered alike."""
    key = (view.quiz.content_hash, tuple(item.id for item in items), answered, page_lang())
    return cache.memo("answer_sheets", key, lambda: Markup(_macro("quizzes/_take_item.html", "answer_sheet")(items, answered)),
                      MAX_ENTRIES)


def _result_key(view, item: Item, lesson_links: bool) -> tuple:
    scored = json.dumps([view.item_result(item), view.answer(item)], sort_keys=True, ensure_ascii=False, default=str)
    seed = layout.variant(view.seed) if layout.shown_by_seed(view.quiz, item) else None
    return (view.quiz.content_hash, item.id, page_lang(), view.show_answers, view.show_choice_feedback,
            lesson_links and view.catalog.version, seed, scored)


def result_sections(view, items: list[Item], lesson_links: bool = True) -> Markup:
    """The result page's questions.  A graded question's HTML is a pure function of the quiz version, the item,
    the language, what the page reveals, the catalogue its lesson link is looked up in (a staff-only lesson is
    linked for staff only), the seed (for items it shuffles), its score and the answer: learners who answered alike
    share it, and a 45-question result page is 45 lookups.  An item scored by a reviewer
    shows that attempt's review, so it is rendered each time."""
    macro = _macro("quizzes/_result_section.html", "result_section")
    html = []
    for item in items:
        render = lambda i=item: macro(i, view, lesson_links)  # noqa: E731
        if TYPES[item.type].manual:
            html.append(render())
        else:
            html.append(cache.memo("result_html", _result_key(view, item, lesson_links), render, MAX_ENTRIES))
    return Markup("\n".join(html))


def result_body(view, item: Item, parent: Item | None = None) -> Markup:
    """How the item was answered, on the result page: its question type's macro in quizzes/_results.html."""
    name = TYPES[item.type].result_macro
    return Markup(_macro("quizzes/_results.html", name)(item, view, parent)) if name else Markup("")


def init_app(app) -> None:
    app.jinja_env.globals.update(item_form=item_form, result_body=result_body)
