"""xAPI export: lesson statements as stored, attempt statements built from the attempts, the same at every export."""
import json
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from academy.learning.models import Attempt, XapiStatement
from tests.factories import database_at, exported, login, make_user, start_quiz
from tests.test_quiz_flow import correct_form, quiz


def verbs(statements) -> list[str]:
    return [s["verb"]["display"]["en-US"] for s in statements]


def test_export_xapi_command(client, app, db, runner):
    learner = make_user(db, "t1")
    login(client, "t1")
    attempt_id = start_quiz(client, "clients-quiz")
    client.post(f"/attempts/{attempt_id}/submit", data={})
    client.post("/lessons/clients-org-traits/complete")
    client.post("/lessons/clients-org-traits/complete")  # once only
    result = runner.invoke(args=["export-xapi", "--since", "2000-01-01"])
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    scored = len(quiz(app, "clients-quiz").scored_items())
    assert verbs(lines).count("answered") == scored and verbs(lines).count("experienced") == 1
    assert {"attempted", "completed", "failed"} <= set(verbs(lines))
    assert all(s["actor"]["account"]["name"] == f"user-{learner.id}" for s in lines)
    assert all(s["version"] == "1.0.3" and s["timestamp"].endswith("Z") for s in lines)
    assert [s["timestamp"] for s in lines] == sorted(s["timestamp"] for s in lines)
    assert runner.invoke(args=["export-xapi", "--since", "not-a-date"]).exit_code != 0


def test_an_attempt_exports_the_same_statements_every_time_and_a_submit_stores_none(client, app, db):
    make_user(db, "t1")
    login(client, "t1")
    attempt_id = start_quiz(client, "clients-quiz")
    client.post(f"/attempts/{attempt_id}/submit", data=correct_form(quiz(app, "clients-quiz")))
    assert db.scalar(select(func.count()).select_from(XapiStatement)) == 0
    first, again = exported(app), exported(app)
    assert first == again and len({s["id"] for s in first}) == len(first)
    assert verbs(first)[0] == "attempted" and verbs(first)[-2:] == ["completed", "passed"]
    answered = [s for s in first if verbs([s]) == ["answered"]]
    assert all(s["result"]["success"] and s["result"]["score"]["scaled"] == 1.0 for s in answered)
    item = quiz(app, "clients-quiz").scored_items()[0]
    assert answered[0]["object"]["id"].endswith(f"/quiz/clients-quiz/item/{item.id}")
    assert answered[0]["object"]["definition"]["name"]["zh-CN"] == item.title
    assert answered[0]["context"]["contextActivities"]["parent"][0]["id"].endswith("/quiz/clients-quiz")


def test_since_selects_each_event_by_its_own_time(client, app, db):
    make_user(db, "t1")
    login(client, "t1")
    attempt_id = start_quiz(client, "clients-quiz")
    client.post(f"/attempts/{attempt_id}/submit", data={})
    graded_at = db.get(Attempt, attempt_id).graded_at
    db.execute(update(Attempt).where(Attempt.id == attempt_id).values(started_at=graded_at - timedelta(days=2)))
    db.commit()
    since = graded_at - timedelta(days=1)
    recent = verbs(exported(app, since))
    assert "attempted" not in recent and recent[-2:] == ["completed", "failed"]
    assert exported(app, graded_at + timedelta(seconds=1)) == []


def test_a_role_play_completes_when_reviewed(client, app, db):
    make_user(db, "t1")
    login(client, "t1")
    attempt_id = start_quiz(client, "clients-roleplay")
    item = quiz(app, "clients-roleplay").items[0]
    client.post(f"/attempts/{attempt_id}/submit", data={f"q-{item.id}": "回应"})
    assert verbs(exported(app)) == ["attempted"]  # awaiting review: nothing completed yet
    make_user(db, "coach", roles=("trainer",))
    client.post("/logout")
    login(client, "coach")
    top = max(p for _, p in item.levels)
    client.post(f"/review/{attempt_id}", data={f"{item.id}-level-{i}": str(top) for i in range(len(item.criteria))})
    statements = exported(app)
    assert verbs(statements)[-2:] == ["completed", "passed"]
    db.rollback()
    graded_at = db.get(Attempt, attempt_id).graded_at
    assert statements[-1]["timestamp"] == graded_at.isoformat() + "Z"


def test_the_migration_drops_stored_attempt_statements_and_keeps_lesson_ones(tmp_path):
    from sqlalchemy import text

    from academy.platform import migrate

    engine = database_at(tmp_path / "old.db", "0004")
    with engine.begin() as conn:
        for number, verb in enumerate(["experienced", "attempted", "answered", "completed", "passed", "failed"]):
            conn.execute(text("INSERT INTO xapi_statement (statement_id, user_id, verb, timestamp, statement) "
                              "VALUES (:id, 1, :verb, :when, '{}')"), {"id": f"s{number}", "verb": verb, "when": datetime(2026, 1, 1)})
    migrate.upgrade(engine)
    with engine.connect() as conn:
        left = conn.execute(text("SELECT verb FROM xapi_statement")).scalars().all()
    engine.dispose()
    assert left == ["experienced"]
