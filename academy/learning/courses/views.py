"""Trainee pages: dashboard, learning map, module overview, lesson reader, 完成本节."""
from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from academy.learning.courses import search as lesson_search
from academy.learning.courses import services
from academy.learning.courses.progress import (
    assignments,
    current_progress,
    dashboard_state,
    learner_catalog,
    lesson_progress,
    lesson_state,
    listing_state,
    locked_module,
    quiz_schedules,
    recent,
    scheduled_ahead,
)
from academy.platform.access import ANY_USER, requires
from academy.platform.cache import shared_page
from academy.platform.db import get_session, writes

bp = Blueprint("courses", __name__)


# Each role's home (issue 16 item 1): "/" takes a manager to the team overview and a trainer to the authoring
# desk; admins and learners get the learner dashboard there.  Everyone's own learning stays at /learning
# ("我的学习" in the navigation), so a manager or trainer is one click from it.
ROLE_HOMES = (("manager", "/reports"), ("trainer", "/authoring"))


def role_home(user) -> str | None:
    """The path "/" sends this user to, or None for the learner dashboard.  A home whose page is not part of
    this app (the authoring desk before it lands) is skipped."""
    if user.has_role("admin"):
        return None
    rules = current_app.extensions.get("home_rules")
    if rules is None:  # the app's paths without their trailing slash → the path as routed
        rules = current_app.extensions["home_rules"] = {r.rule.rstrip("/"): r.rule for r in current_app.url_map.iter_rules()
                                                        if "<" not in r.rule}
    return next((rules[path] for role, path in ROLE_HOMES if user.has_role(role) and path in rules), None)


def to_role_home(view):
    @wraps(view)
    def wrapper(**view_args):
        target = role_home(current_user)
        return redirect(request.script_root + target) if target else view(**view_args)

    return wrapper


def _dashboard():
    return render_template("courses/dashboard.html", progress=current_progress(), recent=recent(), catalog=learner_catalog(),
                           assignments=assignments(), ahead=scheduled_ahead())


@bp.route("/")
@requires(ANY_USER)
@to_role_home
@shared_page(dashboard_state)
def dashboard():
    return _dashboard()


@bp.route("/learning")
@requires(ANY_USER)
@shared_page(dashboard_state)
def my_learning():
    """The learner dashboard at its own address, for those whose "/" is another page."""
    return _dashboard()


@bp.route("/map")
@requires(ANY_USER)
@shared_page(listing_state)
def learning_map():
    progress = current_progress()
    return render_template("courses/map.html", progress=progress, schedules=dict(quiz_schedules()))


@bp.route("/modules/<module_id>")
@requires(ANY_USER)
@shared_page(listing_state)
def module(module_id: str):
    progress = current_progress()
    entry = progress.for_module(module_id) or abort(404)
    return render_template("courses/module.html", entry=entry, done=progress.completed, schedules=dict(quiz_schedules()))


SEARCH_PROBLEMS = {
    "too_long": lambda: _("搜索词太长：最多 %(n)s 个字。", n=lesson_search.MAX_QUERY),
    "too_many": lambda: _("词太多：最多用 %(n)s 个词，用空格隔开。", n=lesson_search.MAX_TERMS),
}


@bp.route("/search")
@requires(ANY_USER)
def search():
    """Search the lessons the learner can open.  Not a shared page: every query would be a page of its own."""
    query = request.args.get("q", "")
    try:
        terms = lesson_search.parse_query(query)
    except lesson_search.BadQuery as problem:
        return render_template("courses/search.html", query=query, results=None, problem=SEARCH_PROBLEMS[str(problem)]()), 400
    results = lesson_search.search(learner_catalog(), terms, lambda module_id: locked_module(module_id) is not None)
    return render_template("courses/search.html", query=" ".join(query.split()), results=results, problem=None)


@bp.route("/lessons/<lesson_id>")
@requires(ANY_USER)
@shared_page(lesson_state)
def lesson(lesson_id: str):
    catalog = learner_catalog()
    lesson = catalog.lesson(lesson_id) or abort(404)
    locked, done = lesson_progress(lesson)
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
    catalog = learner_catalog()
    lesson = catalog.lesson(lesson_id) or abort(404)
    db = get_session()
    services.complete_lesson(db, current_user.id, lesson)
    db.commit()
    flash(_("已完成：%(title)s", title=lesson.title), "success")
    previous, following = services.neighbours(catalog.module(lesson.module_id), lesson)
    target = url_for("courses.lesson", lesson_id=following.id) if following else url_for("courses.module", module_id=lesson.module_id)
    return redirect(target)
