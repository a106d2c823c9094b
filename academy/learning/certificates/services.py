"""Certificates: issued when a learner finishes a module (kind "module") or every module (kind "course"), by an
explicit `refresh` in the transaction that completes a lesson or grades an attempt; never on a GET page.

Finishing follows the learning map's one rule (academy.learning.courses.services: every lesson completed and
every required quiz passed, prerequisites finished), on the content as trainees see it.  A certificate is kept
once issued: content that changes later does not take it back; only a revocation (with a reason, audited) does,
and a revoked certificate is not issued again by refresh.
"""
import base64
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.learning.content import catalog as content_catalog
from academy.learning.courses import services as courses
from academy.learning.models import Certificate
from academy.org import audit
from academy.org.models import User, utcnow

COURSE_TITLE = "政企销售学院 全部课程"
MAX_REASON = 500
CODE_BYTES = 10  # 80 bits: 16 base32 characters


class CertificateRejected(Exception):
    def __init__(self, message, status: int = 422) -> None:
        super().__init__(message)
        self._message, self.status = message, status

    @property
    def message(self) -> str:
        return str(self._message)


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode().rstrip("=")


def normalise_code(code: str) -> str:
    return (code or "").strip().upper().replace("-", "").replace(" ", "")[:32]


def refresh(session: Session, user_id: int, catalog=None) -> list[Certificate]:
    """Issue the certificates the learner has newly earned (usually none).  Three statements: the learner's
    progress (two, the learning map's own) and their certificates.  Outside the app (a bare session with no
    catalog) there is nothing to measure against and nothing is issued."""
    catalog = catalog or content_catalog.app_catalog()
    if catalog is None:
        return []
    catalog = catalog.trainee_view
    progress = courses.learner_progress(session, user_id, catalog)
    finished = [m.module for m in progress.modules if m.status == "done"]
    earned = {("module", m.id): m.title for m in finished}
    if catalog.modules and len(finished) == len(catalog.modules):
        earned[("course", "")] = COURSE_TITLE
    if not earned:
        return []
    held = {tuple(row) for row in session.execute(select(Certificate.kind, Certificate.target_id).where(Certificate.user_id == user_id))}
    missing = [key for key in earned if key not in held]
    if not missing:
        return []
    name = session.scalar(select(User.display_name).where(User.id == user_id))
    issued = [Certificate(code=new_code(), user_id=user_id, kind=kind, target_id=target, holder_name=name,
                          title=earned[(kind, target)][:200], issued_at=utcnow()) for kind, target in missing]
    session.add_all(issued)
    session.flush()
    return issued


def by_code(session: Session, code: str) -> Certificate | None:
    code = normalise_code(code)
    return session.scalar(select(Certificate).where(Certificate.code == code)) if code else None


def certificates_of(session: Session, user_id: int) -> list[Certificate]:
    return list(session.scalars(select(Certificate).where(Certificate.user_id == user_id)
                                .order_by(Certificate.issued_at, Certificate.id)))


def certificates_visible_to(session: Session, condition, limit: int = 200) -> list[tuple[Certificate, str]]:
    """The newest certificates of the learners matching `condition` (an academy.org.scope condition; None: all)."""
    query = (select(Certificate, User.username).join(User, User.id == Certificate.user_id)
             .order_by(Certificate.issued_at.desc(), Certificate.id.desc()).limit(limit))
    if condition is not None:
        query = query.where(condition)
    return [(row[0], row[1]) for row in session.execute(query)]


def revoke(session: Session, actor_id: int, certificate: Certificate, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise CertificateRejected(_l("撤销证书必须填写原因。"))
    if len(reason) > MAX_REASON:
        raise CertificateRejected(_l("原因最多 %(n)d 个字符。", n=MAX_REASON))
    if certificate.revoked_at is not None:
        raise CertificateRejected(_l("该证书已被撤销。"), 409)
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    session.flush()
    audit.record(session, actor_id, "certificate.revoke", "certificate", certificate.code, reason=reason,
                 detail={"user_id": certificate.user_id, "kind": certificate.kind, "target": certificate.target_id})
