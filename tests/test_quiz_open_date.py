"""A quiz's schedule (`opens_at`, `closes_at`: a day, or a day and a time, on the organisation's clock): Quiz
Markdown front matter, the authoring options form, and the learner side (the intro says when it opens or that it
has closed, starting is refused outside the schedule)."""
import re
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from academy.authoring.models import ContentDocument
from academy.learning.models import Attempt
from academy.learning.questions import parse_quiz_text
from tests.factories import form_fields, login, make_user

BODY = "## 判断：红线 {#dates-q1}\n可以拆分项目规避招标。\n答案：错\n"


def parsed(front: str):
    quiz, sink = parse_quiz_text(f"---\nid: dates\ntitle: 日期\n{front}\n---\n{BODY}", "quizzes/dates.md")
    return quiz, [(p.line, p.code, p.message) for p in sink.problems]


# --- Quiz Markdown --------------------------------------------------------------------------------------------------

def test_opens_at_is_read_from_the_front_matter():
    quiz, problems = parsed("opens_at: 2027-03-01\ncloses_at: 2027-03-31")
    assert problems == [] and (quiz.opens_at, quiz.closes_at) == ("2027-03-01", "2027-03-31")
    quiz, _problems = parsed("opens_at: '2027-03-01'")  # quoted, as the options form may write it
    assert quiz.opens_at == "2027-03-01"
    assert parsed("")[0].opens_at == ""  # open from the start


@pytest.mark.parametrize("value", ["2027/03/01", "2027-3-1", "tomorrow", "2027-02-30", "2027-13-01", "2027-03-01 25:00",
                                   "2027-03-01 9:00", "2027-03-01T09:00", "2027-03-01 09:00:00", "2027-03-01 09:60"])
def test_a_bad_opens_at_is_e004_on_its_line(value):
    quiz, problems = parsed(f"pass_score: 60\nopens_at: {value}")
    assert quiz is None
    assert problems == [(5, "E004", "opens_at 格式应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM (bad opens_at)")]


def test_a_closes_at_that_is_no_day_is_e004_not_a_crash_at_start():
    """2027-02-30 matched the pattern and was accepted; starting the quiz then raised ValueError (a 500)."""
    quiz, problems = parsed("closes_at: 2027-02-30")
    assert quiz is None and problems == [(4, "E004", "closes_at 格式应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM (bad closes_at)")]


def test_opening_after_closing_is_an_error_on_the_opens_at_line():
    quiz, problems = parsed("closes_at: 2027-03-01\nopens_at: 2027-03-02")
    assert quiz is None
    assert problems == [(5, "E004", "opens_at 晚于 closes_at：测验开放前就已关闭 (opens_at after closes_at)")]
    assert parsed("opens_at: 2027-03-01\ncloses_at: 2027-03-01")[1] == []  # one day open


def test_a_time_of_day_opens_and_closes_an_exam_at_that_minute():
    quiz, problems = parsed("opens_at: 2027-03-01 14:00\ncloses_at: 2027-03-01 16:30")
    assert problems == [] and (quiz.opens_at, quiz.closes_at) == ("2027-03-01 14:00", "2027-03-01 16:30")
    assert parsed("opens_at: 2027-03-01 09:00\ncloses_at: 2027-03-01")[1] == []  # until the end of that day
    assert [code for _l, code, _m in parsed("opens_at: 2027-03-01 14:00\ncloses_at: 2027-03-01 14:00")[1]] == ["E004"]


@settings(max_examples=60, deadline=None)
@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_any_two_days_parse_and_only_an_inverted_pair_is_refused(opens, closes):
    quiz, problems = parsed(f"opens_at: {opens.isoformat()}\ncloses_at: {closes.isoformat()}")
    if opens > closes:
        assert quiz is None and [code for _line, code, _message in problems] == ["E004"]
    else:
        assert problems == [] and quiz.opens_at == opens.isoformat()


# --- the options form -----------------------------------------------------------------------------------------------

def trainer_with_quiz(client, db, quiz_id="dated", course=""):
    make_user(db, "t1", roles=("trainer",))
    login(client, "t1")
    response = client.post("/authoring/new", data={"quiz_id": quiz_id, "title": "定时测验", "course": course})
    assert response.status_code == 302
    return f"quizzes/{quiz_id}.md"


OPTIONS = {"title": "定时测验", "pass_score": "60", "grading": "highest", "shuffle": "none", "review": "after_submit",
           "required": "y"}


def draft(db, path):
    db.rollback()
    return db.scalar(select(ContentDocument.draft_source).where(ContentDocument.path == path))


def test_the_options_form_writes_and_shows_opens_at(client, db):
    path = trainer_with_quiz(client, db)
    assert 'name="opens_at"' in client.get(f"/authoring/options/{path}").get_data(as_text=True)
    response = client.post(f"/authoring/options/{path}", data={**OPTIONS, "opens_at": "2027-01-10", "closes_at": "2027-01-31"})
    assert response.status_code == 302
    source = draft(db, path)
    assert "\nopens_at: 2027-01-10\n" in source and "\ncloses_at: 2027-01-31\n" in source
    assert 'value="2027-01-10"' in client.get(f"/authoring/options/{path}").get_data(as_text=True)
    assert client.post(f"/authoring/publish/{path}").status_code == 302  # the parser accepts what the form wrote
    client.post(f"/authoring/options/{path}", data={**OPTIONS, "opens_at": "", "closes_at": ""})
    assert "opens_at" not in draft(db, path)  # left empty: the line goes, the quiz is open from the start


def test_the_options_form_takes_a_time_of_day(client, db):
    path = trainer_with_quiz(client, db)
    response = client.post(f"/authoring/options/{path}",
                           data={**OPTIONS, "opens_at": " 2027-01-10  14:00 ", "closes_at": "2027-01-10 16:00"})
    assert response.status_code == 302
    assert '\nopens_at: "2027-01-10 14:00"\n' in draft(db, path)  # spaces tidied as the parser reads it
    assert client.post(f"/authoring/publish/{path}").status_code == 302


@pytest.mark.parametrize("opens, closes, message", [
    ("2027-02-01", "2027-01-31", "开放时间必须早于截止时间。"),
    ("2027-01-31 18:00", "2027-01-31 09:00", "开放时间必须早于截止时间。"),
    ("2027-02-30", "", "日期格式应为 YYYY-MM-DD，或加上时间"),
    ("20270201", "", "日期格式应为 YYYY-MM-DD，或加上时间"),
    ("", "2027-01-31 24:00", "日期格式应为 YYYY-MM-DD，或加上时间"),
])
def test_the_options_form_refuses_bad_dates_and_saves_nothing(client, db, opens, closes, message):
    path = trainer_with_quiz(client, db)
    before = draft(db, path)
    response = client.post(f"/authoring/options/{path}", data={**OPTIONS, "opens_at": opens, "closes_at": closes})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert draft(db, path) == before


# --- learners -------------------------------------------------------------------------------------------------------

def learner_of_scheduled(client, db, app, quiz_id: str, course: str = "", **schedule):
    """A trainer publishes quiz `quiz_id` (in module `course`, or none) with `schedule` (opens_at, closes_at); a
    signed-in learner's client."""
    path = trainer_with_quiz(client, db, quiz_id, course)
    client.post(f"/authoring/options/{path}", data={**OPTIONS, **schedule})
    assert client.post(f"/authoring/publish/{path}").status_code == 302
    make_user(db, "learner")
    learner = app.test_client()
    login(learner, "learner")
    return learner


@pytest.fixture
def opening_quiz(client, db, app):
    """A published quiz opening on 2030-05-01."""
    return learner_of_scheduled(client, db, app, "opening", opens_at="2030-05-01")


def at(monkeypatch, when: datetime):
    """The server's clock reads `when` (UTC, as stored), for the quiz views (starting) and for where the schedule
    puts a quiz (every page that shows it).  The days are the organisation's (TIMEZONE, by default Asia/Shanghai,
    8 hours ahead): 2030-05-01 begins there at 2030-04-30 16:00 UTC."""
    monkeypatch.setattr("academy.learning.quizzes.views.utcnow", lambda: when)
    monkeypatch.setattr("academy.learning.courses.progress.utcnow", lambda: when)


def attempts(db) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(Attempt))


def test_before_the_open_date_the_intro_says_when_and_starting_is_refused(opening_quiz, db, monkeypatch):
    at(monkeypatch, datetime(2030, 4, 30, 15, 59))  # 23:59 on 04-30 in Beijing
    page = opening_quiz.get("/quizzes/opening").get_data(as_text=True)
    assert "将于 2030-05-01 开放" in page and "/quizzes/opening/start" not in page
    refused = opening_quiz.post("/quizzes/opening/start")
    assert refused.status_code == 422
    assert "该测验将于 2030-05-01 开放，现在还不能作答。" in refused.get_data(as_text=True)
    assert attempts(db) == 0


@pytest.mark.parametrize("when", [datetime(2030, 4, 30, 16, 0), datetime(2030, 5, 1, 15, 59), datetime(2030, 6, 1)])
def test_on_and_after_the_open_date_the_quiz_starts(opening_quiz, db, monkeypatch, when):
    at(monkeypatch, datetime(2030, 4, 30, 12, 0))
    assert "将于 2030-05-01 开放" in opening_quiz.get("/quizzes/opening").get_data(as_text=True)  # shared page stored
    at(monkeypatch, when)
    page = opening_quiz.get("/quizzes/opening").get_data(as_text=True)
    assert "将于" not in page and "/quizzes/opening/start" in page  # the shared page is not the one stored the day before
    assert opening_quiz.post("/quizzes/opening/start").status_code == 302
    assert attempts(db) == 1


def test_the_open_day_is_the_organisations_not_the_servers_utc_day(opening_quiz, monkeypatch):
    """At 07:59 on 05-01 in Beijing the server's UTC day is still 04-30: the quiz has opened all the same."""
    at(monkeypatch, datetime(2030, 4, 30, 23, 59))
    assert opening_quiz.post("/quizzes/opening/start").status_code == 302


@pytest.fixture
def closing_quiz(client, db, app):
    """A published quiz closing on 2030-06-30."""
    return learner_of_scheduled(client, db, app, "closing", closes_at="2030-06-30")


def test_the_close_date_is_the_last_day_on_the_organisations_clock(closing_quiz, db, monkeypatch):
    at(monkeypatch, datetime(2030, 6, 30, 15, 59))  # 23:59 on 06-30 in Beijing: still open
    assert closing_quiz.post("/quizzes/closing/start").status_code == 302
    assert attempts(db) == 1


def test_after_the_close_date_starting_is_refused(closing_quiz, db, monkeypatch):
    at(monkeypatch, datetime(2030, 6, 30, 16, 0))  # 00:00 on 07-01 in Beijing, though still 06-30 in UTC
    refused = closing_quiz.post("/quizzes/closing/start")
    assert refused.status_code == 422 and "该测验已关闭" in refused.get_data(as_text=True)
    assert attempts(db) == 0


@pytest.fixture
def exam(client, db, app):
    """A published exam opening at 14:00 on 2030-05-01 and closing at 16:00 that day, in Beijing."""
    return learner_of_scheduled(client, db, app, "exam", opens_at="2030-05-01 14:00", closes_at="2030-05-01 16:00")


def test_an_exam_opens_at_its_minute_and_closes_at_its_minute(exam, db, monkeypatch):
    at(monkeypatch, datetime(2030, 5, 1, 5, 59))  # 13:59 in Beijing
    page = exam.get("/quizzes/exam").get_data(as_text=True)
    assert "将于 2030-05-01 14:00 开放" in page and "/quizzes/exam/start" not in page
    assert exam.post("/quizzes/exam/start").status_code == 422
    at(monkeypatch, datetime(2030, 5, 1, 6, 0))  # 14:00
    page = exam.get("/quizzes/exam").get_data(as_text=True)
    assert "/quizzes/exam/start" in page and "2030-05-01 16:00" in page  # the deadline is on the page
    assert exam.post("/quizzes/exam/start").status_code == 302
    assert attempts(db) == 1


def test_a_closed_quiz_says_so_instead_of_offering_a_start(exam, db, monkeypatch):
    at(monkeypatch, datetime(2030, 5, 1, 8, 0))  # 16:00 in Beijing
    page = exam.get("/quizzes/exam").get_data(as_text=True)
    assert "已于 2030-05-01 16:00 截止" in page and "/quizzes/exam/start" not in page
    assert exam.post("/quizzes/exam/start").status_code == 422 and attempts(db) == 0


def test_an_attempt_started_before_the_close_can_still_be_finished(exam, db, monkeypatch):
    at(monkeypatch, datetime(2030, 5, 1, 7, 0))
    assert exam.post("/quizzes/exam/start").status_code == 302
    at(monkeypatch, datetime(2030, 5, 1, 8, 30))
    page = exam.get("/quizzes/exam").get_data(as_text=True)
    assert "截止，" not in page and "继续作答" in page


def test_the_quiz_list_says_when_an_exam_opens_and_that_it_has_closed(exam, monkeypatch):
    """The list is a shared page: it must change at the minute the exam opens and at the minute it closes."""
    at(monkeypatch, datetime(2030, 5, 1, 5, 59))
    assert "2030-05-01 14:00 开放" in exam.get("/quizzes/").get_data(as_text=True)
    at(monkeypatch, datetime(2030, 5, 1, 6, 0))
    page = exam.get("/quizzes/").get_data(as_text=True)
    assert "2030-05-01 14:00 开放" not in page and "已截止" not in page
    at(monkeypatch, datetime(2030, 5, 1, 8, 0))
    assert "已截止" in exam.get("/quizzes/").get_data(as_text=True)


# --- the dashboard, the learning map and the module page ------------------------------------------------------------

def test_the_dashboard_lists_an_exam_from_before_it_opens_until_it_closes(exam, monkeypatch):
    """The dashboard is a shared page too: the exam's line changes at the minute it opens and goes when it closes."""
    at(monkeypatch, datetime(2030, 5, 1, 5, 59))  # 13:59 in Beijing
    page = exam.get("/").get_data(as_text=True)
    assert "考试安排" in page and "2030-05-01 14:00 开放" in page and "截止：2030-05-01 16:00" in page
    at(monkeypatch, datetime(2030, 5, 1, 6, 0))
    page = exam.get("/").get_data(as_text=True)
    assert "进行中" in page and "开放</span>" not in page and "截止：2030-05-01 16:00" in page
    at(monkeypatch, datetime(2030, 5, 1, 8, 0))  # 16:00: closed, nothing left to do
    assert "考试安排" not in exam.get("/").get_data(as_text=True)


RIGHT_OPTION = re.compile(r'name="(q-[^"]+)" value="([^"]+)"\s*>\s*<span[^>]*>正确选项')  # the starter quiz's right one


def test_a_passed_exam_leaves_the_dashboard(exam, monkeypatch):
    at(monkeypatch, datetime(2030, 5, 1, 6, 30))
    attempt = exam.post("/quizzes/exam/start").headers["Location"]
    page = exam.get(attempt).get_data(as_text=True)
    name, value = RIGHT_OPTION.search(page).groups()
    result = exam.post(f"{attempt}/submit", data={**form_fields(page, f"{attempt}/submit"), name: value})
    assert result.status_code == 302 and "100.0%" in exam.get(result.headers["Location"]).get_data(as_text=True)
    assert "考试安排" not in exam.get("/").get_data(as_text=True)


def test_a_deadline_of_a_whole_day_reads_as_the_end_of_that_day(closing_quiz, monkeypatch):
    at(monkeypatch, datetime(2030, 6, 1))
    assert "截止：2030-06-30 当天结束" in closing_quiz.get("/").get_data(as_text=True)


def test_a_quiz_open_without_a_deadline_is_not_on_the_dashboard(opening_quiz, monkeypatch):
    at(monkeypatch, datetime(2030, 4, 1))
    assert "2030-05-01 开放" in opening_quiz.get("/").get_data(as_text=True)
    at(monkeypatch, datetime(2030, 5, 2))  # open, and open for good: the quiz list has it
    assert "考试安排" not in opening_quiz.get("/").get_data(as_text=True)


def test_the_learning_map_and_the_module_page_mark_a_scheduled_quiz_of_the_module(client, db, app, monkeypatch):
    learner = learner_of_scheduled(client, db, app, "clients-exam", course="clients", opens_at="2030-05-01 14:00")
    at(monkeypatch, datetime(2030, 5, 1, 5, 59))
    for path in ("/map", "/modules/clients"):
        assert "2030-05-01 14:00 开放" in learner.get(path).get_data(as_text=True), path
    at(monkeypatch, datetime(2030, 5, 1, 6, 0))
    for path in ("/map", "/modules/clients"):
        page = learner.get(path).get_data(as_text=True)
        assert "定时测验" in page and "2030-05-01 14:00 开放" not in page, path
