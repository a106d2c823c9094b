"""The content files and the store (academy.authoring.store): the files are imported as revisions (at start and by
`flask import-content`; a changed file while a browser edit is published is kept as a conflict revision), and
the catalog reads the files with the published revisions laid over them (`PublishedOverlay`, wired in app.py)."""
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from academy.authoring.models import ContentDocument, ContentRevision, ContentState
from academy.authoring.store_documents import (
    add_revision,
    kind_of,
    new_document,
    published_revision,
    register_root,
    source_hash,
    touch,
)
from academy.learning.content.catalog import file_sources
from academy.org import audit
from academy.platform.frontmatter import decode
from academy.platform.problems import Problem, ProblemSink

log = logging.getLogger("academy.authoring.store")


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
            doc = new_document(session, path, None, owner_id=None)
            doc.file_hash = digest
            doc.published_number = add_revision(session, doc, text, "file", None, note="从文件导入 (imported from file)").number
            added.append(path)
            continue
        doc.file_hash = digest
        published = published_revision(session, doc)
        if published is not None and published.content_hash == source_hash(text):
            unchanged += 1
        elif published is None or published.origin == "file":
            doc.published_number = add_revision(session, doc, text, "file", None, note="文件已更新 (file changed)").number
            updated.append(path)
        else:
            number = add_revision(session, doc, text, "file", None, conflict=True,
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


# --- what the catalog reads (wired in app.py) ----------------------------------------------------------------

class PublishedOverlay:
    """The catalog's SourceOverlay for one app: reads with short connections of its own, outside the request's
    transaction, and reads as empty a database that has no content tables yet (before the first migration)."""

    def __init__(self, app) -> None:
        self.engine = app.extensions["db_engine"]
        register_root(self.engine, Path(app.config["CONTENT_DIR"]))

    def token(self) -> str | None:
        try:
            with self.engine.connect() as connection:
                token = connection.scalar(select(ContentState.token).where(ContentState.id == 1))
                connection.commit()  # not a rollback, which would drop the connection's prepared statements (db.close_session)
                return token
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
