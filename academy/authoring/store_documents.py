"""The content store's documents and revisions (academy.authoring.store): paths and kinds, the refusals, reading
a document, its revisions and its file under CONTENT_DIR, and adding documents and revisions.  The store's
other parts (drafts and publishing in store.py, grants in store_grants.py, the files in store_files.py) build on
these; callers use them through academy.authoring.store."""
import hashlib
import re
import uuid
import weakref
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.authoring.models import KINDS, ContentDocument, ContentRevision, ContentState
from academy.org.models import utcnow
from academy.platform.dialects import upsert
from academy.platform.frontmatter import decode
from academy.platform.problems import ProblemSink

PATH_RE = re.compile(r"^(quizzes/(banks/)?[a-z0-9][a-z0-9-]{0,79}\.md|courses/[a-z0-9][a-z0-9-]{0,79}/[a-z0-9][a-z0-9-]{0,79}\.md)$")
MAX_SOURCE_CHARS = 1_000_000
EDITOR_ROLES = ("trainer", "admin")


class StoreError(ValueError):
    """A request the store refuses; the message is for the user (Chinese)."""


class NotPublishable(StoreError):
    """The draft has errors: nothing was published."""

    def __init__(self, problems) -> None:
        super().__init__("有错误的内容不能发布 (content with errors cannot be published)")
        self.problems = tuple(problems)


def kind_of(path: str) -> str | None:
    if not PATH_RE.match(path or ""):
        return None
    if path.startswith("quizzes/banks/"):
        return "bank"
    if path.startswith("quizzes/"):
        return "quiz"
    return "module" if path.endswith("/module.md") else "lesson"


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- reading -------------------------------------------------------------------------------------------------

# The app's connection pool → CONTENT_DIR, for the file fallback.  Keyed on the pool, which every engine made from the
# app's with execution_options shares (the requests' read and write engines, the CLI's), so one registration covers them.
_roots: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def register_root(engine, root: Path) -> None:
    """The CONTENT_DIR the sessions of this engine, and of every engine derived from it, read files from
    (PublishedOverlay sets it for the app's engine)."""
    _roots[engine.pool] = root


def content_root(session: Session) -> Path | None:
    return _roots.get(session.get_bind().pool)


def document(session: Session, path: str) -> ContentDocument | None:
    return session.scalar(select(ContentDocument).where(ContentDocument.path == path))


def published_revision(session: Session, doc: ContentDocument | None) -> ContentRevision | None:
    if doc is None or doc.published_number is None:
        return None
    return revision(session, doc, doc.published_number)


def revision(session: Session, doc: ContentDocument, number: int) -> ContentRevision | None:
    return session.scalar(select(ContentRevision).where(ContentRevision.document_id == doc.id,
                                                        ContentRevision.number == number))


def file_text(session: Session, path: str) -> str | None:
    """The file's text under CONTENT_DIR, or None (no such file, or not UTF-8)."""
    root = content_root(session)
    file = root / path if root is not None and kind_of(path) else None
    if file is None or not file.is_file():
        return None
    return decode(file.read_bytes(), ProblemSink(path))


# --- writing -------------------------------------------------------------------------------------------------

def new_document(session: Session, path: str, kind: str | None, *, owner_id: int | None) -> ContentDocument:
    kind = kind or kind_of(path)
    if kind_of(path) is None or kind not in KINDS:
        raise StoreError(f"不是课程或测验的路径：{path} (not a content path)")
    doc = ContentDocument(path=path, kind=kind, owner_id=owner_id, archived=False, created_at=utcnow())
    session.add(doc)
    session.flush()
    return doc


def add_revision(session: Session, doc: ContentDocument, source: str, origin: str, author_id: int | None, *,
                 note: str = "", conflict: bool = False) -> ContentRevision:
    number = (session.scalar(select(func.max(ContentRevision.number)).where(ContentRevision.document_id == doc.id)) or 0) + 1
    rev = ContentRevision(document_id=doc.id, number=number, source=source, content_hash=source_hash(source), origin=origin,
                          author_id=author_id, created_at=utcnow(), note=note, conflict=conflict)
    session.add(rev)
    session.flush()
    return rev


def touch(session: Session) -> None:
    """A new token: every app server's catalog reloads at its next recheck."""
    upsert(session.connection(), ContentState.__table__, ("id",), [{"id": 1, "token": uuid.uuid4().hex, "changed_at": utcnow()}])
