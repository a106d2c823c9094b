"""The content check page: every problem in courses/ and quizzes/ with its file and line, and the files that
changed after a newer browser edit (kept as conflict revisions) (trainers, admins)."""
from flask import Blueprint, render_template

from academy.learning.content.catalog import get_catalog, overlay
from academy.platform.access import requires

bp = Blueprint("content", __name__, url_prefix="/admin")


@bp.route("/content")
@requires("trainer", "admin")
def problems():
    catalog = get_catalog()
    counts = {"modules": len(catalog.modules), "lessons": len(catalog.lessons), "quizzes": len(catalog.quizzes)}
    source_overlay = overlay()
    conflicts = source_overlay.conflicts() if source_overlay is not None else []
    return render_template("admin/content.html", problems=catalog.problems, counts=counts, conflicts=conflicts)
