"""单选 single: one option; an option may carry partial credit or a red line."""
from academy.learning.questions.quizmd.choices import build_options
from academy.learning.questions.quizmd.syntax import option_entry
from academy.learning.questions.registry import (
    QuestionType,
    Writer,
    chosen_options,
    from_fraction,
    option_choices,
    options_shuffled,
    register,
    wrong_options,
)
from academy.learning.questions.types._forms import field_name, invalid_option
from academy.learning.questions.types._interchange import options_out, single_in
from academy.learning.questions.types._options import blank_options, option_lines, read_options


def parse_answer(item, form):
    value = form.get(field_name(item))
    if value and value not in {o.key for o in item.options}:
        raise invalid_option(item)
    return value or None


def score(item, response):
    option = next((o for o in item.options if o.key == response), None)
    if option is None:
        return from_fraction(item, 0.0)
    return from_fraction(item, option.weight, option.redline, selected=[option.key])


def sample(item, rng, skill):
    correct = next(o.key for o in item.options if o.correct)
    wrong = [o.key for o in item.options if not o.correct and not o.redline] or [correct]
    return correct if rng.random() < skill else rng.choice(wrong)


WRITER = Writer(  # options with 对/部分分/红线 and feedback; shuffle=false; the form editor's choices form
    form="choices", managed=frozenset({"shuffle"}),
    read=lambda item, seg: {"shuffle": item.shuffle, "options": read_options(seg)},
    write=lambda data: ([] if data["shuffle"] else ["shuffle=false"], option_lines(data["options"])),
    blank=lambda: {"shuffle": True, "options": blank_options()},
)

TYPE = register(QuestionType(
    name="single", aliases=("单选",), entry=option_entry, build=lambda seg, ctx: build_options("single", seg, ctx),
    score=score, parse_answer=parse_answer, nestable=True, checkable=True, shuffled=options_shuffled, sample=sample,
    form_macro="choices", result_macro="choices", response_key=chosen_options, response_choices=option_choices,
    wrong_choices=wrong_options,
    writer=WRITER,
    exports={"interchange": (lambda item, src: options_out(item, src), single_in)},
))
