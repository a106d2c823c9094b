"""Notices: written by the service that causes them, in its transaction; read and marked read by their user."""
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from academy.org.models import Notice, utcnow

SHOWN = 100


def notify(session: Session, user_id: int, kind: str, text: str, link: str = "", now: datetime | None = None) -> Notice:
    if link and not link.startswith("/") or link.startswith("//"):
        raise ValueError("a notice links inside the app only")
    notice = Notice(user_id=user_id, kind=kind, text=text[:2000], link=link, created_at=now or utcnow())
    session.add(notice)
    session.flush()
    return notice


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Notice)
                          .where(Notice.user_id == user_id, Notice.read_at.is_(None))) or 0


def recent(session: Session, user_id: int) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.user_id == user_id)
                                .order_by(Notice.id.desc()).limit(SHOWN)))


def mark_all_read(session: Session, user_id: int, now: datetime) -> int:
    result = session.execute(update(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
                             .values(read_at=now))
    return result.rowcount or 0
