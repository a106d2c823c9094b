"""Per learner and assignable target (a module, a quiz, a 商机阶段 drill): how many of the target's requirements
the learner has met and touched (learner_target).  An assignment's status (academy.learning.assignments.status)
then reads one row per (assignment, learner) instead of joining every requirement to lesson_progress and
quiz_tally: at 10,000 learners that join was most of the organisation's report (bench/README.md).

`progress` is the one rule for met and touched, counted from lesson_progress and quiz_tally against the
requirements (academy.learning.assignments.targets).  Whatever changes those records for a learner calls
`refresh` for them in its own transaction: the quiz tally's refresh (start, grade, expiry, review, regrade) and
completing a lesson.

The rows depend on the content as well as on the records: a module that gains a lesson is no longer done.
So each learner's rows are stamped with a digest of the requirements they were counted against
(learner_target_stamp).  The status SQL reads the rows of learners stamped with the current digest and counts
everyone else from the records by the same `progress`: after a content change the status is slower for a
while, never wrong.  A learner's next start, grade or lesson restamps them; `flask refresh-targets` restamps
everyone at once.
"""
import hashlib
from collections.abc import Callable, Iterable

from sqlalchemy import Float, Integer, String, and_, bindparam, case, column, delete, func, insert, literal, select, union_all
from sqlalchemy.orm import Session

from academy.learning.assignments.targets import requirements
from academy.learning.content.catalog import Catalog, app_catalog
from academy.learning.models import LearnerTarget, LearnerTargetStamp, LessonProgress, QuizTally
from academy.learning.quizzes.results import passed_sql
from academy.org.models import User
from academy.platform.dialects import inline_table, upsert

REQUIREMENT_COLUMNS = (column("kind", String(16)), column("target_id", String(120)), column("req_type", String(16)),
                       column("req_id", String(120)), column("grading", String(16)), column("pass_score", Float))
NEED_COLUMNS = (column("kind", String(16)), column("target_id", String(120)), column("needed", Integer))
LEARNERS = bindparam("learners", expanding=True)
CHUNK = 500  # learners per statement when everyone is recounted


def requirements_table(catalog: Catalog, dialect_name: str):
    """The requirements as a table written into the statement, built once per catalog and database kind."""

    def build():
        rows = [(r.kind, r.target_id, r.req_type, r.req_id, r.grading, float(r.pass_score)) for r in requirements(catalog)]
        return inline_table(dialect_name, "req", REQUIREMENT_COLUMNS, rows or [("", "", "", "", "", 0.0)])

    return catalog.derived("assignment-requirements", (dialect_name,), build, 8)


def needs_table(catalog: Catalog, dialect_name: str):
    """Per target, how many requirements it has (a target with none is never done)."""

    def build():
        needed: dict[tuple[str, str], int] = {}
        for r in requirements(catalog):
            needed[(r.kind, r.target_id)] = needed.get((r.kind, r.target_id), 0) + 1
        rows = [(kind, target, n) for (kind, target), n in needed.items()]
        return inline_table(dialect_name, "needs", NEED_COLUMNS, rows or [("", "", 0)])

    return catalog.derived("assignment-needs", (dialect_name,), build, 8)


def version(catalog: Catalog) -> str:
    """A digest of the requirements: what a learner's rows were counted against."""
    return catalog.derived("requirements-version", (), lambda: hashlib.sha256(repr(requirements(catalog)).encode())
                           .hexdigest()[:16], 4)


def progress(req, learner_condition: Callable):
    """(user_id, kind, target_id, met, touched) for each target that a learner meeting
    `learner_condition(user_id column)` has touched: a requirement is met by a completed lesson or a quiz passed
    by its grading method, touched by a completed lesson or any attempt of the quiz."""
    lp, t = LessonProgress, QuizTally
    lessons = (select(lp.user_id.label("user_id"), req.c.kind, req.c.target_id, literal(1).label("met"),
                      literal(1).label("touched"))
               .join(req, and_(req.c.req_type == "lesson", req.c.req_id == lp.lesson_id))
               .where(learner_condition(lp.user_id), lp.completed_at.is_not(None)))
    passed = case((passed_sql(t, req.c.grading, req.c.pass_score), 1), else_=0)
    quizzes = (select(t.user_id, req.c.kind, req.c.target_id, passed, case((t.attempts > 0, 1), else_=0))
               .join(req, and_(req.c.req_type == "quiz", req.c.req_id == t.quiz_id))
               .where(learner_condition(t.user_id)))
    rows = union_all(lessons, quizzes).subquery("requirement_rows")
    touched = func.sum(rows.c.touched)
    return (select(rows.c.user_id, rows.c.kind, rows.c.target_id, func.sum(rows.c.met).label("met"), touched.label("touched"))
            .group_by(rows.c.user_id, rows.c.kind, rows.c.target_id).having(touched > 0))


def _rewrite(catalog: Catalog, dialect_name: str) -> tuple:
    def build():
        rows = progress(requirements_table(catalog, dialect_name), lambda user_id: user_id.in_(LEARNERS))
        return (delete(LearnerTarget).where(LearnerTarget.user_id.in_(LEARNERS)),
                insert(LearnerTarget).from_select(["user_id", "kind", "target_id", "met", "touched"], rows))

    return catalog.derived("learner-target-rewrite", (dialect_name,), build, 4)


FORGET_STAMPS = delete(LearnerTargetStamp).where(LearnerTargetStamp.user_id.in_(LEARNERS))


def refresh(session: Session, user_ids: Iterable[int], catalog: Catalog | None = None) -> None:
    """Recount these learners' rows against the trainee catalog, in the caller's transaction (which holds their
    locks where the database runs writers side by side: academy.learning.quizzes.tally.refresh).  Without a
    catalog (a bare session outside the app) their stamps are dropped instead, so that their status is counted
    from the records until they are recounted."""
    learners = sorted(set(user_ids))
    if not learners:
        return
    session.flush()
    connection = session.connection()
    catalog = catalog or app_catalog()
    if catalog is None:
        connection.execute(FORGET_STAMPS, {"learners": learners})
        return
    catalog = catalog.trainee_view
    for statement in _rewrite(catalog, connection.dialect.name):
        connection.execute(statement, {"learners": learners})
    stamp = version(catalog)
    upsert(connection, LearnerTargetStamp.__table__, ("user_id",), [{"user_id": u, "version": stamp} for u in learners])


def refresh_all(session: Session, catalog: Catalog, echo: Callable = lambda line: None) -> int:
    """Recount every learner whose rows are not stamped with the current requirements, a chunk at a time (one
    transaction each: the caller commits nothing).  Returns how many were recounted."""
    stamp = version(catalog.trainee_view)
    stale = select(User.id).where(~select(LearnerTargetStamp.user_id).where(
        LearnerTargetStamp.user_id == User.id, LearnerTargetStamp.version == stamp).exists()).order_by(User.id)
    ids = list(session.scalars(stale))
    for start in range(0, len(ids), CHUNK):
        refresh(session, ids[start:start + CHUNK], catalog)
        session.commit()
        echo(f"{min(start + CHUNK, len(ids))}/{len(ids)}")
    return len(ids)
