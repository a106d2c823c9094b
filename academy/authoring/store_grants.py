"""Who may edit a content document (academy.authoring.store): admins everything; a trainer what they created or
were granted, and the documents that came from the files without an owner.  Grants are audited."""
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from academy.authoring.models import ContentDocument, ContentGrant
from academy.authoring.store_documents import EDITOR_ROLES, StoreError, document, kind_of, new_document
from academy.org import audit
from academy.org.models import User, utcnow


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
    return may_edit_document(user, doc, granted)


def editable_paths(session: Session, user: User, paths) -> set[str]:
    """may_edit for many documents at once (two queries): the paths among `paths` this user may edit."""
    paths = [p for p in paths if kind_of(p)]
    if not paths or not user.has_role(*EDITOR_ROLES):
        return set()
    docs = {d.path: d for d in session.scalars(select(ContentDocument).where(ContentDocument.path.in_(paths)))}
    granted = set(session.scalars(select(ContentGrant.document_id).where(ContentGrant.user_id == user.id)))
    return {p for p in paths if may_edit_document(user, docs.get(p), granted)}


def may_edit_document(user: User, doc: ContentDocument | None, granted: set[int]) -> bool:
    if user.has_role("admin"):
        return True
    if not user.has_role("trainer"):
        return False
    return doc is None or doc.owner_id is None or doc.owner_id == user.id or doc.id in granted


def grant(session: Session, actor_id: int, path: str, user: User, *, reason: str = "") -> ContentGrant:
    doc = document(session, path)
    if doc is None:
        doc = new_document(session, path, None, owner_id=None)
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
