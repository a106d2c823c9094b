"""多选 multiple: any number of options; partial credit by option weights, or all_or_nothing."""
from academy.learning.questions.quizmd.choices import build_options
from academy.learning.questions.quizmd.syntax import option_entry
from academy.learning.questions.quizmd.writer import attr
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
from academy.learning.questions.types._interchange import multiple_in, options_out
from academy.learning.questions.types._options import blank_options, option_lines, read_options


def build(seg, ctx):
    return {**build_options("multiple", seg, ctx), "scoring": ctx.head.attrs.get("scoring", "partial")}


def parse_answer(item, form):
    values = form.getlist(field_name(item))
    if set(values) - {o.key for o in item.options}:
        raise invalid_option(item)
    return sorted(set(values)) or None


def score(item, response):
    keys = {k for k in response if isinstance(k, str)} if isinstance(response, (list, tuple, set)) else set()
    chosen = [o for o in item.options if o.key in keys]
    redline = any(o.redline for o in chosen)
    if item.scoring == "all_or_nothing":
        exact = {o.key for o in chosen} == {o.key for o in item.options if o.correct}
        return from_fraction(item, 1.0 if exact else 0.0, redline, selected=[o.key for o in chosen])
    return from_fraction(item, sum(o.weight for o in chosen), redline, selected=[o.key for o in chosen])


def sample(item, rng, skill):
    keys = sorted(o.key for o in item.options if o.correct)
    return keys if rng.random() < skill else keys[:-1] or keys


SCORINGS = ("partial", "all_or_nothing")


def write(data):
    tokens = ([] if data["scoring"] == SCORINGS[0] else [attr("scoring", data["scoring"])]) + ([] if data["shuffle"] else ["shuffle=false"])
    return tokens, option_lines(data["options"])


WRITER = Writer(  # options with 对/权重/红线 and feedback; scoring; shuffle=false; the form editor's choices form
    form="choices", managed=frozenset({"shuffle", "scoring"}), scorings=SCORINGS, write=write,
    read=lambda item, seg: {"scoring": item.scoring, "shuffle": item.shuffle, "options": read_options(seg)},
    blank=lambda: {"scoring": SCORINGS[0], "shuffle": True, "options": blank_options()},
)

TYPE = register(QuestionType(
    name="multiple", aliases=("多选",), entry=option_entry, build=build, attrs=frozenset({"scoring"}), score=score,
    parse_answer=parse_answer, nestable=True, checkable=True, shuffled=options_shuffled, sample=sample,
    form_macro="choices", result_macro="choices", response_key=chosen_options, response_choices=option_choices,
    wrong_choices=wrong_options,
    writer=WRITER,
    exports={"interchange": (lambda item, src: {**options_out(item, src), "scoring": item.scoring}, multiple_in)},
))
