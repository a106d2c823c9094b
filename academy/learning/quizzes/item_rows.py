"""attempt_item: one row per graded attempt × top-level scored item (contract C3), so that item analysis and the
manager reports aggregate per item in plain SQL on SQLite, PostgreSQL and MariaDB alike.

The rows are derived from the attempt (its result, answers, graded time) and the quiz it was graded against,
and from nothing else.  Every service that grades an attempt or changes a grade (submit, expire, review,
regrade; anything that takes a graded attempt back) calls `refresh` in its own transaction, as it does
tally.refresh: no listeners, no second set of rules (tests/test_standings.py checks the rows against `rows`).
"""
from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from academy.learning.models import Attempt, AttemptItem
from academy.learning.questions import TYPES, Quiz

TABLE = AttemptItem.__table__
RESPONSE_LENGTH = 400


def rows(attempt: Attempt, quiz: Quiz) -> list[dict]:
    """The rows a graded attempt should have (none for any other state), in item order."""
    if attempt.state != "graded":
        return []
    result, answers, found, seen = attempt.result or {}, attempt.answers or {}, [], set()
    for item in quiz.scored_items():
        scored = result.get(item.id)
        if scored is None or item.id in seen:  # the first of a duplicated id wins, as Quiz.item finds it
            continue
        seen.add(item.id)
        found.append({
            "attempt_id": attempt.id, "item_id": item.id, "user_id": attempt.user_id, "quiz_id": attempt.quiz_id,
            "version_id": attempt.version_id, "item_type": item.type, "concept": (item.concepts[0] if item.concepts else "")[:80],
            "stage": item.stage[:16], "score": float(scored["score"]), "points": float(scored["points"]),
            "correct": bool(scored.get("correct")), "redline": bool(scored.get("redline")),
            "response": TYPES[item.type].response_key(item, answers.get(item.id))[:RESPONSE_LENGTH],
            "graded_at": attempt.graded_at,
        })
    return found


def refresh(session: Session, attempt: Attempt, quiz: Quiz, *, had_rows: bool = True) -> None:
    """Rewrite the attempt's rows from its current state, in the caller's transaction.  `had_rows=False` (the
    attempt was not graded before this change, so it has none) saves the DELETE on a first grading."""
    connection = session.connection()
    if had_rows:
        connection.execute(delete(TABLE).where(TABLE.c.attempt_id == attempt.id))
    found = rows(attempt, quiz)
    if found:
        connection.execute(insert(TABLE), found)  # one executemany
