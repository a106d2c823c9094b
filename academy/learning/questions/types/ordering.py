"""排序 ordering: put the entries in order; scored by pairs in order (default), positions or all_or_nothing.
Always shown scrambled: the source order is the answer."""
from flask_babel import lazy_gettext as _l

from academy.learning.questions.quizmd.choices import build_ordering
from academy.learning.questions.quizmd.guard import one_line
from academy.learning.questions.quizmd.syntax import number_entry
from academy.learning.questions.quizmd.writer import attr, clean
from academy.learning.questions.registry import QuestionType, Writer, from_fraction, register
from academy.learning.questions.types._forms import BadAnswer, field_name
from academy.learning.questions.types._interchange import scoring_in


def parse_answer(item, form):
    positions = {}
    for index in range(len(item.sequence)):
        value = form.get(f"{field_name(item)}-{index}", "")
        if value:
            if not value.isdigit() or not 1 <= int(value) <= len(item.sequence):
                raise BadAnswer(_l("排序位置无效"))
            positions[index] = int(value)
    if not positions or len(positions) != len(item.sequence):
        return None
    return [i for i, _ in sorted(positions.items(), key=lambda kv: (kv[1], kv[0]))]


def _permutation(response, size: int) -> list[int] | None:
    if not isinstance(response, (list, tuple)) or not all(type(i) is int for i in response):
        return None
    return list(response) if sorted(response) == list(range(size)) else None


def score(item, response):
    size = len(item.sequence)
    order = _permutation(response, size)
    if order is None or size < 2:
        return from_fraction(item, 0.0)
    if item.scoring == "all_or_nothing":
        return from_fraction(item, 1.0 if order == list(range(size)) else 0.0)
    if item.scoring == "positions":
        return from_fraction(item, sum(a == b for a, b in zip(order, range(size))) / size)
    following = {order[i]: order[i + 1] for i in range(size - 1)}
    return from_fraction(item, sum(following.get(i) == i + 1 for i in range(size - 1)) / (size - 1))


def sample(item, rng, skill):
    order = list(range(len(item.sequence)))
    if rng.random() >= skill:
        order[0], order[1] = order[1], order[0]
    return order


SCORINGS = ("pairs", "positions", "all_or_nothing")


def write(data):
    tokens = [] if data["scoring"] == SCORINGS[0] else [attr("scoring", data["scoring"])]
    return tokens, [f"{number}. {clean(text)}" for number, text in enumerate(data["sequence"], 1)]


WRITER = Writer(  # the entries in their right order; scoring; the form editor's sequence form
    form="sequence", managed=frozenset({"scoring"}), scorings=SCORINGS, write=write,
    read=lambda item, seg: {"scoring": item.scoring, "sequence": list(item.sequence)},
    blank=lambda: {"scoring": SCORINGS[0], "sequence": ["", "", ""]},
)


def from_interchange(q, warn):
    return {"scoring": scoring_in(q, SCORINGS[0]), "sequence": [one_line(str(text)) for text in q.get("sequence") or []]}


TYPE = register(QuestionType(
    name="ordering", aliases=("排序",), entry=number_entry, build=build_ordering, attrs=frozenset({"scoring"}),
    score=score, parse_answer=parse_answer, nestable=True, checkable=True, shuffled=lambda quiz, item: True,
    sample=sample, form_macro="ordering", result_macro="ordering", writer=WRITER,
    exports={"interchange": (lambda item, src: {"sequence": list(item.sequence), "scoring": item.scoring}, from_interchange)},
))
