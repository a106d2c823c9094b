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
