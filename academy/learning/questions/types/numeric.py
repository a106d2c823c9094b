"""数值 numeric: a number, accepted within a tolerance (12+-0.5) or a range (10..20)."""
from academy.learning.questions.quizmd.openresponse import build_short
from academy.learning.questions.quizmd.syntax import answer_entry
from academy.learning.questions.registry import QuestionType, from_fraction, register
from academy.learning.questions.types import _answers
from academy.learning.questions.types._forms import parse_text
from academy.learning.questions.types._interchange import answers_in, answers_out


def accepts(text: str, value: float) -> bool:
    try:
        if ".." in text:
            low, high = (float(p) for p in text.split("..", 1))
            return low <= value <= high
        centre, _, tolerance = text.replace("±", "+-").partition("+-")
        return abs(value - float(centre)) <= float(tolerance or 0) + 1e-9
    except ValueError:
        return False


def score(item, response):
    try:
        value = float(str(response).strip())
    except ValueError:
        return from_fraction(item, 0.0)
    credits = [credit for text, credit in item.accepted if accepts(text, value)]
    return from_fraction(item, max(credits, default=0.0))


def sample(item, rng, skill):
    if not item.accepted or rng.random() >= skill:
        return "0"
    text = item.accepted[0][0]
    return text.split("..")[0] if ".." in text else text.replace("±", "+-").partition("+-")[0]


TYPE = register(QuestionType(
    name="numeric", aliases=("数值",), entry=answer_entry, build=build_short, score=score, parse_answer=parse_text,
    nestable=True, checkable=True, sample=sample, form_macro="text_answer", result_macro="text_answer", writer=_answers.WRITER,
    exports={"interchange": (lambda item, src: answers_out(item, numeric=True), lambda q, warn: answers_in(q, warn, numeric=True))},
))
