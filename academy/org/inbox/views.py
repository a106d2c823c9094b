"""/notices: the signed-in user's in-app notices."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from academy.org.inbox import services
from academy.org.models import utcnow
from academy.platform.access import ANY_USER, requires
from academy.platform.db import get_session, writes

bp = Blueprint("inbox", __name__)


@bp.route("/notices")
@requires(ANY_USER)
def notices():
    session = get_session()
    return render_template("inbox/notices.html", notices=services.recent(session, current_user.id))


@bp.route("/notices/read", methods=["POST"])
@requires(ANY_USER)
@writes
def mark_read():
    services.mark_all_read(get_session(), current_user.id, utcnow())
    get_session().commit()
    return redirect(url_for("inbox.notices"))
