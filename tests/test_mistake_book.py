"""The 错题本 is folded from graded attempts' outcomes and practice rounds, over the entries it held at
revision 0007 (academy/quizzes/mistakes.py)."""
import re
from datetime import datetime, timedelta
from itertools import accumulate

from hypothesis import given
from hypothesis import strategies as st

from academy.learning.models import Attempt, MistakeEntry, PracticeRound, QuizVersion
from academy.learning.quizzes import mistakes
from academy.learning.quizzes.mistakes import Answered, Entry, fold
from academy.org.models import utcnow
from academy.platform.clock import local_date, shown
from tests.factories import database_at, start_quiz
from tests.test_quiz_flow import correct_fields, correct_form, practice_round, practise_tomorrow, quiz, trainee  # noqa: F401  (trainee is a fixture)

T0 = datetime(2026, 12, 4, 9, 0)
V1, V2 = (1, "hash-1"), (2, "hash-2")


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def day(days: int) -> datetime:
    return T0 + timedelta(days=days)


def test_misses_enter_right_answers_count_towards_leaving_and_a_miss_starts_again():
    book = fold([], [Answered(at(0), "q", {"a": False, "b": False, "c": True}, V1)])
    assert {k: (e.streak, e.misses, e.cleared_at) for k, e in book.items()} == {("q", "a"): (0, 1, None), ("q", "b"): (0, 1, None)}
    book = fold(book.values(), [Answered(at(1), "q", {"a": True, "b": True}), Answered(day(1), "q", {"a": True, "b": False})])
    assert (book["q", "a"].streak, book["q", "a"].cleared_at) == (2, day(1))
    assert (book["q", "b"].streak, book["q", "b"].misses, book["q", "b"].cleared_at) == (0, 2, None)
    book = fold(book.values(), [Answered(day(2), "q", {"a": False}, V2)])
    again = book["q", "a"]
    assert (again.streak, again.misses, again.cleared_at, again.version_id, again.added_at) == (0, 2, None, 2, at(0))


def test_events_apply_in_time_order_whatever_order_they_are_read_in():
    events = [Answered(day(2), "q", {"a": True}), Answered(at(0), "q", {"a": False}, V1), Answered(day(1), "q", {"a": True})]
    assert fold([], events)["q", "a"].cleared_at == day(2)


def test_the_second_right_answer_counts_only_on_a_later_day():
    """Spacing: straight after the feedback a right answer shows what is remembered for a minute.  The second
    must come on another day on the organisation's clock (Asia/Shanghai: T0 is 17:00 there, midnight 16:00 UTC)."""
    entry = fold([], [Answered(at(0), "q", {"a": False}, V1), Answered(at(1), "q", {"a": True})])["q", "a"]
    midnight = datetime(2026, 12, 4, 16, 0)
    assert (entry.streak, entry.due_at) == (1, midnight)
    assert not entry.due(at(2)) and entry.due(midnight)
    assert fold([entry], [Answered(at(2), "q", {"a": True})])["q", "a"] == entry  # too soon: counts for nothing
    missed = fold([entry], [Answered(at(3), "q", {"a": False})])["q", "a"]  # a miss counts whenever it comes
    assert (missed.streak, missed.misses, missed.due_at) == (0, 2, None) and missed.due(at(3))
    cleared = fold([entry], [Answered(midnight, "q", {"a": True})])["q", "a"]
    assert (cleared.streak, cleared.cleared_at) == (2, midnight)
    assert mistakes.next_due([entry, missed], at(4)) == midnight and mistakes.next_due([missed], at(4)) is None


def test_practice_keeps_the_entrys_version_and_never_adds_an_entry():
    book = fold([], [Answered(at(0), "q", {"a": False}, V2), Answered(at(1), "q", {"a": False, "z": False})])
    assert list(book) == [("q", "a")] and (book["q", "a"].version_id, book["q", "a"].misses) == (2, 2)


# (right?, from a graded attempt?, hours after the answer before)
ANSWERS = st.lists(st.tuples(st.booleans(), st.booleans(), st.integers(0, 30)), max_size=12)


@given(ANSWERS)
def test_one_keys_entry_follows_its_answers(answers):
    """Stated without the fold's steps: there is an entry once a graded attempt missed the key; it counts
    every miss from then on; its streak counts the right answers since the last miss, each on a later day than
    the one counted before it, up to two; it has left the book exactly when that count reached two."""
    times = list(accumulate(timedelta(hours=hours) for _right, _graded, hours in answers))
    events = [Answered(T0 + t, "q", {"k": right}, V1 if graded else None) for t, (right, graded, _h) in zip(times, answers)]
    entry = fold([], events).get(("q", "k"))
    first_miss = next((i for i, (right, graded, _h) in enumerate(answers) if not right and graded), None)
    if first_miss is None:
        assert entry is None
        return
    last_miss = max(i for i, (right, _graded, _h) in enumerate(answers) if not right)
    counted_days: list = []
    for t in times[last_miss + 1:]:
        if not counted_days or local_date(T0 + t) > counted_days[-1]:
            counted_days.append(local_date(T0 + t))
    assert entry.misses == sum(1 for right, _graded, _h in answers[first_miss:] if not right)
    assert entry.streak == min(len(counted_days), mistakes.CLEAR_AFTER)
    assert (entry.cleared_at is not None) == (len(counted_days) >= mistakes.CLEAR_AFTER)
    assert entry.added_at == T0 + times[first_miss]


def test_the_book_continues_from_the_entries_it_held_before_the_fold(client, app, db, trainee):  # noqa: F811
    """Entries written before revision 0007 are where the book starts: a carried entry one right answer from
    leaving leaves after one more in practice."""
    q = quiz(app, "clients-quiz")
    attempt_id = start_quiz(client, "clients-quiz")
    version_id = db.get(Attempt, attempt_id).version_id
    item = q.scored_items()[0]
    db.add(MistakeEntry(user_id=trainee.id, quiz_id=q.id, item_id=item.id, version_id=version_id, streak=1, misses=3,
                        added_at=at(0)))
    db.commit()
    carried = mistakes.book(db, trainee.id)[q.id, item.id]
    assert (carried.misses, carried.streak, carried.content_hash) == (3, 1, db.get(QuizVersion, version_id).content_hash)
    assert item.title in client.get("/mistakes").get_data(as_text=True)
    page = client.post("/mistakes/practice", data=correct_fields(item) | practice_round(client)).get_data(as_text=True)
    assert "2 / 2" in page and "已移出错题本" in page
    db.rollback()
    assert mistakes.book(db, trainee.id)[q.id, item.id].cleared_at is not None
    assert item.title not in client.get("/mistakes").get_data(as_text=True)


def test_a_graded_submit_stores_its_outcomes_in_the_attempt_row_only(client, app, db, trainee):  # noqa: F811
    q = quiz(app, "clients-quiz")
    attempt_id = start_quiz(client, "clients-quiz")
    client.post(f"/attempts/{attempt_id}/submit", data={})
    db.rollback()
    outcomes = db.get(Attempt, attempt_id).outcomes
    assert len(outcomes) >= len(q.scored_items()) and not any(outcomes.values())
    assert db.query(MistakeEntry).count() == 0
    assert set(mistakes.book(db, trainee.id)) == {(q.id, key) for key in outcomes}


def test_the_migration_keeps_the_entries_and_goes_back_and_forth(tmp_path):
    from alembic import command
    from sqlalchemy import inspect, text
    from sqlalchemy.orm import Session

    from academy.platform import migrate

    engine = database_at(tmp_path / "old.db", "0006", version_hash="h")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO mistake_entry (user_id, quiz_id, item_id, version_id, note, streak, misses, added_at) "
                          "VALUES (1, 'q', 'a', 1, '', 1, 2, '2026-01-01 00:00:00')"))
    migrate.upgrade(engine)
    with Session(engine) as session:
        assert mistakes.book(session, 1) == {("q", "a"): Entry("q", "a", 1, "h", 2, 1, datetime(2026, 1, 1))}
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0006")
        assert "outcomes" not in {column["name"] for column in inspect(conn).get_columns("attempt")}
    migrate.upgrade(engine)
    engine.dispose()


def test_a_practice_form_posted_twice_counts_once(client, app, db, trainee, monkeypatch):  # noqa: F811
    """A double click or a resent page must not take an entry out of the book after one right answer; a form
    without a round token (rendered before tokens existed) still counts as a round of its own."""
    q = quiz(app, "clients-quiz")
    client.post(f"/attempts/{start_quiz(client, 'clients-quiz')}/submit", data={})
    key = mistakes.open_entries(mistakes.book(db, trainee.id))[0].key  # the first one the practice page shows
    answers = correct_fields(q.item(key))
    form = answers | practice_round(client)
    for _ in range(2):
        assert "1 / 2" in client.post("/mistakes/practice", data=form).get_data(as_text=True)
    db.rollback()
    assert db.query(PracticeRound).filter_by(user_id=trainee.id).count() == 1
    assert mistakes.book(db, trainee.id)[q.id, key].streak == 1
    practise_tomorrow(monkeypatch)
    tampered = client.post("/mistakes/practice", data=form | {"round": "<x>"}).get_data(as_text=True)
    assert "2 / 2" in tampered


def test_a_round_stored_between_the_check_and_the_insert_is_not_stored_again(app, db, trainee, monkeypatch):  # noqa: F811
    """On PostgreSQL two requests with the same form can both find no round yet; the second insert then meets
    the unique (learner, token) and is dropped without spoiling the transaction."""
    entry = Entry("q", "a", 1, "h", 1, 0, at(0))
    mistakes.practise(db, trainee.id, "t" * 22, [(entry, True)], at(1))
    monkeypatch.setattr(type(db), "scalar", lambda self, *args, **kwargs: None)  # the check saw nothing yet
    mistakes.practise(db, trainee.id, "t" * 22, [(entry, True)], at(2))
    monkeypatch.undo()
    db.commit()
    assert db.query(PracticeRound).filter_by(user_id=trainee.id).count() == 1


def test_a_practice_form_scores_the_entries_it_showed_though_the_book_changed_since(client, app, db, trainee):  # noqa: F811
    """Bug: the practice form's answers were scored against the book's first ten entries at the time of the post.
    A quiz submitted in another tab meanwhile put new entries first: they were scored unanswered (a miss each,
    unseen), and entries the learner had answered were dropped."""
    client.post(f"/attempts/{start_quiz(client, 'clients-quiz')}/submit", data={})
    page = practice_round(client)
    q = quiz(app, "clients-quiz")
    answers = {}
    for entry_id in page["entry"]:
        answers |= correct_fields(q.item(entry_id.partition(":")[2]))
    client.post(f"/attempts/{start_quiz(client, 'stages-quiz')}/submit", data={})  # new entries, added after
    result = client.post("/mistakes/practice", data=answers | page).get_data(as_text=True)
    assert result.count("1 / 2") == len(page["entry"]) == 10 and "未答对" not in result
    db.rollback()
    due = [e for e in mistakes.open_entries(mistakes.book(db, trainee.id)) if e.streak == 0]
    assert f"再练一轮（还有 {len(due)} 道到期）" in result and len(due) > 10  # the rest of both quizzes' entries
    db.rollback()
    book = mistakes.book(db, trainee.id)
    assert {e.id for e in book.values() if e.streak == 1} == set(page["entry"])
    assert any(quiz_id == "stages-quiz" for quiz_id, _key in book)  # the new entries are there, unanswered
    assert all(e.misses == 1 for e in book.values())  # nothing the learner did not see was counted


def test_practice_by_concept_serves_the_due_entries_on_that_concept(client, app, db, trainee):  # noqa: F811
    client.post(f"/attempts/{start_quiz(client, 'clients-quiz')}/submit", data={})
    book = client.get("/mistakes").get_data(as_text=True)
    assert "按概念练习" in book and "/mistakes/practice?concept=%E9%A2%84%E7%AE%97" in book  # 预算
    q = quiz(app, "clients-quiz")
    shown = {entry_id.partition(":")[2] for entry_id in practice_round(client, "/mistakes/practice?concept=预算")["entry"]}
    on_budget = {key for quiz_id, key in mistakes.book(db, trainee.id) if "预算" in mistakes.practice_item(q, key).concepts}
    assert shown and shown <= on_budget and len(shown) == min(len(on_budget), 10)
    assert "预算" in client.get("/mistakes/practice?concept=预算").get_data(as_text=True).split("</h1>")[0]
    nothing = client.get("/mistakes/practice?concept=没有这个概念").get_data(as_text=True)
    assert "现在没有到期要练习的错题" in nothing and 'name="entry"' not in nothing


def test_the_book_says_when_the_next_entry_is_due(client, app, db, trainee):  # noqa: F811
    q = quiz(app, "clients-quiz")
    client.post(f"/attempts/{start_quiz(client, 'clients-quiz')}/submit", data=correct_form(q))
    item = next(i for i in q.scored_items() if i.type == "single")
    attempt = start_quiz(client, "clients-quiz")  # a second attempt misses one item only
    client.post(f"/attempts/{attempt}/submit", data=correct_form(q) | {f"q-{item.id}": []})
    db.rollback()
    assert [e.key for e in mistakes.open_entries(mistakes.book(db, trainee.id))] == [item.id]
    result = client.post("/mistakes/practice", data=correct_fields(item) | practice_round(client)).get_data(as_text=True)
    assert "1 / 2" in result and "再练一轮" not in result  # nothing else is due
    page = client.get("/mistakes").get_data(as_text=True)
    db.rollback()
    tomorrow = shown(mistakes.book(db, trainee.id)[q.id, item.id].due_at, "%Y-%m-%d")
    assert tomorrow == str(local_date(utcnow()) + timedelta(days=1))
    assert "今天到期的错题都练过了" in page and f"下一道 {tomorrow} 起可以再练" in page
    assert f'<td role="cell" data-label="下次练习：">{tomorrow} 起</td>' in page  # a phone shows each cell with its column's name
    assert "练习到期的错题" not in page and "1 / 2" in page


def test_a_result_with_mistakes_offers_to_practise_them_straight_away(client, app, db, trainee):  # noqa: F811
    q = quiz(app, "clients-quiz")
    perfect = start_quiz(client, "clients-quiz")
    client.post(f"/attempts/{perfect}/submit", data=correct_form(q))
    assert "马上练习这次答错的题" not in client.get(f"/attempts/{perfect}/result").get_data(as_text=True)
    client.post(f"/attempts/{start_quiz(client, 'stages-quiz')}/submit", data={})  # another quiz's entries
    missed = start_quiz(client, "clients-quiz")
    client.post(f"/attempts/{missed}/submit", data={})
    result = client.get(f"/attempts/{missed}/result").get_data(as_text=True)
    assert 'href="/mistakes/practice?quiz=clients-quiz">马上练习这次答错的题' in result
    page = client.get("/mistakes/practice?quiz=clients-quiz").get_data(as_text=True)
    shown = re.findall(r'name="entry" value="([^"]+)"', page)
    assert len(shown) == 10 and all(entry.startswith("clients-quiz:") for entry in shown)
    assert q.title in page.split("</h1>")[0]  # the heading names the quiz


def test_the_book_table_names_its_roles_for_when_a_phone_stacks_its_cells(client, app, db, trainee):  # noqa: F811
    """On a phone every cell becomes a block (.stack-table): the table, its rows and cells say what they are, so a
    screen reader that drops the semantics of restyled table cells still reads a table; each cell keeps its label."""
    client.post(f"/attempts/{start_quiz(client, 'clients-quiz')}/submit", data={})
    page = client.get("/mistakes").get_data(as_text=True)
    table = re.search(r'<table class="table stack-table" role="table">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r'<tr role="row">(.*?)</tr>', table, re.S)
    assert len(rows) > 2 and '<th role="columnheader" scope="col">' in rows[0]
    for row in rows[1:]:
        assert row.count('<th role="rowheader" scope="row"') == 1
        assert len(re.findall(r'<td role="cell"[^>]* data-label="[^"]+："', row)) == 5 and "<td>" not in row
