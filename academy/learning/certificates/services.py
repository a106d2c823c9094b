"""Certificates: issued when a learner finishes a module (kind "module") or every module (kind "course"), by an
explicit `refresh` in the transaction that completes a lesson or grades an attempt; never on a GET page.

Finishing follows the learning map's one rule (academy.learning.courses.services: every lesson completed and
every required quiz passed, prerequisites finished), on the content as trainees see it.  A certificate is kept
once issued: content that changes later does not take it back; only a revocation (with a reason, audited) does,
and a revoked certificate is not issued again by refresh.

One exception: when a grade is taken back or corrected (a reopened review, a second rating, a regrade), the
attempt services run the change inside `grade_corrected`, and the certificates the learner met before the change
but not after it are revoked through `revoke` as "lapsed".  A lapsed certificate (only those: never one an admin
or manager revoked) is issued again, with its code, by refresh once the learner meets its condition again.
"""
import base64
import secrets
from collections.abc import Iterable
from contextlib import contextmanager

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.learning.content import catalog as content_catalog
from academy.learning.courses import services as courses
from academy.learning.models import Certificate
from academy.org import audit
from academy.org.models import User, utcnow
from academy.platform.i18n import in_language_of

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


def _earned(session: Session, user_id: int, catalog) -> dict[tuple[str, str], str]:
    """(kind, target) → title of every certificate the learner's progress meets now (two statements, the learning
    map's own reads)."""
    progress = courses.learner_progress(session, user_id, catalog)
    finished = [m.module for m in progress.modules if m.status == "done"]
    earned = {("module", m.id): m.title for m in finished}
    if catalog.modules and len(finished) == len(catalog.modules):
        earned[("course", "")] = COURSE_TITLE
    return earned


def _trainee_catalog(catalog=None):
    catalog = catalog or content_catalog.app_catalog()
    return None if catalog is None else catalog.trainee_view


def refresh(session: Session, user_id: int, catalog=None) -> list[Certificate]:
    """Issue the certificates the learner has newly earned (usually none), and issue again the lapsed ones they
    meet again.  Three statements: the learner's progress (two, the learning map's own) and their certificates.
    Outside the app (a bare session with no catalog) there is nothing to measure against and nothing is issued."""
    catalog = _trainee_catalog(catalog)
    if catalog is None:
        return []
    earned = _earned(session, user_id, catalog)
    if not earned:
        return []
    held = {(kind, target): lapsed for kind, target, lapsed in session.execute(
        select(Certificate.kind, Certificate.target_id, Certificate.lapsed).where(Certificate.user_id == user_id))}
    missing = [key for key in earned if key not in held]
    again = [key for key in earned if held.get(key)]
    if not missing and not again:
        return []
    name = session.scalar(select(User.display_name).where(User.id == user_id))
    issued = [Certificate(code=new_code(), user_id=user_id, kind=kind, target_id=target, holder_name=name,
                          title=earned[(kind, target)][:200], issued_at=utcnow()) for kind, target in missing]
    session.add_all(issued)
    session.flush()
    return issued + _issue_again(session, user_id, again)


def _issue_again(session: Session, user_id: int, keys: list[tuple[str, str]]) -> list[Certificate]:
    """The lapsed certificates at `keys` are valid again (same code, issued today); audited beside their revocation."""
    if not keys:
        return []
    rows = [c for c in session.scalars(select(Certificate).where(Certificate.user_id == user_id, Certificate.lapsed))
            if (c.kind, c.target_id) in keys]
    for certificate in rows:
        before = certificate.revoked_reason
        certificate.revoked_at, certificate.revoked_reason, certificate.lapsed = None, "", False
        certificate.issued_at = utcnow()
        audit.record(session, None, "certificate.reissue", "certificate", certificate.code,
                     detail={"user_id": user_id, "kind": certificate.kind, "target": certificate.target_id,
                             "lapsed_because": before})
    session.flush()
    return rows


@contextmanager
def grade_corrected(session: Session, user_ids: Iterable[int], actor_id: int | None, reason):
    """Around a change that takes back or corrects a learner's grades (the body): the certificates each learner
    met before it and no longer meets after it are revoked through `revoke` (audited, by `actor_id`), as lapsed.
    `reason` (lazy text) is written in the learner's language.  What a change newly earns is issued by refresh,
    as always.  Certificates that content changes made unmet are left alone: they were not met before either."""
    catalog = _trainee_catalog()
    before = {} if catalog is None else {user_id: set(_earned(session, user_id, catalog)) for user_id in set(user_ids)}
    yield
    session.flush()
    for user_id, met in before.items():
        lost = met - set(_earned(session, user_id, catalog)) if met else set()
        if lost:
            _lapse(session, user_id, lost, actor_id, reason)


def _lapse(session: Session, user_id: int, keys: set[tuple[str, str]], actor_id: int | None, reason) -> None:
    held = session.scalars(select(Certificate).where(Certificate.user_id == user_id, Certificate.revoked_at.is_(None))).all()
    lost = [c for c in held if (c.kind, c.target_id) in keys]
    if not lost:
        return
    with in_language_of(session.scalar(select(User.locale).where(User.id == user_id))):
        text = str(reason)[:MAX_REASON] or str(_l("成绩已更正，不再满足证书条件。"))
    for certificate in lost:
        revoke(session, actor_id, certificate, text, lapsed=True)


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


def revoke(session: Session, actor_id: int | None, certificate: Certificate, reason: str, *, lapsed: bool = False) -> None:
    """The one way a certificate is revoked: by an admin or a manager, or as lapsed (grade_corrected); audited."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateRejected(_l("撤销证书必须填写原因。"))
    if len(reason) > MAX_REASON:
        raise CertificateRejected(_l("原因最多 %(n)d 个字符。", n=MAX_REASON))
    if certificate.revoked_at is not None:
        raise CertificateRejected(_l("该证书已被撤销。"), 409)
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.lapsed = lapsed
    session.flush()
    audit.record(session, actor_id, "certificate.revoke", "certificate", certificate.code, reason=reason,
                 detail={"user_id": certificate.user_id, "kind": certificate.kind, "target": certificate.target_id,
                         **({"lapsed": True} if lapsed else {})})
