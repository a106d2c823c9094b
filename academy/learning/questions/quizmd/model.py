"""The canonical quiz model. Every node carries its source line."""
from dataclasses import dataclass, field, replace
from functools import cached_property

# The 商机阶段 an item trains (the manager reports' readiness per stage), in pipeline order.
STAGES = ("线索", "需求调研", "立项预算", "招标采购", "签约", "交付回款", "续约拓展")


@dataclass(frozen=True)
class Option:
    key: str
    text: str
    html: str
    correct: bool
    weight: float  # fraction of the item's points, -1..1
    feedback_html: str
    redline: bool
    line: int


@dataclass(frozen=True)
class Pair:
    left: str  # empty for a matching distractor
    right: str
    line: int


@dataclass(frozen=True)
class Condition:
    name: str
    op: str
    value: int

    def holds(self, stances: dict[str, int]) -> bool:
        left = stances.get(self.name, 0)
        return {
            ">=": left >= self.value, "<=": left <= self.value, ">": left > self.value,
            "<": left < self.value, "==": left == self.value, "!=": left != self.value,
        }[self.op]

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.value}"


@dataclass(frozen=True)
class Choice:
    text: str
    target: str
    delta: float
    stances: tuple[tuple[str, int], ...]
    conditions: tuple[Condition, ...]
    redline: bool
    feedback_html: str
    line: int

    def available(self, stances: dict[str, int]) -> bool:
        return all(c.holds(stances) for c in self.conditions)


@dataclass(frozen=True)
class Node:
    name: str
    html: str
    choices: tuple[Choice, ...]
    ending: str | None  # success | partial | fail for endings
    score: float | None
    redline: bool
    conditions: tuple[Condition, ...]
    else_target: str | None
    line: int


@dataclass(frozen=True)
class Criterion:
    name: str
    weight: float
    descriptors: tuple[str | None, ...]  # one per level; None = level not used
    redline: bool
    line: int


@dataclass(frozen=True)
class Item:
    id: str
    type: str
    title: str
    points: float
    line: int
    stem_html: str = ""
    explanation_html: str = ""
    hints: tuple[str, ...] = ()
    concepts: tuple[str, ...] = ()
    lesson: str = ""
    stage: str = ""  # one of STAGES, or empty
    category: str = ""  # a bank's category path, "甲/乙" ('' = none)
    tags: tuple[str, ...] = ()
    bank: str = ""  # the bank an included or drawn item comes from ('' = the quiz's own item)
    shuffle: bool = True
    redline: bool = False
    remediation_html: str = ""
    scoring: str = ""
    options: tuple[Option, ...] = ()
    answer: bool | None = None
    correct_html: str = ""
    incorrect_html: str = ""
    sequence: tuple[str, ...] = ()
    pairs: tuple[Pair, ...] = ()
    categories: tuple[str, ...] = ()
    parts: tuple["Item", ...] = ()
    nodes: tuple[Node, ...] = ()
    start: str = ""
    pass_raw: float | None = None
    max_raw: float = 0.0
    stakeholders: tuple[tuple[str, int], ...] = ()
    debrief_html: str = ""
    model_answer_html: str = ""
    levels: tuple[tuple[str, float], ...] = ()
    criteria: tuple[Criterion, ...] = ()
    accepted: tuple[tuple[str, float], ...] = ()  # short/numeric answers with credit
    grader: str = "trainer"
    manual: bool = False  # scored by a reviewer (from the item's question type)
    scored: bool = True  # counts towards the quiz's points (info items do not)

    def node(self, name: str) -> Node | None:
        return next((n for n in self.nodes if n.name == name), None)

    @property
    def right_choices(self) -> tuple[str, ...]:
        """Matching targets: real answers plus distractors, de-duplicated in source order."""
        return tuple(dict.fromkeys(p.right for p in self.pairs))


@dataclass(frozen=True)
class Draw:
    """One `draw:` entry of a quiz: `count` items picked per attempt from `pool` (the bank's items in the
    category, its subcategories, and/or with the tag, in bank order)."""

    bank: str
    category: str
    tag: str
    count: int
    pool: tuple[Item, ...]
    line: int

    @property
    def points(self) -> float:
        """What the drawn items are worth together (the mean item's points when the pool's points differ)."""
        return self.count * sum(i.points for i in self.pool) / len(self.pool) if self.pool else 0.0


@dataclass(frozen=True)
class BankSource:
    """A bank a quiz refers to, as it was read: kept in the quiz's pinned version (academy.learning.quizzes.versions)."""

    name: str
    path: str
    source: str


@dataclass(frozen=True)
class Quiz:
    id: str
    title: str
    course: str
    required: bool
    pass_score: float
    attempts: int | None
    grading: str
    time_limit: int | None  # seconds
    shuffle: str
    review: str
    closes_at: str
    tags: tuple[str, ...]
    intro_html: str
    items: tuple[Item, ...]
    path: str
    content_hash: str
    source: str = field(repr=False, default="")
    audience: str = "all"  # "staff": trainers, managers and admins only (trainees never see it, not even by URL)
    bank: bool = False  # a question bank (quizzes/banks/<id>.md): items to include and draw from, never taken itself
    draws: tuple[Draw, ...] = ()  # what each attempt draws (academy.learning.quizzes.layout.drawn); () once drawn
    banks: tuple[BankSource, ...] = ()  # the banks its items come from
    opens_at: str = ""  # YYYY-MM-DD or YYYY-MM-DD HH:MM (academy.platform.clock): learners may start it from then on

    @property
    def staff_only(self) -> bool:
        return self.audience == "staff"

    @cached_property
    def total_points(self) -> float:
        """Full marks; for a quiz that still has to draw, what an attempt is expected to be worth."""
        return sum(i.points for i in self.items if i.scored) + sum(d.points for d in self.draws)

    @property
    def item_count(self) -> int:
        """How many items an attempt shows."""
        return len(self.items) + sum(d.count for d in self.draws)

    def pool_items(self):
        """The items attempts may draw, each once, in draw order."""
        seen = {item.id for item in self.items}
        for draw in self.draws:
            for item in draw.pool:
                if item.id not in seen:
                    seen.add(item.id)
                    yield item

    def with_drawn(self, drawn: tuple[Item, ...]) -> "Quiz":
        """The quiz of one attempt: the fixed items, then the drawn ones; nothing left to draw."""
        return replace(self, items=self.items + drawn, draws=())

    @property
    def manual(self) -> bool:
        return any(i.manual for i in (*self.items, *self.pool_items()))

    def all_items(self):
        """Every item, with each scenario's sub-questions right after it."""
        for item in self.items:
            yield item
            yield from item.parts

    def every_item(self):
        """all_items, then the items a draw may pick, with their sub-questions."""
        yield from self.all_items()
        for item in self.pool_items():
            yield item
            yield from item.parts

    @cached_property
    def has_redline(self) -> bool:
        """Whether any item, option, dialogue node or choice, or rubric criterion is a red line (一票否决)."""
        return any(
            item.redline or any(o.redline for o in item.options) or any(c.redline for c in item.criteria)
            or any(n.redline or any(c.redline for c in n.choices) for n in item.nodes)
            for item in self.every_item())

    def item(self, item_id: str) -> Item | None:
        return self._items_by_id.get(item_id)

    @cached_property
    def _items_by_id(self) -> dict[str, Item]:  # grading looks items up by id many times per submit
        # The items a draw may pick are found too: a pinned version names every item its attempts were shown.
        return {item.id: item for item in reversed(tuple(self.every_item()))}  # the first of a duplicated id wins

    def scored_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.scored)
