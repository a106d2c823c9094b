"""`flask export-xapi`: every xAPI statement since a time, oldest first.

Stored statements (lesson events) are merged with the statements of each attempt, which are built from the
attempt row: "attempted" when it started; once graded, "answered" per scored item, then "completed" and
"passed" or "failed".  Nothing about an attempt changes after it is graded, so its statements, ids included,
are the same at every export, and a submit does not have to write them."""
import heapq
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.learning import xapi
from academy.learning.models import Attempt, QuizVersion, XapiStatement
from academy.learning.questions import Quiz
from academy.learning.quizzes.versions import pinned_quiz

Keyed = tuple[datetime, int, int, int, dict]  # timestamp, source, row id, position: the export order


def export(session: Session, since: datetime | None) -> Iterator[dict]:
    quizzes = VersionQuizzes(session)
    streams = (_stored(session, since), _started(session, since, quizzes), _graded(session, since, quizzes))
    for keyed in heapq.merge(*streams, key=lambda row: row[:4]):
        yield keyed[4]


class VersionQuizzes(dict):
    """version id → the quiz as pinned by that version, loaded on first use."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def __missing__(self, version_id: int) -> Quiz:
        quiz = self[version_id] = pinned_quiz(self.session.get(QuizVersion, version_id))
        return quiz


def _in_order(query, since: datetime | None, column, tiebreak):
    """The rows at or after `since` (all without it), in the order of `column`, fetched 500 at a time (a
    server-side cursor on PostgreSQL: an export of every attempt never holds them all in memory)."""
    query = (query.where(column >= since) if since else query).order_by(column, tiebreak)
    return query.execution_options(yield_per=500)


def _stored(session: Session, since: datetime | None) -> Iterable[Keyed]:
    query = select(XapiStatement.timestamp, XapiStatement.id, XapiStatement.statement)
    query = _in_order(query, since, XapiStatement.timestamp, XapiStatement.id)
    for when, row_id, statement in session.execute(query):
        yield when, 0, row_id, 0, statement


def _started(session: Session, since: datetime | None, quizzes: VersionQuizzes) -> Iterable[Keyed]:
    query = select(Attempt.id, Attempt.user_id, Attempt.version_id, Attempt.started_at)
    query = _in_order(query, since, Attempt.started_at, Attempt.id)
    for attempt_id, user_id, version_id, started_at in session.execute(query):
        statement = attempted(attempt_id, user_id, quizzes[version_id], started_at)
        yield started_at, 1, attempt_id, 0, statement


GRADED_COLUMNS = (Attempt.id, Attempt.user_id, Attempt.version_id, Attempt.graded_at, Attempt.score, Attempt.max_score,
                  Attempt.passed, Attempt.result)


def _graded(session: Session, since: datetime | None, quizzes: VersionQuizzes) -> Iterable[Keyed]:
    query = _in_order(select(*GRADED_COLUMNS).where(Attempt.state == "graded"), since, Attempt.graded_at, Attempt.id)
    for row in session.execute(query):
        for position, statement in enumerate(graded(row, quizzes[row.version_id]), start=1):
            yield row.graded_at, 1, row.id, position, statement


def attempted(attempt_id: int, user_id: int, quiz: Quiz, started_at: datetime) -> dict:
    return xapi.build_statement(user_id, "attempted", xapi.activity_id("quiz", quiz.id), quiz.title, started_at,
                                statement_id=xapi.derived_id("attempt", attempt_id, user_id, started_at.isoformat(), "attempted"))


def graded(attempt, quiz: Quiz) -> list[dict]:
    """A graded attempt's statements: answered per scored item, then completed and passed or failed."""
    quiz_iri, when = xapi.activity_id("quiz", quiz.id), attempt.graded_at

    def statement(verb: str, object_id: str, name: str, result: dict, key: str, **extra) -> dict:
        return xapi.build_statement(attempt.user_id, verb, object_id, name, when, result=result,
                                    statement_id=xapi.derived_id("attempt", attempt.id, attempt.user_id, when.isoformat(), key),
                                    **extra)

    statements = [statement("answered", xapi.activity_id("quiz", quiz.id, "item", item_id), _title(quiz, item_id),
                            xapi.score_result(s["score"], s["points"], s["correct"]), f"answered/{item_id}", parent=quiz_iri)
                  for item_id, s in (attempt.result or {}).items()]
    result = xapi.score_result(attempt.score, attempt.max_score, attempt.passed)
    verdict = "passed" if attempt.passed else "failed"
    return statements + [statement("completed", quiz_iri, quiz.title, result, "completed"),
                         statement(verdict, quiz_iri, quiz.title, result, verdict)]


def _title(quiz: Quiz, item_id: str) -> str:
    item = quiz.item(item_id)
    return (item.title if item else None) or item_id
