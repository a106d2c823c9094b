"""Content versions in the database: one document per content path, its revisions, who may edit it.

The files in courses/ and quizzes/ are imported as revisions (origin "file"); trainers' edits in the browser
are drafts until published (origin "browser"); importers publish too (origin "import").  What learners read is
the published revision of every document that is not archived, overlaying the files (academy.authoring.store).
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.org.models import User, utcnow
from academy.platform.db import Base

KINDS = ("quiz", "bank", "lesson", "module")
ORIGINS = ("file", "browser", "import")


class ContentDocument(Base):
    """One content file's identity: `path` relative to CONTENT_DIR ("quizzes/<id>.md", "courses/<m>/module.md"…)."""

    __tablename__ = "content_document"
    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    # Who created it in the browser; None for documents that came from the files (every trainer may edit those).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    archived: Mapped[bool] = mapped_column(default=False)
    file_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 of the file bytes last imported
    published_number: Mapped[int | None] = mapped_column()  # the number of the published ContentRevision
    draft_source: Mapped[str | None] = mapped_column(Text)
    draft_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    draft_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    draft_by: Mapped[User | None] = relationship(foreign_keys=[draft_by_id])

    def __repr__(self) -> str:
        return f"<ContentDocument {self.path}>"


class ContentRevision(Base):
    """One version of a document's source.  A conflict revision is a changed file that arrived while a newer
    browser edit was published: kept, never published on its own."""

    __tablename__ = "content_revision"
    __table_args__ = (UniqueConstraint("document_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("content_document.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    source: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the UTF-8 source
    origin: Mapped[str] = mapped_column(String(8))  # one of ORIGINS
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(String(400), default="")
    conflict: Mapped[bool] = mapped_column(default=False)
    author: Mapped[User | None] = relationship()


class ContentGrant(Base):
    """A trainer an admin allowed to edit a document they do not own."""

    __tablename__ = "content_grant"
    __table_args__ = (Index("ix_content_grant_user", "user_id"),)
    document_id: Mapped[int] = mapped_column(ForeignKey("content_document.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class ContentState(Base):
    """One row (id 1) whose token changes with every publish, archive and unarchive: what every app server
    compares, cheaply, to know that the learners' catalog changed (a fresh random token, so a token never
    comes back after rows are deleted, as a reused id could)."""

    __tablename__ = "content_state"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
