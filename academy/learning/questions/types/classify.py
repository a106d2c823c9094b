"""分类 classify: put each entry into one of the categories (categories keep their order)."""
from academy.learning.questions.quizmd.choices import build_classify
from academy.learning.questions.quizmd.syntax import arrow_entry
from academy.learning.questions.quizmd.writer import clean
from academy.learning.questions.registry import QuestionType, Writer, from_fraction, register
from academy.learning.questions.types._interchange import pairs_in, pairs_out
from academy.learning.questions.types._mapping import pair_line, parse_rows, sample_rows, share_right


def choices(item) -> tuple[str, ...]:
    return item.categories


def read(item, _seg):
    return {"categories": list(item.categories), "items": [{"text": p.left, "category": p.right} for p in item.pairs]}


def write(data):
    return [], [f"类别：{' | '.join(clean(c) for c in data['categories'])}", "",
                *(pair_line(row["text"], row["category"]) for row in data["items"])]


WRITER = Writer(  # the categories in order, then each entry with its category; the form editor's categories form
    form="categories", read=read, write=write,
    blank=lambda: {"categories": ["", ""], "items": [{"text": "", "category": ""} for _ in range(3)]},
)


def from_interchange(q, warn):
    categories = [str(c).replace("|", "／").strip() for c in q.get("categories") or [] if str(c).strip()]
    return {"categories": categories, "items": [{"text": p["left"], "category": p["right"]} for p in pairs_in(q, warn)]}


TYPE = register(QuestionType(
    name="classify", aliases=("分类",), entry=arrow_entry("=>"), build=build_classify, default_stem="请把每一项归入正确的类别。",
    score=lambda item, response: from_fraction(item, share_right([p.right for p in item.pairs], response)),
    parse_answer=lambda item, form: parse_rows(item, form, choices(item)), nestable=True, checkable=True,
    sample=lambda item, rng, skill: sample_rows(item, rng, skill, choices(item)),
    row_choices=choices, rows_shuffled=False, form_macro="mapping", result_macro="mapping", writer=WRITER,
    exports={"interchange": (lambda item, src: {**pairs_out(item), "categories": list(item.categories)}, from_interchange)},
))
