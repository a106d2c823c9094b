"""learner_target (academy.learning.target_rows): what each learner has met and touched of every assignable
target, kept by the services that change their lessons and tallies, stamped with the requirements it was
counted against.  The rows equal a recount worked out in Python; a learner whose stamp is old (a content change)
or missing is counted from the records, with the same statuses (tests/test_assignments.py compares both ways on
every status it checks)."""
from collections import defaultdict
from dataclasses import replace

from sqlalchemy import delete, select, update

from academy.learning import target_rows
from academy.learning.models import LearnerTarget, LearnerTargetStamp, LessonProgress, QuizTally
from academy.org.models import User
from tests.test_progress_rows import PASSWORD


def python_target_rows(session, user_id: int, catalog) -> dict[tuple[str, str], tuple[int, int]]:
    """(kind, target) → (met, touched) from the learner's lessons and tallies, by the rules targets.py states."""
    from academy.learning.assignments.targets import requirements
    from academy.learning.quizzes.results import standing

    trainee = catalog.trainee_view
    done = set(session.scalars(select(LessonProgress.lesson_id).where(LessonProgress.user_id == user_id,
                                                                       LessonProgress.completed_at.is_not(None))))
    tallies = {t.quiz_id: t for t in session.scalars(select(QuizTally).where(QuizTally.user_id == user_id))}
    counts = defaultdict(lambda: [0, 0])
    for r in requirements(trainee):
        if r.req_type == "lesson":
            met = touched = r.req_id in done
        else:
            tally = tallies.get(r.req_id)
            touched = tally is not None and tally.attempts > 0
            met = touched and standing(trainee.quiz(r.req_id), tally).passed
        counts[(r.kind, r.target_id)][0] += int(met)
        counts[(r.kind, r.target_id)][1] += int(touched)
    return {key: (met, touched) for key, (met, touched) in counts.items() if touched}


def kept_target_rows(session, user_id: int) -> dict[tuple[str, str], tuple[int, int]]:
    rows = session.scalars(select(LearnerTarget).where(LearnerTarget.user_id == user_id))
    return {(row.kind, row.target_id): (row.met, row.touched) for row in rows}


def assert_target_rows_equal_recount(session, user_id: int, catalog) -> None:
    """The learner is stamped with the current requirements, and their rows equal the Python recount."""
    session.flush()
    stamp = session.scalar(select(LearnerTargetStamp.version).where(LearnerTargetStamp.user_id == user_id))
    assert stamp == target_rows.version(catalog.trainee_view)
    assert kept_target_rows(session, user_id) == python_target_rows(session, user_id, catalog)


def _demo(app, db):
    from academy.demo import seed_demo
    from academy.learning.content.catalog import get_catalog

    with app.app_context():
        seed_demo(PASSWORD)
        catalog = get_catalog()
    db.rollback()
    return catalog


def test_the_demo_s_learners_are_counted_by_the_services_and_equal_a_recount(app, db):
    catalog = _demo(app, db)
    active = [u for u in db.scalars(select(User)) if python_target_rows(db, u.id, catalog)]
    assert len(active) >= 5
    assert any(met == touched for u in active for met, touched in python_target_rows(db, u.id, catalog).values())
    for user in active:
        assert_target_rows_equal_recount(db, user.id, catalog)


def test_refresh_all_recounts_only_the_learners_counted_against_other_requirements(app, db):
    catalog = _demo(app, db)
    before = {u: kept_target_rows(db, u) for u in db.scalars(select(User.id))}
    some = sorted(u for u, rows in before.items() if rows)[:2]
    db.execute(update(LearnerTargetStamp).where(LearnerTargetStamp.user_id.in_(some)).values(version="old-content"))
    db.execute(delete(LearnerTarget).where(LearnerTarget.user_id.in_(some)))
    db.commit()
    current = target_rows.version(catalog.trainee_view)
    stale = [u for u in before if db.get(LearnerTargetStamp, u) is None or db.get(LearnerTargetStamp, u).version != current]
    assert set(some) <= set(stale) and len(stale) < len(before)
    with app.app_context():
        from academy.platform.db import get_session

        assert target_rows.refresh_all(get_session(), catalog) == len(stale)
    db.rollback()
    assert {u: kept_target_rows(db, u) for u in before} == before
    for user_id in some:
        assert_target_rows_equal_recount(db, user_id, catalog)


def test_the_requirements_digest_changes_with_what_a_target_requires(app):
    from academy.learning.content.catalog import get_catalog

    with app.app_context():
        catalog = get_catalog().trainee_view
    module = catalog.modules[0]
    fewer = replace(catalog, modules=(replace(module, lessons=module.lessons[1:]), *catalog.modules[1:]), stamp=("x",))
    assert target_rows.version(fewer) != target_rows.version(catalog)
    assert target_rows.version(replace(catalog, stamp=("y",))) == target_rows.version(catalog)  # same requirements


def test_a_refresh_outside_the_app_drops_the_stamp_so_the_records_answer(app, db):
    catalog = _demo(app, db)
    user_id = db.scalar(select(LearnerTargetStamp.user_id).limit(1))
    target_rows.refresh(db, [user_id])  # a bare session: no catalog to count against
    db.commit()
    assert db.scalar(select(LearnerTargetStamp).where(LearnerTargetStamp.user_id == user_id)) is None
    with app.app_context():
        from academy.platform.db import get_session

        target_rows.refresh(get_session(), [user_id])
        get_session().commit()
    db.rollback()
    assert_target_rows_equal_recount(db, user_id, catalog)


def test_the_refresh_targets_command_counts_everyone_unstamped(app, db):
    catalog = _demo(app, db)
    db.execute(delete(LearnerTargetStamp))
    db.execute(delete(LearnerTarget))
    db.commit()
    result = app.test_cli_runner().invoke(args=["refresh-targets"])
    assert result.exit_code == 0, result.output
    assert "已重新统计" in result.output
    db.rollback()
    for user_id in db.scalars(select(User.id)):
        assert_target_rows_equal_recount(db, user_id, catalog)
