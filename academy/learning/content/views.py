"""The content check page: every problem in courses/ and quizzes/ with its file and line (trainers, admins)."""
from flask import Blueprint, render_template

from academy.learning.content.catalog import get_catalog
from academy.platform.access import requires

bp = Blueprint("content", __name__, url_prefix="/admin")


@bp.route("/content")
@requires("trainer", "admin")
def problems():
    catalog = get_catalog()
    counts = {"modules": len(catalog.modules), "lessons": len(catalog.lessons), "quizzes": len(catalog.quizzes)}
    return render_template("admin/content.html", problems=catalog.problems, counts=counts)
