"""Trainee pages: dashboard, learning map, module overview, lesson reader, 完成本节."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from academy.access import ANY_USER, requires
from academy.content.catalog import get_catalog
from academy.courses import services
from academy.db import get_session, writes
from academy.quizzes.results import recent_results

bp = Blueprint("courses", __name__)


def current_progress() -> services.LearnerProgress:
    """The signed-in learner's progress (read outside any write transaction)."""
    return services.learner_progress(get_session(), current_user.id, get_catalog())


@bp.route("/")
@requires(ANY_USER)
def dashboard():
    recent = recent_results(get_session(), current_user.id)
    progress = current_progress()
    return render_template("courses/dashboard.html", progress=progress, recent=recent, catalog=get_catalog())


@bp.route("/map")
@requires(ANY_USER)
def learning_map():
    progress = current_progress()
    return render_template("courses/map.html", progress=progress)


@bp.route("/modules/<module_id>")
@requires(ANY_USER)
def module(module_id: str):
    progress = current_progress()
    entry = progress.for_module(module_id) or abort(404)

    return render_template("courses/module.html", entry=entry, done=progress.completed)


@bp.route("/lessons/<lesson_id>")
@requires(ANY_USER)
def lesson(lesson_id: str):
    catalog = get_catalog()
    lesson = catalog.lesson(lesson_id) or abort(404)
    locked, done = services.lesson_state(get_session(), current_user, catalog, lesson)
    if locked:
        return render_template("courses/locked.html", entry=locked), 403
    module = catalog.module(lesson.module_id)
    previous, following = services.neighbours(module, lesson)
    return render_template("courses/lesson.html", lesson=lesson, module=module, previous=previous,
                       following=following, done=done)


@bp.route("/lessons/<lesson_id>/complete", methods=["POST"])
@requires(ANY_USER)
@writes
def complete(lesson_id: str):
    catalog = get_catalog()
    lesson = catalog.lesson(lesson_id) or abort(404)
    db = get_session()
    services.complete_lesson(db, current_user.id, lesson)
    db.commit()
    flash(_("已完成：%(title)s", title=lesson.title), "success")
    previous, following = services.neighbours(catalog.module(lesson.module_id), lesson)
    target = url_for("courses.lesson", lesson_id=following.id) if following else url_for("courses.module", module_id=lesson.module_id)
    return redirect(target)
