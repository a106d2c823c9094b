"""匹配 matching: pair each left entry with a right one (distractors allowed); the right side is shuffled per
attempt, since its order would give the pairs away."""
from academy.learning.questions.quizmd.choices import build_matching
from academy.learning.questions.quizmd.syntax import arrow_entry
from academy.learning.questions.registry import QuestionType, Writer, from_fraction, register
from academy.learning.questions.types._interchange import pairs_in, pairs_out
from academy.learning.questions.types._mapping import pair_line, parse_rows, sample_rows, share_right


def choices(item) -> tuple[str, ...]:
    return item.right_choices


def read(item, _seg):
    return {"pairs": [{"left": p.left, "right": p.right} for p in item.pairs if p.left],
            "distractors": [p.right for p in item.pairs if not p.left]}


def write(data):
    return [], [pair_line(p["left"], p["right"]) for p in data["pairs"]] + [pair_line("", text) for text in data["distractors"]]


WRITER = Writer(  # pairs (imports keep a distractor among them), then right-hand distractors; the form editor's pairs form
    form="pairs", read=read, write=write,
    blank=lambda: {"pairs": [{"left": "", "right": ""} for _ in range(3)], "distractors": []},
)

TYPE = register(QuestionType(
    name="matching", aliases=("匹配",), entry=arrow_entry("=>"), build=build_matching, default_stem="请为左侧每一项选出与之对应的一项。",
    score=lambda item, response: from_fraction(item, share_right([p.right for p in item.pairs if p.left], response)),
    parse_answer=lambda item, form: parse_rows(item, form, choices(item)), nestable=True, checkable=True,
    shuffled=lambda quiz, item: True, sample=lambda item, rng, skill: sample_rows(item, rng, skill, choices(item)),
    row_choices=choices, rows_shuffled=True, form_macro="mapping", result_macro="mapping", writer=WRITER,
    exports={"interchange": (lambda item, src: pairs_out(item), lambda q, warn: {"pairs": pairs_in(q, warn), "distractors": []})},
))
