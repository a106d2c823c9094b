"""分类 classify: put each entry into one of the categories (categories keep their order)."""
from academy.learning.questions.quizmd.choices import build_classify
from academy.learning.questions.quizmd.syntax import arrow_entry
from academy.learning.questions.registry import QuestionType, from_fraction, register
from academy.learning.questions.types._mapping import parse_rows, sample_rows, share_right


def choices(item) -> tuple[str, ...]:
    return item.categories


TYPE = register(QuestionType(
    name="classify", aliases=("分类",), entry=arrow_entry("=>"), build=build_classify, default_stem="请把每一项归入正确的类别。",
    score=lambda item, response: from_fraction(item, share_right([p.right for p in item.pairs], response)),
    parse_answer=lambda item, form: parse_rows(item, form, choices(item)), nestable=True, checkable=True,
    sample=lambda item, rng, skill: sample_rows(item, rng, skill, choices(item)),
    row_choices=choices, rows_shuffled=False, form_macro="mapping", result_macro="mapping",
))
