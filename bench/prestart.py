"""Attempts started ahead of a run, for bench/run.py's `submit` row: that row measures the submit request
alone, so each submit needs an attempt in progress, and a learner has at most one open attempt per quiz.

    python bench/prestart.py QUIZ FIRST COUNT FILE_PREFIX FILES   (DATABASE_URL, CONTENT_DIR, SECRET_KEY as for the app)

Creates COUNT learners (bench-s<FIRST>, bench-s<FIRST+1>, …), signs each in (a server-side login session, as /login
opens) and starts one attempt for each through the app's own start service.  Writes one line per attempt,
"<attempt path> <session cookie> <CSRF token>", spread over FILES files FILE_PREFIX.1 … (one per wrk
thread).  Setup only: nothing here is measured.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BATCH = 500


def graded_count(database_url: str) -> int:
    """How many of the prestarted learners' attempts are graded: run.py checks that every submit counted as
    done graded one (an "已提交" answer also redirects to the result page)."""
    from sqlalchemy import func, select

    from academy.learning.models import Attempt
    from academy.org.models import User
    from academy.platform.db import make_engine

    engine = make_engine(database_url)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(Attempt).join(User, User.id == Attempt.user_id)
                            .where(User.username.like("bench-s%"), Attempt.state == "graded"))
    engine.dispose()
    return count


def main(quiz_id: str, start: int, count: int, prefix: str, files: int) -> None:
    from flask import g
    from flask import session as cookie_session
    from flask_wtf.csrf import generate_csrf

    from academy.learning.content.catalog import get_catalog
    from academy.learning.quizzes.services import start_attempt
    from academy.org.auth.services import open_login_session
    from academy.org.models import User, utcnow
    from academy.platform.db import get_session
    from app import create_app

    app = create_app()
    outputs = [open(f"{prefix}.{n}", "w", encoding="utf-8") for n in range(1, files + 1)]
    with app.app_context():
        db, quiz = get_session(), get_catalog().quiz(quiz_id)
        digest = db.scalar(User.__table__.select().with_only_columns(User.password_hash).limit(1))
        serializer = app.session_interface.get_signing_serializer(app)
        for first in range(start, start + count, BATCH):
            users = [User(username=f"bench-s{n}", display_name=f"bench-s{n}", password_hash=digest)
                     for n in range(first, min(first + BATCH, start + count))]
            for user in users:
                user.set_roles({"trainee"})
            db.add_all(users)
            db.flush()
            for user in users:
                token = open_login_session(db, user)
                attempt_id = start_attempt(db, user.id, quiz, utcnow()).id
                with app.test_request_context():
                    g.pop("csrf_token", None)  # generate_csrf keeps the token of the app context's first user
                    cookie_session.update({"sid": token, "seen": int(time.time()), "_user_id": str(user.id), "_fresh": True})
                    csrf = generate_csrf()
                    cookie = serializer.dumps(dict(cookie_session))
                outputs[user.id % files].write(f"/attempts/{attempt_id} {app.config['SESSION_COOKIE_NAME']}={cookie} {csrf}\n")
            db.commit()
    for output in outputs:
        output.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
