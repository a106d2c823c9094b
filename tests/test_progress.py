"""Learning map, lesson reader, 完成本节, dashboard, module completion and the SQL budget per page."""
import pytest
from sqlalchemy import event

from academy.reads import Reader
from tests.factories import login, make_user, start_quiz


@pytest.fixture
def trainee(client, db):
    user = make_user(db, "t1")
    login(client, "t1")
    return user


def test_learning_map_statuses(client, trainee):
    page = client.get("/map").get_data(as_text=True)
    assert page.count('class="map-node') == 4
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
    from academy.content.catalog import get_catalog
    from academy.courses.services import learner_progress
    from academy.db import get_reader
    from academy.models import Attempt
    from academy.models.org import utcnow

    with app.app_context():
        catalog = get_catalog()
        for lesson in catalog.module("clients").lessons:
            client.post(f"/lessons/{lesson.id}/complete")
        assert learner_progress(get_reader(), trainee.id, catalog).for_module("clients").status == "in_progress"
        db.rollback()  # release the SQLite write lock before the next request
        for quiz in catalog.quizzes_for("clients"):
            attempt_id = start_quiz(client, quiz.id)
            attempt = db.get(Attempt, attempt_id)
            attempt.state, attempt.percent, attempt.passed, attempt.score, attempt.graded_at = "graded", 100.0, True, attempt.max_score, utcnow()
            db.commit()
        progress = learner_progress(get_reader(), trainee.id, catalog)
        assert progress.for_module("clients").status == "done"
        assert progress.for_module("intel").status == "not_started"


def count_statements(app, client, path: str, method: str = "GET", expect: int = 200) -> int:
    """Statements sent through SQLAlchemy plus those the hot reads send straight to the driver."""
    engine = app.extensions["db_engine"]
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    fetch = Reader.fetch
    Reader.fetch = lambda self, sql, arguments: (seen.append(sql), fetch(self, sql, arguments))[1]
    try:
        assert client.open(path, method=method).status_code == expect
    finally:
        event.remove(engine, "before_cursor_execute", listener)
        Reader.fetch = fetch
    return len(seen)


def take_and_submit(app, client) -> dict[str, int]:
    attempt_id = start_quiz(client, "clients-quiz")
    client.get(f"/attempts/{attempt_id}")  # the first view of a version also reads and parses its stored source
    return {"take": count_statements(app, client, f"/attempts/{attempt_id}"),
            "submit": count_statements(app, client, f"/attempts/{attempt_id}/submit", "POST", 302)}


def test_sql_statements_per_page_do_not_grow_with_data(client, app, db, trainee):
    pages = ("/", "/map", "/lessons/clients-org-traits", "/quizzes/", "/quizzes/clients-quiz", "/mistakes")
    first = take_and_submit(app, client)  # every item missed: the whole quiz enters the mistake book
    before = {p: count_statements(app, client, p) for p in pages}
    for i in range(15):
        make_user(db, f"other{i}")
    for lesson in ("clients-org-traits", "clients-three-factors", "clients-buying-process"):
        client.post(f"/lessons/{lesson}/complete")
    for _ in range(3):
        client.post(f"/attempts/{start_quiz(client, 'sample-all-types')}/submit", data={})
    after = {p: count_statements(app, client, p) for p in pages}
    assert after == before
    assert max(after.values()) <= 4  # the signed-in user, then the page's own reads
    assert take_and_submit(app, client) == first  # a second attempt, with a full mistake book
    # submit: the signed-in user and the attempt read outside the write transaction; in it one conditional
    # UPDATE finalises the attempt (the 错题本 is folded from its outcomes), then item results and one UPDATE of
    # the tally
    assert first["take"] <= 4 and first["submit"] <= 5, first


def test_starting_reads_the_quiz_tally_not_every_attempt(client, app, db, trainee):
    """The attempt number and the open attempt come from one tally row, so a start costs the same after many
    attempts; without a tally row (none yet, or lost) the attempts are counted."""
    from academy.models import Attempt, QuizTally

    for _ in range(3):
        client.post(f"/attempts/{start_quiz(client, 'sample-all-types')}/submit", data={})
    engine, sent = app.extensions["db_engine"], []
    listener = lambda *args: sent.append(args[2].lower())  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        fourth = start_quiz(client, "sample-all-types")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert not [sql for sql in sent if "count(" in sql and "from attempt" in sql], sent
    client.post(f"/attempts/{fourth}/submit", data={})
    db.query(QuizTally).filter_by(user_id=trainee.id).delete()
    db.commit()
    fifth = start_quiz(client, "sample-all-types")
    assert db.get(Attempt, fifth).number == 5 and db.get(Attempt, fourth).number == 4


def test_resuming_an_attempt_needs_no_write_transaction(client, app, trainee, monkeypatch):
    """继续作答 posts to start again: with the attempt still open it only reads, so it never waits for the
    writers' lock; a new attempt after submitting does write."""
    from academy.db import get_session

    first = start_quiz(client, "clients-quiz")
    opened = []
    real = get_session
    monkeypatch.setattr("academy.quizzes.views.get_session", lambda: opened.append(1) or real())
    response = client.post("/quizzes/clients-quiz/start")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/attempts/{first}")
    assert opened == []
    client.post(f"/attempts/{first}/submit", data={})
    opened.clear()
    second = client.post("/quizzes/clients-quiz/start").headers["Location"]
    assert not second.endswith(f"/attempts/{first}") and opened


def test_no_markdown_rendering_per_request(client, trainee, monkeypatch):
    import markdown

    def forbidden(*_args, **_kwargs):
        raise AssertionError("Markdown rendered during a request")

    monkeypatch.setattr(markdown.Markdown, "convert", forbidden)
    for path in ("/lessons/clients-org-traits", "/map", "/quizzes/clients-quiz"):
        assert client.get(path).status_code == 200


def test_quizzes_of_a_locked_module_cannot_be_started(client, trainee):
    assert client.get("/quizzes/intel-quiz").status_code == 403
    response = client.post("/quizzes/intel-quiz/start")
    assert response.status_code == 403 and "读懂政企客户" in response.get_data(as_text=True)
    assert client.get("/quizzes/final-exam").status_code == 200  # not tied to a module
