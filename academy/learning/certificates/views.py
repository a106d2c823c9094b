"""/certificates: a learner's certificates and each one's printable page; /verify/<code>: the public check
(name, title and date only); revoking (admins, and managers for the learners in their scope) with a reason."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from academy.learning.certificates import services
from academy.org.scope import learners_visible_to, may_see
from academy.platform.access import ANY_USER, requires
from academy.platform.db import get_session, writes
from academy.platform.security import limiter
from academy.platform.web import render_error

bp = Blueprint("certificates", __name__)

REVOKERS = ("admin", "manager")


def _may_revoke(certificate) -> bool:
    return current_user.has_role("admin") or (current_user.has_role("manager")
                                               and may_see(get_session(), current_user, certificate.user_id))


def _shown_or_404(code: str):
    """The certificate, for its holder and for staff who may see the holder; 404 for anyone else."""
    certificate = services.by_code(get_session(), code)
    if certificate is None:
        abort(404)
    if certificate.user_id != current_user.id and not (
            current_user.has_role("trainer", "manager", "admin") and may_see(get_session(), current_user, certificate.user_id)):
        abort(404)
    return certificate


@bp.route("/certificates")
@requires(ANY_USER)
def index():
    session = get_session()
    mine = services.certificates_of(session, current_user.id)
    others = []
    if current_user.has_role(*REVOKERS):
        others = services.certificates_visible_to(session, learners_visible_to(session, current_user))
    return render_template("certificates/index.html", mine=mine, others=others)


@bp.route("/certificates/<code>")
@requires(ANY_USER)
def show(code: str):
    certificate = _shown_or_404(code)
    verify_url = url_for("certificates.verify", code=certificate.code, _external=True)
    return render_template("certificates/show.html", certificate=certificate, verify_url=verify_url,
                           may_revoke=_may_revoke(certificate) and certificate.revoked_at is None)


@bp.route("/certificates/<code>/revoke", methods=["POST"])
@requires(*REVOKERS)
@writes
def revoke(code: str):
    certificate = _shown_or_404(code)
    if not _may_revoke(certificate):
        abort(404)
    try:
        services.revoke(get_session(), current_user.id, certificate, request.form.get("reason", ""))
    except services.CertificateRejected as exc:
        get_session().rollback()
        return render_error(exc.status, exc.message)
    get_session().commit()
    flash(_("证书已撤销。"), "success")
    return redirect(url_for("certificates.show", code=certificate.code))


def _too_many() -> str:
    return str(_l("查询太频繁，请稍后再试。"))


@bp.route("/verify/<code>")
@limiter.limit("30 per minute; 300 per hour", error_message=_too_many)  # per address: codes cannot be guessed quickly
def verify(code: str):
    """Public: anyone holding the code sees the holder's name, the title and the date — nothing else."""
    certificate = services.by_code(get_session(), code)
    if certificate is None:
        return render_template("certificates/verify.html", certificate=None), 404
    return render_template("certificates/verify.html", certificate=certificate)
