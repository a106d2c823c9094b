"""Rule refusals and tampered answers as a message in the learner's language and a 4xx page (never a 500),
with the transaction rolled back so nothing is half-written."""
from functools import wraps

from academy.learning.quizzes.responses import BadAnswer
from academy.learning.quizzes.services import AttemptRejected
from academy.platform.db import get_session
from academy.platform.web import render_error


def refusals(view):
    """Turn rule refusals and tampered answers into a message and a 4xx page."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except AttemptRejected as exc:
            get_session().rollback()
            return render_error(exc.status, exc.message)
        except BadAnswer as exc:
            get_session().rollback()
            return render_error(422, str(exc))

    return wrapper
