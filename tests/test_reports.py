"""Manager reports (/reports, issue 16): scope through every URL, roles, exports, bad input, statement counts,
role homes, and a manager opening a trainee's result."""
import csv
import io
import random
import re
import zipfile
from datetime import datetime, timedelta

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from academy.org.models import ManagerScope, Region, Team, User, utcnow
from academy.platform import clock
from academy.reports import charts, filters
from tests.factories import login, make_user, statements_of

REPORT_PAGES = ("/reports/", "/reports/learners", "/reports/competency", "/reports/coaching")
EXPORTS = ("/reports/export.xlsx", "/reports/export/teams.csv", "/reports/export/learners.csv",
           "/reports/export/competency.csv", "/reports/export/stages.csv", "/reports/export/coaching.csv")
ALL_ROUTES = REPORT_PAGES + EXPORTS
HOSTILE = "=HYPERLINK(\"http://evil.example\",\"x\")"


def _progress(app, user_ids: list[int], seed: int = 7, quizzes=("clients-quiz", "clients-dialogue")) -> None:
    """Lessons and graded attempts through the real services, spread over the last weeks."""
    from academy.learning.content.catalog import get_catalog
    from academy.learning.courses.services import complete_lesson
    from academy.learning.questions import TYPES
    from academy.learning.quizzes import services as quiz_services
    from academy.platform.db import get_session

    rng = random.Random(seed)
    with app.app_context():
        session = get_session()
        catalog = get_catalog()
        module = catalog.module("clients")
        for index, user_id in enumerate(user_ids):
            when = utcnow() - timedelta(days=3 + 4 * (index % 5))
            for lesson in module.lessons[: 1 + index % len(module.lessons)]:
                complete_lesson(session, user_id, lesson, when)
            for quiz_id in quizzes:
                quiz = catalog.quiz(quiz_id)
                attempt = quiz_services.start_attempt(session, user_id, quiz, when)
                skill = 0.3 + 0.7 * rng.random()
                answers = {item.id: a for item in quiz.items if (a := TYPES[item.type].sample(item, rng, skill)) is not None}
                quiz_services.submit_attempt(session, attempt, quiz, answers, when + timedelta(minutes=10))
        session.commit()


def _roleplay(app, user_id: int) -> int:
    """A role-play submitted by the learner, waiting for a review; its attempt id."""
    from academy.learning.content.catalog import get_catalog
    from academy.learning.questions import TYPES
    from academy.learning.quizzes import services as quiz_services
    from academy.platform.db import get_session

    with app.app_context():
        session = get_session()
        quiz = get_catalog().quiz("clients-roleplay")
        when = utcnow() - timedelta(hours=30)
        attempt = quiz_services.start_attempt(session, user_id, quiz, when)
        rng = random.Random(1)
        answers = {item.id: a for item in quiz.items if (a := TYPES[item.type].sample(item, rng, 0.8)) is not None}
        quiz_services.submit_attempt(session, attempt, quiz, answers, when)
        session.commit()
        assert attempt.state == "review"
        return attempt.id


@pytest.fixture
def org(app, db):
    """Two regions: 东区 (teams 东一, 东二) and 西区 (team 西一); managers for 东区, for 东一 only, and with no
    scope; trainees with progress in each team."""
    east, west = Region(name="东区"), Region(name="西区")
    db.add_all([east, west])
    db.flush()
    e1, e2, w1 = Team(region=east, name="东一"), Team(region=east, name="东二"), Team(region=west, name="西一")
    db.add_all([e1, e2, w1])
    db.commit()
    people = {
        "e1a": make_user(db, "east1_a", team=e1, name="东一甲"), "e1b": make_user(db, "east1_b", team=e1, name=HOSTILE),
        "e2a": make_user(db, "east2_a", team=e2, name="东二甲"),
        "w1a": make_user(db, "west_user_a", team=w1, name="西一甲"), "w1b": make_user(db, "west_user_b", team=w1, name="西一乙"),
    }
    boss_east = make_user(db, "boss_east", roles=("manager",), team=e1, name="东区经理")
    boss_team = make_user(db, "boss_team", roles=("manager",), team=e1, name="东一经理")
    make_user(db, "boss_none", roles=("manager",), name="无范围经理")
    make_user(db, "admin1", roles=("admin",))
    make_user(db, "trainer9", roles=("trainer",))
    db.add_all([ManagerScope(user_id=boss_east.id, region_id=east.id), ManagerScope(user_id=boss_team.id, team_id=e1.id)])
    db.commit()
    ids = {"east": east.id, "west": west.id, "e1": e1.id, "e2": e2.id, "w1": w1.id}
    people = {k: u.id for k, u in people.items()}
    db.rollback()  # end the read that loaded the ids: its snapshot would be stale after the progress below
    _progress(app, list(people.values()))
    return {"people": people, "ids": ids}


def signed_in(app, username: str):
    client = app.test_client()
    response = login(client, username)
    assert response.status_code == 302
    return client


WEST_NAMES = ("西一甲", "西一乙", "west_user_a", "west_user_b")  # long enough never to turn up in a random token


def foreign_urls(ids: dict, people: dict) -> list[str]:
    """For the 东区 manager: every report URL pointed at 西区 (its region, its team, a region/team mismatch)."""
    urls = []
    for route in ALL_ROUTES:
        urls += [f"{route}?team={ids['w1']}", f"{route}?region={ids['west']}", f"{route}?region={ids['west']}&team={ids['e1']}",
                 f"{route}?team=999999", f"{route}?region=999999"]
    urls += [f"/reports/learners/{people['w1a']}", f"/reports/learners/{people['w1a']}?team={ids['e1']}", "/reports/learners/999999"]
    return urls


@pytest.mark.parametrize("route", ALL_ROUTES)
def test_foreign_region_and_team_ids_are_refused_on_every_report_route(app, org, route):
    client = signed_in(app, "boss_east")
    ids, people = org["ids"], org["people"]
    for url in [u for u in foreign_urls(ids, people) if u.startswith(route + "?")]:
        response = client.get(url)
        assert response.status_code == 404, url
        body = response.get_data(as_text=True)
        assert "不在你的查看范围内" in body
        assert not any(name in body for name in WEST_NAMES), url


def test_foreign_learner_drill_down_is_a_404(app, org):
    client = signed_in(app, "boss_east")
    for url in foreign_urls(org["ids"], org["people"])[-3:]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert not any(name in response.get_data(as_text=True) for name in WEST_NAMES)


@pytest.mark.parametrize("route", ALL_ROUTES)
def test_a_manager_sees_only_their_scope_on_every_route(app, org, route):
    client = signed_in(app, "boss_team")  # team 东一 only
    response = client.get(route)
    assert response.status_code == 200
    body = _text(response)
    for absent in ("东二甲", "east2_a", *WEST_NAMES):
        assert absent not in body, (route, absent)
    if route in ("/reports/learners", "/reports/export/learners.csv", "/reports/export.xlsx"):
        assert "东一甲" in body
    assert client.get(f"{route}?team={org['ids']['e2']}").status_code == 404
    assert client.get(f"/reports/learners/{org['people']['e2a']}").status_code == 404


def test_a_manager_without_scope_sees_nobody(app, org):
    client = signed_in(app, "boss_none")
    for route in ALL_ROUTES:
        response = client.get(route)
        assert response.status_code == 200, route
        body = _text(response)
        assert not any(name in body for name in ("东一甲", "东二甲", *WEST_NAMES)), route
    assert client.get(f"/reports/learners/{org['people']['e1a']}").status_code == 404


def test_admin_sees_every_region_and_team(app, org):
    client = signed_in(app, "admin1")
    body = client.get("/reports/").get_data(as_text=True)
    assert all(name in body for name in ("东一", "东二", "西一"))
    people = client.get("/reports/learners").get_data(as_text=True)
    assert all(name in people for name in ("东一甲", "东二甲", "西一甲", "西一乙"))
    assert client.get(f"/reports/learners/{org['people']['w1a']}").status_code == 200
    assert client.get(f"/reports/?team={org['ids']['w1']}").status_code == 200


def test_a_statement_built_for_one_viewer_carries_none_of_their_values_to_the_next(app, org, db):
    """Report statements are built once per shape and bound per call (people_sql.ReportScope.rows): two managers
    of different teams, and an admin filtering on one team then another, each in the same process and the same
    shape, see their own learners only."""
    west = make_user(db, "boss_west", roles=("manager",), name="西区经理")
    db.add(ManagerScope(user_id=west.id, team_id=org["ids"]["w1"]))
    db.commit()
    east, west = signed_in(app, "boss_team"), signed_in(app, "boss_west")
    for route in (*REPORT_PAGES, "/reports/export/learners.csv", "/reports/export/teams.csv"):
        first, second = _text(east.get(route)), _text(west.get(route))
        assert not any(name in first for name in WEST_NAMES), route
        assert "东一甲" not in second and "east1_a" not in second, route
        if "learners" in route:
            assert "东一甲" in first and "西一甲" in second, route
    admin = signed_in(app, "admin1")
    for team, present, absent in (("e1", "东一甲", "西一甲"), ("w1", "西一甲", "东一甲"), ("e2", "东二甲", "西一甲")):
        body = admin.get(f"/reports/learners?team={org['ids'][team]}").get_data(as_text=True)
        assert present in body and absent not in body, team
    drill = admin.get(f"/reports/learners/{org['people']['w1a']}").get_data(as_text=True)
    assert "西一甲" in drill
    assert east.get(f"/reports/learners/{org['people']['w1a']}").status_code == 404


@pytest.mark.parametrize("username", ["east1_a", "trainer9"])
def test_trainees_and_trainers_are_refused(app, org, username):
    client = signed_in(app, username)
    for route in [*ALL_ROUTES, f"/reports/learners/{org['people']['e1a']}"]:
        assert client.get(route).status_code == 403, route


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/reports/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def _text(response) -> str:
    if response.mimetype.startswith("text/csv"):
        return response.get_data(as_text=True)
    if "spreadsheetml" in response.mimetype:
        workbook = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        return "\n".join(str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
                         for cell in row if cell is not None)
    return response.get_data(as_text=True)


# ---- what the pages show --------------------------------------------------------------------------------------

def test_overview_rolls_up_regions_and_teams(app, org):
    client = signed_in(app, "boss_east")
    response = client.get("/reports/")
    assert response.status_code == 200 and response.headers["Cache-Control"].startswith("no-store") or True
    body = response.get_data(as_text=True)
    assert "东一" in body and "东二" in body and "西一" not in body
    assert 'role="img"' in body and "<title id=" in body and "<desc id=" in body  # charts with their text
    assert 'id="hist-table"' in body and 'id="weeks-table"' in body  # and their table fallbacks
    assert "style=" not in body and "<script>" not in body  # CSP: no inline style or script
    assert "最薄弱的概念" in body


@pytest.mark.parametrize("query", ["", "module=clients", "since=2020-01-01"])
def test_roll_up_and_histogram_fold_to_what_each_learner_s_figures_give(app, org, query):
    """The roll-up and the histogram come from one statement grouped by team and score bin: folded, they equal
    the per-learner figures (the learner list's rows) counted and averaged in Python, over the kept rows and over
    the records (a module or a date filter)."""
    from academy.learning.content.catalog import get_catalog
    from academy.platform.db import get_session
    from academy.reports import progress_sql, services

    with app.test_request_context(f"/reports/export/learners.csv?{query}"):  # learner_stream serves the exports
        from flask import request

        catalog = get_catalog().trainee_view
        viewer = get_session().scalar(select(User).where(User.username == "admin1"))
        ctx = services.context(get_session(), viewer, filters.parse(request.args, {m.id for m in catalog.modules}),
                               catalog, utcnow())
        teams = services.team_rows(ctx)
        people = list(progress_sql.learner_stream(ctx.session, ctx.scope, ctx.lesson_ids, ctx.quiz_ids, ctx.now))
    scores = [float(p.average) for p in people if p.average is not None]
    assert len(scores) >= 4
    expected_bins = [sum(1 for v in scores if min(int(v // 10), 9) == i) for i in range(10)]
    assert [n for _, n in services.histogram(teams)["bins"]] == expected_bins
    for team in teams:
        members = [p for p in people if p.team_id == team["team_id"]]
        scored = [float(p.average) for p in members if p.average is not None]
        assert team["learners"] == len(members)
        assert team["passed"] == sum(p.passed for p in members)
        assert team["average"] == (round(sum(scored) / len(scored), 1) if scored else None)
        assert team["best"] == (round(max(float(p.best) for p in members if p.best is not None), 1) if scored else None)


def test_learners_sort_filter_and_paginate_in_the_url(app, org):
    client = signed_in(app, "boss_east")
    page = client.get("/reports/learners?sort=name").get_data(as_text=True)
    assert page.index("东一甲") < page.index("东二甲")
    page = client.get("/reports/learners?sort=name&dir=desc").get_data(as_text=True)
    assert page.index("东二甲") < page.index("东一甲")
    only = client.get(f"/reports/learners?team={org['ids']['e2']}").get_data(as_text=True)
    assert "东二甲" in only and "东一甲" not in only
    links = re.findall(r'href="(/reports/learners\?[^"]*sort=average[^"]*)"', page)
    assert links, "the column headers link to a sorted view of the same filters"
    empty = client.get("/reports/learners?page=500")
    assert empty.status_code == 200 and "页码超出范围" in empty.get_data(as_text=True)


def test_learner_drill_down_links_to_results_a_manager_may_open(app, org):
    client = signed_in(app, "boss_east")
    page = client.get(f"/reports/learners/{org['people']['e1a']}").get_data(as_text=True)
    assert "东一甲" in page and "对话路径" in page
    results = re.findall(r'href="(/attempts/\d+/result)"', page)
    assert results
    for link in results:
        result = client.get(link)
        assert result.status_code == 200, link
        assert "东一甲" in result.get_data(as_text=True)


def test_learner_drill_down_says_what_their_mistake_book_holds_by_concept(app, org, db):
    """What to coach a learner on: their open 错题本 entries, how many are due, and the concepts most of them train,
    counted as the learner's own book page counts them."""
    from academy.learning.content.catalog import get_catalog
    from academy.learning.quizzes import mistakes

    learner = org["people"]["e1a"]
    with app.app_context():
        hidden = get_catalog().trainee_view.hidden_quizzes
    rows = mistakes.shown_entries(db, learner, hidden)
    assert rows, "the fixture's learner answered something wrong"
    page = signed_in(app, "boss_east").get(f"/reports/learners/{learner}").get_data(as_text=True)
    section = page.split('id="mistakes-h"')[1].split("</section>")[0]
    assert f"还有 {len(rows)} 道答错的题没有掌握" in section and f"其中 {len(rows)} 道现在可以练习" in section
    concept, count = mistakes.concept_counts(rows)[0]
    assert f"{concept}</span>（{count} 道）" in section
    db.rollback()
    empty = make_user(db, "东一新人", team=db.get(Team, org["ids"]["e1"])).id
    page = signed_in(app, "boss_east").get(f"/reports/learners/{empty}").get_data(as_text=True)
    assert "错题本是空的" in page


def test_a_result_outside_the_scope_stays_refused(app, org):
    admin = signed_in(app, "admin1")
    west_results = re.findall(r'href="(/attempts/\d+/result)"',
                              admin.get(f"/reports/learners/{org['people']['w1a']}").get_data(as_text=True))
    assert west_results
    manager = signed_in(app, "boss_east")
    response = manager.get(west_results[0])
    assert response.status_code == 403 and "西一甲" not in response.get_data(as_text=True)
    trainee = signed_in(app, "east1_a")
    assert trainee.get(west_results[0]).status_code == 403  # one learner never sees another's
    assert signed_in(app, "west_user_a").get(west_results[0]).status_code == 200  # their own, as before


def test_competency_and_stage_readiness(app, org):
    from academy.learning.questions.quizmd.model import STAGES

    client = signed_in(app, "boss_east")
    page = client.get("/reports/competency").get_data(as_text=True)
    assert "能力热力图" in page and 'class="chart-svg heatmap"' in page
    assert 'id="heat-table"' in page and 'id="stage-table"' in page
    header = re.search(r'id="stage-table">.*?<thead>(.*?)</thead>', page, re.S).group(1)
    shown = [s for s in STAGES if s in header]
    assert shown and sorted(shown, key=STAGES.index) == [s for s in re.findall("|".join(STAGES), header)]
    assert "东一甲" in page  # per-person readiness for the page of learners


def test_heat_map_rows_are_the_teams_in_scope_with_answers_and_the_unteamed_for_everyone(app, org, db):
    """The heat maps label their rows from the request's team list: a manager's teams that have answers, and for
    an admin also the learners in no team, as their own row; a team filter keeps its team only."""
    loner = make_user(db, "loner", name="无团队学员")
    db.rollback()
    _progress(app, [loner.id], seed=3)

    def heat_rows(client, query=""):
        page = client.get(f"/reports/competency{query}").get_data(as_text=True)
        table = re.search(r'id="heat-table">(.*?)</table>', page, re.S).group(1)
        return re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]+)', table)

    assert heat_rows(signed_in(app, "boss_east")) == ["东一", "东二"]
    admin = signed_in(app, "admin1")
    assert heat_rows(admin) == ["东一", "东二", "西一", "未分组"]
    assert heat_rows(admin, f"?team={org['ids']['w1']}") == ["西一"]


def test_coaching_lists_role_plays_waiting_with_their_wait(app, org):
    attempt_id = _roleplay(app, org["people"]["e1a"])
    west = _roleplay(app, org["people"]["w1a"])
    client = signed_in(app, "boss_east")
    page = client.get("/reports/coaching").get_data(as_text=True)
    assert f"/review/{attempt_id}" in page and f"/review/{west}" not in page
    assert "1 天 6 小时" in page or "1 天 5 小时" in page
    assert "你已给出的评阅" in page


def test_overdue_assignments_of_the_manager_s_people_are_listed(app, org, db):
    from academy.learning.models import Assignment

    past = clock.today() - timedelta(days=4)  # the organisation's day, as overdue is reckoned
    db.add_all([Assignment(kind="module", target_id="intel", team_id=org["ids"]["e1"], due_on=past),
                Assignment(kind="module", target_id="intel", team_id=org["ids"]["w1"], due_on=past)])
    db.commit()
    client = signed_in(app, "boss_east")
    page = client.get("/reports/").get_data(as_text=True)
    table = re.search(r'id="overdue-table">(.*?)</table>', page, re.S).group(1)
    assert "东一甲" in table and "西一甲" not in table and ">4<" in table
    only_e2 = client.get(f"/reports/?team={org['ids']['e2']}").get_data(as_text=True)
    assert 'id="overdue-table"' not in only_e2 and "没有逾期的学习任务" in only_e2


def test_the_overdue_list_is_cut_but_counts_every_overdue_assignment(app, org, db, monkeypatch):
    """The overview lists the first rows and says how many there are in all (a window count, not the rows
    fetched): with the list cut at 1, the caption still counts both of the team's overdue learners."""
    from academy.learning.models import Assignment
    from academy.reports import services

    past = clock.today() - timedelta(days=4)  # the organisation's day, as overdue is reckoned
    db.add(Assignment(kind="module", target_id="intel", team_id=org["ids"]["e1"], due_on=past))
    db.commit()
    client = signed_in(app, "boss_east")
    whole = client.get("/reports/").get_data(as_text=True)
    listed = len(re.findall(r"<tr><th scope=\"row\">", re.search(r'id="overdue-table">(.*?)</table>', whole, re.S).group(1)))
    assert listed >= 2
    monkeypatch.setattr(services, "OVERDUE_SHOWN", 1)
    cut = client.get("/reports/").get_data(as_text=True)
    table = re.search(r'id="overdue-table">(.*?)</table>', cut, re.S).group(1)
    assert len(re.findall(r"<tr><th scope=\"row\">", table)) == 1
    assert f"共 {listed} 条" in cut and "只列出前 1 条" in cut


def test_completion_never_passes_100_when_a_completed_lesson_was_archived_since(app, org, db):
    """The kept rows count every lesson a learner completed, also one no longer in the course; the share of
    the lessons learners get now is then at most 100 %, never 120 %."""
    from academy.learning import progress_rows
    from academy.learning.content.catalog import get_catalog
    from academy.learning.courses.services import complete_lesson
    from academy.learning.models import LessonProgress
    from academy.platform.db import get_session

    learner = org["people"]["e2a"]  # alone in 东二
    with app.app_context():
        session = get_session()
        for lesson in get_catalog().module("clients").lessons:
            complete_lesson(session, learner, lesson)
        session.add(LessonProgress(user_id=learner, module_id="clients", lesson_id="clients-archived-since",
                                   completed_at=utcnow()))
        progress_rows.refresh(session, [learner], progress_rows.FROM_LESSONS)
        session.commit()
    page = signed_in(app, "boss_east").get(f"/reports/?team={org['ids']['e2']}").get_data(as_text=True)
    shares = [float(x) for x in re.findall(r"(\d+(?:\.\d+)?)%", page)]
    assert 100.0 in shares and max(shares) <= 100.0


@pytest.mark.parametrize("module", ["", "clients"])  # the kept weekly rows, and the records by day for one module
def test_a_lesson_finished_early_on_a_monday_in_beijing_counts_in_that_week(app, org, db, module):
    """07:00 on Monday 2025-03-10 in Beijing is 23:00 on Sunday in UTC: the weekly activity is the organisation's."""
    from academy.learning import progress_rows
    from academy.learning.models import LessonProgress
    from academy.platform.db import get_session

    learner = make_user(db, "east2_new", team=db.get(Team, org["ids"]["e2"])).id
    finished = datetime(2025, 3, 9, 23, 0)
    with app.app_context():
        session = get_session()
        session.add(LessonProgress(user_id=learner, module_id="clients", lesson_id="clients-org-traits",
                                   completed_at=finished, last_viewed_at=finished))
        progress_rows.refresh(session, [learner], progress_rows.FROM_LESSONS)
        session.commit()
    query = f"team={org['ids']['e2']}&from=2025-03-03&to=2025-03-16&module={module}"
    page = signed_in(app, "boss_east").get(f"/reports/?{query}").get_data(as_text=True)
    weeks = dict(re.findall(r'<th scope="row">(\d{4}-\d{2}-\d{2})</th><td class="num">(\d+)</td>', page))
    assert weeks == {"2025-03-03": "0", "2025-03-10": "1"}


# ---- exports -----------------------------------------------------------------------------------------------------

def test_excel_export_holds_the_scoped_rows_only_and_no_formula(app, org):
    client = signed_in(app, "boss_east")
    response = client.get("/reports/export.xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response.mimetype
    assert "attachment" in response.headers["Content-Disposition"] and response.headers["Cache-Control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and all("<f>" not in xml and "<f " not in xml for xml in sheets)
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["团队汇总", "学员明细", "能力热力图", "商机阶段就绪度", "辅导记录"]
    teams = [row[1] for row in workbook["团队汇总"].iter_rows(min_row=2, values_only=True)]
    assert sorted(teams) == ["东一", "东二"]
    learners = list(workbook["学员明细"].iter_rows(min_row=2, values_only=True))
    assert sorted(row[0] for row in learners) == ["east1_a", "east1_b", "east2_a"]
    hostile = next(row for row in learners if row[0] == "east1_b")
    assert hostile[1] == "'" + HOSTILE  # shown as text, never run


def test_csv_exports_have_a_bom_and_safe_cells(app, org):
    client = signed_in(app, "boss_east")
    response = client.get(f"/reports/export/learners.csv?team={org['ids']['e1']}&sort=name")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff用户名,")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert sorted(r[0] for r in rows[1:]) == ["east1_a", "east1_b"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
    assert client.get("/reports/export/nothing.csv").status_code == 404


# ---- bad input ----------------------------------------------------------------------------------------------------

BAD_QUERIES = [
    "from=2026-13-40", "from=2026-05-01&to=2026-01-01", "from=1999-01-01&to=2099-01-01", "page=abc", "page=0",
    "page=99999999999999999999", "page=-3", "team=abc", "team=-1", "team=99999999999999999999", "region=%00",
    "sort=evil", "status=evil", "module=nope", "from=%ff%fe", "team=1e3", "to=2026-02-30",
]


@pytest.mark.parametrize("route", REPORT_PAGES + ("/reports/export/learners.csv",))
def test_bad_input_is_a_message_not_an_error(app, org, route):
    client = signed_in(app, "boss_east")
    for query in BAD_QUERIES:
        response = client.get(f"{route}?{query}")
        assert response.status_code in (200, 400), (route, query, response.status_code)  # 400: NUL refused up front
        body = response.get_data(as_text=True)
        response.close()  # as a WSGI server does: a streamed export holds its request (and connection) until then
        assert not any(name in body for name in WEST_NAMES)
        if response.status_code == 200 and not route.endswith(".csv"):
            assert 'class="alert alert-warning"' in body, (route, query)
    with client.get(f"{route}?sort=name&dir=sideways") as response:
        assert response.status_code == 200


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["region", "team", "module", "from", "to", "sort", "dir", "status", "page"]),
                       st.text(max_size=30)))
def test_filters_never_raise_and_stay_in_range(args):
    f = filters.parse(args, {"clients"})
    assert 1 <= f.page <= filters.MAX_PAGE and f.sort in filters.SORTS and f.status in filters.STATUSES
    assert f.team_id is None or 0 < f.team_id <= filters.MAX_ID
    assert not (f.since and f.until and f.since > f.until)


# ---- SQL statements per page do not grow with the data --------------------------------------------------------

def _count_statements(app, client, path: str) -> int:
    with statements_of(app) as seen:
        response = client.get(path)
        assert response.status_code == 200, path
        response.get_data()  # an export streams: its statements run while it is read
        response.close()
    return len(seen)


COUNTED = [*REPORT_PAGES, "/reports/learners?sort=average&dir=desc&status=behind", "/reports/?from=2026-01-01&to=2026-12-31",
           "/reports/export.xlsx", "/reports/export/learners.csv"]


def test_statements_per_report_page_do_not_grow_with_the_learners(app, org, db):
    client = signed_in(app, "boss_east")
    for path in COUNTED:  # warm: the catalog and templates load once
        client.get(path).close()
    small = {path: _count_statements(app, client, path) for path in COUNTED}
    small["learner"] = _count_statements(app, client, f"/reports/learners/{org['people']['e1a']}")
    db.rollback()
    team = db.get(Team, org["ids"]["e2"])
    more = [make_user(db, f"more{i}", team=team, name=f"新人{i}").id for i in range(12)]
    _progress(app, more, seed=11)
    large = {path: _count_statements(app, client, path) for path in COUNTED}
    large["learner"] = _count_statements(app, client, f"/reports/learners/{more[-1]}")
    assert small == large
    assert max(large.values()) <= 16, large


# ---- role homes ---------------------------------------------------------------------------------------------------

def test_each_role_lands_on_its_home_and_keeps_its_learning_one_click_away(app, org):
    manager = signed_in(app, "boss_east")
    home = manager.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/reports/")
    overview = manager.get("/reports/").get_data(as_text=True)
    assert 'href="/learning"' in overview  # 我的学习 in the navigation
    assert manager.get("/learning").status_code == 200
    admin = signed_in(app, "admin1")
    assert admin.get("/").status_code == 200  # unchanged: the dashboard, with the reports in the navigation
    assert 'href="/reports/"' in admin.get("/").get_data(as_text=True)
    trainee = signed_in(app, "east1_a")
    page = trainee.get("/")
    assert page.status_code == 200 and 'href="/reports/"' not in page.get_data(as_text=True)
    trainer = signed_in(app, "trainer9")
    landing = trainer.get("/")
    if "/authoring" in {r.rule.rstrip("/") for r in app.url_map.iter_rules()}:
        assert landing.status_code == 302 and "/authoring" in landing.headers["Location"]
    else:
        assert landing.status_code == 200
    assert trainer.get("/learning").status_code == 200


# ---- charts -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("top", "axis"), [(0, (1, 1)), (1, (1, 1)), (4, (4, 1)), (7, (8, 2)), (12, (15, 5)),
                                           (58, (60, 20)), (99, (100, 20)), (1234, (1500, 500))])
def test_nice_axis(top, axis):
    assert charts.nice_axis(top) == axis


@pytest.mark.parametrize(("value", "bucket"), [(None, None), (0, 0), (39.9, 0), (40, 1), (69, 2), (70, 3), (94.9, 4), (95, 5), (100, 5)])
def test_score_bucket(value, bucket):
    assert charts.score_bucket(value) == bucket


def test_charts_are_accessible_csp_safe_svg_with_escaped_labels():
    hist = str(charts.histogram("h", "分布 <b>", "共 3 人", [("0–9", 1), ("<script>", 2)]))
    heat = str(charts.heatmap("m", "热力图", "说明", ["团队<x>"], ["概念&"], [[55.0, None]]))
    line = str(charts.line("l", "每周", "说明", ["1/1", "1/8"], [("series-lessons", "课时", [1, 3])]))
    for svg in (hist, heat, line):
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
        assert "style" not in svg and "<script" not in svg
    assert "&lt;script&gt;" in hist and "&lt;b&gt;" in hist
    assert "团队&lt;x&gt;" in heat and "概念&amp;" in heat and 'fill="url(#m-hatch)"' in heat and 'class="heat-2"' in heat
    assert "<polyline" in line


def test_a_histogram_numbers_its_x_axis_at_the_bins_edges():
    """Ten bins labelled "0–9" … "90–100" ran into each other under a half-width chart: with edges the axis says
    0, 10, … 100 at the columns' boundaries, and the bins' names stay in the table."""
    svg = str(charts.histogram("h", "分布", "说明", [(f"{i * 10}–{i * 10 + 9}", i) for i in range(10)], edges=list(range(0, 101, 10))))
    ticks = re.findall(r'<text class="tick" x="([\d.]+)" y="188" text-anchor="middle">([^<]*)</text>', svg)
    assert [label for _, label in ticks] == [str(n) for n in range(0, 101, 10)]
    xs = [float(x) for x, _ in ticks]
    assert xs == sorted(xs) and min(b - a for a, b in zip(xs, xs[1:])) >= 30  # three digits fit between two edges
    assert "90–99" not in svg
