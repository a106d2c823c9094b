"""Quiz versions: each attempt is pinned to the exact source it was taken on."""
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from academy.models import QuizVersion
from academy.quizmd import Quiz, parse_quiz_text


def ensure_version(session: Session, quiz: Quiz) -> QuizVersion:
    query = select(QuizVersion).where(QuizVersion.quiz_id == quiz.id, QuizVersion.content_hash == quiz.content_hash)
    version = session.scalar(query)
    if version is not None:
        return version
    try:
        with session.begin_nested():
            version = QuizVersion(quiz_id=quiz.id, content_hash=quiz.content_hash,
                                  snapshot={"path": quiz.path, "source": quiz.source})
            session.add(version)
    except IntegrityError:  # another worker stored the same version first
        version = session.scalar(query)
    return version


@lru_cache(maxsize=256)
def _parse_snapshot(content_hash: str, path: str, source: str) -> Quiz:
    quiz, _sink = parse_quiz_text(source, path)
    if quiz is None:
        raise ValueError(f"stored quiz version {content_hash} no longer parses")
    return quiz


def pinned_quiz(version: QuizVersion) -> Quiz:
    """The quiz as it was when the attempt started (parsed once per version and cached)."""
    return _parse_snapshot(version.content_hash, version.snapshot["path"], version.snapshot["source"])
