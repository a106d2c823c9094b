"""flask seed-scale: the synthetic organisation of the report benchmarks holds what the services would have
written — tallies equal to a recount, per-item rows equal to item_rows.rows — and new attempts follow it."""
from sqlalchemy import func, select

from academy.learning.models import Assignment, Attempt, AttemptItem, QuizTally
from academy.learning.quizzes import item_rows
from academy.learning.quizzes.tally import recount
from academy.learning.quizzes.versions import attempt_quiz
from academy.org.models import ManagerScope, Team, User
from tests.factories import login, start_quiz


def test_seed_scale_builds_an_organisation_whose_derived_rows_match_the_services(app, runner, db):
    result = runner.invoke(args=["seed-scale", "--learners", "30", "--teams", "3", "--attempts-per-learner", "20",
                                 "--password", "pw-123456"])
    assert result.exit_code == 0, result.output
    learners = db.scalars(select(User).where(User.username.startswith("scale0"))).all()
    assert len(learners) == 30 and {u.team_id for u in learners} == set(db.scalars(select(Team.id)))
    attempts = db.scalar(select(func.count()).select_from(Attempt))
    assert attempts >= 30 * 20 * 0.9, attempts
    assert db.scalar(select(func.count()).select_from(ManagerScope)) == 3 + 1  # a manager per team and per region
    assert db.scalar(select(func.count()).select_from(Assignment).where(Assignment.team_id.is_not(None))) == 3 * 2
    for key in db.execute(select(QuizTally.user_id, QuizTally.quiz_id).limit(40)).all():
        kept = db.get(QuizTally, key)
        assert {k: getattr(kept, k) for k in ("attempts", "graded", "best_percent", "latest_passed")} == \
            {k: recount(db.connection(), *key)[k] for k in ("attempts", "graded", "best_percent", "latest_passed")}
    for attempt in db.scalars(select(Attempt).where(Attempt.state == "graded").limit(25)):
        stored = db.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id).order_by(AttemptItem.item_id)).all()
        expected = sorted(item_rows.rows(attempt, attempt_quiz(attempt)), key=lambda row: row["item_id"])
        assert [(r.item_id, r.score, r.response) for r in stored] == [(r["item_id"], r["score"], r["response"]) for r in expected]
    again = runner.invoke(args=["seed-scale", "--learners", "5", "--teams", "1"])
    assert again.exit_code != 0 and "已存在" in again.output


def test_a_seeded_learner_can_start_a_new_attempt_after_the_bulk_ids(app, runner, client, db):
    assert runner.invoke(args=["seed-scale", "--learners", "3", "--teams", "1", "--attempts-per-learner", "5",
                               "--password", "pw-123456"]).exit_code == 0
    login(client, "scale00001")
    newest = db.scalar(select(func.max(Attempt.id)))
    assert start_quiz(client, "clients-dialogue") > newest
