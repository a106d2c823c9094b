"""Ready-made data for the take and result templates (templates stay free of logic)."""
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from academy.learning.content.catalog import Catalog
from academy.learning.models import Attempt
from academy.learning.questions import TYPES, Item, Quiz, score_item
from academy.learning.questions.quizmd.dialogue import offered_choices, replay
from academy.learning.questions.types.dialogue import display_order
from academy.learning.quizzes import item_html, layout
from academy.learning.quizzes.results import QuizStanding
from academy.learning.quizzes.services import GRACE, quiz_closed
from academy.platform import clock


def duration(seconds: int) -> str:
    """A time limit in words: "30 秒", "20 分钟", "1 分 30 秒" (a limit under a minute is not "0 分钟")."""
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return _("%(n)s 秒", n=rest)
    if not rest:
        return _("%(n)s 分钟", n=minutes)
    return _("%(m)s 分 %(s)s 秒", m=minutes, s=rest)


def deadline_words(closes_at: str) -> str:
    """A closes_at as a learner reads it: a bare day closes at its end ("" without one)."""
    if closes_at and not isinstance(clock.schedule(closes_at), datetime):
        return _("%(date)s 当天结束", date=closes_at)
    return closes_at


def used_up(quiz: Quiz, standing: QuizStanding) -> bool:
    """Every attempt is used and none is open: starting again would be refused."""
    return quiz.attempts is not None and standing.attempts >= quiz.attempts and not standing.in_progress_id


@dataclass(frozen=True)
class ScheduledQuiz:
    """A quiz with a schedule that the learner still has to take, as the dashboard lists it."""

    quiz: Quiz
    schedule: str  # "not open", or "open" (then it has a closes_at)

    @property
    def deadline(self) -> str:
        return deadline_words(self.quiz.closes_at)


@dataclass(frozen=True)
class IntroView:
    """What the quiz intro says.  The page is shared by every learner in the same progress state
    (academy.platform.cache.shared_page), so it is made of the quiz and the learner's standing only."""

    quiz: Quiz
    standing: QuizStanding
    module_url: str | None  # the quiz's module, to revise its lessons
    schedule: str = "open"  # "not open" before its opens_at, "closed" after its closes_at (starting is refused)

    @property
    def opens_on(self) -> str:
        """When it opens, while it has not (opens_at as written: a day or a moment)."""
        return self.quiz.opens_at if self.schedule == "not open" else ""

    @property
    def deadline(self) -> str:
        return deadline_words(self.quiz.closes_at)

    @property
    def closed_on(self) -> str:
        """When it closed, once it has and the learner has no attempt still open (that one may be finished)."""
        return self.quiz.closes_at if self.schedule == "closed" and not self.standing.in_progress_id else ""

    @property
    def used_up(self) -> bool:
        return used_up(self.quiz, self.standing)

    @property
    def time_limit(self) -> str | None:
        return duration(self.quiz.time_limit) if self.quiz.time_limit else None

    @property
    def best(self) -> str | None:
        """The best graded result, e.g. "85.0%（已通过）"."""
        if self.standing.best_percent is None:
            return None
        verdict = _("已通过") if self.standing.best_passed else _("未通过")
        return _("%(percent)s%%（%(verdict)s）", percent=f"{self.standing.best_percent:.1f}", verdict=verdict)

    @property
    def next_step(self) -> str:
        """What to do once every attempt is used."""
        if self.standing.pending:
            return _("你的作答正在等待讲师评阅，评阅完成后这里会显示成绩。")
        if self.standing.passed:
            return _("你已通过这个测验，可以继续学习下一部分。")
        return _("复习相关课时后，如需再次作答，请联系讲师或片区经理为你增加作答次数。")


@dataclass(frozen=True)
class DialogueState:
    history: list[dict]
    node: object
    offered: list[tuple[int, object]]
    stances: dict
    finished: bool
    ending: object


def dialogue_state(item: Item, path, seed: int | None = None) -> DialogueState:
    """Where a dialogue stands after the learner's path; the offered choices in the attempt's order."""
    outcome = replay(item, path)
    history = []
    for name, index in outcome.steps:
        node = item.node(name)
        history.append({"node": node, "choice": node.choices[index]})
    node = item.node(outcome.node)
    indices = [] if outcome.finished else offered_choices(node, outcome.stances)
    offered = [(i, node.choices[i]) for i in display_order(item, node.name, indices, seed)]
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
        """The item's form controls."""
        return item_html.item_form(self, item, parent)

    @cached_property
    def dialogue_items(self) -> list[Item]:
        """The items played step by step, each step its own small form, above the answer form."""
        return [item for item in self.items if self.stepwise(item)]

    def sections(self):
        """The questions answered in the answer form, numbered in page order (memoised, see item_html)."""
        return item_html.sections(self, [item for item in self.items if not self.stepwise(item)])

    def answer_sheet(self):
        """The 答题卡: one link per scored question, marked answered or not (memoised, see item_html)."""
        items = [item for item in self.items if item.scored]
        return item_html.answer_sheet(self, items, tuple(self.answered(item) for item in items))

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
            self._dialogues[item.id] = dialogue_state(item, self.answers.get(item.id, []), self.seed)
        return self._dialogues[item.id]

    def stepwise(self, item: Item) -> bool:
        """Played step by step, each step its own small form (a dialogue), outside the answer form."""
        return TYPES[item.type].stepwise

    def can_check(self, item: Item) -> bool:
        return self.quiz.review == "immediate" and TYPES[item.type].checkable

    def item_result(self, item: Item, parent: Item | None = None) -> dict:
        """Score of a checked item, computed from the saved answer (never sent before it is checked)."""
        if parent is not None:
            return self.item_result(parent).get("detail", {}).get("parts", {}).get(item.id, {})
        if item.id not in self._scores:
            self._scores[item.id] = score_item(item, self.answers.get(item.id)).as_dict()
        return self._scores[item.id]

    def verdict(self, item: Item, parent: Item | None = None) -> tuple[str, str]:
        """(css class, words) summing up the item's result as its type words it: a rubric score is not right
        or wrong, a dialogue is passed or not."""
        css, words = TYPES[item.type].verdict(self.item_result(item, parent))
        return css, str(words)

    def selected(self, item: Item, key: str, parent: Item | None = None) -> bool:
        answer = self.answer(item, parent)
        return answer == key or (isinstance(answer, list) and key in answer)

    def answered(self, item: Item) -> bool:
        if self.stepwise(item):
            return self.dialogue(item).finished
        return item.id in self.answers

    @property
    def dialogues_unfinished(self) -> bool:
        return any(self.stepwise(i) and not self.dialogue(i).finished for i in self.quiz.items)


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

    def result_sections(self, lesson_links: bool = True):
        """The graded questions in page order (memoised, see item_html)."""
        return item_html.result_sections(self, self.items, lesson_links)

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
    def redline_remediations(self) -> list[str]:
        """The remediation of every item and scenario sub-question that crossed a red line, in page order."""
        found = []
        for item in self.quiz.items:
            result = self.result.get(item.id, {})
            if not result.get("redline"):
                continue
            if item.remediation_html:
                found.append(item.remediation_html)
            parts = (result.get("detail") or {}).get("parts", {})
            found += [p.remediation_html for p in item.parts if parts.get(p.id, {}).get("redline") and p.remediation_html]
        return found
