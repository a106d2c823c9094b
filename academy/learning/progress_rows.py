"""The learner report rows: per learner a summary (learner_summary), per concept and 商机阶段 what they answered
(learner_skill), per week what they did (learner_week), per module the lessons they completed (learner_module).
The manager reports aggregate these few rows per learner instead of every attempt and per-item row, which is
what lets a report over 10,000 learners answer in milliseconds (bench/reports.py).

They are derived from lesson_progress, quiz_tally, attempt and attempt_item, and from nothing else.  Whatever
changes those for a learner (grading, expiry, review, regrade, completing a lesson) calls `refresh` for the
learners it touched, in its own transaction, after the tally is refreshed: no listeners, no deltas.  The
refresh recounts in the database (DELETE, then INSERT … SELECT per table, for any number of learners), so the
rows always equal a recount (tests/test_progress_rows.py).  It rewrites only the tables derived from what
changed: a graded quiz cannot change learner_module, nor a completed lesson learner_skill (six statements each).
The sums per team of learner_skill, learner_week and learner_module (academy.learning.team_rows) move with them: the
rewrite runs inside `team_sums.moving`, two statements more per table.
"""
from collections.abc import Iterable

from sqlalchemy import bindparam, case, delete, func, insert, literal, select, union_all
from sqlalchemy.orm import Session

from academy.learning.models import (
    Attempt,
    AttemptItem,
    LearnerModule,
    LearnerSkill,
    LearnerSummary,
    LearnerWeek,
    LessonProgress,
    QuizTally,
)
from academy.learning.team_rows import MODULES, SKILLS, WEEKS
from academy.org import team_sums
from academy.org.models import User
from academy.platform import clock
from academy.platform.dialects import DAY_OFFSET, serialises_writers, week_start

LEARNERS = bindparam("learners", expanding=True)


def _parameters(learners: list[int]) -> dict:
    """The learners, and the clock's offset for their weeks (the organisation's: Monday 00:00 there, not UTC's)."""
    return {"learners": learners, "day_offset": clock.day_offset_minutes()}


def _summary_rows():
    done = LessonProgress.completed_at.is_not(None)
    lessons = (select(LessonProgress.user_id, func.count(case((done, 1))).label("lessons_done"),
                      func.max(LessonProgress.last_viewed_at).label("last_lesson_at"))
               .where(LessonProgress.user_id.in_(LEARNERS)).group_by(LessonProgress.user_id).subquery())
    t = QuizTally
    quizzes = (select(t.user_id, func.count().label("quizzes_graded"),
                      func.count(case((t.best_passed, 1))).label("quizzes_passed"),
                      func.avg(t.best_percent).label("average_best"), func.max(t.best_percent).label("best"),
                      func.count(case((t.any_redline, 1))).label("redline_quizzes"))
               .where(t.user_id.in_(LEARNERS), t.graded > 0).group_by(t.user_id).subquery())
    # every learner with a lesson or a graded quiz: the union of both sides' ids, each side outer-joined to it
    ids = union_all(select(lessons.c.user_id), select(quizzes.c.user_id)).subquery()
    learners = select(ids.c.user_id).distinct().subquery()
    return (select(learners.c.user_id, func.coalesce(lessons.c.lessons_done, 0), lessons.c.last_lesson_at,
                   func.coalesce(quizzes.c.quizzes_graded, 0), func.coalesce(quizzes.c.quizzes_passed, 0),
                   quizzes.c.average_best, quizzes.c.best, func.coalesce(quizzes.c.redline_quizzes, 0))
            .select_from(learners).outerjoin(lessons, lessons.c.user_id == learners.c.user_id)
            .outerjoin(quizzes, quizzes.c.user_id == learners.c.user_id))


def _skill_rows():
    item = AttemptItem
    right = func.count(case((item.correct, 1)))

    def per(kind: str, column):
        return (select(item.user_id, literal(kind), column, right, func.count())
                .where(item.user_id.in_(LEARNERS), column != "").group_by(item.user_id, column))

    return union_all(per("concept", item.concept), per("stage", item.stage))


def _week_rows():
    lessons = (select(LessonProgress.user_id.label("user_id"), week_start(LessonProgress.completed_at, DAY_OFFSET).label("week"),
                      literal(1).label("lessons"), literal(0).label("quizzes"))
               .where(LessonProgress.user_id.in_(LEARNERS), LessonProgress.completed_at.is_not(None)))
    # graded attempts by the day they were submitted (ix_attempt_user_submitted), as a learner remembers them
    quizzes = (select(Attempt.user_id, week_start(Attempt.submitted_at, DAY_OFFSET), literal(0), literal(1))
               .where(Attempt.user_id.in_(LEARNERS), Attempt.state == "graded", Attempt.submitted_at.is_not(None)))
    done = union_all(lessons, quizzes).subquery()
    return (select(done.c.user_id, done.c.week, func.sum(done.c.lessons), func.sum(done.c.quizzes))
            .group_by(done.c.user_id, done.c.week))


def _module_rows():
    done = LessonProgress.completed_at.is_not(None)
    return (select(LessonProgress.user_id, LessonProgress.module_id, func.count())
            .where(LessonProgress.user_id.in_(LEARNERS), done).group_by(LessonProgress.user_id, LessonProgress.module_id))


def _rewrite(model, columns: list[str], rows):
    return (delete(model).where(model.user_id.in_(LEARNERS)),
            insert(model).from_select(columns, rows))


# Built once: building the expressions costs more than running them, and refresh runs in every submit.
REWRITES = {
    "learner_summary": _rewrite(LearnerSummary, ["user_id", "lessons_done", "last_lesson_at", "quizzes_graded",
                                                 "quizzes_passed", "average_best", "best", "redline_quizzes"], _summary_rows()),
    "learner_skill": _rewrite(LearnerSkill, ["user_id", "kind", "skill", "right", "answered"], _skill_rows()),
    "learner_week": _rewrite(LearnerWeek, ["user_id", "week", "lessons", "quizzes"], _week_rows()),
    "learner_module": _rewrite(LearnerModule, ["user_id", "module_id", "lessons_done"], _module_rows()),
}
FROM_QUIZZES = ("learner_summary", "learner_skill", "learner_week")  # what a graded (or regraded) attempt changes
FROM_LESSONS = ("learner_summary", "learner_week", "learner_module")  # what a completed lesson changes
TEAM_SUMS = {"learner_skill": SKILLS, "learner_module": MODULES, "learner_week": WEEKS}  # the team sums of a table (academy.org.team_sums)


def lock_learners(session: Session, user_ids: Iterable[int]) -> None:
    """Lock these learners, in id order, where the database runs writers side by side (SQLite takes one writer at
    a time): two transactions that rewrite the same learner's tally, report or target rows take turns."""
    if not serialises_writers(session.connection()):
        session.execute(select(User.id).where(User.id.in_(sorted(set(user_ids)))).order_by(User.id).with_for_update())


def refresh(session: Session, user_ids: Iterable[int], tables: tuple[str, ...] = tuple(REWRITES)) -> None:
    """Rewrite these learners' report rows (the `tables` derived from what changed: FROM_QUIZZES or
    FROM_LESSONS) from their current records, in the caller's transaction (which has refreshed their tallies
    already and, on PostgreSQL and MariaDB, holds their locks: tally.refresh)."""
    learners = sorted(set(user_ids))
    if not learners:
        return
    session.flush()
    connection = session.connection()
    with team_sums.moving(session, learners, [TEAM_SUMS[t] for t in tables if t in TEAM_SUMS]):
        for table in tables:
            for statement in REWRITES[table]:
                connection.execute(statement, _parameters(learners))


def refresh_all(connection, tables: tuple[str, ...], chunk: int = 500) -> None:
    """Every learner's rows in these tables, a chunk of learners per statement (the migrations that add them;
    the team sums are rebuilt by their own: academy.org.team_sums.rebuild)."""
    ids = [row[0] for row in connection.execute(select(User.id).order_by(User.id))]
    for start in range(0, len(ids), chunk):
        for table in tables:
            for statement in REWRITES[table]:
                connection.execute(statement, _parameters(ids[start:start + chunk]))


def rebuild_weeks(connection) -> None:
    """Every learner's weeks and every team's, counted afresh on the organisation's clock: after TIMEZONE changes
    (`flask rebuild-weeks`), and the migration that moved the weeks from UTC's."""
    refresh_all(connection, ("learner_week",))
    team_sums.rebuild(connection, [WEEKS])
