"""attempt_item (contract C3): one row per graded attempt × top-level scored item, written in the grading
transaction, with the response key each question type gives; gone when the attempt leaves "graded"; filled for
existing attempts by the migration."""
import pytest
from sqlalchemy import select, text

from academy.learning.models import Attempt, AttemptItem
from academy.learning.questions import TYPES
from academy.learning.quizzes import item_rows
from tests.factories import database_at, login, make_user, start_quiz
from tests.test_quiz_flow import correct_form, quiz


@pytest.fixture
def trainee(client, db):
    user = make_user(db, "t1")
    login(client, "t1")
    return user


def test_a_graded_submit_writes_one_row_per_scored_item(client, app, db, trainee):
    q = quiz(app, "clients-quiz")
    form = correct_form(q)
    attempt_id = start_quiz(client, "clients-quiz")
    client.post(f"/attempts/{attempt_id}/submit", data=form)
    db.rollback()
    rows = {row.item_id: row for row in db.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id))}
    assert set(rows) == {item.id for item in q.scored_items()}
    q01 = rows["clients-q01"]
    assert (q01.user_id, q01.quiz_id, q01.item_type, q01.concept, q01.stage) == (
        trainee.id, "clients-quiz", "single", "多层级决策", "需求调研")
    assert q01.correct and q01.score == q01.points == 2.0 and q01.response == form["q-clients-q01"]
    multiple = rows["clients-q05"]
    assert multiple.response == ",".join(sorted(form["q-clients-q05"]))
    assert rows["clients-q08"].response in ("true", "false")
    assert rows["clients-q11"].response == ""  # ordering: nothing to count per option
    assert rows["clients-q15"].item_type == "scenario" and "clients-q15-1" not in rows  # top-level items only
    attempt = db.get(Attempt, attempt_id)
    assert q01.graded_at == attempt.graded_at and q01.version_id == attempt.version_id


def test_blank_and_tampered_answers_give_empty_keys(app):
    q = quiz(app, "clients-quiz")
    single, multiple, truefalse = (q.item(i) for i in ("clients-q01", "clients-q05", "clients-q08"))
    assert TYPES["single"].response_key(single, None) == "" and TYPES["single"].response_key(single, "zz") == ""
    assert TYPES["multiple"].response_key(multiple, ["c", "a", "zz", 3]) == "a,c"
    assert TYPES["truefalse"].response_key(truefalse, "yes") == ""
    dialogue = quiz(app, "clients-dialogue").items[0]
    assert TYPES["dialogue"].response_key(dialogue, "junk") == ""
    assert TYPES["dialogue"].response_key(dialogue, [0, 99]) == "0"  # as far as the path was valid
    assert TYPES["dialogue"].response_tokens(dialogue, "0") == [f"{dialogue.start}#0"]


def test_a_dialogue_row_holds_the_decision_path(client, app, db, trainee):
    import random

    from academy.demo import _sample_answers

    q = quiz(app, "clients-dialogue")
    attempt_id = start_quiz(client, q.id)
    path = _sample_answers(q, random.Random(1), 1.0)[q.items[0].id]
    for index in path:
        assert client.post(f"/attempts/{attempt_id}/dialogue/{q.items[0].id}", data={"choice": index}).status_code in (200, 302)
    client.post(f"/attempts/{attempt_id}/submit", data={})
    db.rollback()
    row = db.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)).one()
    assert row.item_type == "dialogue" and row.response == ",".join(map(str, path))


def test_rows_leave_when_an_attempt_leaves_graded(client, app, db, trainee):
    attempt_id = start_quiz(client, "clients-quiz")
    client.post(f"/attempts/{attempt_id}/submit", data={})
    db.rollback()
    attempt = db.get(Attempt, attempt_id)
    assert db.scalar(select(AttemptItem.item_id).where(AttemptItem.attempt_id == attempt_id).limit(1))
    attempt.state = "review"  # as a reopened review would
    item_rows.refresh(db, attempt, quiz(app, "clients-quiz"))
    db.commit()
    assert db.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)).all() == []


def test_the_migration_fills_rows_for_graded_attempts(tmp_path, app):
    import orjson
    from alembic import command

    from academy.platform import migrate

    q = quiz(app, "clients-quiz")
    answer = next(o.key for o in q.item("clients-q01").options if o.correct)
    engine = database_at(tmp_path / "old.db", "0010")
    snapshot = orjson.dumps({"path": q.path, "source": q.source}).decode()
    result = orjson.dumps({"clients-q01": {"score": 2.0, "points": 2.0, "correct": True, "redline": False}}).decode()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO quiz_version (id, quiz_id, content_hash, snapshot, created_at) "
                          "VALUES (1, 'clients-quiz', 'h', :s, '2026-01-01 00:00:00')"), {"s": snapshot})
        conn.execute(text("INSERT INTO quiz_version (id, quiz_id, content_hash, snapshot, created_at) "
                          "VALUES (2, 'broken', 'b', '{}', '2026-01-01 00:00:00')"))
        for number, (state, version) in enumerate([("graded", 1), ("in_progress", 1), ("graded", 2)], 1):
            conn.execute(text("INSERT INTO attempt (user_id, quiz_id, version_id, number, state, seed, started_at, graded_at, "
                              "answers, result, checked, max_score, score, redline) VALUES (1, 'clients-quiz', :v, :n, :s, 1, "
                              "'2026-01-01 00:00:00', '2026-01-01 00:10:00', :a, :r, '[]', 2, 2, 0)"),
                         {"n": number, "s": state, "v": version, "a": orjson.dumps({"clients-q01": answer}).decode(), "r": result})
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT attempt_id, item_id, item_type, concept, stage, score, points, correct, response "
                                 "FROM attempt_item")).all()
    with engine.begin() as conn:  # and back down
        command.downgrade(migrate.alembic_config(conn), "0010")
    with engine.connect() as conn:
        assert "attempt_item" not in {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    engine.dispose()
    assert rows == [(1, "clients-q01", "single", "多层级决策", "需求调研", 2.0, 2.0, 1, answer)]
