"""An uploaded question file kept between the preview and the confirmation of an import (one row, keyed by a
random token, readable only by the user who uploaded it, an hour at most). The confirmation parses the same
bytes again: nothing but the file is carried, so nothing the browser sends back can change what is saved."""
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, LargeBinary, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from academy.org.models import utcnow
from academy.platform.db import Base

LIFETIME = timedelta(hours=1)


class ImportStash(Base):
    __tablename__ = "import_stash"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    bank: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StashGone(LookupError):
    """Expired, already used, or another user's."""


def keep(session: Session, user_id: int, bank: str, filename: str, data: bytes) -> str:
    session.execute(delete(ImportStash).where(ImportStash.created_at < utcnow() - LIFETIME))
    token = secrets.token_urlsafe(32)
    session.add(ImportStash(token=token, user_id=user_id, bank=bank, filename=filename[:200], data=data))
    session.flush()
    return token


def find(session: Session, user_id: int, token: str) -> ImportStash:
    row = session.scalar(select(ImportStash).where(ImportStash.token == token[:64], ImportStash.user_id == user_id))
    if row is None or row.created_at < utcnow() - LIFETIME:
        raise StashGone(token)
    return row


def drop(session: Session, row: ImportStash) -> None:
    session.delete(row)
    session.flush()
