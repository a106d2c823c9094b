"""Minimal review loop for open role-plays: the queue and the grading page."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from academy.learning.content.catalog import get_catalog
from academy.learning.quizzes.refusals import refusals
from academy.learning.quizzes.versions import attempt_quiz
from academy.learning.roleplay import services
from academy.org.models import utcnow
from academy.platform.access import requires
from academy.platform.db import get_session, writes

bp = Blueprint("roleplay", __name__, url_prefix="/review")
REVIEWERS = ("trainer", "manager", "admin")


@bp.route("/")
@requires(*REVIEWERS)
def queue():
    attempts = services.review_queue(get_session(), current_user)
    return render_template("roleplay/queue.html", attempts=attempts, catalog=get_catalog())


@bp.route("/<int:attempt_id>", methods=["GET", "POST"])
@requires(*REVIEWERS)
@writes
@refusals
def grade(attempt_id: int):
    db = get_session()
    attempt = services.reviewable_attempt(db, current_user, attempt_id)
    quiz = attempt_quiz(attempt)
    if request.method == "POST":
        services.record_review(db, current_user, attempt, quiz, services.parse_levels(quiz, request.form), utcnow())
        db.commit()
        flash(_("评阅已保存，学员现在可以看到得分和评语。"), "success")
        return redirect(url_for("roleplay.queue"))
    return render_template("roleplay/grade.html", attempt=attempt, quiz=quiz)
