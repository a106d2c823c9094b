"""Competency SQL: how often the learners of each team answer the items of each concept right (the heat map
team × concept) and of each 商机阶段 (stage readiness, per team and per person).  One statement each, whatever
the number of learners.

The whole course over all time reads the sums kept at grading: per team (team_skill, academy.learning.team_rows)
for the heat map, per learner and concept (learner_skill, academy.learning.progress_rows) for one person; a
module filter or a date range reads the per-item rows they are summed from (attempt_item, contract C3).
"""
from sqlalchemy import bindparam, case, func, literal, select
from sqlalchemy.orm import Session

from academy.learning.models import AttemptItem, LearnerSkill, TeamSkill
from academy.org.models import User
from academy.reports.people_sql import ReportScope
from academy.reports.progress_sql import kept_rows_answer

COLUMNS = {"concept": AttemptItem.concept, "stage": AttemptItem.stage}


def _answers(scope: ReportScope, quiz_ids: list[str], kind: str, learners):
    """(user_id, skill, right, answered) rows to sum, for the learners of the `learners` SELECT."""
    if kept_rows_answer(scope):
        k = LearnerSkill
        return select(k.user_id, k.skill, k.right, k.answered).where(k.user_id.in_(learners), k.kind == kind)
    item, column = AttemptItem, COLUMNS[kind]
    conditions = [item.user_id.in_(learners), column != "", item.quiz_id.in_(quiz_ids), *scope.dated(item.graded_at)]
    # user_id IN (the scope) and quiz_id IN (…) let the planner walk ix_attempt_item_user_quiz learner by learner
    # (a join with the scope as a subquery made SQLite scan every row of the quizzes)
    return select(item.user_id, column.label("skill"), case((item.correct.is_(True), 1), else_=0).label("right"),
                  literal(1).label("answered")).where(*conditions)

def team_skills(session: Session, scope: ReportScope, quiz_ids: list[str], kind: str) -> list:
    """(team_id, skill, answered right, answered) for the learners in scope; kind "concept" or "stage".  The whole
    course over all time reads the sums per team (team_skill), and the learners in no team from their own rows."""
    s = TeamSkill

    def learner_rows(learners):
        return _by_team(_answers(scope, quiz_ids, kind, learners))

    def build():
        return scope.team_sums_or_learners(
            s.team_id, lambda teams: select(s.team_id, s.skill, s.right, s.answered).where(s.kind == kind, s.answered > 0, *teams),
            learner_rows, kept_rows_answer(scope))

    return scope.rows(session, "team_skills", build, kind)


def _by_team(answers):
    answers = answers.subquery("answers")
    return (select(User.team_id, answers.c.skill, func.sum(answers.c.right).label("right"),
                   func.sum(answers.c.answered).label("answered"))
            .select_from(answers).join(User, User.id == answers.c.user_id).group_by(User.team_id, answers.c.skill))


def person_skills(session: Session, scope: ReportScope, user_ids: list[int], quiz_ids: list[str], kind: str) -> list:
    """(user_id, skill, answered right, answered) for these learners (a page of them), within scope."""
    def build():
        learners = scope.user_ids().where(User.id.in_(bindparam("people", expanding=True)))
        answers = _answers(scope, quiz_ids, kind, learners).subquery("answers")
        return (select(answers.c.user_id, answers.c.skill, func.sum(answers.c.right).label("right"),
                       func.sum(answers.c.answered).label("answered")).group_by(answers.c.user_id, answers.c.skill))

    return scope.rows(session, "person_skills", build, kind, people=list(user_ids))
