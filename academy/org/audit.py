"""The audit log: one call per recorded action, in the caller's transaction (services flush, views commit),
so an action and its audit row land together or not at all."""
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.org.models import AuditEntry, User, utcnow

PAGE_SIZE = 50


def record(session: Session, actor_id: int | None, action: str, target_type: str, target_id, *,
           reason: str = "", detail: dict | None = None) -> AuditEntry:
    entry = AuditEntry(actor_id=actor_id, action=action, target_type=target_type, target_id=str(target_id)[:120],
                       reason=reason[:2000], detail=detail or {}, created_at=utcnow())
    session.add(entry)
    session.flush()
    return entry


def entries_for(session: Session, target_type: str, target_id) -> list[AuditEntry]:
    query = (select(AuditEntry).where(AuditEntry.target_type == target_type, AuditEntry.target_id == str(target_id))
             .order_by(AuditEntry.id.desc()))
    return list(session.scalars(query))


def audit_page(session: Session, action_prefix: str = "", page: int = 1) -> tuple[list[tuple[AuditEntry, str | None]], int]:
    """One page of the log, newest first, with each actor's username; and the number of pages."""
    condition = AuditEntry.action.startswith(action_prefix, autoescape=True) if action_prefix else True
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(condition)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.execute(select(AuditEntry, User.username).outerjoin(User, AuditEntry.actor_id == User.id)
                           .where(condition).order_by(AuditEntry.id.desc())
                           .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return [(row[0], row[1]) for row in rows], pages
