"""The take page's questions are rendered once per key and shared between learners (item_html); the key must
hold everything that changes a question's HTML, or one learner would see another's option order or answers."""
import re
from datetime import datetime
from types import SimpleNamespace

from academy.learning.content.catalog import get_catalog
from academy.learning.quizzes import layout
from academy.learning.quizzes.views_support import TakeView
from academy.platform import cache


def _view(quiz, seed: int, answers: dict | None = None, attempt_id: int = 1):
    attempt = SimpleNamespace(id=attempt_id, seed=seed, deadline_at=None, answers=answers or {}, checked=[])
    return TakeView(quiz, attempt, datetime(2026, 1, 1))


def _option_keys(html: str, field: str) -> list[str]:
    """The option keys of the inputs whose name ends with `field`, in page order."""
    return [value for name, value in re.findall(r'name="([^"]*)" value="([^"]+)"', html) if name.endswith(field)]


def test_a_scenarios_section_follows_each_attempts_option_order(app):
    with app.test_request_context("/"):
        quiz = get_catalog().quiz("clients-quiz")
        scenario = next(i for i in quiz.items if i.parts and any(p.options for p in i.parts))
        part = next(p for p in scenario.parts if p.options)
        cache.clear()
        orders = set()
        for seed in range(layout.SHUFFLE_VARIANTS):
            html = str(_view(quiz, seed).sections())
            wanted = [o.key for o in layout.option_order(quiz, part, seed)]
            shown = _option_keys(html, part.id)
            assert shown == wanted, seed
            orders.add(tuple(wanted))
        assert len(orders) > 1  # the variants really differ, so a key without the seed would be caught


def _section(html: str, item_id: str) -> str:
    start = html.index(f'id="item-{item_id}"')
    return html[start:html.index("</section>", start)]


def test_a_saved_answer_shows_only_on_its_own_attempts_page(app):
    with app.test_request_context("/"):
        quiz = get_catalog().quiz("clients-quiz")
        item = next(i for i in quiz.items if i.options and not i.parts)
        cache.clear()
        answered_view = _view(quiz, 0, {item.id: item.options[0].key})
        answered = _section(str(answered_view.sections()), item.id)
        fresh_view = _view(quiz, 0, {})
        fresh = _section(str(fresh_view.sections()), item.id)
        assert " checked" in answered and " checked" not in fresh
        assert str(answered_view.answer_sheet()).count("sheet-cell answered") == 1
        assert "sheet-cell answered" not in str(fresh_view.answer_sheet())


def _result_view(quiz, answers: dict, seed: int = 0, attempt_id: int = 1):
    from academy.learning.quizzes.grading import grade_answers
    from academy.learning.quizzes.views_support import ResultView

    grading = grade_answers(quiz, answers)
    attempt = SimpleNamespace(id=attempt_id, seed=seed, deadline_at=None, submitted_at=None, answers=answers, checked=[],
                              result=grading.result)
    return ResultView(quiz, attempt, get_catalog(), datetime(2026, 1, 1))


def test_a_result_section_shows_each_attempts_own_answer_and_score(app):
    """The result page's questions are shared between learners who answered alike, and only between them."""
    with app.test_request_context("/"):
        quiz = get_catalog().quiz("clients-quiz")
        item = next(i for i in quiz.items if i.options and not i.parts and i.type == "single")
        right = next(o.key for o in item.options if o.correct)
        wrong = next(o.key for o in item.options if not o.correct)
        cache.clear()
        first = _section(str(_result_view(quiz, {item.id: right}).result_sections()), item.id)
        second = _section(str(_result_view(quiz, {item.id: wrong}, attempt_id=2).result_sections()), item.id)
        again = _section(str(_result_view(quiz, {item.id: right}, attempt_id=3).result_sections()), item.id)
        assert first != second  # the wrong answer is shown wrong, with its own score
        assert again == first  # the same answer: the same HTML, taken from the memo
