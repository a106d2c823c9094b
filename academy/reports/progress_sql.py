"""Progress SQL: the roll-up 片区 → team → learner, completion per module, the score histogram and progress by
week.  Every function is one statement that aggregates in the database, joined through the viewer's scope: the
number of statements never depends on the number of learners (tests/test_reports.py counts them).

The whole course over all time — what a report shows unless narrowed — reads the rows kept at grading: per
learner (learner_summary: academy.learning.progress_rows) where a figure is per learner (behind, the histogram,
the list), per team (team_module, team_quiz, team_week: academy.learning.team_rows) where it is summed.  A module
filter or a date range asks something those rows do not keep, and reads the records they are derived from
(lesson_progress, quiz_tally, attempt): the same figures, slower at scale (bench/README.md has both).

Each statement is built once per shape and bound per call (academy.reports.people_sql.ReportScope.rows).
"""
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, and_, bindparam, case, cast, func, literal, select
from sqlalchemy.orm import Session

from academy.learning.models import (
    Attempt,
    LearnerModule,
    LearnerSummary,
    LearnerWeek,
    LessonProgress,
    QuizTally,
    TeamModule,
    TeamQuiz,
    TeamWeek,
)
from academy.org.models import Region, Team, User
from academy.platform import clock
from academy.platform.dialects import DAY_OFFSET, local_day
from academy.reports.filters import PAGE_SIZE
from academy.reports.people_sql import ReportScope

INACTIVE_DAYS = 14
HISTOGRAM_EDGES = (10, 20, 30, 40, 50, 60, 70, 80, 90)  # score bins of 10: bin 9 is 90–100
BEHIND_SHARE = 0.5  # behind: fewer than half the lessons their team's learners have done on average


def lessons_done(scope: ReportScope, lesson_ids: list[str]):
    """Per learner in scope: lessons completed (in the date range) and when they last opened one."""
    conditions = [LessonProgress.user_id.in_(scope.user_ids()), LessonProgress.lesson_id.in_(lesson_ids)]
    done = and_(LessonProgress.completed_at.is_not(None), *scope.dated(LessonProgress.completed_at))
    return (select(LessonProgress.user_id.label("user_id"),
                   func.sum(case((done, 1), else_=0)).label("lessons"),
                   func.max(LessonProgress.last_viewed_at).label("last_lesson"))
            .where(*conditions).group_by(LessonProgress.user_id).subquery("lessons_done"))


def quiz_results(scope: ReportScope, quiz_ids: list[str]):
    """Per learner in scope: quizzes attempted and passed, average and best of their best scores, red-line
    failures.  Without a date range from quiz_tally (one row per learner × quiz, kept at submit); with one,
    from the graded attempts in the range."""
    f = scope.filters
    if not f.dated:
        t = QuizTally
        return (select(t.user_id.label("user_id"), func.count().label("attempted"),
                       func.sum(case((t.best_passed.is_(True), 1), else_=0)).label("passed"),
                       func.avg(t.best_percent).label("average"), func.max(t.best_percent).label("best"),
                       func.sum(case((t.any_redline.is_(True), 1), else_=0)).label("redlines"))
                .where(t.user_id.in_(scope.user_ids()), t.quiz_id.in_(quiz_ids), t.graded > 0)
                .group_by(t.user_id).subquery("quiz_results"))
    a = Attempt
    conditions = [a.user_id.in_(scope.user_ids()), a.quiz_id.in_(quiz_ids), a.state == "graded",
                  *scope.dated(a.graded_at)]
    per_quiz = (select(a.user_id.label("user_id"), a.quiz_id.label("quiz_id"), func.max(a.percent).label("best"),
                       func.max(case((a.passed.is_(True), 1), else_=0)).label("passed"),
                       func.max(case((a.redline.is_(True), 1), else_=0)).label("redline"))
                .where(*conditions).group_by(a.user_id, a.quiz_id).subquery("per_quiz"))
    return (select(per_quiz.c.user_id, func.count().label("attempted"), func.sum(per_quiz.c.passed).label("passed"),
                   func.avg(per_quiz.c.best).label("average"), func.max(per_quiz.c.best).label("best"),
                   func.sum(per_quiz.c.redline).label("redlines"))
            .group_by(per_quiz.c.user_id).subquery("quiz_results"))


def kept_rows_answer(scope: ReportScope) -> bool:
    """Whether the per-learner rows kept at grading answer this report: the whole course, over all time."""
    return not scope.filters.module_id and not scope.filters.dated


def learner_figures(scope: ReportScope, lesson_ids: list[str], quiz_ids: list[str]):
    """Per learner in scope: lessons, last lesson, quizzes attempted and passed, average and best of the best
    scores, red-line quizzes; from learner_summary, or from the records for a module or a date range."""
    if kept_rows_answer(scope):
        s = LearnerSummary
        return (select(s.user_id, s.lessons_done.label("lessons"), s.last_lesson_at.label("last_lesson"),
                       s.quizzes_graded.label("attempted"), s.quizzes_passed.label("passed"),
                       s.average_best.label("average"), s.best, s.redline_quizzes.label("redlines"))
                .where(s.user_id.in_(scope.user_ids())).subquery("figures"))
    lessons = lessons_done(scope, lesson_ids)
    quizzes = quiz_results(scope, quiz_ids)
    people = scope.people().subquery("people")
    return (select(people.c.user_id, lessons.c.lessons, lessons.c.last_lesson, quizzes.c.attempted, quizzes.c.passed,
                   quizzes.c.average, quizzes.c.best, quizzes.c.redlines)
            .select_from(people).outerjoin(lessons, lessons.c.user_id == people.c.user_id)
            .outerjoin(quizzes, quizzes.c.user_id == people.c.user_id).subquery("figures"))


def learner_facts(scope: ReportScope, lesson_ids: list[str], quiz_ids: list[str]):
    """One row per learner in scope with their figures, their team's and region's names, and whether they
    are behind (team average by a window function) or inactive (no lesson since the parameter
    `inactive_since`: `facts_values`)."""
    figures = learner_figures(scope, lesson_ids, quiz_ids)
    lesson_count = func.coalesce(figures.c.lessons, 0)
    last = func.coalesce(figures.c.last_lesson, User.created_at)
    inactive_since = bindparam("inactive_since")
    return (select(User.id.label("user_id"), User.username, User.display_name, User.team_id,
                   Team.name.label("team_name"), Region.id.label("region_id"), Region.name.label("region_name"),
                   lesson_count.label("lessons"),
                   func.coalesce(figures.c.attempted, 0).label("attempted"),
                   func.coalesce(figures.c.passed, 0).label("passed"),
                   figures.c.average, figures.c.best, func.coalesce(figures.c.redlines, 0).label("redlines"),
                   figures.c.last_lesson.label("last"),
                   case((lesson_count < func.avg(lesson_count).over(partition_by=User.team_id) * BEHIND_SHARE, 1),
                        else_=0).label("behind"),
                   case((last < inactive_since, 1), else_=0).label("inactive"))
            .select_from(User)
            .outerjoin(Team, User.team_id == Team.id).outerjoin(Region, Team.region_id == Region.id)
            .outerjoin(figures, figures.c.user_id == User.id)
            .where(*scope.learner_conditions())
            .subquery("facts"))


def facts_values(now: datetime) -> dict:
    """The values of learner_facts' own parameters."""
    return {"inactive_since": now - timedelta(days=INACTIVE_DAYS)}


SORT_COLUMNS = {
    "name": lambda f: [f.c.display_name, f.c.user_id], "team": lambda f: [f.c.region_name, f.c.team_name, f.c.display_name],
    "lessons": lambda f: [f.c.lessons], "passed": lambda f: [f.c.passed], "average": lambda f: [f.c.average],
    "best": lambda f: [f.c.best], "redlines": lambda f: [f.c.redlines], "last": lambda f: [f.c.last],
}
STATUS_CONDITIONS = {"behind": lambda f: f.c.behind == 1, "redline": lambda f: f.c.redlines > 0,
                     "inactive": lambda f: f.c.inactive == 1}


def _sorted(facts, scope: ReportScope):
    f = scope.filters
    keys = SORT_COLUMNS[f.sort](facts)
    ordered = [key.desc() if f.descending else key.asc() for key in keys]
    nulls_last = [case((keys[0].is_(None), 1), else_=0)]  # missing scores at the end, either direction
    return nulls_last + ordered + [facts.c.user_id]


def _status(query, facts, scope: ReportScope):
    status = STATUS_CONDITIONS.get(scope.filters.status)
    return query.where(status(facts)) if status else query


def _ordering(scope: ReportScope) -> tuple:
    f = scope.filters
    return f.sort, f.descending, f.status


def learner_page(session: Session, scope: ReportScope, lesson_ids, quiz_ids, now) -> tuple[list, int]:
    """One page of learners, sorted and filtered, and how many there are in all (window count): one statement."""
    def build():
        facts = learner_facts(scope, lesson_ids, quiz_ids)
        query = _status(select(facts, func.count().over().label("total")), facts, scope)
        return query.order_by(*_sorted(facts, scope)).limit(PAGE_SIZE).offset(bindparam("offset"))

    rows = scope.rows(session, "learner_page", build, _ordering(scope),
                      offset=scope.filters.offset, **facts_values(now))
    return rows, (rows[0].total if rows else 0)


def learner_stream(session: Session, scope: ReportScope, lesson_ids, quiz_ids, now):
    """Every learner in scope (filtered, sorted) for an export, fetched in batches as they are written."""
    def build():
        facts = learner_facts(scope, lesson_ids, quiz_ids)
        return _status(select(facts), facts, scope).order_by(*_sorted(facts, scope)).execution_options(yield_per=1000)

    yield from scope.execute(session, "learner_stream", build, _ordering(scope),
                             **facts_values(now))


def team_rollup(session: Session, scope: ReportScope, lesson_ids, quiz_ids, now) -> list:
    """Per team (片区 → team order) and score bin: learners, lessons done, quizzes attempted and passed, the sum
    and count of the learners' average best scores, best score, learners with a red-line failure, behind,
    inactive.  The bin is that of the learners' average best score (bins of 10, bin 9 is 90–100; None for
    learners with no score), so that one statement gives the roll-up (the bins of a team summed) and the score
    histogram (the teams of a bin summed)."""
    def build():
        facts = learner_facts(scope, lesson_ids, quiz_ids)
        score = facts.c.average
        bucket = case((score.is_(None), None),
                      *[(score < edge, literal(index)) for index, edge in enumerate(HISTOGRAM_EDGES)], else_=literal(9))
        return (select(facts.c.region_id, facts.c.region_name, facts.c.team_id, facts.c.team_name,
                       cast(bucket, Integer).label("bin"),
                       func.count().label("learners"), func.sum(facts.c.lessons).label("lessons"),
                       func.sum(facts.c.attempted).label("attempted"), func.sum(facts.c.passed).label("passed"),
                       func.sum(score).label("average_sum"), func.count(score).label("scored"),
                       func.max(facts.c.best).label("best"),
                       func.sum(case((facts.c.redlines > 0, 1), else_=0)).label("redline_learners"),
                       func.sum(facts.c.behind).label("behind"), func.sum(facts.c.inactive).label("inactive"))
                .group_by(facts.c.region_id, facts.c.region_name, facts.c.team_id, facts.c.team_name, bucket)
                .order_by(facts.c.region_name, facts.c.team_name, facts.c.team_id))

    return scope.rows(session, "team_rollup", build, **facts_values(now))


def module_lessons(session: Session, scope: ReportScope, lesson_ids: list[str]) -> list:
    """(team_id, module_id, lessons completed) for the learners in scope, in the date range: from the sums per
    team (team_module) and, for learners in no team, learner_module; from lesson_progress for a module or a
    date range."""
    def kept():
        m = LearnerModule
        return scope.team_sums_or_learners(
            TeamModule.team_id,
            lambda teams: select(TeamModule.team_id, TeamModule.module_id, TeamModule.lessons_done.label("done")).where(*teams),
            lambda learners: (select(User.team_id, m.module_id, func.sum(m.lessons_done)).join(User, User.id == m.user_id)
                              .where(m.user_id.in_(learners)).group_by(User.team_id, m.module_id)))

    def recounted():
        people = scope.people().subquery("people")
        return (select(people.c.team_id, LessonProgress.module_id, func.count().label("done"))
                .join(people, people.c.user_id == LessonProgress.user_id)
                .where(LessonProgress.completed_at.is_not(None), LessonProgress.lesson_id.in_(lesson_ids),
                       *scope.dated(LessonProgress.completed_at))
                .group_by(people.c.team_id, LessonProgress.module_id))

    if kept_rows_answer(scope):
        return scope.rows(session, "module_lessons", kept)
    return scope.rows(session, "module_lessons_recounted", recounted)


def quiz_passes(session: Session, scope: ReportScope, quiz_ids: list[str]) -> list:
    """(team_id, quiz_id, learners who passed, learners graded) from the sums per team (team_quiz) and, for
    learners in no team (or a viewer who sees only themselves), quiz_tally."""
    q, t = TeamQuiz, QuizTally

    def learner_rows(learners):
        return (select(User.team_id, t.quiz_id, func.sum(case((t.best_passed.is_(True), 1), else_=0)).label("passed"),
                       func.count().label("graded"))
                .join(User, User.id == t.user_id).where(t.user_id.in_(learners), t.quiz_id.in_(quiz_ids), t.graded > 0)
                .group_by(User.team_id, t.quiz_id))

    def build():
        return scope.team_sums_or_learners(
            q.team_id, lambda teams: select(q.team_id, q.quiz_id, q.passed, q.graded).where(q.quiz_id.in_(quiz_ids), q.graded > 0, *teams),
            learner_rows)

    return scope.rows(session, "quiz_passes", build)


def activity_by_week(session: Session, scope: ReportScope, first_monday: date, last_day: date) -> list:
    """(Monday, lessons completed, quizzes graded) per week from first_monday to the week of last_day: one
    statement over the sums per team and week (team_week) and, for learners in no team, their own week rows
    (learner_week)."""
    w, tw = LearnerWeek, TeamWeek
    first, last = bindparam("first_monday"), bindparam("last_day")

    def build():
        weeks = scope.team_sums_or_learners(
            tw.team_id, lambda teams: select(tw.week, tw.lessons, tw.quizzes).where(*teams, tw.week >= first, tw.week <= last),
            lambda learners: select(w.week, w.lessons, w.quizzes).where(w.user_id.in_(learners), w.week >= first, w.week <= last),
        ).subquery("weeks")
        return (select(weeks.c.week, func.sum(weeks.c.lessons).label("lessons"), func.sum(weeks.c.quizzes).label("quizzes"))
                .group_by(weeks.c.week).order_by(weeks.c.week))

    rows = scope.rows(session, "activity_by_week", build, first_monday=first_monday, last_day=last_day)
    return [(_as_date(row.week), int(row.lessons or 0), int(row.quizzes or 0)) for row in rows]


def activity_by_day(session: Session, scope: ReportScope, lesson_ids, quiz_ids, since: datetime, until: datetime) -> list:
    """(the organisation's day, lessons completed, quizzes submitted and graded) per day in [since, until): one statement (a UNION of two
    GROUP BYs); the weeks are folded from these few hundred rows."""
    start, end = bindparam("day_from"), bindparam("day_to")

    def build():
        people = scope.user_ids()
        lesson_day = local_day(LessonProgress.completed_at, DAY_OFFSET)  # the organisation's days
        lessons = (select(lesson_day.label("day"), func.count().label("lessons"), literal(0).label("quizzes"))
                   .where(LessonProgress.user_id.in_(people), LessonProgress.lesson_id.in_(lesson_ids),
                          LessonProgress.completed_at >= start, LessonProgress.completed_at < end)
                   .group_by(lesson_day))
        # by the day it was submitted: (user_id, submitted_at) is indexed (ix_attempt_user_submitted)
        attempt_day = local_day(Attempt.submitted_at, DAY_OFFSET)
        attempts = (select(attempt_day.label("day"), literal(0).label("lessons"), func.count().label("quizzes"))
                    .where(Attempt.user_id.in_(people), Attempt.submitted_at >= start, Attempt.submitted_at < end,
                           Attempt.quiz_id.in_(quiz_ids), Attempt.state == "graded")
                    .group_by(attempt_day))
        union = lessons.union_all(attempts).subquery("days")
        return (select(union.c.day, func.sum(union.c.lessons).label("lessons"), func.sum(union.c.quizzes).label("quizzes"))
                .group_by(union.c.day).order_by(union.c.day))

    rows = scope.rows(session, "activity_by_day", build, day_from=since, day_to=until, day_offset=clock.day_offset_minutes())
    return [(_as_date(row.day), int(row.lessons or 0), int(row.quizzes or 0)) for row in rows]


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])

