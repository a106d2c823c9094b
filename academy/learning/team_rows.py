"""The team sums the reports read (academy.org.team_sums): per team, what its learners answered per concept and
商机阶段 (learner_skill), the lessons they completed per module (learner_module), what they did per week
(learner_week), and their results per quiz (quiz_tally).  The services that rewrite those rows do it inside `team_sums.moving(...)`:
academy.learning.progress_rows.refresh and academy.learning.quizzes.tally.refresh.
"""
from sqlalchemy import case, literal, select

from academy.learning.models import (
    LearnerModule,
    LearnerSkill,
    LearnerWeek,
    QuizTally,
    TeamModule,
    TeamQuiz,
    TeamSkill,
    TeamWeek,
)
from academy.org.team_sums import LEARNERS, TeamSum, declare

SKILLS, MODULES, WEEKS, QUIZZES = "team_skill", "team_module", "team_week", "team_quiz"

declare(SKILLS, TeamSum(
    TeamSkill.__table__, ("kind", "skill"), ("right", "answered"),
    select(LearnerSkill.user_id, LearnerSkill.kind, LearnerSkill.skill, LearnerSkill.right, LearnerSkill.answered)
    .where(LearnerSkill.user_id.in_(LEARNERS))))

declare(MODULES, TeamSum(
    TeamModule.__table__, ("module_id",), ("lessons_done",),
    select(LearnerModule.user_id, LearnerModule.module_id, LearnerModule.lessons_done)
    .where(LearnerModule.user_id.in_(LEARNERS))))

declare(WEEKS, TeamSum(
    TeamWeek.__table__, ("week",), ("lessons", "quizzes"),
    select(LearnerWeek.user_id, LearnerWeek.week, LearnerWeek.lessons, LearnerWeek.quizzes)
    .where(LearnerWeek.user_id.in_(LEARNERS))))

declare(QUIZZES, TeamSum(
    TeamQuiz.__table__, ("quiz_id",), ("graded", "passed"),
    select(QuizTally.user_id, QuizTally.quiz_id, literal(1).label("graded"),
           case((QuizTally.best_passed.is_(True), 1), else_=0).label("passed"))
    .where(QuizTally.user_id.in_(LEARNERS), QuizTally.graded > 0)))
