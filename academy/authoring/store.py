"""The content store: the database holds every version of courses and quizzes (contract C1 of issue 15).

A document is keyed by its path relative to CONTENT_DIR ("quizzes/<id>.md", "quizzes/banks/<name>.md",
"courses/<module>/module.md", "courses/<module>/NN-<slug>.md").  Trainers save drafts, which learners never see;
publishing checks the draft as check-content does and makes it a new numbered revision.  The files are imported
as revisions too (`import_files`, at start and by `flask import-content`): a changed file whose published
version came from the file is published; a changed file while a browser edit is published is kept as a
conflict revision, never published over it.

Learners read `PublishedOverlay.apply`: the files, where a published browser or import revision replaces its
file, documents that exist only in the database are added and archived ones removed.  A file-origin revision
leaves its file in place (the file is the same or newer), so editing files on a server keeps working as before.

Every write is audited (academy.org.audit) and flushed, never committed: the caller's transaction holds both.
"""
import hashlib
import logging
import re
import uuid
import weakref
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from academy.authoring.models import KINDS, ContentDocument, ContentGrant, ContentRevision, ContentState
from academy.learning.content.catalog import Catalog, Checked, check_source, file_sources
from academy.org import audit
from academy.org.models import User, utcnow
from academy.platform.dialects import upsert
from academy.platform.frontmatter import decode
from academy.platform.problems import Problem, ProblemSink

log = logging.getLogger(__name__)

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


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- reading -------------------------------------------------------------------------------------------------

_roots: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # engine → CONTENT_DIR, for the file fallback


def content_root(session: Session) -> Path | None:
    return _roots.get(session.get_bind())


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


def published_source(session: Session, path: str) -> str | None:
    """What learners read at this path: the published revision (or the file, when that revision came from the
    file or there is no document); None when there is nothing, or the document is archived."""
    doc = document(session, path)
    if doc is not None and doc.archived:
        return None
    published = published_revision(session, doc)
    if published is not None and published.origin != "file":
        return published.source
    text = file_text(session, path)
    return text if text is not None else (published.source if published else None)


def draft_source(session: Session, path: str) -> str | None:
    doc = document(session, path)
    return doc.draft_source if doc is not None else None


def working_source(session: Session, path: str) -> str | None:
    """What the editor opens: the draft, else the published version (archived ones included), else the file."""
    doc = document(session, path)
    if doc is not None and doc.draft_source is not None:
        return doc.draft_source
    published = published_revision(session, doc)
    if published is not None and published.origin != "file":
        return published.source
    text = file_text(session, path)
    return text if text is not None else (published.source if published else None)


def history(session: Session, doc: ContentDocument) -> list[tuple[ContentRevision, str | None]]:
    """Every revision, newest first, with its author's username."""
    rows = session.execute(select(ContentRevision, User.username).outerjoin(User, ContentRevision.author_id == User.id)
                           .where(ContentRevision.document_id == doc.id).order_by(ContentRevision.number.desc()))
    return [(row[0], row[1]) for row in rows]


def in_conflict(session: Session, doc: ContentDocument) -> ContentRevision | None:
    """The newest conflict revision newer than the published one (a changed file nobody has resolved yet)."""
    query = (select(ContentRevision).where(ContentRevision.document_id == doc.id, ContentRevision.conflict.is_(True),
                                           ContentRevision.number > (doc.published_number or 0))
             .order_by(ContentRevision.number.desc()).limit(1))
    return session.scalar(query)


@dataclass(frozen=True)
class Listed:
    """One row of the workspace: a document known from the files, the database or both."""

    path: str
    kind: str
    title: str
    doc: ContentDocument | None
    status: str  # published / draft / conflict / archived / file
    editable: bool


def listing(session: Session, user: User, catalog: Catalog) -> list[Listed]:
    """Every document (file or database) with its status and whether this user may edit it."""
    docs = {d.path: d for d in session.scalars(select(ContentDocument))}
    conflicted = set(session.scalars(
        select(ContentRevision.document_id).join(ContentDocument, ContentDocument.id == ContentRevision.document_id)
        .where(ContentRevision.conflict.is_(True), ContentRevision.number > func.coalesce(ContentDocument.published_number, 0))))
    granted = set(session.scalars(select(ContentGrant.document_id).where(ContentGrant.user_id == user.id)))
    titles = {q.path: q.title for q in (*catalog.quizzes, *catalog.banks)} | {m.path: m.title for m in catalog.modules}
    titles |= {lesson.path: lesson.title for lesson in catalog.lessons.values()}
    paths = set(docs) | set(titles) | {p.path for p in catalog.problems if kind_of(p.path)}
    rows = []
    for path in sorted(paths):
        kind = kind_of(path)
        if kind is None:
            continue
        doc = docs.get(path)
        status = ("archived" if doc.archived else "conflict" if doc.id in conflicted else "draft" if doc.draft_source is not None
                  else "published" if doc.published_number else "draft") if doc else "published"
        editable = _may_edit_doc(user, doc, granted)
        rows.append(Listed(path, kind, titles.get(path) or _title_of(doc) or path, doc, status, editable))
    return rows


def _title_of(doc: ContentDocument | None) -> str:
    source = doc.draft_source if doc is not None else None
    match = re.search(r"^title:\s*(.+)$", source or "", re.M)
    return match.group(1).strip().strip("\"'") if match else ""


# --- permissions ---------------------------------------------------------------------------------------------

def may_edit(session: Session, user: User, path: str) -> bool:
    """Admins edit everything; a trainer edits what they created or were granted, and every document that came
    from the files without an owner (the shared course content)."""
    if not getattr(user, "is_authenticated", True) or not user.has_role(*EDITOR_ROLES) or kind_of(path) is None:
        return False
    doc = document(session, path)
    granted = set()
    if doc is not None and doc.owner_id is not None and doc.owner_id != user.id and not user.has_role("admin"):
        granted = set(session.scalars(select(ContentGrant.document_id).where(ContentGrant.user_id == user.id,
                                                                             ContentGrant.document_id == doc.id)))
    return _may_edit_doc(user, doc, granted)


def editable_paths(session: Session, user: User, paths) -> set[str]:
    """may_edit for many documents at once (two queries): the paths among `paths` this user may edit."""
    paths = [p for p in paths if kind_of(p)]
    if not paths or not user.has_role(*EDITOR_ROLES):
        return set()
    docs = {d.path: d for d in session.scalars(select(ContentDocument).where(ContentDocument.path.in_(paths)))}
    granted = set(session.scalars(select(ContentGrant.document_id).where(ContentGrant.user_id == user.id)))
    return {p for p in paths if _may_edit_doc(user, docs.get(p), granted)}


def _may_edit_doc(user: User, doc: ContentDocument | None, granted: set[int]) -> bool:
    if user.has_role("admin"):
        return True
    if not user.has_role("trainer"):
        return False
    return doc is None or doc.owner_id is None or doc.owner_id == user.id or doc.id in granted


def grant(session: Session, actor_id: int, path: str, user: User, *, reason: str = "") -> ContentGrant:
    doc = document(session, path)
    if doc is None:
        doc = _new_document(session, path, None, owner_id=None)
    if not user.has_role("trainer"):
        raise StoreError("只能授权给培训师 (only trainers can be granted)")
    found = session.get(ContentGrant, (doc.id, user.id))
    if found is None:
        found = ContentGrant(document_id=doc.id, user_id=user.id, granted_by_id=actor_id, created_at=utcnow())
        session.add(found)
        session.flush()
        audit.record(session, actor_id, "content.grant", "content", path, reason=reason, detail={"user": user.username})
    return found


def revoke(session: Session, actor_id: int, path: str, user: User, *, reason: str = "") -> None:
    doc = document(session, path)
    if doc is None:
        return
    if session.execute(delete(ContentGrant).where(ContentGrant.document_id == doc.id, ContentGrant.user_id == user.id)).rowcount:
        audit.record(session, actor_id, "content.revoke", "content", path, reason=reason, detail={"user": user.username})


def grants(session: Session, doc: ContentDocument | None) -> list[User]:
    if doc is None:
        return []
    return list(session.scalars(select(User).join(ContentGrant, ContentGrant.user_id == User.id)
                                .where(ContentGrant.document_id == doc.id).order_by(User.username)))


# --- writing -------------------------------------------------------------------------------------------------

def _new_document(session: Session, path: str, kind: str | None, *, owner_id: int | None) -> ContentDocument:
    kind = kind or kind_of(path)
    if kind_of(path) is None or kind not in KINDS:
        raise StoreError(f"不是课程或测验的路径：{path} (not a content path)")
    doc = ContentDocument(path=path, kind=kind, owner_id=owner_id, archived=False, created_at=utcnow())
    session.add(doc)
    session.flush()
    return doc


def _check_text(source: str) -> str:
    if not isinstance(source, str):
        raise StoreError("内容必须是文本 (source must be text)")
    if len(source) > MAX_SOURCE_CHARS:
        raise StoreError(f"内容太长（上限 {MAX_SOURCE_CHARS} 字符）(source too long)")
    if "\x00" in source:
        raise StoreError("内容中有不允许的字符 (NUL) (source contains NUL)")
    return source.replace("\r\n", "\n").replace("\r", "\n")


def save_draft(session: Session, actor_id: int | None, path: str, source: str, *, kind: str | None = None,
               reason: str = "") -> ContentDocument:
    """Keep `source` as the document's draft (creating the document, owned by the actor, when it is new).
    Learners see nothing of it until it is published."""
    source = _check_text(source)
    doc = document(session, path)
    created = doc is None
    if created:
        existing_file = file_text(session, path) is not None
        doc = _new_document(session, path, kind, owner_id=None if existing_file else actor_id)
    doc.draft_source, doc.draft_by_id, doc.draft_at = source, actor_id, utcnow()
    session.flush()
    audit.record(session, actor_id, "content.draft", "content", path, reason=reason,
                 detail={"created": created, "hash": _hash(source)[:16], "chars": len(source)})
    return doc


def discard_draft(session: Session, actor_id: int | None, path: str, *, reason: str = "") -> None:
    doc = document(session, path)
    if doc is None or doc.draft_source is None:
        return
    doc.draft_source, doc.draft_by_id, doc.draft_at = None, None, None
    session.flush()
    audit.record(session, actor_id, "content.discard", "content", path, reason=reason)


def validate(path: str, source: str, catalog: Catalog | None) -> Checked:
    """The same checks as check-content, for one document against the rest of the catalog."""
    return check_source(catalog, path, source)


def publish(session: Session, actor_id: int | None, path: str, *, reason: str = "", origin: str = "browser",
            catalog: Catalog | None = None) -> ContentRevision:
    """Make the draft the new published revision.  Raises NotPublishable (nothing written) when it has errors,
    StoreError when there is no draft."""
    doc = document(session, path)
    if doc is None or doc.draft_source is None:
        raise StoreError("没有可发布的草稿 (no draft to publish)")
    checked = validate(path, doc.draft_source, catalog)
    if checked.errors:
        raise NotPublishable(checked.errors)
    rev = _add_revision(session, doc, doc.draft_source, origin, actor_id, note=reason[:400])
    doc.published_number = rev.number
    doc.draft_source, doc.draft_by_id, doc.draft_at = None, None, None
    session.flush()
    touch(session)
    audit.record(session, actor_id, "content.publish", "content", path, reason=reason,
                 detail={"revision": rev.number, "hash": rev.content_hash[:16], "origin": origin})
    return rev


def _add_revision(session: Session, doc: ContentDocument, source: str, origin: str, author_id: int | None, *,
                  note: str = "", conflict: bool = False) -> ContentRevision:
    number = (session.scalar(select(func.max(ContentRevision.number)).where(ContentRevision.document_id == doc.id)) or 0) + 1
    rev = ContentRevision(document_id=doc.id, number=number, source=source, content_hash=_hash(source), origin=origin,
                          author_id=author_id, created_at=utcnow(), note=note, conflict=conflict)
    session.add(rev)
    session.flush()
    return rev


def restore(session: Session, actor_id: int | None, path: str, number: int) -> ContentDocument:
    """Open an old (or conflict) revision as the draft, to publish it again or merge by hand."""
    doc = document(session, path)
    rev = revision(session, doc, number) if doc is not None else None
    if rev is None:
        raise StoreError("没有这个版本 (no such revision)")
    return save_draft(session, actor_id, path, rev.source, reason=f"从版本 {number} 恢复 (restored revision {number})")


def set_archived(session: Session, actor_id: int | None, path: str, archived: bool, *, reason: str = "") -> ContentDocument:
    """Archived documents vanish for learners (their pages are 404) and stay in the workspace and history."""
    doc = document(session, path)
    if doc is None:
        if file_text(session, path) is None:
            raise StoreError("没有这个文档 (no such document)")
        doc = _new_document(session, path, None, owner_id=None)
    if doc.archived != archived:
        doc.archived = archived
        session.flush()
        touch(session)
        audit.record(session, actor_id, "content.archive" if archived else "content.unarchive", "content", path, reason=reason)
    return doc


FRONT_ID_RE = re.compile(r"^(id:[ \t]*)(.*)$", re.M)
FRONT_TITLE_RE = re.compile(r"^(title:[ \t]*)(.*)$", re.M)


def duplicate(session: Session, actor_id: int | None, path: str, new_id: str, *, catalog: Catalog | None = None) -> ContentDocument:
    """A copy of a quiz under a new id, as a draft owned by the actor (the source's id and title rewritten)."""
    if kind_of(path) != "quiz":
        raise StoreError("只能复制测验 (only quizzes can be duplicated)")
    new_path = f"quizzes/{new_id}.md"
    if kind_of(new_path) != "quiz":
        raise StoreError("新 id 只能包含小写字母、数字和连字符 (invalid id)")
    if exists_anywhere(session, new_path, new_id, catalog):
        raise StoreError(f"id“{new_id}”已被使用 (id already used)")
    source = working_source(session, path)
    if source is None:
        raise StoreError("没有这个测验 (no such quiz)")
    source = set_front_matter(source, {"id": new_id})
    doc = _new_document(session, new_path, "quiz", owner_id=actor_id)
    doc.draft_source, doc.draft_by_id, doc.draft_at = source, actor_id, utcnow()
    session.flush()
    audit.record(session, actor_id, "content.duplicate", "content", new_path, detail={"from": path})
    return doc


def create(session: Session, actor_id: int | None, path: str, source: str, *, catalog: Catalog | None = None) -> ContentDocument:
    """A new document (a draft owned by the actor); refused when the path or id is taken."""
    kind = kind_of(path)
    if kind is None:
        raise StoreError("id 只能包含小写字母、数字和连字符 (invalid id)")
    stem = path.rpartition("/")[2].removesuffix(".md")
    if exists_anywhere(session, path, stem if kind == "quiz" else None, catalog):
        raise StoreError(f"“{stem}”已存在 (already exists)")
    return save_draft(session, actor_id, path, source, kind=kind)


def exists_anywhere(session: Session, path: str, quiz_id: str | None, catalog: Catalog | None) -> bool:
    if document(session, path) is not None or file_text(session, path) is not None:
        return True
    return bool(quiz_id and catalog is not None and catalog.quiz(quiz_id) is not None)


def set_front_matter(source: str, values: dict[str, str | None]) -> str:
    """Rewrite (or add, or with None remove) top-level `key: value` lines of the front matter, leaving every
    other line as it is.  Values are written as YAML scalars (quoted when they need it)."""
    lines = source.split("\n")
    if not lines or lines[0].strip() != "---":
        lines = ["---", "---", *lines]
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise StoreError("front matter 没有用 --- 结束 (front matter not closed)")
    head = lines[1:end]
    for key, value in values.items():
        index = next((i for i, line in enumerate(head) if re.match(rf"^{re.escape(key)}\s*:", line)), None)
        if index is not None:  # drop continuation lines of a block value (lists)
            stop = index + 1
            while stop < len(head) and (head[stop].startswith((" ", "\t", "-")) or not head[stop].strip()):
                stop += 1
            del head[index:stop]
        if value is not None:
            head.insert(index if index is not None else len(head), f"{key}: {yaml_scalar(value)}")
    return "\n".join([lines[0], *head, *lines[end:]])


def yaml_scalar(value: str) -> str:
    value = str(value)
    if re.fullmatch(r"[\w\u4e00-\u9fff\-. /]+", value) and value[0] not in "-. " and value[-1] != " ":
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


# --- the files -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportReport:
    added: tuple[str, ...]
    updated: tuple[str, ...]
    conflicts: tuple[str, ...]
    unchanged: int
    problems: tuple[Problem, ...]


def import_files(session: Session, root: Path) -> ImportReport:
    """Bring the files under root into the store: new files and changed files whose published version came from
    the file become new published revisions; a changed file while a browser (or import) edit is published is
    kept as a conflict revision and logged, the published edit stays."""
    added, updated, conflicts, problems, unchanged = [], [], [], [], 0
    docs = {d.path: d for d in session.scalars(select(ContentDocument))}
    for path, raw in file_sources(root).items():
        if kind_of(path) is None:
            continue
        digest = hashlib.sha256(raw).hexdigest()
        doc = docs.get(path)
        if doc is not None and doc.file_hash == digest:
            unchanged += 1
            continue
        sink = ProblemSink(path)
        text = decode(raw, sink)
        if text is None:
            problems.extend(sink.problems)
            continue
        if doc is None:
            doc = _new_document(session, path, None, owner_id=None)
            doc.file_hash = digest
            doc.published_number = _add_revision(session, doc, text, "file", None, note="从文件导入 (imported from file)").number
            added.append(path)
            continue
        doc.file_hash = digest
        published = published_revision(session, doc)
        if published is not None and published.content_hash == _hash(text):
            unchanged += 1
        elif published is None or published.origin == "file":
            doc.published_number = _add_revision(session, doc, text, "file", None, note="文件已更新 (file changed)").number
            updated.append(path)
        else:
            number = _add_revision(session, doc, text, "file", None, conflict=True,
                                   note="文件在浏览器发布的版本之后改动：两者都保留 (file changed after a browser edit)").number
            conflicts.append(path)
            log.warning("%s: 文件已改动，但浏览器中发布的版本更新；文件内容保存为冲突版本 %s，未发布 "
                        "(file changed after a newer browser edit; kept as conflict revision %s, not published)", path, number, number)
    session.flush()
    if added or updated or conflicts:
        touch(session)
        audit.record(session, None, "content.import", "content", "files",
                     detail={"added": len(added), "updated": len(updated), "conflicts": conflicts[:50]})
    return ImportReport(tuple(added), tuple(updated), tuple(conflicts), unchanged, tuple(problems))


def touch(session: Session) -> None:
    """A new token: every app server's catalog reloads at its next recheck."""
    upsert(session.connection(), ContentState.__table__, ("id",), [{"id": 1, "token": uuid.uuid4().hex, "changed_at": utcnow()}])


# --- what the catalog reads (wired in app.py) ----------------------------------------------------------------

class PublishedOverlay:
    """The catalog's SourceOverlay for one app: reads with short connections of its own, outside the request's
    transaction, and reads as empty a database that has no content tables yet (before the first migration)."""

    def __init__(self, app) -> None:
        self.engine = app.extensions["db_engine"]
        root = Path(app.config["CONTENT_DIR"])
        for key in ("db_engine", "db_write_engine"):
            _roots[app.extensions[key]] = root

    def token(self) -> str | None:
        try:
            with self.engine.connect() as connection:
                return connection.scalar(select(ContentState.token).where(ContentState.id == 1))
        except DBAPIError:
            return None

    def apply(self, files: dict[str, bytes]) -> dict[str, bytes]:
        published = and_(ContentRevision.document_id == ContentDocument.id, ContentRevision.number == ContentDocument.published_number)
        query = (select(ContentDocument.path, ContentDocument.archived, ContentRevision.origin, ContentRevision.source)
                 .outerjoin(ContentRevision, published)
                 .where(or_(ContentDocument.archived.is_(True), ContentDocument.published_number.is_not(None))))
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
        except DBAPIError:
            return files
        sources = dict(files)
        for path, archived, origin, source in rows:
            if archived:
                sources.pop(path, None)
            elif source is not None and not (origin == "file" and path in files):
                sources[path] = source.encode()
        return sources

    def conflicts(self) -> list[tuple[str, str]]:
        newer = and_(ContentRevision.document_id == ContentDocument.id, ContentRevision.conflict.is_(True),
                     ContentRevision.number > func.coalesce(ContentDocument.published_number, 0))
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(select(ContentDocument.path, ContentRevision.number, ContentRevision.note)
                                          .join(ContentRevision, newer).order_by(ContentDocument.path)).all()
        except DBAPIError:
            return []
        return [(path, f"版本 {number}：{note}") for path, number, note in rows]


def has_documents(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(ContentDocument.id.is_not(None)))))
