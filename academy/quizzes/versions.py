"""Quiz versions: each attempt is pinned to the exact source it was taken on."""
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


_parsed: dict[str, Quiz] = {}  # content hash → quiz; a hash always names the same content
MAX_PARSED = 512


def pinned_quiz(version: QuizVersion) -> Quiz:
    """The quiz as it was when the attempt started; the stored source is read and parsed once per process."""
    quiz = _parsed.get(version.content_hash)
    if quiz is None:
        quiz, _sink = parse_quiz_text(version.snapshot["source"], version.snapshot["path"])
        if quiz is None:
            raise ValueError(f"stored quiz version {version.content_hash} no longer parses")
        if len(_parsed) >= MAX_PARSED:
            _parsed.pop(next(iter(_parsed)))
        _parsed[version.content_hash] = quiz
    return quiz
