"""判断 truefalse: 对 or 错."""
from flask_babel import lazy_gettext as _l

from academy.learning.questions.quizmd.choices import build_truefalse
from academy.learning.questions.quizmd.syntax import option_entry
from academy.learning.questions.registry import QuestionType, from_fraction, register
from academy.learning.questions.types._forms import BadAnswer, field_name


def parse_answer(item, form):
    value = form.get(field_name(item))
    if value not in (None, "", "true", "false"):
        raise BadAnswer(_l("判断题只能选“对”或“错”"))
    return None if not value else value == "true"


def score(item, response):
    right = isinstance(response, bool) and response == item.answer
    return from_fraction(item, 1.0 if right else 0.0, item.redline and not right)


def sample(item, rng, skill):
    return item.answer if rng.random() < skill else not item.answer


def response_key(_item, answer) -> str:
    return ("true" if answer else "false") if isinstance(answer, bool) else ""


def response_choices(_item) -> list[tuple[str, str, str]]:
    return [("true", "", str(_l("对"))), ("false", "", str(_l("错")))]


TYPE = register(QuestionType(
    name="truefalse", aliases=("判断",), entry=option_entry, build=build_truefalse, score=score,
    parse_answer=parse_answer, nestable=True, checkable=True, sample=sample,
    form_macro="truefalse", result_macro="truefalse", response_key=response_key, response_choices=response_choices,
))
