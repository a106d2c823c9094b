"""A certificate follows a corrected grade (issue 15/16 leftovers): reopening a role-play review, a second rating
that fails it, or a regrade that fails a quiz revokes — through certificates.revoke, audited — the certificate
that grade had earned, as "lapsed"; it is issued again (same code) when the learner meets its condition again.
Certificates revoked by people, and those the change did not touch, stay as they are."""
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from academy.learning.models import Certificate
from academy.learning.quizzes import services as quiz_services
from academy.learning.quizzes.responses import parse_responses
from academy.org.models import AuditEntry, utcnow
from tests.factories import make_user
from tests.test_certificates import prepare
from tests.test_quiz_flow import correct_fields, quiz
from tests.test_regrade import with_wrong_key
from tests.test_roleplay_review import as_user, item_of, org, rubric_form, submit, top_levels  # noqa: F401  (org: fixture)

MODULE = "clients"  # its last required quiz is the role-play clients-roleplay


def held(db, user_id):
    db.rollback()
    return {(c.kind, c.target_id): c for c in db.scalars(select(Certificate).where(Certificate.user_id == user_id))}


def audits(db, action):
    db.rollback()
    return db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def reviewed_learner(client, app, db, org):  # noqa: F811
    """learner has every lesson and quiz of `clients` but the role-play, and toolkit's certificate; the
    role-play is submitted and reviewed at the top levels by coach: clients' certificate is issued."""
    prepare(app, db, org.learner, modules=("toolkit",), leave_lesson=False)
    prepare(app, db, org.learner, modules=(MODULE,), leave_lesson=False, leave_quiz=True)
    item = item_of(app)
    attempt_id = submit(client, "learner")
    as_user(client, "coach")
    assert client.post(f"/review/{attempt_id}", data=rubric_form(item, top_levels(item))).status_code == 302
    certificates = held(db, org.learner)
    assert certificates[("module", MODULE)].revoked_at is None
    return attempt_id, item


def test_reopening_revokes_the_certificate_the_review_earned_and_a_passing_review_issues_it_again(client, app, db, org):  # noqa: F811
    attempt_id, item = reviewed_learner(client, app, db, org)
    before = held(db, org.learner)
    code, toolkit = before[("module", MODULE)].code, before[("module", "toolkit")].code
    as_user(client, "coach2")
    assert client.post(f"/review/{attempt_id}/reopen", data={"reason": "评分偏高，请复核"}).status_code == 302
    certificate = held(db, org.learner)[("module", MODULE)]
    assert certificate.revoked_at is not None and certificate.lapsed and "评分偏高，请复核" in certificate.revoked_reason
    [entry] = audits(db, "certificate.revoke")
    assert (entry.target_id, entry.actor_id, entry.detail["lapsed"]) == (code, org.coach2, True)
    assert held(db, org.learner)[("module", "toolkit")].revoked_at is None  # not the reopened quiz's module
    as_user(client, "learner")
    assert "已撤销" in client.get("/certificates").get_data(as_text=True)
    client.post("/logout")
    assert "已被撤销" in client.get(f"/verify/{code}").get_data(as_text=True)

    as_user(client, "coach")  # reviewed again, passing: the same certificate is valid again
    assert client.post(f"/review/{attempt_id}", data=rubric_form(item, [2] * len(item.criteria))).status_code == 302
    certificate = held(db, org.learner)[("module", MODULE)]
    assert (certificate.code, certificate.revoked_at, certificate.lapsed, certificate.revoked_reason) == (code, None, False, "")
    assert [e.target_id for e in audits(db, "certificate.reissue")] == [code]
    assert len(held(db, org.learner)) == 2 and held(db, org.learner)[("module", "toolkit")].code == toolkit
    client.post("/logout")
    assert "证书有效" in client.get(f"/verify/{code}").get_data(as_text=True)

    as_user(client, "coach2")  # reopened again and failed this time: it stays revoked
    assert client.post(f"/review/{attempt_id}/reopen", data={"reason": "再复核"}).status_code == 302
    as_user(client, "coach")
    lowest = min(p for _, p in item.levels)
    assert client.post(f"/review/{attempt_id}", data=rubric_form(item, [lowest] * len(item.criteria))).status_code == 302
    certificate = held(db, org.learner)[("module", MODULE)]
    assert certificate.revoked_at is not None and certificate.lapsed
    assert len(audits(db, "certificate.revoke")) == 2 and len(audits(db, "certificate.reissue")) == 1


def test_a_certificate_revoked_by_a_person_is_never_issued_again(client, app, db, org):  # noqa: F811
    attempt_id, item = reviewed_learner(client, app, db, org)
    code = held(db, org.learner)[("module", MODULE)].code
    make_user(db, "admin1", roles=("admin",))
    as_user(client, "admin1")
    assert client.post(f"/certificates/{code}/revoke", data={"reason": "考试作弊"}).status_code == 302
    as_user(client, "coach2")
    assert client.post(f"/review/{attempt_id}/reopen", data={"reason": "复核"}).status_code == 302
    as_user(client, "coach")
    assert client.post(f"/review/{attempt_id}", data=rubric_form(item, top_levels(item))).status_code == 302
    certificate = held(db, org.learner)[("module", MODULE)]
    assert certificate.revoked_reason == "考试作弊" and not certificate.lapsed and certificate.revoked_at is not None
    assert len(audits(db, "certificate.revoke")) == 1 and audits(db, "certificate.reissue") == []


def test_a_second_rating_that_fails_the_role_play_revokes_its_certificate(client, app, db, org):  # noqa: F811
    attempt_id, item = reviewed_learner(client, app, db, org)
    lowest = min(p for _, p in item.levels)
    as_user(client, "boss")  # the learner's manager; the lowest level on a red line fails the attempt
    assert client.post(f"/review/{attempt_id}/second",
                       data=rubric_form(item, [lowest] * len(item.criteria))).status_code == 302
    certificate = held(db, org.learner)[("module", MODULE)]
    assert certificate.revoked_at is not None and certificate.lapsed
    [entry] = audits(db, "certificate.revoke")
    assert entry.actor_id == org.boss and "第二评分" in entry.reason


def test_a_regrade_that_fails_the_quiz_revokes_the_certificate_it_had_earned(app, db):
    """The learner passed clients-quiz only thanks to a wrong key (71.9 % against 70); corrected, 68.4 %."""
    learner = make_user(db, "ann")
    right = quiz(app, "clients-quiz")
    wrong = with_wrong_key(right)
    prepare(app, db, learner.id, modules=(MODULE,), leave_lesson=False)  # every quiz passed (tallies) ...
    db.execute(Certificate.__table__.delete())
    from academy.learning.models import QuizTally
    db.execute(QuizTally.__table__.delete().where(QuizTally.quiz_id == right.id))  # ... but clients-quiz: taken below
    db.commit()
    form = {}
    for item in right.items:
        if item.id not in {"clients-q15", "clients-q16", "clients-q02", "clients-q03"}:
            for part in item.parts or (item,):
                form.update(correct_fields(part))
    form["q-clients-q01"] = "a"  # right only under the wrong key
    with app.app_context():
        attempt = quiz_services.start_attempt(db, learner.id, wrong, utcnow())
        quiz_services.submit_attempt(db, attempt, wrong, parse_responses(wrong, MultiDict(form)), utcnow())
        db.commit()
        assert attempt.passed and held(db, learner.id)[("module", MODULE)].revoked_at is None
        actor = make_user(db, "fixer", roles=("trainer",)).id
        quiz_services.regrade_attempts(db, actor, right, [attempt.version_id], "第 1 题答案标错了", utcnow())
        db.commit()
    certificate = held(db, learner.id)[("module", MODULE)]
    assert certificate.revoked_at is not None and certificate.lapsed and "第 1 题答案标错了" in certificate.revoked_reason
    [entry] = audits(db, "certificate.revoke")
    assert entry.actor_id == actor
