"""Learning map, lesson reader, 完成本节, dashboard, module completion and the SQL budget per page."""
import pytest

from tests.factories import login, make_user, start_quiz, statements_of


@pytest.fixture
def trainee(client, db):
    user = make_user(db, "t1")
    login(client, "t1")
    return user


def test_learning_map_statuses(app, client, trainee):
    from academy.learning.content.catalog import get_catalog

    page = client.get("/map").get_data(as_text=True)
    with app.app_context():
        assert page.count('class="map-node') == len(get_catalog().modules)
    assert "未开始" in page and "未解锁" in page and "先完成" in page


def test_lesson_reader_and_complete(client, trainee):
    page = client.get("/lessons/clients-org-traits").get_data(as_text=True)
    assert "本节目录" in page and "完成本节" in page and 'rel="next"' in page
    response = client.post("/lessons/clients-org-traits/complete")
    assert response.headers["Location"].endswith("/lessons/clients-three-factors")
    again = client.post("/lessons/clients-org-traits/complete")
    assert again.status_code == 302
    dashboard = client.get("/").get_data(as_text=True)
    assert "/lessons/clients-three-factors" in dashboard and "学习中" in dashboard


def test_locked_module_explains_prerequisites(client, trainee):
    response = client.get("/lessons/intel-five-info")
    assert response.status_code == 403 and "读懂政企客户" in response.get_data(as_text=True)


def test_module_completes_with_lessons_and_quizzes(client, app, db, trainee):
    from academy.learning.content.catalog import get_catalog
    from academy.learning.courses.services import learner_progress
    from academy.learning.models import Attempt
    from academy.learning.quizzes import tally
    from academy.org.models import utcnow
    from academy.platform.db import get_session

    with app.app_context():
        catalog = get_catalog()
        for lesson in catalog.module("clients").lessons:
            client.post(f"/lessons/{lesson.id}/complete")
        assert learner_progress(get_session(), trainee.id, catalog).for_module("clients").status == "in_progress"
        db.rollback()  # release the SQLite write lock before the next request
        for quiz in catalog.quizzes_for("clients"):
            attempt_id = start_quiz(client, quiz.id)
            attempt = db.get(Attempt, attempt_id)
            attempt.state, attempt.percent, attempt.passed = "graded", 100.0, True
            attempt.score, attempt.graded_at = attempt.max_score, utcnow()
            tally.refresh(db, [(trainee.id, quiz.id)])  # as the attempt services do
            db.commit()
        progress = learner_progress(get_session(), trainee.id, catalog)
        assert progress.for_module("clients").status == "done"
        assert progress.for_module("intel").status == "not_started"


def count_statements(app, client, path: str, method: str = "GET", expect: int = 200) -> int:
    """Statements the request sends to the database (BEGIN included)."""
    with statements_of(app) as seen:
        assert client.open(path, method=method).status_code == expect
    return len(seen)


def take_and_submit(app, client) -> dict[str, int]:
    attempt_id = start_quiz(client, "clients-quiz")
    client.get(f"/attempts/{attempt_id}")  # the first view of a version also reads and parses its stored source
    return {"take": count_statements(app, client, f"/attempts/{attempt_id}"),
            "submit": count_statements(app, client, f"/attempts/{attempt_id}/submit", "POST", 302)}


def test_sql_statements_per_page_do_not_grow_with_data(client, app, db, trainee):
    pages = ("/", "/map", "/lessons/clients-org-traits", "/quizzes/", "/quizzes/clients-quiz", "/mistakes", "/search?q=采购")
    first = take_and_submit(app, client)  # every item missed: the whole quiz enters the mistake book
    before = {p: count_statements(app, client, p) for p in pages}
    for i in range(15):
        make_user(db, f"other{i}")
    for lesson in ("clients-org-traits", "clients-three-factors", "clients-buying-process"):
        client.post(f"/lessons/{lesson}/complete")
    for _ in range(3):
        client.post(f"/attempts/{start_quiz(client, 'clients-dialogue')}/submit", data={})  # unlimited attempts
    after = {p: count_statements(app, client, p) for p in pages}
    assert after == before
    assert max(after.values()) <= 5  # BEGIN, the signed-in user, then the page's own reads
    assert take_and_submit(app, client) == first  # a second attempt, with a full mistake book
    # submit: BEGIN, the signed-in user, the attempt (locked), its UPDATE, the learner's lock (PostgreSQL), the
    # tally's recount (three reads and an upsert), the per-item rows (one INSERT), the learner's report rows
    # (a DELETE and an INSERT … SELECT for each of three tables), the certificate check, and the team sums of
    # the tally, learner_skill and learner_week: the learner's share taken out and put back (two statements
    # each), after locking the learner and their team (PostgreSQL, once for the tally and once for the rest), and
    # what they have met of each assignable target (a DELETE, an INSERT … SELECT and the stamp's upsert)
    locks = 3 if app.extensions["db_engine"].dialect.name != "sqlite" else 0
    assert first["take"] <= 4 and first["submit"] <= 25 + locks, first


def test_a_start_costs_the_same_after_many_attempts(client, app, trainee):
    """Starting reads a count and the open attempt, never every attempt: the statements sent do not grow."""
    costs = []
    for _ in range(5):
        start = count_statements(app, client, "/quizzes/clients-dialogue/start", "POST", 302)
        costs.append(start)
        attempt_id = start_quiz(client, "clients-dialogue")
        client.post(f"/attempts/{attempt_id}/submit", data={})
    assert len(set(costs[2:])) == 1, costs  # the first starts also store the quiz version
    # the signed-in user (the module has no prerequisites, so no progress is read to see whether it is open), the
    # attempts' count with the open one, the quiz version, the INSERT, the learner's lock (PostgreSQL), the tally's
    # counts and upsert (a start grades nothing, so the best and latest attempts are not looked up), and the
    # assignment targets (a DELETE, an INSERT … SELECT and the stamp)
    locks = 1 if app.extensions["db_engine"].dialect.name != "sqlite" else 0
    assert costs[-1] <= 9 + locks, costs


def test_resuming_an_open_attempt_starts_no_new_one(client, trainee):
    first = start_quiz(client, "clients-quiz")
    response = client.post("/quizzes/clients-quiz/start")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/attempts/{first}")
    client.post(f"/attempts/{first}/submit", data={})
    second = client.post("/quizzes/clients-quiz/start").headers["Location"]
    assert not second.endswith(f"/attempts/{first}")


def test_no_markdown_rendering_per_request(client, trainee, monkeypatch):
    import markdown

    def forbidden(*_args, **_kwargs):
        raise AssertionError("Markdown rendered during a request")

    monkeypatch.setattr(markdown.Markdown, "convert", forbidden)
    for path in ("/lessons/clients-org-traits", "/map", "/quizzes/clients-quiz", "/search?q=采购"):
        assert client.get(path).status_code == 200


def test_quizzes_of_a_locked_module_cannot_be_started(client, trainee):
    assert client.get("/quizzes/intel-quiz").status_code == 403
    response = client.post("/quizzes/intel-quiz/start")
    assert response.status_code == 403 and "读懂政企客户" in response.get_data(as_text=True)
    assert client.get("/quizzes/final-exam").status_code == 200  # not tied to a module


def test_the_percentage_says_what_it_counts(app, client, trainee):
    """Issue 14 item 3: beside the bar, the lessons done and required quizzes passed that make the percentage."""
    from academy.learning.content.catalog import get_catalog

    client.post("/lessons/clients-org-traits/complete")
    with app.app_context():
        module = get_catalog().module("clients")
        required = sum(1 for q in get_catalog().quizzes_for("clients") if q.required)
    lessons = len(module.lessons)
    assert required >= 1
    summary = f"课时 1/{lessons} · 必考测验 0/{required} · 共 {round(100 / (lessons + required))}%"
    for path in ("/map", "/modules/clients", "/"):
        page = client.get(path).get_data(as_text=True)
        assert f'<span class="progress-text">{summary}</span>' in page, path
        assert f'aria-valuetext="{summary}"' in page, path
    assert "已完成 1/" not in client.get("/map").get_data(as_text=True)
    client.post("/language", data={"lang": "en", "next": "/map"})
    english = client.get("/map").get_data(as_text=True)
    assert f"Lessons 1/{lessons} · Required quizzes 0/{required} · {round(100 / (lessons + required))}% overall" in english
