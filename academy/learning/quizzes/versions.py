"""Quiz versions: each attempt is pinned to the exact source it was taken on, with the sources of the question
banks it includes or draws from."""
import hashlib
from dataclasses import replace

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from academy.learning.models import Attempt, QuizVersion
from academy.learning.questions import Quiz, parse_quiz_text
from academy.learning.quizzes import layout
from academy.platform import cache

# Every start looks its version up, on SQLite under the writers' lock: built once, bound per call and run on the
# session's connection, the lookup skips building the query and the ORM's execution machinery each time.
VERSION_ID = select(QuizVersion.id).where(QuizVersion.quiz_id == bindparam("quiz_id"),
                                          QuizVersion.content_hash == bindparam("content_hash"))


def ensure_version(session: Session, quiz: Quiz) -> int:
    """The id of the stored version of this quiz content, storing it first if it is new."""
    found = _stored_id(session, quiz)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            version = QuizVersion(quiz_id=quiz.id, content_hash=quiz.content_hash, snapshot=snapshot(quiz))
            session.add(version)
    except IntegrityError:  # another worker stored the same version since the lookup
        return _stored_id(session, quiz)
    return version.id


def _stored_id(session: Session, quiz: Quiz) -> int | None:
    return session.connection().execute(VERSION_ID, {"quiz_id": quiz.id, "content_hash": quiz.content_hash}).scalar()


def snapshot(quiz: Quiz) -> dict:
    """Everything needed to read the quiz again: its source and the sources of the banks it uses."""
    stored = {"path": quiz.path, "source": quiz.source}
    if quiz.banks:
        stored["banks"] = [{"name": b.name, "path": b.path, "source": b.source} for b in quiz.banks]
    return stored


def read_snapshot(stored: dict) -> Quiz | None:
    banks = {}
    for bank in stored.get("banks", ()):
        banks[bank["name"]], _sink = parse_quiz_text(bank["source"], bank["path"])
    quiz, _sink = parse_quiz_text(stored["source"], stored["path"], banks)
    return quiz


MAX_PARSED = 512


def attempt_quiz(attempt: Attempt) -> Quiz:
    """The quiz exactly as this attempt shows and grades it: its pinned version with the items its seed drew."""
    return layout.drawn(pinned_quiz(attempt.version), attempt.seed)


def pinned_quiz(version: QuizVersion) -> Quiz:
    """The quiz as it was when the attempt started; the stored source is read and parsed once per process."""
    return pinned_quiz_by_hash(version.content_hash, lambda: version)


def pinned_quiz_by_hash(content_hash: str, load_version) -> Quiz:
    """pinned_quiz for a known content hash; load_version() fetches the stored version only when this
    process has not parsed it yet."""
    def parse() -> Quiz:
        version = load_version()
        quiz = read_snapshot(version.snapshot)
        if quiz is None:
            raise ValueError(f"stored quiz version {version.content_hash} no longer parses")
        return quiz

    return cache.memo("quiz_versions", content_hash, parse, MAX_PARSED)  # a hash always names the same content


def regraded_quiz(taken: Quiz, newer: Quiz) -> Quiz:
    """The quiz a regraded attempt is scored and shown against: the items the attempt was given (`taken`: its
    version with its draw), in their order, each scored item replaced by the newer version's scored item of the
    same id (a fixed item or one of its banks' draw pools); items the newer version lacks stay as they were
    (and keep their score).  The newer version's settings (pass mark, review options, title) apply."""
    def merge() -> Quiz:
        offered = [*newer.items, *(item for draw in newer.draws for item in draw.pool)]
        newer_items = {item.id: item for item in reversed(offered)}  # the first of a duplicated id wins
        items = tuple(newer_items[item.id] if item.scored and getattr(newer_items.get(item.id), "scored", False) else item
                      for item in taken.items)
        content_hash = hashlib.sha256(f"{taken.content_hash}+{newer.content_hash}".encode()).hexdigest()
        return replace(newer, items=items, draws=(), content_hash=content_hash, source="")

    return cache.memo("regraded_quizzes", (taken.content_hash, tuple(i.id for i in taken.items), newer.content_hash), merge,
                      MAX_PARSED)


def graded_quiz(session: Session, attempt: Attempt) -> Quiz:
    """The quiz the attempt's grade was computed against: attempt_quiz, or after a regrade that merged with the
    regrade's version (regraded_quiz)."""
    taken = attempt_quiz(attempt)
    if attempt.regraded_version_id is None:
        return taken
    newer = session.get(QuizVersion, attempt.regraded_version_id)
    return regraded_quiz(taken, pinned_quiz(newer)) if newer is not None else taken


def quiz_versions(session: Session, quiz_id: str) -> list[tuple[int, QuizVersion]]:
    """The stored versions of a quiz (those attempts were pinned to), numbered 1, 2, … in the order they were stored."""
    found = session.scalars(select(QuizVersion).where(QuizVersion.quiz_id == quiz_id).order_by(QuizVersion.id))
    return list(enumerate(found, 1))
