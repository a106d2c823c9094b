"""A learner's standing per quiz, read from the quiz tally that the attempt services refresh, equals the
grading rules applied to every attempt (highest / latest / average, pass mark, red lines, pending review, the
open attempt); and whatever sequence of service calls runs, the tally equals a recount."""
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from academy.learning.models import (
    Attempt,
    LearnerModule,
    LearnerSkill,
    LearnerSummary,
    LearnerTarget,
    LearnerTargetStamp,
    LearnerWeek,
    LessonProgress,
    QuizTally,
    QuizVersion,
    TeamModule,
    TeamQuiz,
    TeamSkill,
    TeamWeek,
)
from academy.learning.quizzes import tally
from academy.learning.quizzes.results import QuizStanding, quiz_tallies, standings
from academy.learning.quizzes.tally import recount
from academy.learning.quizzes.versions import attempt_quiz
from academy.org.models import User
from academy.platform.db import get_session
from tests.factories import database_at, make_user

QUIZZES = [SimpleNamespace(id=f"q-{grading}", grading=grading, pass_score=60.0) for grading in ("highest", "latest", "average")]

attempt = st.fixed_dictionaries({
    "quiz": st.sampled_from([q.id for q in QUIZZES]),
    "state": st.sampled_from(["graded", "graded", "graded", "review", "in_progress"]),
    "percent": st.sampled_from([0.0, 35.5, 59.9, 60.0, 80.0, 100.0]),
    "redline": st.booleans(),
})


def reference(quiz, attempts: list[dict]) -> QuizStanding:
    """The grading rules applied directly to all of the quiz's attempts, in attempt order."""
    graded = [a for a in attempts if a["state"] == "graded"]
    current = next((a["id"] for a in attempts if a["state"] == "in_progress"), None)
    pending = any(a["state"] == "review" for a in attempts)
    if not graded:
        return QuizStanding(quiz.id, len(attempts), None, False, pending, False, current)
    best = max(graded, key=lambda a: (a["passed"], a["percent"]))
    if quiz.grading == "average":
        average = round(sum(a["percent"] for a in graded) / len(graded), 6)  # as standings compare it
        redline = any(a["redline"] for a in graded)
        return QuizStanding(quiz.id, len(attempts), average, average >= quiz.pass_score and not redline, pending, redline, current,
                            best["percent"], best["passed"])
    row = graded[-1] if quiz.grading == "latest" else best
    return QuizStanding(quiz.id, len(attempts), row["percent"], row["passed"], pending, row["redline"], current,
                        best["percent"], best["passed"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(attempt, max_size=12))
def test_standings_from_the_tally_follow_the_grading_rules(app, db, attempts):
    user_id, version_id = learner_and_version(db)
    db.execute(delete(Attempt))
    db.execute(delete(QuizTally))
    numbers: dict[str, int] = {}
    for a in attempts:
        numbers[a["quiz"]] = number = numbers.get(a["quiz"], 0) + 1
        graded = a["state"] == "graded"
        a["passed"] = graded and a["percent"] >= 60.0 and not a["redline"]
        row = Attempt(user_id=user_id, quiz_id=a["quiz"], version_id=version_id, number=number, seed=1, state=a["state"],
                      answers={}, percent=a["percent"] if graded else None, passed=a["passed"] if graded else None,
                      redline=a["redline"] and graded)
        a["redline"] = row.redline
        db.add(row)
        db.flush()
        a["id"] = row.id
    tally.refresh(db, [(user_id, q.id) for q in QUIZZES])
    db.commit()
    with app.app_context():
        found = standings(quiz_tallies(get_session(), user_id), QUIZZES)
    for quiz in QUIZZES:
        expected = reference(quiz, [a for a in attempts if a["quiz"] == quiz.id])
        got = found[quiz.id]
        assert (got.attempts, got.passed, got.pending, got.redline, got.in_progress_id) == (
            expected.attempts, expected.passed, expected.pending, expected.redline, expected.in_progress_id), quiz.id
        assert (got.percent is None) == (expected.percent is None) and abs((got.percent or 0) - (expected.percent or 0)) < 1e-9


SERVICE_QUIZZES = ("clients-quiz", "sample-all-types", "final-exam")  # 3 attempts; unlimited with a role-play; timed
service_call = st.one_of(
    st.tuples(st.just("start"), st.sampled_from(SERVICE_QUIZZES)),
    st.tuples(st.just("submit"), st.sampled_from(SERVICE_QUIZZES), st.sampled_from(["right", "nothing"])),
    st.tuples(st.just("expire"), st.sampled_from(SERVICE_QUIZZES)),
    st.tuples(st.just("review"), st.sampled_from(SERVICE_QUIZZES), st.integers(0, 3)),
    st.tuples(st.just("regrade"), st.sampled_from(SERVICE_QUIZZES)),
    # 完成本节, again and again, hours apart: a repeat changes when the learner last studied
    st.tuples(st.just("lesson"), st.sampled_from(("clients-org-traits", "clients-three-factors")), st.integers(0, 30)),
)


def corrected(quiz):
    """Another version of the quiz with one answer key changed (the first single-choice item's key moves to
    its next option), as a trainer's fix would be."""
    from academy.learning.questions import parse_quiz_text

    item = next(i for i in quiz.items if i.type == "single")
    right = next(o for o in item.options if o.correct)
    other = next(o for o in item.options if not o.correct and not o.redline and o.weight == 0)
    source = quiz.source
    start = source.index(item.title)
    head, body = source[:start], source[start:]
    body = body.replace(f"- [x] {right.text}", f"- [ ] {right.text}", 1).replace(f"- [ ] {other.text}", f"- [x] {other.text}", 1)
    fixed, _sink = parse_quiz_text(head + body, quiz.path)
    assert fixed is not None and fixed.content_hash != quiz.content_hash
    return fixed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(service_call, max_size=10))
def test_any_sequence_of_attempt_services_keeps_the_tally_equal_to_a_recount(app, db, calls):
    """Start, submit, expire (a start after the time ran out), review, regrade and lesson completion, one
    transaction each, in any order and including refusals: after each, every tally and every attempt_item row
    equals a recount, no attempt lacks a tally, and the report rows equal their definitions."""
    import random
    from datetime import timedelta

    from academy.demo import _sample_answers as sample_answers
    from academy.learning.content.catalog import get_catalog
    from academy.learning.courses.services import complete_lesson
    from academy.learning.quizzes import services
    from academy.org.models import utcnow

    user_id, _version = learner_and_version(db)
    db.execute(delete(Attempt))
    db.execute(delete(QuizTally))
    db.execute(delete(LessonProgress))
    derived = (LearnerSummary, LearnerSkill, LearnerWeek, LearnerModule, TeamQuiz, TeamSkill, TeamWeek, TeamModule,
               LearnerTarget, LearnerTargetStamp)
    for table in derived:  # derived from the rows just deleted
        db.execute(delete(table))
    db.commit()
    now = utcnow()
    with app.app_context():
        catalog, session = get_catalog(), get_session()
        for kind, quiz_id, *rest in calls:
            quiz = catalog.quiz(quiz_id)
            open_ = session.scalar(select(Attempt).where(Attempt.user_id == user_id, Attempt.quiz_id == quiz_id,
                                                         Attempt.state == "in_progress"))
            try:
                if kind == "lesson":
                    now += timedelta(hours=rest[0])
                    complete_lesson(session, user_id, catalog.lesson(quiz_id), now)
                elif kind == "start":
                    services.start_attempt(session, user_id, quiz, now)
                elif kind == "submit" and open_:
                    answers = sample_answers(quiz, random.Random(0), 1.0) if rest[0] == "right" else {}
                    services.submit_attempt(session, open_, attempt_quiz(open_), answers, now)
                elif kind == "expire" and open_ and open_.deadline_at:
                    now = open_.deadline_at + timedelta(minutes=5)
                    services.start_attempt(session, user_id, quiz, now)
                elif kind == "review" and (waiting := session.scalar(select(Attempt).where(
                        Attempt.user_id == user_id, Attempt.state == "review").limit(1))):
                    pinned = attempt_quiz(waiting)
                    levels = {item.id: {"levels": {str(i): item.levels[rest[0] % len(item.levels)][1] for i in range(len(item.criteria))}}
                              for item in pinned.all_items() if item.type == "roleplay"}
                    services.apply_review(session, waiting, pinned, levels, now)
                elif kind == "regrade":
                    versions = session.scalars(select(QuizVersion.id).where(QuizVersion.quiz_id == quiz_id)).all()
                    if versions:
                        services.regrade_attempts(session, user_id, corrected(quiz), versions, "key fixed", now)
                session.commit()
            except services.AttemptRejected:
                session.rollback()
            assert_tallies_equal_recounts(session, user_id)
            assert_report_rows_equal_recounts(session, user_id)


def python_recount(attempts: list) -> dict:
    """The tally columns of one learner and quiz, worked out in Python from the rules the tally states, so the
    SQL recount is checked against something that is not itself."""
    graded = [a for a in attempts if a.state == "graded"]
    best = max(graded, key=lambda a: (bool(a.passed), a.percent if a.percent is not None else -1, -a.number), default=None)
    latest = max(graded, key=lambda a: a.number, default=None)
    in_progress = [a.id for a in attempts if a.state == "in_progress"]
    return {
        "attempts": len(attempts), "graded": len(graded), "in_review": sum(a.state == "review" for a in attempts),
        "in_progress_id": min(in_progress) if in_progress else None,
        "average_percent": sum(a.percent for a in graded) / len(graded) if graded else None,
        "any_redline": any(a.redline for a in graded),
        "best_percent": best.percent if best else None, "best_passed": bool(best and best.passed),
        "best_redline": bool(best and best.redline),
        "latest_percent": latest.percent if latest else None, "latest_passed": bool(latest and latest.passed),
        "latest_redline": bool(latest and latest.redline),
    }


def assert_tallies_equal_recounts(session, user_id: int) -> None:
    kept_rows = session.scalars(select(QuizTally).where(QuizTally.user_id == user_id)).all()
    attempts = session.scalars(select(Attempt).where(Attempt.user_id == user_id)).all()
    assert {row.quiz_id for row in kept_rows} == {a.quiz_id for a in attempts}
    for row in kept_rows:
        session.refresh(row)
        recounted = recount(session.connection(), user_id, row.quiz_id)
        expected = python_recount([a for a in attempts if a.quiz_id == row.quiz_id])
        kept = {column: getattr(row, column) for column in expected}
        for values in (kept, recounted, expected):
            values["average_percent"] = round(values["average_percent"] or 0, 6)
        assert kept == expected, row.quiz_id
        assert {k: recounted[k] for k in expected} == expected, row.quiz_id


def assert_item_rows_equal_recounts(session, user_id: int) -> None:
    """attempt_item holds exactly the rows item_rows.rows derives from each of the learner's attempts and the
    quiz it was graded on (after a regrade, its version merged with the regrade's): none unless graded."""
    from academy.learning.models import AttemptItem
    from academy.learning.quizzes import item_rows
    from academy.learning.quizzes.versions import graded_quiz

    columns = [column.name for column in AttemptItem.__table__.c]
    kept = sorted(tuple(row) for row in session.execute(select(*AttemptItem.__table__.c).where(AttemptItem.user_id == user_id)))
    expected = []
    for attempt in session.scalars(select(Attempt).where(Attempt.user_id == user_id)):
        expected += [tuple(row[c] for c in columns) for row in item_rows.rows(attempt, graded_quiz(session, attempt))]
    assert kept == sorted(expected)


def assert_report_rows_equal_recounts(session, user_id: int) -> None:
    """learner_summary, learner_skill, learner_week and learner_module hold what their definitions say, worked out in Python from
    the learner's tallies, lessons, attempts and per-item rows (tests/test_progress_rows.py has the rest)."""
    from academy.learning.content.catalog import get_catalog
    from tests.test_progress_rows import assert_team_sums_equal_recounts, kept_report_rows, python_report_rows
    from tests.test_target_rows import assert_target_rows_equal_recount

    assert kept_report_rows(session, user_id) == python_report_rows(session, user_id)
    assert_team_sums_equal_recounts(session)
    if session.scalar(select(func.count()).select_from(Attempt).where(Attempt.user_id == user_id)):
        assert_target_rows_equal_recount(session, user_id, get_catalog())


def learner_and_version(db) -> tuple[int, int]:
    from academy.org.models import Region, Team, User

    user = db.query(User).filter_by(username="s1").one_or_none()
    if user is None:  # a trainee in a team, so that the team sums count them
        user = make_user(db, "s1", team=Team(name="一组", region=Region(name="华东")))
    version = db.query(QuizVersion).filter_by(quiz_id="q").one_or_none()
    if version is None:
        version = QuizVersion(quiz_id="q", content_hash="x", snapshot={})
        db.add(version)
        db.commit()
    return user.id, version.id


def test_the_migration_tallies_existing_attempts(tmp_path):
    from sqlalchemy import text

    from academy.platform import migrate

    engine = database_at(tmp_path / "old.db", "0002", version_hash="x")
    with engine.begin() as conn:
        for number, (state, percent, passed) in enumerate([("graded", 50.0, 0), ("graded", 90.0, 1), ("in_progress", None, None)], 1):
            conn.execute(text("INSERT INTO attempt (user_id, quiz_id, version_id, number, state, seed, started_at, answers, "
                              "max_score, percent, passed, redline) VALUES (1, 'q', 1, :n, :s, 1, '2026-01-01 00:00:00', "
                              "'{}', 10, :p, :ok, 0)"), {"n": number, "s": state, "p": percent, "ok": passed})
    migrate.upgrade(engine)
    with engine.connect() as conn:
        tally = conn.execute(text("SELECT attempts, graded, in_progress_id, best_percent, latest_percent, average_percent "
                                  "FROM quiz_tally")).all()
    engine.dispose()
    assert tally == [(3, 2, 3, 90.0, 90.0, 70.0)]


WEB_QUIZZES = ("clients-quiz", "sample-all-types")  # 3 attempts, fully graded; unlimited, with a role-play to review


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(WEB_QUIZZES), st.sampled_from(["right", "half", "nothing", "open"])),
                      min_size=1, max_size=7))
def test_tallies_kept_by_starts_and_submits_over_http_equal_a_recount(app, db, steps):
    """Through the real routes, in any order (limits reached, attempts left open and resumed), the kept tally
    equals a recount."""
    from tests.factories import login
    from tests.test_quiz_flow import correct_form, quiz

    # a trainer: the sample quiz is for staff only
    learner = make_user(db, f"web{db.scalar(select(func.count()).select_from(User))}", roles=("trainer",))
    client = app.test_client()
    login(client, learner.username)
    for quiz_id, answers in steps:
        started = client.post(f"/quizzes/{quiz_id}/start")
        if started.status_code != 302 or answers == "open":
            continue
        form = correct_form(quiz(app, quiz_id))
        form = {"right": form, "half": dict(list(form.items())[::2]), "nothing": {}}[answers]
        assert client.post(started.headers["Location"] + "/submit", data=form).status_code == 302
    db.rollback()
    assert_tallies_equal_recounts(db, learner.id)
    assert {row.quiz_id for row in db.scalars(select(QuizTally).where(QuizTally.user_id == learner.id))} == \
        {quiz_id for quiz_id, _ in steps}


def test_recent_results_are_read_in_index_order(app):
    """The dashboard's newest results come straight from the index, without sorting all of a learner's
    attempts (a learner who practises an unlimited quiz for months has hundreds).  Checked on the migrated
    test database: on PostgreSQL with sorting priced out, so a Sort node means the index cannot give the
    order (as with the index before migration 0004); on SQLite, where every index ends with the rowid."""
    from academy.learning.quizzes.results import RECENT_RESULTS

    engine = app.extensions["db_engine"]
    with engine.connect() as connection:
        sql = str(RECENT_RESULTS.compile(dialect=engine.dialect))
        if engine.dialect.name == "postgresql":
            for setting in ("enable_sort", "enable_seqscan", "enable_bitmapscan"):
                connection.exec_driver_sql(f"SET LOCAL {setting} = off")
            arguments = {"user_id": 1, "state_1": "graded", "state_2": "review", "limit": 5}
            plan = " ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql, arguments))
            assert "Sort" not in plan, plan
        else:
            plan = " ".join(row[-1] for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + sql, (1, "graded", "review", 5, 0)))
            assert "TEMP B-TREE" not in plan, plan
        connection.rollback()
    assert "ix_attempt_user_submitted" in plan, plan
