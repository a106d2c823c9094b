"""/coaching: the signed-in user's own coaching notes, written by their managers (academy.org.coaching.services)."""
from flask import Blueprint, render_template
from flask_login import current_user

from academy.org.coaching import services
from academy.platform.access import ANY_USER, requires
from academy.platform.db import get_session

bp = Blueprint("coaching", __name__)


@bp.route("/coaching")
@requires(ANY_USER)
def mine():
    return render_template("coaching/mine.html", notes_shown=services.notes_about(get_session(), current_user.id))
