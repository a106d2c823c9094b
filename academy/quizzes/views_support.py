"""Ready-made data for the take and result templates (templates stay free of logic)."""
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from flask import url_for
from flask_babel import lazy_gettext as _l

from academy.content.catalog import Catalog
from academy.models import Attempt
from academy.quizmd import Item, Quiz
from academy.quizzes import item_html, layout
from academy.quizzes.services import CHECKABLE, GRACE, quiz_closed
from academy.scoring import score_item
from academy.scoring.composite import replay


@dataclass(frozen=True)
class DialogueState:
    history: list[dict]
    node: object
    offered: list[tuple[int, object]]
    stances: dict
    finished: bool
    ending: object


def dialogue_state(item: Item, path) -> DialogueState:
    outcome = replay(item, path)
    history = []
    for name, index in outcome.steps:
        node = item.node(name)
        history.append({"node": node, "choice": node.choices[index]})
    node = item.node(outcome.node)
    offered = [] if outcome.finished else [(i, c) for i, c in enumerate(node.choices) if c.available(dict(outcome.stances))]
    return DialogueState(history, node, offered, dict(outcome.stances), outcome.finished, node if outcome.finished else None)


STANCE_LABELS = {-2: _l("强烈反对"), -1: _l("有顾虑"), 0: _l("中立"), 1: _l("支持"), 2: _l("强力支持")}


def stance_label(value: int) -> str:
    """A stakeholder's stance (-2 … +2) in the current language."""
    return str(STANCE_LABELS[value])


class TakeView:
    def __init__(self, quiz: Quiz, attempt: Attempt, now: datetime) -> None:
        self.quiz, self.attempt, self.seed = quiz, attempt, attempt.seed
        remaining = (attempt.deadline_at - now).total_seconds() if attempt.deadline_at else None
        self.remaining = max(0, int(remaining)) if remaining is not None else None
        self.expired = attempt.deadline_at is not None and now > attempt.deadline_at + GRACE
        self.show_choice_feedback = quiz.review == "immediate"
        self.show_answers = True  # only checked items show their result on the take page
        self._dialogues: dict[str, DialogueState] = {}
        self._scores: dict[str, dict] = {}

    @cached_property
    def items(self) -> list[Item]:
        return layout.item_order(self.quiz, self.seed)

    @cached_property
    def answers(self) -> dict:
        return self.attempt.answers or {}

    @cached_property
    def checked(self) -> set[str]:
        return set(self.attempt.checked or ())

    def body(self, item: Item, parent: Item | None = None):
        """The item's form controls (memoised, see item_html)."""
        return item_html.item_body(self, item, parent)

    def options(self, item: Item):
        return layout.option_order(self.quiz, item, self.seed)

    def sequence(self, item: Item):
        return layout.sequence_order(item, self.seed)

    def rights(self, item: Item):
        return layout.right_order(item, self.seed)

    def answer(self, item: Item, parent: Item | None = None):
        if parent is not None:
            return (self.answers.get(parent.id) or {}).get(item.id)
        return self.answers.get(item.id)

    def position(self, item: Item, index: int, parent: Item | None = None) -> int | None:
        order = self.answer(item, parent)
        return order.index(index) + 1 if isinstance(order, list) and index in order else None

    def dialogue(self, item: Item) -> DialogueState:
        if item.id not in self._dialogues:
            self._dialogues[item.id] = dialogue_state(item, self.answers.get(item.id, []))
        return self._dialogues[item.id]

    def can_check(self, item: Item) -> bool:
        return self.quiz.review == "immediate" and item.type in CHECKABLE

    def item_result(self, item: Item, parent: Item | None = None) -> dict:
        """Score of a checked item, computed from the saved answer (never sent before it is checked)."""
        if parent is not None:
            return self.item_result(parent).get("detail", {}).get("parts", {}).get(item.id, {})
        if item.id not in self._scores:
            self._scores[item.id] = score_item(item, self.answers.get(item.id)).as_dict()
        return self._scores[item.id]

    def selected(self, item: Item, key: str, parent: Item | None = None) -> bool:
        answer = self.answer(item, parent)
        return answer == key or (isinstance(answer, list) and key in answer)

    def answered(self, item: Item) -> bool:
        if item.type == "dialogue":
            return self.dialogue(item).finished
        return item.id in self.answers

    @property
    def dialogues_unfinished(self) -> bool:
        return any(i.type == "dialogue" and not self.dialogue(i).finished for i in self.quiz.items)


class ResultView(TakeView):
    def __init__(self, quiz: Quiz, attempt: Attempt, catalog: Catalog, now: datetime) -> None:
        super().__init__(quiz, attempt, now)
        self.catalog = catalog
        self.result = attempt.result or {}
        self.timed_out = attempt.deadline_at is not None and attempt.submitted_at == attempt.deadline_at
        self.show_answers = {"immediate": True, "after_submit": True, "after_close": quiz_closed(quiz, now),
                             "never": False}[quiz.review]

    def item_result(self, item: Item, parent: Item | None = None) -> dict:
        if parent is not None:
            return self.result.get(parent.id, {}).get("detail", {}).get("parts", {}).get(item.id, {})
        return self.result.get(item.id, {})

    def lesson_link(self, item: Item) -> tuple[str, str] | None:
        lesson_id, _, anchor = item.lesson.partition("#")
        lesson = self.catalog.lesson(lesson_id) if lesson_id else None
        if lesson is None:
            return None
        title = dict(lesson.anchors).get(anchor, lesson.title)
        return url_for("courses.lesson", lesson_id=lesson.id) + (f"#{anchor}" if anchor else ""), f"{lesson.title} · {title}"

    def stances(self, item: Item) -> list[tuple[str, int, int, str]]:
        final = self.dialogue(item).stances
        return [(name, start, final.get(name, start), stance_label(final.get(name, start))) for name, start in item.stakeholders]

    @property
    def redline_items(self) -> list[Item]:
        return [i for i in self.quiz.items if self.result.get(i.id, {}).get("redline")]
