"""Scoring: pure functions per item type behind a registry."""
from academy.scoring import composite, objective  # noqa: F401  (register the scorers)
from academy.scoring.registry import SCORERS, ItemScore, score_item

__all__ = ["SCORERS", "ItemScore", "score_item"]
