"""Per-item figures of a quiz, aggregated in SQL from its graded attempts' results: how many answered each
item, how many got it right, the mean share of its points and how many crossed a red line.  This is what item
analysis (trainer workspace) and weak-spot reports read.

Each graded attempt keeps its result as one JSON object, item id → {score, points, correct, redline, …};
`json_each` turns it into rows on SQLite and PostgreSQL alike, so no copy of it is written per item at
submit time.
"""
from dataclasses import dataclass

from sqlalchemy import JSON, case, func, select, true, type_coerce
from sqlalchemy.orm import Session

from academy.learning.models import Attempt


@dataclass(frozen=True)
class ItemFigures:
    item_id: str
    answered: int
    correct: int
    mean_share: float  # mean of score ÷ points, 0–1
    redlines: int


def _counted(flag) -> object:
    return func.sum(case((flag, 1), else_=0))


def item_figures(session: Session, quiz_id: str, user_ids: list[int] | None = None) -> list[ItemFigures]:
    """One row per item of the quiz's graded attempts (of these learners, when given), by item id."""
    results = func.json_each(Attempt.result).table_valued("key", "value").alias("results")
    item = type_coerce(results.c.value, JSON)
    score, points = item["score"].as_float(), item["points"].as_float()
    query = (select(results.c.key, func.count(), _counted(item["correct"].as_boolean()),
                    func.avg(case((points > 0, score / points), else_=0.0)), _counted(item["redline"].as_boolean()))
             .select_from(Attempt).join(results, true())
             .where(Attempt.quiz_id == quiz_id, Attempt.state == "graded")
             .group_by(results.c.key).order_by(results.c.key))
    if user_ids is not None:
        query = query.where(Attempt.user_id.in_(user_ids))
    return [ItemFigures(key, answered, int(correct), float(share), int(redlines))
            for key, answered, correct, share, redlines in session.execute(query)]
