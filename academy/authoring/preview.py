"""Previews for authors: a document's rendered preview while it is edited, and a quiz taken "as a trainee" from its
draft, scored by the question registry and shown with the learners' own templates, with nothing recorded (no
attempt, no tally, no version row: the answers live in the form and the page only)."""
import secrets
from dataclasses import dataclass
from types import SimpleNamespace

from werkzeug.datastructures import MultiDict

from academy.learning.questions import TYPES, Item, Quiz
from academy.learning.questions.quizmd.dialogue import replay
from academy.learning.quizzes import layout
from academy.learning.quizzes.grading import Grading, grade_answers
from academy.learning.quizzes.responses import BadAnswer, parse_responses
from academy.learning.quizzes.views_support import ResultView, TakeView
from academy.org.models import utcnow

MAX_SEED = 2**31 - 1
MAX_STEPS = 200


def trial_attempt(seed: int, answers: dict, result: dict | None = None) -> SimpleNamespace:
    """What the take and result views read of an attempt, for a preview that has no attempt row."""
    return SimpleNamespace(id=0, number=0, seed=seed, deadline_at=None, submitted_at=None, answers=answers, checked=[],
                           result=result or {}, state="graded")


def posted_seed(form: MultiDict) -> int:
    """The preview round's option order: kept in the form so it does not change between dialogue steps."""
    value = form.get("seed", "")
    if value.isdigit() and int(value) <= MAX_SEED:
        return int(value)
    return secrets.randbelow(MAX_SEED)


def posted_paths(quiz: Quiz, form: MultiDict) -> dict[str, list[int]]:
    """The dialogue paths played so far (hidden fields path-<item id>), each step checked against the dialogue."""
    paths = {}
    for item in quiz.items:
        if not TYPES[item.type].stepwise:
            continue
        raw = form.get(f"path-{item.id}", "")
        steps = [int(s) for s in raw.split(",") if s.isdigit()] if raw else []
        if len(steps) > MAX_STEPS or (raw and len(steps) != raw.count(",") + 1):
            raise BadAnswer("对话路径无效 (invalid dialogue path)")
        _check_path(item, steps)
        paths[item.id] = steps
    return paths


def _check_path(item: Item, steps: list[int]) -> None:
    if len(replay(item, steps).steps) != len(steps):  # a choice that was not offered where it was taken
        raise BadAnswer("对话路径无效 (invalid dialogue path)")


def step(quiz: Quiz, paths: dict[str, list[int]], value: str, seed: int) -> None:
    """Play one dialogue choice ("<item id>:<choice index>") onto the paths, if the dialogue offers it now."""
    item_id, _, index = value.partition(":")
    item = quiz.item(item_id) if item_id in paths else None
    if item is None or not index.isdigit():
        raise BadAnswer("对话选择无效 (invalid dialogue choice)")
    state = TakeView(quiz, trial_attempt(seed, {item_id: paths[item_id]}), utcnow()).dialogue(item)
    if state.finished or int(index) not in {i for i, _choice in state.offered}:
        raise BadAnswer("对话选择无效 (invalid dialogue choice)")
    paths[item_id] = [*paths[item_id], int(index)]


@dataclass
class Trial:
    """One round of "preview as a trainee": the answers so far, and the grading once submitted."""

    quiz: Quiz
    seed: int
    answers: dict
    grading: Grading | None = None

    @property
    def take_view(self) -> TakeView:
        view = TakeView(self.quiz, trial_attempt(self.seed, self.answers), utcnow())
        view.show_choice_feedback = self.quiz.review == "immediate"
        return view

    def result_view(self, catalog) -> ResultView:
        grading = self.grading
        attempt = trial_attempt(self.seed, self.answers, grading.result)
        attempt.score, attempt.percent, attempt.passed, attempt.redline = grading.score, grading.percent, grading.passed, grading.redline
        attempt.max_score = self.quiz.total_points
        view = ResultView(self.quiz, attempt, catalog, utcnow())
        view.show_answers = True  # the author sees every answer, whatever the learners' review option
        return view


def run_trial(quiz: Quiz, form: MultiDict | None) -> Trial:
    """The round after this post: answers read back from the form, a dialogue step played, or everything graded."""
    if form is None:
        seed = secrets.randbelow(MAX_SEED)
        return Trial(layout.drawn(quiz, seed), seed, {})
    seed = posted_seed(form)
    quiz = layout.drawn(quiz, seed)  # a quiz that draws from banks: the items this round's seed drew
    answers = parse_responses(quiz, form)
    paths = posted_paths(quiz, form)
    if form.get("step"):
        step(quiz, paths, form["step"], seed)
    answers |= {item_id: path for item_id, path in paths.items()}
    trial = Trial(quiz, seed, answers)
    if not form.get("step"):
        trial.grading = grade_answers(quiz, answers)
    return trial
