"""The question-type registry: each type (single, multiple, … essay) is one module in `types/` that registers
one `QuestionType`, which holds everything the product does differently for that type.

Adding a type means one module here, one form macro in templates/quizzes/_items.html, one result macro in
templates/quizzes/_results.html and its tests; nothing else branches on the type name.  (indico's survey
fields are the model.)
"""
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from academy.learning.questions.quizmd.model import Item, Quiz

EPSILON = 1e-9


@dataclass(frozen=True)
class ItemScore:
    score: float
    points: float
    correct: bool
    redline: bool = False
    pending: bool = False
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"score": self.score, "points": self.points, "correct": self.correct, "redline": self.redline,
                "pending": self.pending, "detail": self.detail}


def from_fraction(item: Item, fraction: float, redline: bool = False, **detail) -> ItemScore:
    fraction = max(0.0, min(1.0, fraction))
    return ItemScore(round(fraction * item.points, 4), item.points, fraction >= 1 - EPSILON, redline, detail=detail)


def own_outcome(item: Item, _answer, score: ItemScore) -> dict[str, bool]:
    """Mistake-book outcomes of an ordinary item: its own id, answered right or not."""
    return {item.id: score.correct}


def right_or_wrong(result: dict) -> tuple[str, str]:
    """The result page's verdict of an item with a key: (css class, words)."""
    if result.get("pending"):
        return "pending", _l("待评阅")
    return ("ok", _l("正确")) if result.get("correct") else ("bad", _l("未答对"))


def options_shuffled(quiz: Quiz, item: Item) -> bool:
    """Whether the attempt shows the item's options in a shuffled order (the quiz and the item both allow it)."""
    return bool(item.options) and quiz.shuffle in ("options", "both") and item.shuffle


def chosen_options(item: Item, answer) -> str:
    """The option keys an answer chose (one key or a list of keys), sorted and comma-joined; unknown keys are left out."""
    if isinstance(answer, str):
        keys = {answer}
    else:
        keys = {k for k in answer if isinstance(k, str)} if isinstance(answer, (list, tuple)) else set()
    return ",".join(sorted(keys & {o.key for o in item.options}))


def option_choices(item: Item) -> list[tuple[str, str, str]]:
    return [(o.key, "", o.text) for o in item.options]


def wrong_options(item: Item) -> frozenset[str]:
    return frozenset(o.key for o in item.options if not o.correct)


def never(_quiz: Quiz, _item: Item) -> bool:
    return False


def no_answer(_item: Item, _form) -> None:
    return None


def no_sample(_item: Item, _rng: random.Random, _skill: float) -> None:
    return None


def no_response(_item: Item, _answer) -> str:
    return ""


def no_tokens(_item: Item, key: str) -> list[str]:
    return [token for token in key.split(",") if token]


def no_choices(_item: Item) -> list[tuple[str, str, str]]:
    return []


def no_wrong(_item: Item) -> frozenset[str]:
    return frozenset()


def no_outcomes(_item: Item, _answer, _score: ItemScore) -> dict[str, bool]:
    return {}


@dataclass(frozen=True)
class Writer:
    """This type's part of an item's plain data, written as Quiz Markdown and read back by the one writer
    (academy.learning.questions.quizmd.writer), which the importers and the form editor both use; and the form
    the editor (academy.authoring.itemforms) shows it in, if any."""
    read: Callable  # (item, raw Segments) → this type's fields of the item data
    write: Callable  # (data) → (heading tokens such as "scoring=pairs", body lines after the stem)
    blank: Callable  # () → this type's fields of a new item's data
    managed: frozenset = frozenset()  # heading attributes and flags written from these fields (other ones are kept as written)
    scorings: tuple[str, ...] = ()  # the values of scoring=, the parser's default first
    form: str = ""  # the form's shape in academy.authoring.itemforms (choices | truefalse | sequence | pairs | categories); "" = no form


@dataclass(frozen=True)
class QuestionType:
    name: str
    aliases: tuple[str, ...]  # the words a Quiz Markdown heading may use: "## 单选：…"
    build: Callable  # parse rules: the item's fields from its segmented body (simple) or its ### parts (composite)
    score: Callable[[Item, Any], ItemScore]
    entry: Callable | None = None  # which body lines are this type's list entries (simple types)
    attrs: frozenset = frozenset()  # heading attributes besides the common ones
    default_stem: str = ""  # the instruction shown when the item has no stem of its own (else E107)
    composite: bool = False  # the body is split into ### parts (scenario, dialogue)
    nestable: bool = False  # may be a sub-question of a scenario
    scored: bool = True  # counts towards the quiz's points
    manual: bool = False  # scored by a reviewer
    stepwise: bool = False  # played step by step with its own small forms (a dialogue), outside the answer form
    must_pass: bool = False  # the quiz is passed only if this item is (a dialogue: its ending)
    checkable: bool = False  # 检查本题 on the take page (review: immediate)
    parse_answer: Callable = no_answer  # the posted form → the stored answer (BadAnswer when tampered)
    shuffled: Callable[[Quiz, Item], bool] = never  # whether the attempt's seed changes how it is shown
    outcomes: Callable = own_outcome  # mistake-book keys → answered right
    verdict: Callable[[dict], tuple[str, str]] = right_or_wrong  # the result page's summary of its score
    practice: Callable | None = None  # (item, part key) → the question practised for one 错题本 entry keyed "item@part"
    sample: Callable = no_sample  # a plausible learner answer for demo data (right with probability skill)
    row_choices: Callable | None = None  # matching/classify: what each row can be given (posted as an index)
    rows_shuffled: bool = False  # whether those choices are shuffled per attempt
    form_macro: str = ""  # macro in templates/quizzes/_items.html; empty: no form control
    result_macro: str = ""  # macro in templates/quizzes/_results.html
    exports: dict = field(default_factory=dict)  # format name → hook, filled in by the import/export formats
    # Item analysis (attempt_item.response, academy.learning.quizzes.item_rows): the stored answer as a short key
    # (option keys chosen, sorted, comma-joined; a dialogue's decision path; '' when there is nothing to count);
    # the choices one stored key counts as made; and every choice that can be counted, as (token, group, label).
    response_key: Callable[[Item, Any], str] = no_response
    response_tokens: Callable[[Item, str], list[str]] = no_tokens
    response_choices: Callable[[Item], list[tuple[str, str, str]]] = no_choices
    # the choices among those that are wrong whoever makes them: where one 片区 agreeing on the same one points to a
    # gap in its training rather than a flaw in the question (academy.authoring.analysis)
    wrong_choices: Callable[[Item], frozenset[str]] = no_wrong
    writer: Writer | None = None  # set for the types the Quiz Markdown writer writes from plain data (imports, the form editor)


TYPES: dict[str, QuestionType] = {}
ALIASES: dict[str, str] = {}


def register(question_type: QuestionType) -> QuestionType:
    TYPES[question_type.name] = question_type
    for alias in (question_type.name, *question_type.aliases):
        ALIASES[alias.lower()] = question_type.name
    return question_type


def question_type(name: str) -> QuestionType:
    return TYPES[name]


def score_item(item: Item, response: Any) -> ItemScore:
    """Score one item; unknown or malformed responses score zero instead of raising."""
    return TYPES[item.type].score(item, response)
