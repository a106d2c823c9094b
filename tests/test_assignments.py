"""Assignments (issue 16 items 2 and 4): who may assign what to whom, the four statuses computed in SQL,
inheritance by team membership, the learner's dashboard, stage drills, and bad input."""
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update

from academy.learning import target_rows
from academy.learning.models import Assignment, LearnerTargetStamp, LessonProgress, QuizTally
from academy.org.models import AuditEntry, Region, Team, User
from academy.platform import clock
from tests.factories import login, make_user, statements_of, two_region_org

TODAY = clock.today()  # the organisation's day, as the app reckons due dates
MODULE = "clients"  # 读懂政企客户: the first module
QUIZ = "clients-quiz"


@pytest.fixture
def org(db):
    """Two regions with a team each; manager1 sees 华东 only; learners a1 (华东/一组), b1 (西南/二组)."""
    return two_region_org(db)


def assign(client, target, assignee, due=None, note=""):
    return client.post("/assignments", data={"target": target, "assignee": assignee,
                                             "due_on": (due or TODAY + timedelta(days=7)).isoformat()
                                             if not isinstance(due, str) else due, "note": note})


def rows_for(app, viewer_name, db, today=TODAY, **kw):
    from academy.learning.assignments.status import assignment_status_rows
    from academy.learning.content.catalog import get_catalog
    from academy.platform.db import get_session

    with app.app_context():
        session = get_session()
        viewer = session.scalar(select(User).where(User.username == viewer_name))

        def rows():
            return [(r.assignment_id, r.learner_id, r.status) for r in
                    assignment_status_rows(session, viewer, get_catalog().trainee_view, today, **kw)]

        # both ways of counting: from the records (no learner stamped), then from learner_target (all of them)
        session.execute(delete(LearnerTargetStamp))
        counted = rows()
        target_rows.refresh_all(session, get_catalog())
        kept = rows()
        assert kept == counted
        return kept


def add_assignment(db, creator_id, kind="module", target=MODULE, due=None, **assignee) -> int:
    db.rollback()  # a read snapshot older than the requests' writes could not become a write
    row = Assignment(kind=kind, target_id=target, due_on=due or TODAY + timedelta(days=7), note="", created_by=creator_id,
                     **assignee)
    db.add(row)
    db.commit()
    return row.id


# ---- who may assign ---------------------------------------------------------------------------------------

def test_manager_assigns_a_module_to_a_team_in_scope_and_it_is_audited(client, db, org):
    login(client, "manager1")
    assert client.get("/assignments").status_code == 200
    response = assign(client, f"module:{MODULE}", f"t:{org['team_a']}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.rollback()
    row = db.scalar(select(Assignment))
    assert (row.kind, row.target_id, row.team_id, row.created_by) == ("module", MODULE, org["team_a"], org["manager"])
    assert db.scalar(select(AuditEntry.action).where(AuditEntry.target_type == "assignment")) == "assignment.create"


@pytest.mark.parametrize("assignee", ["t:{team_b}", "r:{west}", "u:{b1}"])
def test_manager_cannot_assign_to_another_regions_team_region_or_person(client, db, org, assignee):
    login(client, "manager1")
    response = assign(client, f"module:{MODULE}", assignee.format(**org))
    assert response.status_code == 403
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Assignment)) == 0


def test_the_form_offers_only_what_is_in_scope(client, db, org):
    login(client, "manager1")
    page = client.get("/assignments?q=1").get_data(as_text=True)  # usernames a1 and b1 both match
    assert f'value="t:{org["team_a"]}"' in page and f'value="t:{org["team_b"]}"' not in page
    assert f'value="u:{org["a1"]}"' in page and f'value="u:{org["b1"]}"' not in page
    assert f'value="r:{org["west"]}"' not in page


@pytest.mark.parametrize("role", ["trainee", "trainer"])
def test_trainees_and_trainers_cannot_assign(client, db, org, role):
    make_user(db, "someone", roles=(role,))
    login(client, "someone")
    assert client.get("/assignments").status_code == 403
    assert assign(client, f"module:{MODULE}", f"u:{org['a1']}").status_code == 403


def test_admin_assigns_anywhere(admin_client, db, org):
    assert assign(admin_client, f"quiz:{QUIZ}", f"r:{org['west']}").status_code == 302
    db.rollback()
    assert db.scalar(select(Assignment.region_id)) == org["west"]


@pytest.mark.parametrize("due, message", [
    ("2026-13-45", "日期格式应为"), ("", "日期格式应为"), ("yesterday", "日期格式应为"),
    ((TODAY - timedelta(days=1)).isoformat(), "截止日期不能早于今天"),
    ((TODAY + timedelta(days=3000)).isoformat(), "不能超过两年"),
])
def test_bad_dates_get_422_with_a_message(client, db, org, due, message):
    login(client, "manager1")
    response = assign(client, f"module:{MODULE}", f"t:{org['team_a']}", due=due)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Assignment)) == 0


@pytest.mark.parametrize("target, assignee, status", [
    ("module:nope", "t:{team_a}", 422), ("bogus", "t:{team_a}", 422), ("stage:不存在", "t:{team_a}", 422),
    ("module:clients", "t:99999999", 404), ("module:clients", "x:1", 422), ("module:clients", "t:abc", 422),
    ("module:clients", "u:" + "9" * 40, 422),
])
def test_unknown_targets_and_assignees_are_refused(client, db, org, target, assignee, status):
    login(client, "manager1")
    assert assign(client, target, assignee.format(**org)).status_code == status
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Assignment)) == 0


def test_hostile_note_is_shown_as_text_and_too_long_is_refused(client, db, org):
    login(client, "manager1")
    assert assign(client, f"module:{MODULE}", f"u:{org['a1']}", note="<script>alert(1)</script>").status_code == 302
    page = client.get("/assignments").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert assign(client, f"module:{MODULE}", f"u:{org['a1']}", note="长" * 201).status_code == 422


# ---- list, edit, cancel -----------------------------------------------------------------------------------

def test_manager_sees_edits_and_cancels_only_assignments_in_scope(client, db, org):
    admin = make_user(db, "boss", roles=("admin",))
    mine = add_assignment(db, admin.id, team_id=org["team_a"])
    foreign = add_assignment(db, admin.id, team_id=org["team_b"])
    login(client, "manager1")
    page = client.get("/assignments").get_data(as_text=True)
    assert f"/assignments/{mine}" in page and f"/assignments/{foreign}" not in page
    assert client.get(f"/assignments/{foreign}").status_code == 404
    new_due = (TODAY + timedelta(days=20)).isoformat()
    assert client.post(f"/assignments/{foreign}/edit", data={"due_on": new_due}).status_code == 404
    assert client.post(f"/assignments/{foreign}/cancel").status_code == 404
    db.rollback()
    assert db.get(Assignment, foreign).cancelled_at is None
    assert client.post(f"/assignments/{mine}/edit", data={"due_on": new_due, "note": "招标前完成"}).status_code == 302
    db.rollback()
    assert db.get(Assignment, mine).due_on.isoformat() == new_due
    assert client.post(f"/assignments/{mine}/edit", data={"due_on": "31/12/2027"}).status_code == 422
    assert client.post(f"/assignments/{mine}/cancel").status_code == 302
    assert client.post(f"/assignments/{mine}/cancel").status_code == 409
    db.rollback()
    actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(mine))))
    assert actions == {"assignment.update", "assignment.cancel"}
    assert db.get(Assignment, mine).cancelled_at is not None
    assert client.get(f"/assignments/{mine}").status_code == 200


def test_detail_lists_only_learners_in_scope_for_a_region_wide_assignment(client, db, org):
    """An admin's organisation-wide view vs a team manager's: the manager of 一组 never sees 二组's learner."""
    admin = make_user(db, "boss", roles=("admin",))
    person = add_assignment(db, admin.id, user_id=org["a1"])
    login(client, "manager1")
    page = client.get(f"/assignments/{person}").get_data(as_text=True)
    assert "张伟" in page and "李娜" not in page


@pytest.mark.parametrize("path", ["/assignments/0", "/assignments/99999999999", "/assignments/abc", "/drills/5",
                                  "/assignments?status=<x>", "/assignments/1?status=%3Cscript%3E"])
def test_odd_ids_and_filters_never_fail(client, db, org, path):
    login(client, "manager1")
    assert client.get(path).status_code in (200, 404)


# ---- statuses ---------------------------------------------------------------------------------------------

def complete_lessons(db, user_id, lesson_ids, module_id=MODULE):
    from academy.org.models import utcnow

    db.rollback()  # a read snapshot older than the requests' writes could not become a write
    for lesson_id in lesson_ids:
        db.add(LessonProgress(user_id=user_id, module_id=module_id, lesson_id=lesson_id, completed_at=utcnow()))
    db.commit()


def pass_quiz(db, user_id, quiz_id, passed=True, attempts=1):
    db.rollback()
    db.add(QuizTally(user_id=user_id, quiz_id=quiz_id, attempts=attempts, graded=attempts, in_review=0,
                     best_percent=90.0 if passed else 20.0, best_passed=passed, latest_percent=90.0 if passed else 20.0,
                     latest_passed=passed, average_percent=90.0 if passed else 20.0))
    db.commit()


def module_requirements(app, module_id=MODULE):
    from academy.learning.content.catalog import get_catalog

    with app.app_context():
        catalog = get_catalog().trainee_view
        module = catalog.module(module_id)
        return [lesson.id for lesson in module.lessons], [q.id for q in catalog.quizzes_for(module_id) if q.required]


def test_the_four_statuses(app, db, org):
    admin = make_user(db, "boss", roles=("admin",))
    team = add_assignment(db, admin.id, team_id=org["team_a"])
    late = add_assignment(db, admin.id, team_id=org["team_a"], kind="quiz", target=QUIZ, due=TODAY - timedelta(days=2))
    c1 = make_user(db, "c1", team=db.get(Team, org["team_a"]))
    c2 = make_user(db, "c2", team=db.get(Team, org["team_a"]))
    lessons, quizzes = module_requirements(app)
    complete_lessons(db, c1.id, lessons[:1])  # started
    complete_lessons(db, c2.id, lessons)  # everything
    for quiz_id in quizzes:
        pass_quiz(db, c2.id, quiz_id)
    status = {(a, u): s for a, u, s in rows_for(app, "boss", db)}
    assert status[(team, org["a1"])] == "not_started"
    assert status[(team, c1.id)] == "in_progress"
    assert status[(team, c2.id)] == "done"
    assert status[(late, org["a1"])] == "overdue"
    assert status[(late, c2.id)] == ("done" if QUIZ in quizzes else "overdue")
    assert (team, org["b1"]) not in status  # another team


def test_failing_a_quiz_is_in_progress_and_passing_it_is_done(app, db, org):
    admin = make_user(db, "boss", roles=("admin",))
    quiz = add_assignment(db, admin.id, kind="quiz", target=QUIZ, user_id=org["a1"])
    pass_quiz(db, org["a1"], QUIZ, passed=False)
    assert rows_for(app, "boss", db) == [(quiz, org["a1"], "in_progress")]
    db.query(QuizTally).delete()
    db.commit()
    pass_quiz(db, org["a1"], QUIZ, passed=True)
    assert rows_for(app, "boss", db) == [(quiz, org["a1"], "done")]


def test_a_new_team_member_inherits_and_a_mover_leaves(app, db, org):
    admin = make_user(db, "boss", roles=("admin",))
    team = add_assignment(db, admin.id, team_id=org["team_a"])
    region = add_assignment(db, admin.id, region_id=org["east"], kind="quiz", target=QUIZ)
    newcomer = make_user(db, "new1", team=db.get(Team, org["team_a"]))
    got = {(a, u) for a, u, _ in rows_for(app, "boss", db)}
    assert {(team, newcomer.id), (region, newcomer.id), (team, org["a1"])} <= got
    mover = db.get(User, org["a1"])
    mover.team_id = org["team_b"]
    db.commit()
    got = {(a, u) for a, u, _ in rows_for(app, "boss", db)}
    assert (team, org["a1"]) not in got and (region, org["a1"]) not in got


def test_cancelled_assignments_and_inactive_or_staff_members_have_no_rows(app, db, org):
    admin = make_user(db, "boss", roles=("admin",))
    add_assignment(db, admin.id, team_id=org["team_a"])
    make_user(db, "teamboss", roles=("manager",), team=db.get(Team, org["team_a"]))  # in the team, not a trainee
    gone = make_user(db, "gone", team=db.get(Team, org["team_a"]))
    gone.active = False
    db.commit()
    assert {u for _, u, _ in rows_for(app, "boss", db)} == {org["a1"]}
    db.query(Assignment).update({"cancelled_at": db.scalar(select(func.now()))})
    db.commit()
    assert rows_for(app, "boss", db) == []


def test_manager_rows_stay_in_scope(app, db, org):
    admin = make_user(db, "boss", roles=("admin",))
    add_assignment(db, admin.id, kind="quiz", target=QUIZ, region_id=org["west"])
    add_assignment(db, admin.id, kind="quiz", target=QUIZ, region_id=org["east"])
    assert {u for _, u, _ in rows_for(app, "manager1", db)} == {org["a1"]}
    assert {u for _, u, _ in rows_for(app, "boss", db)} == {org["a1"], org["b1"]}


def test_a_manager_with_an_empty_scope_gets_no_rows_and_a_learner_only_their_own(app, db, org):
    """The status statements are built once per shape and take whom the viewer sees as a parameter: an empty
    list of teams must still be nobody (never everybody), and a trainee sees only their own rows."""
    admin = make_user(db, "boss", roles=("admin",))
    make_user(db, "lonely", roles=("manager",))
    add_assignment(db, admin.id, kind="quiz", target=QUIZ, region_id=org["west"])
    add_assignment(db, admin.id, kind="quiz", target=QUIZ, region_id=org["east"])
    assert rows_for(app, "lonely", db) == []
    assert rows_for(app, "lonely", db, status="overdue", today=TODAY + timedelta(days=30)) == []
    b1 = db.get(User, org["b1"]).username
    assert {u for _, u, _ in rows_for(app, b1, db)} == {org["b1"]}
    assert {u for _, u, _ in rows_for(app, "manager1", db)} == {org["a1"]}  # the same shape, another parameter


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grading=st.sampled_from(["best", "latest", "average"]), graded=st.integers(0, 3),
       best=st.booleans(), latest=st.booleans(), redline=st.booleans(),
       average=st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 2)), pass_score=st.sampled_from([60.0, 80.0, 70.5]))
def test_passed_in_sql_agrees_with_the_python_standing(app, db, grading, graded, best, latest, redline, average, pass_score):
    """The SQL twin of results._grade (what assignment status counts) says what the learning map says."""
    from dataclasses import replace

    from sqlalchemy import literal
    from sqlalchemy.orm import aliased

    from academy.learning.content.catalog import get_catalog
    from academy.learning.quizzes.results import passed_sql, standing

    user = db.scalar(select(User).where(User.username == "p1")) or make_user(db, "p1")
    db.query(QuizTally).delete()
    tally = QuizTally(user_id=user.id, quiz_id=QUIZ, attempts=max(graded, 1), graded=graded, in_review=0,
                      best_percent=90.0, best_passed=best, best_redline=False, latest_percent=50.0, latest_passed=latest,
                      latest_redline=False, average_percent=average if graded else None, any_redline=redline)
    db.add(tally)
    db.commit()
    with app.app_context():
        quiz = replace(get_catalog().quiz(QUIZ), grading=grading, pass_score=pass_score)
    alias = aliased(QuizTally)
    in_sql = db.scalar(select(passed_sql(alias, literal(grading), literal(pass_score))).select_from(alias))
    assert bool(in_sql) == standing(quiz, db.get(QuizTally, (user.id, QUIZ))).passed


def test_module_done_in_sql_matches_the_learning_map(app, db, org):
    """The module rule is the learning map's: all lessons completed and every required quiz passed."""
    from academy.learning.content.catalog import get_catalog
    from academy.learning.courses.services import learner_progress
    from academy.platform.db import get_session

    admin = make_user(db, "boss", roles=("admin",))
    aid = add_assignment(db, admin.id, user_id=org["a1"])
    lessons, quizzes = module_requirements(app)
    steps = [("lesson", lesson_id) for lesson_id in lessons] + [("quiz", q) for q in quizzes]
    for kind, item in steps:
        if kind == "lesson":
            complete_lessons(db, org["a1"], [item])
        else:
            pass_quiz(db, org["a1"], item)
        with app.app_context():
            entry = learner_progress(get_session(), org["a1"], get_catalog().trainee_view).for_module(MODULE)
        sql_status = dict(((a, u), s) for a, u, s in rows_for(app, "boss", db))[(aid, org["a1"])]
        assert (sql_status == "done") == (entry.status == "done")
    assert sql_status == "done"


# ---- the learner's side -----------------------------------------------------------------------------------

def test_learner_sees_assignments_and_due_dates_on_the_dashboard(client, db, org):
    admin = make_user(db, "boss", roles=("admin",))
    add_assignment(db, admin.id, team_id=org["team_a"], due=TODAY + timedelta(days=5))
    add_assignment(db, admin.id, kind="quiz", target=QUIZ, user_id=org["a1"], due=TODAY - timedelta(days=1))
    login(client, "a1")
    page = client.get("/").get_data(as_text=True)
    assert "我的学习任务" in page and (TODAY + timedelta(days=5)).isoformat() in page
    assert "已逾期" in page and "未开始" in page


def test_dashboard_cache_follows_assignments(client, db, org):
    """The dashboard is a shared page: a new assignment (or a cancelled one) changes it at once."""
    admin = make_user(db, "boss", roles=("admin",))
    login(client, "a1")
    assert "我的学习任务" not in client.get("/").get_data(as_text=True)
    aid = add_assignment(db, admin.id, team_id=org["team_a"])
    assert "我的学习任务" in client.get("/").get_data(as_text=True)
    db.get(Assignment, aid).cancelled_at = db.scalar(select(func.now()))
    db.commit()
    assert "我的学习任务" not in client.get("/").get_data(as_text=True)


def test_the_dashboard_counts_from_the_records_a_learner_whose_rows_predate_the_requirements(app, client, db, org):
    """The dashboard reads a learner's kept rows (learner_target); after a content change they are stale until
    the learner's next lesson or quiz, and their statuses are then counted from the records, as before."""
    from academy.learning.content.catalog import get_catalog
    from academy.learning.models import LearnerTarget
    from academy.platform import cache

    admin = make_user(db, "boss", roles=("admin",))
    add_assignment(db, admin.id, team_id=org["team_a"])
    login(client, "a1")
    with app.app_context():
        first_lesson = get_catalog().trainee_view.module(MODULE).lessons[0].id
    assert client.post(f"/lessons/{first_lesson}/complete").status_code == 302

    def task_status() -> str:
        page = client.get("/").get_data(as_text=True)
        tasks = page[page.index('id="my-tasks"'):]
        return tasks[:tasks.index("</section>")]

    assert "学习中" in task_status()
    db.rollback()
    assert db.scalar(select(func.count()).select_from(LearnerTarget).where(LearnerTarget.user_id == org["a1"])) > 0

    db.execute(update(LearnerTargetStamp).values(version="old"))  # counted against older requirements
    db.execute(delete(LearnerTarget))
    db.commit()
    cache.clear()
    assert "学习中" in task_status()


def test_dashboard_statements_do_not_grow_with_assignments(app, client, db, org):
    admin = make_user(db, "boss", roles=("admin",))
    login(client, "a1")

    def count():
        from academy.platform import cache

        cache.clear()
        with statements_of(app) as seen:
            assert client.get("/").status_code == 200
        return len(seen)

    add_assignment(db, admin.id, team_id=org["team_a"])
    count()  # the first request of a test may also recheck the content's version (once per interval)
    few = count()
    for _ in range(5):
        add_assignment(db, admin.id, kind="quiz", target=QUIZ, user_id=org["a1"])
        add_assignment(db, admin.id, region_id=org["east"])
    assert count() == few


def test_stage_drill_is_assigned_with_a_note_and_shown_to_the_learner(client, app, db, org):
    from academy.learning.assignments.targets import stage_quizzes
    from academy.learning.content.catalog import get_catalog

    login(client, "manager1")
    response = assign(client, "stage:招标采购", f"u:{org['a1']}", note="客户项目已进入招标阶段")
    assert response.status_code == 302
    db.rollback()
    aid = db.scalar(select(Assignment.id))
    client.post("/logout")
    login(client, "a1")
    dashboard = client.get("/").get_data(as_text=True)
    assert f"/drills/{aid}" in dashboard and "招标采购" in dashboard
    page = client.get(f"/drills/{aid}").get_data(as_text=True)
    assert "客户项目已进入招标阶段" in page
    with app.app_context():
        quizzes = stage_quizzes(get_catalog().trainee_view, "招标采购")
    assert quizzes and all(f"/quizzes/{q.id}" in page for q in quizzes)
    for quiz in quizzes:
        pass_quiz(db, org["a1"], quiz.id)
    assert rows_for(app, "a1", db, mine=True) == [(aid, org["a1"], "done")]
    client.post("/logout")
    login(client, "b1")
    assert client.get(f"/drills/{aid}").status_code == 404  # someone else's drill


def test_stage_drill_completion_rule_needs_every_stage_quiz(app, db, org):
    from academy.learning.assignments.targets import stage_quizzes
    from academy.learning.content.catalog import get_catalog

    admin = make_user(db, "boss", roles=("admin",))
    aid = add_assignment(db, admin.id, kind="stage", target="签约", user_id=org["a1"])
    with app.app_context():
        quizzes = stage_quizzes(get_catalog().trainee_view, "签约")
    assert len(quizzes) >= 2
    pass_quiz(db, org["a1"], quizzes[0].id)
    assert rows_for(app, "boss", db) == [(aid, org["a1"], "in_progress")]


def test_demo_manager1_has_assignments_with_overdue_people_and_never_sees_the_other_region(app, client, db):
    from academy.demo import seed_demo

    with app.app_context():
        seed_demo("demo-pass-123")
    login(client, "manager1", "demo-pass-123")
    page = client.get("/assignments?status=overdue").get_data(as_text=True)
    assert page.count("已逾期") >= 1 and "季度必修" in page
    overdue = rows_for(app, "manager1", db, status="overdue")
    assert overdue
    west = {u for u, in db.execute(select(User.id).join(Team).join(Region).where(Region.name == "西南片区"))}
    assert not west & {u for _a, u, _s in rows_for(app, "manager1", db)}
    assert "客户项目已进入招标阶段" in page


def test_manager_pages_make_the_same_number_of_statements_for_more_assignments_and_people(app, client, db, org):

    admin = make_user(db, "boss", roles=("admin",))
    first = add_assignment(db, admin.id, team_id=org["team_a"])
    add_assignment(db, admin.id, region_id=org["east"])  # one of each kind of assignee: their names are one
    add_assignment(db, admin.id, user_id=org["a1"])  # statement per kind
    login(client, "manager1")

    def count(path):
        with statements_of(app) as seen:
            assert client.get(path).status_code == 200
        return len(seen)

    paths = ("/assignments", "/assignments?status=overdue", f"/assignments/{first}")
    count(paths[0])  # the first request of a test may also recheck the content's version (once per interval)
    before = [count(p) for p in paths]
    for i in range(6):
        db.rollback()
        make_user(db, f"more{i}", team=db.get(Team, org["team_a"]))
        add_assignment(db, admin.id, kind="quiz", target=QUIZ, region_id=org["east"], due=TODAY - timedelta(days=1))
        add_assignment(db, admin.id, user_id=org["a1"])
    assert [count(p) for p in paths] == before
