"""8 threads × 25 submissions against the test database (file SQLite or PostgreSQL): no lock errors, nothing lost or doubled."""
import threading

from sqlalchemy import func, select

from academy.learning.models import Attempt
from tests.factories import exported, login, make_user

THREADS, ROUNDS = 8, 25


def test_concurrent_submissions(app, db):
    for i in range(THREADS):
        make_user(db, f"c{i}", roles=("trainer",))  # the sample quiz (every item type) is for staff only
    db.rollback()
    errors: list[str] = []

    def worker(i: int) -> None:
        client = app.test_client()
        login(client, f"c{i}")
        for _ in range(ROUNDS):
            start = client.post("/quizzes/sample-all-types/start")
            if start.status_code != 302:
                errors.append(f"start {start.status_code}")
                continue
            attempt_id = start.headers["Location"].rsplit("/", 1)[-1]
            # Two submits of the same attempt race each other: exactly one may grade it.
            codes = [client.post(f"/attempts/{attempt_id}/submit", data={"q-sample-tf": "false"}).status_code for _ in range(2)]
            if codes != [302, 302]:
                errors.append(f"submit {codes}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    attempts = db.scalar(select(func.count()).select_from(Attempt))
    assert attempts == THREADS * ROUNDS
    submitted = db.scalar(select(func.count()).select_from(Attempt).where(Attempt.state != "in_progress"))
    assert submitted == THREADS * ROUNDS
    # One "attempted" per start: nothing duplicated (the quiz's role-play leaves every attempt awaiting review).
    verbs = [s["verb"]["display"]["en-US"] for s in exported(app)]
    assert verbs.count("attempted") == len(verbs) == THREADS * ROUNDS


def test_concurrent_starts_respect_the_attempt_limit(app, db):
    make_user(db, "racer")
    db.rollback()
    client_codes: list[int] = []

    def worker() -> None:
        client = app.test_client()
        login(client, "racer")
        for _ in range(20):  # until this learner is told the attempts are used up
            start = client.post("/quizzes/clients-quiz/start")
            client_codes.append(start.status_code)
            if start.status_code == 422:
                break
            if start.status_code == 302:
                client.post(start.headers["Location"] + "/submit", data={})

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    count = db.scalar(select(func.count()).select_from(Attempt).where(Attempt.quiz_id == "clients-quiz"))
    assert count == 3
    assert all(code in (302, 409, 422) for code in client_codes)
    assert client_codes.count(422) == len(threads), "every racer ends on the attempt limit"


def test_concurrent_submits_and_team_moves_keep_the_team_sums(app, db):
    """Trainees of two teams submit graded attempts side by side while an admin moves one of them between the
    teams: no lock errors or deadlocks (the learner and their team are locked in one order everywhere), and
    the team sums equal a recount afterwards."""
    from academy.org.models import Region, Team
    from tests.test_admin import user_form
    from tests.test_progress_rows import assert_team_sums_equal_recounts

    region = Region(name="华南")
    teams = [Team(name="一组", region=region), Team(name="二组", region=region)]
    learners = [make_user(db, f"t{i}", team=teams[i % 2]) for i in range(4)]
    make_user(db, "boss", roles=("admin",))
    moving_id, team_ids = learners[0].id, [t.id for t in teams]
    db.rollback()
    errors: list[str] = []

    def caught(work):
        def run(*args) -> None:
            try:
                work(*args)
            except Exception as exc:  # a deadlock surfaces as an exception in the thread: fail on it
                errors.append(repr(exc)[:300])
        return run

    @caught
    def learner(i: int) -> None:
        client = app.test_client()
        login(client, f"t{i}")
        for _ in range(6):
            start = client.post("/quizzes/clients-dialogue/start")
            if start.status_code != 302:
                errors.append(f"start {start.status_code}")
                continue
            submit = client.post(f"/attempts/{start.headers['Location'].rsplit('/', 1)[-1]}/submit", data={})
            if submit.status_code != 302:
                errors.append(f"submit {submit.status_code}")

    @caught
    def admin() -> None:
        client = app.test_client()
        login(client, "boss")
        for n in range(6):
            form = user_form(username="t0", display_name="t0", password="", team_id=str(team_ids[(n + 1) % 2]))
            if client.post(f"/admin/users/{moving_id}/edit", data=form).status_code != 302:
                errors.append("move")

    threads = [threading.Thread(target=learner, args=(i,)) for i in range(4)] + [threading.Thread(target=admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert db.scalar(select(func.count()).select_from(Attempt).where(Attempt.state == "graded")) == 4 * 6
    assert_team_sums_equal_recounts(db)


def test_one_learner_completing_lessons_in_several_tabs_at_once(app, db):
    """A learner in no team (whom no team lock covers) completes every lesson of the course from four tabs at
    once: no error, and their report and target rows equal a recount; then all four tabs complete one lesson
    again at the same moment: still no error."""
    from academy.learning.content.catalog import get_catalog
    from tests.test_progress_rows import kept_report_rows, python_report_rows
    from tests.test_target_rows import assert_target_rows_equal_recount

    learner = make_user(db, "tabs")
    db.rollback()
    with app.app_context():
        catalog = get_catalog()
        lessons = [lesson.id for module in catalog.trainee_view.modules for lesson in module.lessons]
    errors: list[str] = []

    def in_tabs(lessons_of_tab) -> None:
        def worker(tab: int) -> None:
            client = app.test_client()
            login(client, "tabs")
            for lesson_id in lessons_of_tab(tab):
                try:  # the test app raises a view's exception (a key collision) instead of answering 500
                    code = client.post(f"/lessons/{lesson_id}/complete").status_code
                except Exception as exc:  # noqa: BLE001 - any failure of the request is what this test counts
                    code = type(exc).__name__
                if code not in (302, 303):
                    errors.append(f"{lesson_id}: {code}")

        threads = [threading.Thread(target=worker, args=(tab,)) for tab in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    in_tabs(lambda tab: lessons[tab::4])
    assert errors == []
    db.rollback()
    assert kept_report_rows(db, learner.id) == python_report_rows(db, learner.id)
    assert_target_rows_equal_recount(db, learner.id, catalog)
    in_tabs(lambda tab: lessons[:1])
    assert errors == []
