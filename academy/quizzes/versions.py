"""Quiz versions: each attempt is pinned to the exact source it was taken on."""
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from academy.models import QuizVersion
from academy.quizmd import Quiz, parse_quiz_text


# engine → {(quiz id, content hash): version id} of committed versions.  Version rows are never changed
# or deleted, so once a version is known, starting an attempt on it needs no query.
_known_versions: "WeakKeyDictionary[object, dict[tuple[str, str], int]]" = WeakKeyDictionary()


def ensure_version(session: Session, quiz: Quiz) -> int:
    """The id of the stored version of this quiz content, storing it first if it is new."""
    known = _known_versions.setdefault(session.get_bind(), {})
    key = (quiz.id, quiz.content_hash)
    if key in known:
        return known[key]
    query = select(QuizVersion.id).where(QuizVersion.quiz_id == quiz.id, QuizVersion.content_hash == quiz.content_hash)
    found = session.scalar(query)
    if found is None:
        return _store(session, quiz, query)
    if found not in session.info.get("new_versions", ()):  # a row this session added may still roll back
        known[key] = found
    return found


def _store(session: Session, quiz: Quiz, query) -> int:
    try:
        with session.begin_nested():
            version = QuizVersion(quiz_id=quiz.id, content_hash=quiz.content_hash,
                                  snapshot={"path": quiz.path, "source": quiz.source})
            session.add(version)
    except IntegrityError:  # another worker stored the same version first
        return session.scalar(query)
    session.info.setdefault("new_versions", set()).add(version.id)
    return version.id


_parsed: dict[str, Quiz] = {}  # content hash → quiz; a hash always names the same content
MAX_PARSED = 512


def pinned_quiz(version: QuizVersion) -> Quiz:
    """The quiz as it was when the attempt started; the stored source is read and parsed once per process."""
    return pinned_quiz_by_hash(version.content_hash, lambda: version)


def pinned_quiz_by_hash(content_hash: str, load_version) -> Quiz:
    """pinned_quiz for a known content hash; load_version() fetches the stored version only when this
    process has not parsed it yet."""
    quiz = _parsed.get(content_hash)
    if quiz is None:
        version = load_version()
        quiz, _sink = parse_quiz_text(version.snapshot["source"], version.snapshot["path"])
        if quiz is None:
            raise ValueError(f"stored quiz version {version.content_hash} no longer parses")
        if len(_parsed) >= MAX_PARSED:
            _parsed.pop(next(iter(_parsed)))
        _parsed[version.content_hash] = quiz
    return quiz
