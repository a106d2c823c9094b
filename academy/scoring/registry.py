"""The scorer registry: one pure function per item type (no database, no Flask)."""
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from academy.quizmd.model import Item

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


Scorer = Callable[[Item, Any], ItemScore]
SCORERS: dict[str, Scorer] = {}


def scorer(*types: str) -> Callable[[Scorer], Scorer]:
    def register(func: Scorer) -> Scorer:
        for kind in types:
            SCORERS[kind] = func
        return func

    return register


def from_fraction(item: Item, fraction: float, redline: bool = False, **detail) -> ItemScore:
    fraction = max(0.0, min(1.0, fraction))
    return ItemScore(round(fraction * item.points, 4), item.points, fraction >= 1 - EPSILON, redline, detail=detail)


def score_item(item: Item, response: Any) -> ItemScore:
    """Score one item; unknown or malformed responses score zero instead of raising."""
    return SCORERS[item.type](item, response)
