"""An attempt's answers graded against its quiz: pure functions (no database, no Flask)."""
from dataclasses import dataclass
from functools import cached_property

from academy.learning.questions import TYPES, ItemScore, Quiz, score_item


@dataclass(frozen=True)
class Grading:
    """The scores of one set of answers.  `score`, `percent` and `passed` are None while a role-play awaits
    review."""

    quiz: Quiz
    answers: dict
    scores: dict[str, ItemScore]

    @cached_property
    def pending(self) -> bool:
        return any(s.pending for s in self.scores.values())

    @cached_property
    def redline(self) -> bool:
        return any(s.redline for s in self.scores.values())

    @cached_property
    def result(self) -> dict:
        return {key: s.as_dict() for key, s in self.scores.items()}

    @cached_property
    def score(self) -> float | None:
        return None if self.pending else round(sum(s.score for s in self.scores.values()), 4)

    @cached_property
    def percent(self) -> float | None:
        if self.score is None:
            return None
        return round(100 * self.score / self.quiz.total_points, 2) if self.quiz.total_points else 0.0

    @cached_property
    def passed(self) -> bool | None:
        if self.percent is None:
            return None
        musts_ok = all(s.correct for i, s in self.scores.items() if TYPES[self.quiz.item(i).type].must_pass)
        return self.percent >= self.quiz.pass_score and not self.redline and musts_ok

    @cached_property
    def mistake_outcomes(self) -> dict[str, bool]:
        """Mistake-book key → answered correctly (missed items, scenario parts, dialogue decisions)."""
        found: dict[str, bool] = {}
        for item_id, score in self.scores.items():
            item = self.quiz.item(item_id)
            found.update(TYPES[item.type].outcomes(item, self.answers.get(item_id), score))
        return found


def grade_answers(quiz: Quiz, answers: dict) -> Grading:
    if quiz.draws:  # the items of an attempt of a drawing quiz are those its seed drew
        raise ValueError(f"quiz {quiz.id} still has items to draw: grade the attempt's quiz (versions.attempt_quiz)")
    return Grading(quiz, answers, {item.id: score_item(item, answers.get(item.id)) for item in quiz.scored_items()})
