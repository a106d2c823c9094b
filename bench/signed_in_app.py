"""The academy plus two bare signed-in routes, to show what being signed in, and writing, cost before any
page work.

`GET /__bench/signed-in` goes through everything a page does before its view runs (session cookie,
server-side login session and roles from the database, access rules, security headers) and returns a
fixed text.  `POST /__bench/one-write` adds the CSRF check and the smallest write transaction: the
performance brief's submit shape (read the learner's best score, insert one row, commit).  The score is
read from the learner's quiz tally (one row by its key), so the read costs the same however many attempts
the submit cycles of the same run pile up.  bench/run.py serves this module instead of app.py, so these
routes run in the same workers as the pages.
"""
from flask_login import current_user
from sqlalchemy import select

from academy.learning import xapi
from academy.learning.models import QuizTally
from academy.org.models import utcnow
from academy.platform.access import ANY_USER, requires
from academy.platform.db import get_session, writes
from app import create_app

app = create_app()


@requires(ANY_USER)
def signed_in():
    return "signed in"


@requires(ANY_USER)
@writes
def one_write():
    session = get_session()
    session.scalar(select(QuizTally.best_percent).where(QuizTally.user_id == current_user.id,
                                                        QuizTally.quiz_id == "clients-quiz"))
    xapi.record(session, current_user.id, "experienced", xapi.activity_id("bench"), "bench", utcnow())
    session.commit()
    return "written"


app.add_url_rule("/__bench/signed-in", "bench_signed_in", signed_in)
app.add_url_rule("/__bench/one-write", "bench_one_write", one_write, methods=["POST"])
