"""Role-play review: the queue, the review page (first rating, second rating, reopening) and the history."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from academy.learning.content.catalog import get_catalog
from academy.learning.quizzes.refusals import refusals
from academy.learning.quizzes.services import AttemptRejected
from academy.learning.roleplay import queue as reviews
from academy.learning.roleplay import rules, services
from academy.org.models import utcnow
from academy.platform.access import requires
from academy.platform.db import get_session, writes

bp = Blueprint("roleplay", __name__, url_prefix="/review")
REVIEWERS = ("trainer", "manager", "admin")
LARGEST_ID = 2**31 - 1


def _id_arg(name: str) -> int | None:
    """A filter id from the query string: absent → no filter; anything but a plausible id → 0, which matches
    nothing (an empty result, never an error and never someone else's rows)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= LARGEST_ID else 0


def _query_args(filters: dict) -> dict:
    """The filters as query-string arguments (the pager keeps them in its links)."""
    names = {"team_id": "team", "quiz_id": "quiz", "reviewer_id": "reviewer"}
    return {names[k]: v for k, v in filters.items() if k in names and v is not None}


def _filters() -> dict:
    page = request.args.get("page", "1")
    return {"team_id": _id_arg("team"), "quiz_id": request.args.get("quiz", "")[:80] or None,
            "page": int(page) if page.isascii() and page.isdigit() and len(page) < 8 else 1}


@bp.route("/")
@requires(*REVIEWERS)
def queue():
    session, filters = get_session(), _filters()
    listing = reviews.review_queue(session, current_user, utcnow(), **filters)
    return render_template("roleplay/queue.html", listing=listing, filters=filters, args=_query_args(filters), catalog=get_catalog(),
                           choices=reviews.filter_choices(session, current_user),
                           second=reviews.second_rating_candidates(session, current_user),
                           overdue_days=reviews.OVERDUE.days)


@bp.route("/history")
@requires(*REVIEWERS)
def history():
    session, filters = get_session(), _filters() | {"reviewer_id": _id_arg("reviewer")}
    listing = reviews.history(session, current_user, **filters)
    return render_template("roleplay/history.html", listing=listing, filters=filters, args=_query_args(filters),
                           catalog=get_catalog(),
                           choices=reviews.filter_choices(session, current_user))


def _review_page(attempt_id: int, error: str | None = None, status: int = 200):
    page = services.review_page(get_session(), current_user, attempt_id)
    return render_template("roleplay/grade.html", page=page, error=error, posted=request.form if error else None,
                           rule=rules.FINAL_RULE, level_name=rules.level_name, now=utcnow()), status


def _refused_form(attempt_id: int, exc: AttemptRejected):
    """A form that fails (422): the page again, with the message and what was typed; anything else is refused."""
    if exc.status != 422:
        raise exc
    get_session().rollback()
    return _review_page(attempt_id, exc.message, 422)


@bp.route("/<int:attempt_id>", methods=["GET", "POST"])
@requires(*REVIEWERS)
@writes
@refusals
def grade(attempt_id: int):
    if request.method == "GET":
        return _review_page(attempt_id)
    db = get_session()
    try:
        services.give_review(db, current_user, attempt_id, request.form, utcnow())
    except AttemptRejected as exc:
        return _refused_form(attempt_id, exc)
    db.commit()
    flash(_("评阅已保存，学员现在可以看到得分和评语。"), "success")
    return redirect(url_for("roleplay.queue"))


@bp.route("/<int:attempt_id>/second", methods=["POST"])
@requires(*REVIEWERS)
@writes
@refusals
def second(attempt_id: int):
    db = get_session()
    try:
        recheck = services.add_second_rating(db, current_user, attempt_id, request.form, utcnow())
    except AttemptRejected as exc:
        return _refused_form(attempt_id, exc)
    db.commit()
    flash(_("第二评分已保存，最终得分已按规则更新。") + (_("两位评阅人有维度相差超过一个等级：已标记“需要复核”。") if recheck else ""),
          "success")
    return redirect(url_for("roleplay.grade", attempt_id=attempt_id))


@bp.route("/<int:attempt_id>/reopen", methods=["POST"])
@requires(*REVIEWERS)
@writes
@refusals
def reopen(attempt_id: int):
    db = get_session()
    try:
        services.reopen(db, current_user, attempt_id, request.form.get("reason", ""), utcnow())
    except AttemptRejected as exc:
        return _refused_form(attempt_id, exc)
    db.commit()
    flash(_("评阅已重开：这份作答回到了评阅队列，学员已收到通知。"), "success")
    return redirect(url_for("roleplay.grade", attempt_id=attempt_id))
