"""The per-learner report rows (academy.learning.progress_rows) and their sums per team (academy.org.team_sums):
equal to a recount (written in Python for the learner rows) after the services change a learner's records
(tests/test_standings.py runs random service sequences through `python_report_rows` and the team sums) or an
admin changes a learner's team, roles or status; the same figures as the records they are derived from (a
report with a date range reads those); and the organisation's day and week's Monday computed alike on every database."""
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from academy.learning import progress_rows
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
from academy.org import team_sums
from academy.org.models import User
from academy.platform import clock
from academy.platform.dialects import local_day, week_start

PASSWORD = "demo-pass-123"


def monday(moment: datetime, offset: int | None = None) -> date:
    """The Monday of the organisation's week of a stored (UTC) moment: `offset` minutes ahead of UTC (the clock's)."""
    day = (moment + timedelta(minutes=clock.day_offset_minutes() if offset is None else offset)).date()
    return day - timedelta(days=day.weekday())


def python_report_rows(session, user_id: int) -> dict:
    """The four tables' rows for one learner, from their definitions (learning/models.py), in Python."""
    lessons = session.scalars(select(LessonProgress).where(LessonProgress.user_id == user_id)).all()
    tallies = [t for t in session.scalars(select(QuizTally).where(QuizTally.user_id == user_id)) if t.graded > 0]
    done = [row for row in lessons if row.completed_at is not None]
    summary = None
    if lessons or tallies:  # a row for every learner with a lesson or a graded quiz
        scores = [t.best_percent for t in tallies if t.best_percent is not None]
        summary = (len(done), max((row.last_viewed_at for row in lessons), default=None), len(tallies),
                   sum(1 for t in tallies if t.best_passed), round(sum(scores) / len(scores), 6) if scores else None,
                   max(scores, default=None), sum(1 for t in tallies if t.any_redline))
    skills = defaultdict(lambda: [0, 0])
    for item in session.scalars(select(AttemptItem).where(AttemptItem.user_id == user_id)):
        for kind, skill in (("concept", item.concept), ("stage", item.stage)):
            if skill:
                skills[(kind, skill)][0] += int(item.correct)
                skills[(kind, skill)][1] += 1
    weeks = Counter()
    for row in done:
        weeks[(monday(row.completed_at), "lessons")] += 1
    graded = session.scalars(select(Attempt).where(Attempt.user_id == user_id, Attempt.state == "graded",
                                                   Attempt.submitted_at.is_not(None))).all()
    for attempt in graded:
        weeks[(monday(attempt.submitted_at), "quizzes")] += 1
    week_rows = {week: (weeks[(week, "lessons")], weeks[(week, "quizzes")]) for week, _ in weeks}
    modules = dict(Counter(row.module_id for row in done))
    return {"summary": summary, "skills": {k: tuple(v) for k, v in skills.items()}, "weeks": week_rows, "modules": modules}


def kept_report_rows(session, user_id: int) -> dict:
    s = session.get(LearnerSummary, user_id)
    if s is not None:
        session.refresh(s)
    summary = None if s is None else (s.lessons_done, s.last_lesson_at, s.quizzes_graded, s.quizzes_passed,
                                      None if s.average_best is None else round(s.average_best, 6), s.best,
                                      s.redline_quizzes)
    skills = {(k.kind, k.skill): (k.right, k.answered)
              for k in session.execute(select(LearnerSkill.kind, LearnerSkill.skill, LearnerSkill.right,
                                              LearnerSkill.answered).where(LearnerSkill.user_id == user_id))}
    weeks = {row.week: (row.lessons, row.quizzes)
             for row in session.execute(select(LearnerWeek.week, LearnerWeek.lessons, LearnerWeek.quizzes)
                                        .where(LearnerWeek.user_id == user_id))}
    modules = {module: done for module, done in session.execute(select(LearnerModule.module_id, LearnerModule.lessons_done)
                                                                 .where(LearnerModule.user_id == user_id))}
    return {"summary": summary, "skills": skills, "weeks": weeks, "modules": modules}


def recounted_sums(connection, name: str) -> dict[tuple, tuple]:
    """{(team_id, *keys): values} counted afresh from every learner's rows by the sum's own SELECT, all-zero
    rows left out: what the table should hold."""
    ids = [row[0] for row in connection.execute(select(User.id))]
    width = 1 + len(team_sums.SUMS[name].keys)
    rows = connection.execute(team_sums.by_team(team_sums.SUMS[name]), {"learners": ids, "sign": 1}) if ids else []
    return {tuple(row[:width]): tuple(row[width:]) for row in rows if any(row[width:])}


def kept_sums(connection, name: str) -> dict[tuple, tuple]:
    """{(team_id, *keys): values} as the sum's table holds them, all-zero rows left out."""
    team_sum = team_sums.SUMS[name]
    columns = [team_sum.table.c[c] for c in ("team_id", *team_sum.keys, *team_sum.values)]
    width = 1 + len(team_sum.keys)
    return {tuple(row[:width]): tuple(row[width:]) for row in connection.execute(select(*columns)) if any(row[width:])}


def assert_team_sums_equal_recounts(session) -> None:
    """Every team sum holds what a recount from every learner's rows gives (all-zero rows aside)."""
    session.flush()
    for name in team_sums.SUMS:
        assert kept_sums(session.connection(), name) == recounted_sums(session.connection(), name), name


MOMENTS = [datetime(2026, 12, 7, 0, 0), datetime(2026, 12, 6, 23, 59, 59), datetime(2026, 12, 9, 12, 30),
           datetime(2024, 2, 29, 8), datetime(2027, 1, 1, 0, 0, 1),
           datetime(2026, 12, 6, 16, 0), datetime(2026, 12, 6, 15, 59, 59)]  # Monday 00:00 in Beijing, and just before


@pytest.mark.parametrize("offset", [480, 0, -300, 345])
@pytest.mark.parametrize("moment", MOMENTS)
def test_the_week_starts_on_the_organisation_s_monday_on_every_database(db, moment, offset):
    assert db.scalar(select(week_start(moment, offset))) in (monday(moment, offset), monday(moment, offset).isoformat())


@pytest.mark.parametrize("offset", [480, 0, -300])
@pytest.mark.parametrize("moment", MOMENTS)
def test_the_day_is_the_organisation_s_on_every_database(db, moment, offset):
    day = (moment + timedelta(minutes=offset)).date()
    assert db.scalar(select(local_day(moment, offset))) in (day, day.isoformat())


def test_the_week_is_written_in_each_database_s_own_functions():
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    expression = week_start(LessonProgress.completed_at, 480)
    assert "weekday 1" in str(expression.compile(dialect=sqlite.dialect()))
    assert "date_trunc('week'" in str(expression.compile(dialect=postgresql.dialect()))
    assert "WEEKDAY(" in str(expression.compile(dialect=mysql.dialect()))
    assert "INTERVAL" in str(local_day(LessonProgress.completed_at, 480).compile(dialect=mysql.dialect()))


def test_the_clock_s_offset_is_its_standard_time():
    try:
        assert clock.day_offset_minutes() == 480  # Asia/Shanghai, the default
        clock.configure("Europe/Berlin")  # +60 in winter, +120 in summer
        assert clock.day_offset_minutes() == 60
        clock.configure("America/New_York")
        assert clock.day_offset_minutes() == -300
    finally:
        clock.configure(clock.DEFAULT_ZONE)


def test_a_lesson_finished_early_on_a_monday_in_beijing_counts_in_that_week(db):
    """07:00 on Monday 2026-12-07 in Beijing is 23:00 on Sunday in UTC: the week is the organisation's."""
    user = User(username="amy", display_name="Amy", password_hash="x")
    db.add(user)
    db.flush()
    db.add(LessonProgress(user_id=user.id, module_id="clients", lesson_id="clients-org-traits",
                          completed_at=datetime(2026, 12, 6, 23, 0), last_viewed_at=datetime(2026, 12, 6, 23, 0)))
    progress_rows.refresh(db, [user.id], progress_rows.FROM_LESSONS)
    assert db.execute(select(LearnerWeek.week, LearnerWeek.lessons).where(LearnerWeek.user_id == user.id)).all() == [
        (date(2026, 12, 7), 1)]


def test_rebuild_weeks_recounts_the_weeks_of_another_zone(app, db, runner):
    """Rows kept under another TIMEZONE are counted afresh by `flask rebuild-weeks` (learners' and teams')."""
    _demo_org(app)
    learners = db.scalars(select(User.id)).all()
    expected = {user_id: python_report_rows(db, user_id)["weeks"] for user_id in learners}
    try:
        clock.configure("America/New_York")  # the rows as a server 13 hours behind would have counted them
        progress_rows.rebuild_weeks(db.connection())
        db.commit()
        assert {user_id: kept_report_rows(db, user_id)["weeks"] for user_id in learners} != expected
    finally:
        clock.configure(clock.DEFAULT_ZONE)
    result = runner.invoke(args=["rebuild-weeks"])
    assert result.exit_code == 0 and "重新统计每周学习记录" in result.output
    db.rollback()
    assert {user_id: kept_report_rows(db, user_id)["weeks"] for user_id in learners} == expected
    assert_team_sums_equal_recounts(db)


def _demo_org(app):
    from academy.demo import seed_demo

    with app.app_context():
        seed_demo(PASSWORD)


def test_the_demo_s_rows_equal_a_recount_and_a_rebuild_changes_nothing(app, db):
    _demo_org(app)
    learners = db.scalars(select(User.id)).all()
    before = {user_id: python_report_rows(db, user_id) for user_id in learners}
    assert any(rows["summary"] and rows["skills"] and rows["weeks"] and rows["modules"] for rows in before.values())
    for user_id in learners:
        assert kept_report_rows(db, user_id) == before[user_id], user_id
    assert_team_sums_equal_recounts(db)
    assert all(kept_sums(db.connection(), name) for name in team_sums.SUMS)
    progress_rows.refresh_all(db.connection(), tuple(progress_rows.REWRITES), chunk=3)
    team_sums.rebuild(db.connection(), chunk=3)
    db.commit()
    assert {user_id: kept_report_rows(db, user_id) for user_id in learners} == before
    assert_team_sums_equal_recounts(db)


def _sign_in(app, username: str):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


ALL_TIME = "from=2000-01-01"  # a date range from before any record: the report reads the records, not the kept rows
WEEKS_SECTION = re.compile(r'<section class="card" aria-labelledby="weeks-h">.*?</section>', re.S)


def _figures(body: str, ranged: bool) -> str:
    """The page without what the range itself changes: its mention under the title, the range carried in every link
    and form, the CSRF token (signed with the time), and the weekly section (it shows the range's weeks, not the
    last 12: both read the kept weekly rows; test_reports.py checks the weeks read from the records)."""
    body = re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", body)
    if ranged:
        body = body.replace(" · 日期：2000-01-01 – …", "").replace('value="2000-01-01"', 'value=""')
        body = body.replace(f"?{ALL_TIME}&amp;", "?").replace(f"&amp;{ALL_TIME}", "").replace(f"?{ALL_TIME}", "")
        body = body.replace(f"{ALL_TIME}&amp;", "")
    return WEEKS_SECTION.sub("", body)


def _same_figures_kept_and_from_records(client, path: str) -> None:
    bodies = []
    for url, ranged in ((path, False), (path + ("&" if "?" in path else "?") + ALL_TIME, True)):
        response = client.get(url)
        assert response.status_code == 200
        bodies.append(_figures(response.get_data(as_text=True), ranged))
        response.close()  # a streamed export ends (and returns its connection) when closed, as a server does
    kept, records = bodies
    assert len(kept) > 1000
    assert records == kept


@pytest.mark.parametrize("user, path", [("manager1", "/reports/learners?sort=average"), ("manager1", "/reports/competency"),
                                        ("manager1", "/reports/export/learners.csv"), ("admin", "/reports/"),
                                        ("admin", "/reports/competency"), ("manager1", "/reports/")])
def test_the_kept_rows_give_the_same_figures_as_the_records(app, db, user, path):
    """An all-time date range reads the records (lesson_progress, quiz_tally via attempts, attempt_item); the
    plain report reads the kept rows (per learner, and the sums per team): the pages must say the same."""
    _demo_org(app)
    _same_figures_kept_and_from_records(_sign_in(app, user), path)


def test_completion_per_module_from_the_kept_rows_equals_the_records(app, db):
    """The overview's completion per module: learner_module (plain report) and lesson_progress (a date range)."""
    from werkzeug.datastructures import MultiDict

    from academy.learning.content.catalog import get_catalog
    from academy.org.models import utcnow
    from academy.reports import filters, services

    _demo_org(app)
    with app.test_request_context():
        catalog = get_catalog().trainee_view
        manager = db.scalar(select(User).where(User.username == "manager1"))
        matrices = []
        for args in ({}, {"from": "2000-01-01"}):
            state = filters.parse(MultiDict(args), {m.id for m in catalog.modules})
            ctx = services.context(db, manager, state, catalog, utcnow())
            matrices.append(services.module_matrix(ctx, services.team_rows(ctx)))
    kept, records = matrices
    assert any(cell["lessons"] for row in kept["rows"] for cell in row["cells"])
    assert kept == records


def test_team_sums_follow_a_learner_who_changes_team_role_or_status(app, db):
    """An admin moves a learner to another team and to none, takes away and gives back the trainee role, and
    deactivates them: after each the team sums equal a recount, and the admin's overview (team sums, plus the
    learners in no team from their own rows) says what the records say."""
    from tests.test_admin import user_form

    _demo_org(app)
    admin = _sign_in(app, "admin")
    learner = db.scalar(select(User).where(User.username == "trainee5"))
    other_team = db.scalar(select(User.team_id).where(User.team_id != learner.team_id, User.team_id.is_not(None)))
    before = kept_sums(db.connection(), "team_skill")
    db.rollback()
    edits = [dict(team_id=str(other_team)), dict(team_id="0"), dict(roles=["trainer"]), dict(roles=["trainee"]),
             dict(active=None)]
    for edit in edits:
        form = user_form(username="trainee5", display_name=learner.display_name, password="",
                         team_id=str(learner.team_id or 0)) | edit
        response = admin.post(f"/admin/users/{learner.id}/edit", data=form)
        assert response.status_code == 302, (edit, response.get_data(as_text=True)[:300])
        admin.get(response.location)  # shows (and so clears) the "saved" message
        db.expire_all()
        assert_team_sums_equal_recounts(db)
        db.rollback()
        if edit == dict(team_id="0"):  # in no team: the overview and heat map count them from their own rows
            for path in ("/reports/", "/reports/competency"):
                _same_figures_kept_and_from_records(admin, path)
    assert kept_sums(db.connection(), "team_skill") != before  # they left their team's sums
    admin.post(f"/admin/users/{learner.id}/deactivate")
    assert_team_sums_equal_recounts(db)
