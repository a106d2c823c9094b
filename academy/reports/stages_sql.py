"""商机阶段 readiness SQL: per team and per person, the share of stage-tagged items answered right, by stage
(attempt_item.stage, contract C3).  One statement each, whatever the number of learners.
"""
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from academy.learning.models import AttemptItem
from academy.org.models import User
from academy.reports.people_sql import ReportScope


def _item_conditions(scope: ReportScope, quiz_ids: list[str]) -> list:
    item = AttemptItem
    conditions = [item.stage != "", item.quiz_id.in_(quiz_ids)]
    f = scope.filters
    if f.since_at:
        conditions.append(item.graded_at >= f.since_at)
    if f.until_at:
        conditions.append(item.graded_at < f.until_at)
    return conditions


def team_stages(session: Session, scope: ReportScope, quiz_ids: list[str]) -> list:
    """(team_id, stage, answered right, answered) for the learners in scope."""
    item = AttemptItem
    query = (select(User.team_id, item.stage, func.sum(case((item.correct.is_(True), 1), else_=0)).label("right"),
                    func.count().label("answered"))
             .select_from(item).join(User, User.id == item.user_id)
             .where(item.user_id.in_(scope.user_ids()), *_item_conditions(scope, quiz_ids))
             .group_by(User.team_id, item.stage))
    return list(session.execute(query))


def person_stages(session: Session, scope: ReportScope, user_ids: list[int], quiz_ids: list[str]) -> list:
    """(user_id, stage, answered right, answered) for these learners (a page of them), within scope."""
    item = AttemptItem
    query = (select(item.user_id, item.stage, func.sum(case((item.correct.is_(True), 1), else_=0)).label("right"),
                    func.count().label("answered"))
             .where(item.user_id.in_(user_ids), item.user_id.in_(scope.user_ids()), *_item_conditions(scope, quiz_ids))
             .group_by(item.user_id, item.stage))
    return list(session.execute(query))

