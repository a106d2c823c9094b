"""错题本 pages: the list and an unscored practice round."""
import re
import secrets

from flask import Blueprint, render_template, request
from flask_login import current_user

from academy.learning.courses.progress import learner_catalog
from academy.learning.questions import TYPES, score_item
from academy.learning.quizzes import mistakes
from academy.learning.quizzes.layout import right_order
from academy.learning.quizzes.refusals import refusals
from academy.org.models import utcnow
from academy.platform.access import ANY_USER, requires
from academy.platform.db import get_session, writes

bp = Blueprint("mistakes", __name__)
PRACTICE_SIZE = 10


def _book(session, user_id: int, entries: dict | None = None) -> list[tuple]:
    """(entry, quiz, item) for every open entry of the learner's book (read, unless given) that they may see."""
    return mistakes.shown_entries(session, user_id, learner_catalog().hidden_quizzes, entries)


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


def _due(rows: list[tuple], now, concept: str = "", quiz_id: str = "") -> list[tuple]:
    """The rows whose entry is due for practice, on `concept` and from the quiz `quiz_id` when they are named."""
    return [(entry, quiz, item) for entry, quiz, item in rows
            if entry.due(now) and (not concept or concept in item.concepts) and (not quiz_id or entry.quiz_id == quiz_id)]


@bp.route("/mistakes")
@requires(ANY_USER)
def book():
    rows, now = _book(get_session(), current_user.id), utcnow()
    due = _due(rows, now)
    return render_template("quizzes/mistakes.html", rows=rows, due=due, concepts=mistakes.concept_counts(due), now=now,
                           next_due=mistakes.next_due((entry for entry, _quiz, _item in rows), now),
                           catalog=learner_catalog(), round_size=PRACTICE_SIZE)



@bp.route("/mistakes/practice", methods=["GET", "POST"])
@requires(ANY_USER)
@writes
@refusals
def practice():
    db = get_session()
    if request.method == "GET":
        concept, quiz_id = request.args.get("concept", ""), request.args.get("quiz", "")
        rows = _due(_book(db, current_user.id), utcnow(), concept, quiz_id)[:PRACTICE_SIZE]
        return render_template("quizzes/practice.html", rows=rows, concept=concept, quiz=learner_catalog().quiz(quiz_id),
                               view=PracticeView(), token=secrets.token_urlsafe(16))
    shown = set(request.form.getlist("entry"))  # the entries the page showed, whatever the book holds by now
    rows = [row for row in _book(db, current_user.id) if row[0].id in shown][:PRACTICE_SIZE]
    results = {entry.id: score_item(item, TYPES[item.type].parse_answer(item, request.form)) for entry, _quiz, item in rows}
    answered = [(entry, results[entry.id].correct) for entry, _quiz, _item in rows]
    now = utcnow()
    after = mistakes.practise(db, current_user.id, _round_token(request.form.get("round")), answered, now)
    db.commit()
    rows = [(after[(entry.quiz_id, entry.key)], quiz, item) for entry, quiz, item in rows]
    return render_template("quizzes/practice_result.html", rows=rows, results=results, now=now,
                           still_due=len(_due(_book(db, current_user.id, after), now)), catalog=learner_catalog())
