"""分类 classify: put each entry into one of the categories (categories keep their order)."""
from academy.learning.questions.quizmd.choices import build_classify
from academy.learning.questions.quizmd.syntax import arrow_entry
from academy.learning.questions.registry import Editor, QuestionType, from_fraction, register
from academy.learning.questions.types._editing import clean
from academy.learning.questions.types._interchange import Block, pairs_in, pairs_out
from academy.learning.questions.types._mapping import parse_rows, sample_rows, share_right


def choices(item) -> tuple[str, ...]:
    return item.categories


def read(item, _seg):
    return {"categories": list(item.categories), "items": [{"text": p.left, "category": p.right} for p in item.pairs]}


def write(data):
    return [], [f"类别：{' | '.join(clean(c) for c in data['categories'])}", "",
                *(f"- {clean(row['text'])} => {clean(row['category'])}" for row in data["items"])]


EDITOR = Editor(  # the form editor: the categories in order, then each entry with its category
    form="categories", read=read, write=write,
    blank=lambda: {"categories": ["", ""], "items": [{"text": "", "category": ""} for _ in range(3)]},
)

def to_quizmd(q, warn):
    categories = [c.replace("|", "／").strip() for c in q.get("categories") or [] if str(c).strip()]
    return Block(lines=["类别：" + " | ".join(categories), *pairs_in(q, warn)])
TYPE = register(QuestionType(
    name="classify", aliases=("分类",), entry=arrow_entry("=>"), build=build_classify, default_stem="请把每一项归入正确的类别。",
    score=lambda item, response: from_fraction(item, share_right([p.right for p in item.pairs], response)),
    parse_answer=lambda item, form: parse_rows(item, form, choices(item)), nestable=True, checkable=True,
    sample=lambda item, rng, skill: sample_rows(item, rng, skill, choices(item)),
    row_choices=choices, rows_shuffled=False, form_macro="mapping", result_macro="mapping", editor=EDITOR,
    exports={"interchange": (lambda item, src: {**pairs_out(item), "categories": list(item.categories)}, to_quizmd)},
))
