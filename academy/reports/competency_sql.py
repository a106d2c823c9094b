"""Competency SQL: how often the learners of each team answer the items of each concept right (the heat map
team × concept), from the per-item rows kept at grading (attempt_item, contract C3): one statement, whatever
the number of learners.
"""
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from academy.learning.models import AttemptItem
from academy.reports.people_sql import ReportScope


def team_concepts(session: Session, scope: ReportScope, quiz_ids: list[str]) -> list:
    """(team_id, concept, answered right, answered) over the graded attempts of the learners in scope."""
    item = AttemptItem
    people = scope.people().subquery("people")
    conditions = [item.concept != "", item.quiz_id.in_(quiz_ids)]
    f = scope.filters
    if f.since_at:
        conditions.append(item.graded_at >= f.since_at)
    if f.until_at:
        conditions.append(item.graded_at < f.until_at)
    query = (select(people.c.team_id, item.concept, func.sum(case((item.correct.is_(True), 1), else_=0)).label("right"),
                    func.count().label("answered"))
             .join(people, people.c.user_id == item.user_id).where(*conditions)
             .group_by(people.c.team_id, item.concept))
    return list(session.execute(query))
