"""Per-item figures of a quiz, aggregated in SQL from attempt_item (one row per graded attempt × item, kept by
academy.learning.quizzes.item_rows): how many answered each item, how many got it right, the mean share of its
points and how many crossed a red line.  Weak-spot reports read this; item analysis (academy.authoring.analysis)
reads the same table with its own sums.
"""
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from academy.learning.models import AttemptItem


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
    row = AttemptItem
    query = (select(row.item_id, func.count(), _counted(row.correct),
                    func.avg(case((row.points > 0, row.score / row.points), else_=0.0)), _counted(row.redline))
             .where(row.quiz_id == quiz_id).group_by(row.item_id).order_by(row.item_id))
    if user_ids is not None:
        query = query.where(row.user_id.in_(user_ids))
    return [ItemFigures(key, answered, int(correct), float(share), int(redlines))
            for key, answered, correct, share, redlines in session.execute(query)]
