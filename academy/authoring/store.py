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

The store has four parts; callers use all of them through this module, which re-exports the others' public names:
store_documents.py (paths, documents, revisions, files under CONTENT_DIR), this module (sources, the workspace
listing, drafts, publishing, archiving, copies and new documents, front matter), store_grants.py (who may edit)
and store_files.py (importing the files, the catalog's overlay).
"""
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.authoring.models import ContentDocument, ContentGrant, ContentRevision
from academy.authoring.store_documents import (  # noqa: F401  (re-exported: callers use academy.authoring.store)
    EDITOR_ROLES,
    MAX_SOURCE_CHARS,
    PATH_RE,
    NotPublishable,
    StoreError,
    content_root,
    document,
    file_text,
    kind_of,
    published_revision,
    revision,
    touch,
)
from academy.authoring.store_documents import add_revision as _add_revision  # the names used here before the split
from academy.authoring.store_documents import new_document as _new_document
from academy.authoring.store_documents import source_hash as _hash
from academy.authoring.store_files import ImportReport, PublishedOverlay, has_documents, import_files  # noqa: F401
from academy.authoring.store_grants import editable_paths, grant, grants, may_edit, revoke  # noqa: F401
from academy.authoring.store_grants import may_edit_document as _may_edit_doc
from academy.learning.content.catalog import Catalog, Checked, check_source
from academy.org import audit
from academy.org.models import User, utcnow

# --- reading -------------------------------------------------------------------------------------------------

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


# --- writing -------------------------------------------------------------------------------------------------

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
