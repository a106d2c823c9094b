"""判断 truefalse: 对 or 错."""
from flask_babel import lazy_gettext as _l

from academy.learning.questions.quizmd.choices import build_truefalse
from academy.learning.questions.quizmd.syntax import option_entry
from academy.learning.questions.quizmd.writer import key_lines, key_text
from academy.learning.questions.registry import QuestionType, Writer, from_fraction, register
from academy.learning.questions.types._forms import BadAnswer, field_name
from academy.learning.questions.types._interchange import truefalse_in, truefalse_out


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


def read(item, seg):
    return {"answer": bool(item.answer), "correct_feedback": key_text(seg, "correct"),
            "incorrect_feedback": key_text(seg, "incorrect"), "redline": item.redline}


def write(data):
    answer = [] if data["answer"] is None else [f"答案：{'对' if data['answer'] else '错'}"]  # None: an import that has none
    body = [*answer, *key_lines("答对", data["correct_feedback"]),
            *key_lines("答错", data["incorrect_feedback"])]
    return ["redline"] if data["redline"] else [], body


WRITER = Writer(  # 对/错, feedback for a right and a wrong answer, 答错即红线; the form editor's truefalse form
    form="truefalse", managed=frozenset({"redline"}), read=read, write=write,
    blank=lambda: {"answer": True, "correct_feedback": "", "incorrect_feedback": "", "redline": False},
)

TYPE = register(QuestionType(
    name="truefalse", aliases=("判断",), entry=option_entry, build=build_truefalse, score=score,
    parse_answer=parse_answer, nestable=True, checkable=True, sample=sample,
    form_macro="truefalse", result_macro="truefalse", response_key=response_key, response_choices=response_choices,
    wrong_choices=lambda item: frozenset({"false" if item.answer else "true"}),
    writer=WRITER,
    exports={"interchange": (truefalse_out, truefalse_in)},
))
