"""Quiz pages: list, intro/start, take (save as you go), dialogue steps, submit, result, mistake book."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from academy.learning.courses.progress import (
    current_progress,
    learner_catalog,
    listing_state,
    locked_module,
    quiz_schedule,
    quiz_schedules,
    quiz_state,
    standing_on,
)
from academy.learning.quizzes import services
from academy.learning.quizzes import views_support as support
from academy.learning.quizzes.refusals import refusals
from academy.learning.quizzes.responses import BadAnswer, parse_responses
from academy.learning.quizzes.versions import attempt_quiz, graded_quiz
from academy.org.models import utcnow
from academy.platform.access import ANY_USER, requires
from academy.platform.cache import shared_page
from academy.platform.db import get_session, writes

bp = Blueprint("quizzes", __name__)  # the 错题本 pages (mistake_views) are registered as a blueprint of their own


def my_attempt(attempt_id: int, lock: bool = False):
    """The current learner's attempt (404/403 otherwise, 404 on a quiz the learner may not see); lock it for changes."""
    attempt = services.load_attempt(get_session(), attempt_id, current_user.id, lock=lock)
    if attempt.quiz_id in learner_catalog().hidden_quizzes:
        abort(404)
    return attempt


@bp.route("/quizzes/")
@requires(ANY_USER)
@shared_page(listing_state)
def index():
    progress = current_progress()
    return render_template("quizzes/index.html", catalog=learner_catalog(), standings=progress.quiz_standings,
                           schedules=dict(quiz_schedules()))


def locked_page(quiz):
    """The 403 page while the quiz's module is locked for this learner, else None."""
    locked = locked_module(quiz.course)
    return (render_template("courses/locked.html", entry=locked), 403) if locked else None


def intro_state(quiz_id: str):
    """The learner's standing on the quiz (and whether its module is locked), and where its schedule puts it: the
    shared intro page changes when the quiz opens and when it closes."""
    quiz = learner_catalog().quiz(quiz_id)
    return (quiz_state(quiz) if quiz else None), quiz_schedule(quiz_id)


@bp.route("/quizzes/<quiz_id>")
@requires(ANY_USER)
@shared_page(intro_state)
def intro(quiz_id: str):
    quiz = learner_catalog().quiz(quiz_id) or abort(404)
    standing = standing_on(quiz)
    module_url = url_for("courses.module", module_id=quiz.course) if learner_catalog().module(quiz.course) else None
    view = support.IntroView(quiz, standing, module_url, quiz_schedule(quiz_id))
    return locked_page(quiz) or render_template("quizzes/intro.html", quiz=quiz, standing=standing, view=view)


@bp.route("/quizzes/<quiz_id>/start", methods=["POST"])
@requires(ANY_USER)
@writes
@refusals
def start(quiz_id: str):
    quiz = learner_catalog().quiz(quiz_id) or abort(404)
    if page := locked_page(quiz):
        return page
    db = get_session()
    attempt = services.start_attempt(db, current_user.id, quiz, utcnow())
    db.commit()
    return redirect(url_for("quizzes.take", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>")
@requires(ANY_USER)
@refusals
def take(attempt_id: int):
    attempt = my_attempt(attempt_id)
    if attempt.state != "in_progress":
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    quiz = attempt_quiz(attempt)
    return render_template("quizzes/take.html", attempt=attempt, quiz=quiz, view=support.TakeView(quiz, attempt, utcnow()))


@bp.route("/attempts/<int:attempt_id>/save", methods=["POST"])
@requires(ANY_USER)
@writes
@refusals
def save(attempt_id: int):
    db = get_session()
    attempt = my_attempt(attempt_id, lock=True)
    services.save_answers(db, attempt, parse_responses(attempt_quiz(attempt), request.form), utcnow())
    db.commit()
    flash(_("答案已保存，可以稍后回来继续。"), "success")
    return redirect(url_for("quizzes.take", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/check/<item_id>", methods=["POST"])
@requires(ANY_USER)
@writes
@refusals
def check(attempt_id: int, item_id: str):
    db = get_session()
    attempt = my_attempt(attempt_id, lock=True)
    quiz = attempt_quiz(attempt)
    services.check_item(db, attempt, quiz, item_id, parse_responses(quiz, request.form), utcnow())
    db.commit()
    return redirect(url_for("quizzes.take", attempt_id=attempt.id) + f"#item-{item_id}")


@bp.route("/attempts/<int:attempt_id>/dialogue/<item_id>", methods=["POST"])
@requires(ANY_USER)
@writes
@refusals
def choose(attempt_id: int, item_id: str):
    db = get_session()
    attempt = my_attempt(attempt_id, lock=True)
    index = request.form.get("choice", "")
    if not index.isdigit():
        raise BadAnswer(_("请选择一个回应。"))
    services.choose(db, attempt, attempt_quiz(attempt), item_id, int(index), utcnow())
    db.commit()
    return redirect(url_for("quizzes.take", attempt_id=attempt.id) + f"#item-{item_id}")


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@requires(ANY_USER)
@writes
@refusals
def submit(attempt_id: int):
    db = get_session()
    attempt = my_attempt(attempt_id, lock=True)
    quiz = attempt_quiz(attempt)
    if not services.submit_attempt(db, attempt, quiz, parse_responses(quiz, request.form), utcnow()):
        return already_submitted(attempt_id)
    db.commit()
    return redirect(url_for("quizzes.result", attempt_id=attempt_id))


def already_submitted(attempt_id: int):
    flash(_("已提交，本次作答只计一次。"), "info")
    return redirect(url_for("quizzes.result", attempt_id=attempt_id))


@bp.route("/attempts/<int:attempt_id>/result")
@requires(ANY_USER)
@refusals
def result(attempt_id: int):
    """The learner's own result, or (read only) one of a learner the viewer may see: a manager's people, anyone
    for trainers and admins (academy.org.scope)."""
    attempt = services.load_attempt_for(get_session(), attempt_id, current_user)
    if attempt.quiz_id in learner_catalog().hidden_quizzes:
        abort(404)
    learner = None if attempt.user_id == current_user.id else attempt.user
    if attempt.state == "in_progress":
        if learner is not None:
            abort(404)  # nothing to show until it is submitted
        return redirect(url_for("quizzes.take", attempt_id=attempt.id))
    quiz = graded_quiz(get_session(), attempt)  # a regraded attempt is shown with the corrected items
    return render_template("quizzes/result.html", attempt=attempt, quiz=quiz, learner=learner,
                           view=support.ResultView(quiz, attempt, learner_catalog(), utcnow()))
