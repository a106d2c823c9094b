"""填空 short: a typed answer compared with the accepted answers (NFKC, case and spaces ignored, * wildcards)."""
import re
import unicodedata

from academy.learning.questions.quizmd.openresponse import build_short
from academy.learning.questions.quizmd.syntax import answer_entry
from academy.learning.questions.registry import QuestionType, from_fraction, register
from academy.learning.questions.types import _answers
from academy.learning.questions.types._forms import parse_text
from academy.learning.questions.types._interchange import answers_in, answers_out


def normalise_text(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text))).strip().lower()


def _wildcard(pattern: str) -> re.Pattern:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def score(item, response):
    given = normalise_text(response or "")
    credits = [credit for text, credit in item.accepted if _wildcard(normalise_text(text)).fullmatch(given)]
    return from_fraction(item, max(credits, default=0.0))


def sample(item, rng, skill):
    return item.accepted[0][0].replace("*", "") if item.accepted and rng.random() < skill else "不确定"


TYPE = register(QuestionType(
    name="short", aliases=("填空",), entry=answer_entry, build=build_short, score=score, parse_answer=parse_text,
    nestable=True, checkable=True, sample=sample, form_macro="text_answer", result_macro="text_answer", writer=_answers.WRITER,
    exports={"interchange": (lambda item, src: answers_out(item, numeric=False), lambda q, warn: answers_in(q, warn, numeric=False))},
))
