"""Quiz versions: each attempt is pinned to the exact source it was taken on, with the sources of the question
banks it includes or draws from."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from academy.learning.models import Attempt, QuizVersion
from academy.learning.questions import Quiz, parse_quiz_text
from academy.learning.quizzes import layout
from academy.platform import cache


def ensure_version(session: Session, quiz: Quiz) -> int:
    """The id of the stored version of this quiz content, storing it first if it is new."""
    query = select(QuizVersion.id).where(QuizVersion.quiz_id == quiz.id, QuizVersion.content_hash == quiz.content_hash)
    found = session.scalar(query)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            version = QuizVersion(quiz_id=quiz.id, content_hash=quiz.content_hash, snapshot=snapshot(quiz))
            session.add(version)
    except IntegrityError:  # another worker stored the same version first
        return session.scalar(query)
    return version.id


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
