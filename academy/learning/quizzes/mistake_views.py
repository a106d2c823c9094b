"""错题本 pages: the list and an unscored practice round."""
import re
import secrets

from flask import Blueprint, render_template, request
from flask_login import current_user

from academy.learning.courses.progress import learner_catalog
from academy.learning.models import QuizVersion
from academy.learning.questions import TYPES, score_item
from academy.learning.quizzes import mistakes
from academy.learning.quizzes.layout import right_order
from academy.learning.quizzes.refusals import refusals
from academy.learning.quizzes.versions import pinned_quiz_by_hash
from academy.org.models import utcnow
from academy.platform.access import ANY_USER, requires
from academy.platform.db import get_session, writes

bp = Blueprint("mistakes", __name__)
PRACTICE_SIZE = 10


def _book(session, user_id: int) -> list[tuple]:
    """(entry, quiz, item) for every open entry of the learner's book whose item can still be shown (and whose
    quiz the learner may see)."""
    rows, hidden = [], learner_catalog().hidden_quizzes
    for entry in mistakes.open_entries(mistakes.book(session, user_id)):
        if entry.quiz_id in hidden:
            continue
        quiz = pinned_quiz_by_hash(entry.content_hash, lambda entry=entry: session.get(QuizVersion, entry.version_id))
        item = mistakes.practice_item(quiz, entry.key)
        if item is not None:
            rows.append((entry, quiz, item))
    return rows


class PracticeView:
    """Just enough of TakeView's interface for the item macros."""

    def __init__(self, answers: dict | None = None) -> None:
        self.answers = answers or {}

    def options(self, item):
        return item.options

    def sequence(self, item):
        return list(enumerate(item.sequence))[::-1]

    def rights(self, item):
        return right_order(item, None)

    def answer(self, item, parent=None):
        return self.answers.get(item.id)

    def position(self, item, index, parent=None):
        return None


TOKEN = re.compile(r"[A-Za-z0-9_-]{16,32}")


def _round_token(posted: str | None) -> str:
    """The practice form's round token; a form without a valid one (rendered before tokens) is a round of its own."""
    return posted if posted and TOKEN.fullmatch(posted) else secrets.token_urlsafe(16)


@bp.route("/mistakes")
@requires(ANY_USER)
def book():
    return render_template("quizzes/mistakes.html", rows=_book(get_session(), current_user.id), catalog=learner_catalog())



@bp.route("/mistakes/practice", methods=["GET", "POST"])
@requires(ANY_USER)
@writes
@refusals
def practice():
    db = get_session()
    rows = _book(db, current_user.id)[:PRACTICE_SIZE]
    if request.method == "GET":
        return render_template("quizzes/practice.html", rows=rows, view=PracticeView(), token=secrets.token_urlsafe(16))
    results = {entry.id: score_item(item, TYPES[item.type].parse_answer(item, request.form)) for entry, _quiz, item in rows}
    answered = [(entry, results[entry.id].correct) for entry, _quiz, _item in rows]
    after = mistakes.practise(db, current_user.id, _round_token(request.form.get("round")), answered, utcnow())
    db.commit()
    rows = [(after[(entry.quiz_id, entry.key)], quiz, item) for entry, quiz, item in rows]
    return render_template("quizzes/practice_result.html", rows=rows, results=results, catalog=learner_catalog())
