"""Certificates (issue 16 item 8): issued by the services that complete a lesson or grade an attempt, shown to
their holder, checked by anyone at /verify/<code> (name, title and date only), revoked with a reason (audited)."""
import random
import re

import pytest
from sqlalchemy import func, select

from academy.learning.models import Certificate, LessonProgress, QuizTally
from academy.org.models import AuditEntry, ManagerScope, Region, Team, utcnow
from academy.platform.db import dispose
from tests.conftest import _empty_tables, make_app
from tests.factories import login, make_user

MODULE = "toolkit"  # no prerequisites, one auto-graded quiz


def catalog(app):
    from academy.learning.content.catalog import get_catalog

    with app.app_context():
        return get_catalog().trainee_view


def prepare(app, db, user_id, modules=(MODULE,), leave_lesson=True, leave_quiz=False):
    """Record every lesson and pass every required quiz of `modules`, leaving the last lesson (or the quiz) out."""
    cat = catalog(app)
    db.rollback()
    left = None
    for module_id in modules:
        module = cat.module(module_id)
        lessons = list(module.lessons)
        if module_id == modules[-1] and leave_lesson:
            left = lessons.pop()
        for lesson in lessons:
            db.add(LessonProgress(user_id=user_id, module_id=module_id, lesson_id=lesson.id, completed_at=utcnow()))
        quizzes = [q for q in cat.quizzes_for(module_id) if q.required]
        if module_id == modules[-1] and leave_quiz:
            left = quizzes.pop()
        for quiz in quizzes:
            db.add(QuizTally(user_id=user_id, quiz_id=quiz.id, attempts=1, graded=1, in_review=0, best_percent=95.0,
                             best_passed=True, latest_percent=95.0, latest_passed=True, average_percent=95.0))
    db.commit()
    return left


def certificates(db):
    db.rollback()
    return db.execute(select(Certificate.kind, Certificate.target_id, Certificate.code, Certificate.user_id)
                      .order_by(Certificate.id)).all()


def test_completing_the_last_lesson_issues_the_module_certificate_once(app, client, db):
    learner = make_user(db, "t1", name="王芳")
    last = prepare(app, db, learner.id)
    login(client, "t1")
    assert client.post(f"/lessons/{last.id}/complete").status_code == 302
    issued = certificates(db)
    assert [(k, t) for k, t, _c, _u in issued] == [("module", MODULE)]
    code = issued[0][2]
    assert re.fullmatch(r"[A-Z2-7]{16}", code)
    client.post(f"/lessons/{last.id}/complete")
    assert len(certificates(db)) == 1
    listing = client.get("/certificates").get_data(as_text=True)
    assert f"/certificates/{code}" in listing
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert "王芳" in page and code in page and f"/verify/{code}" in page and 'class="certificate"' in page


def test_passing_the_last_quiz_issues_the_certificate_in_the_grading_transaction(app, db):
    from academy.demo import _sample_answers
    from academy.learning.quizzes import services
    from academy.platform.db import get_session

    learner = make_user(db, "t1")
    quiz = prepare(app, db, learner.id, leave_lesson=False, leave_quiz=True)
    with app.app_context():
        session = get_session()
        attempt = services.start_attempt(session, learner.id, quiz, utcnow())
        services.submit_attempt(session, attempt, quiz, _sample_answers(quiz, random.Random(1), 1.0), utcnow())
        assert attempt.passed
        session.rollback()  # nothing committed: the certificate goes with the grade
    assert certificates(db) == []
    with app.app_context():
        session = get_session()
        attempt = services.start_attempt(session, learner.id, quiz, utcnow())
        services.submit_attempt(session, attempt, quiz, _sample_answers(quiz, random.Random(1), 1.0), utcnow())
        session.commit()
    assert [(k, t) for k, t, _c, _u in certificates(db)] == [("module", MODULE)]


def test_finishing_every_module_also_issues_the_course_certificate(app, client, db):
    learner = make_user(db, "t1")
    modules = tuple(m.id for m in catalog(app).modules)
    last = prepare(app, db, learner.id, modules=modules)
    login(client, "t1")
    client.post(f"/lessons/{last.id}/complete")
    kinds = sorted((k, t) for k, t, _c, _u in certificates(db))
    assert ("course", "") in kinds and len(kinds) == len(modules) + 1


def test_the_public_verify_page_shows_name_title_and_date_only(app, client, db):
    learner = make_user(db, "secret-login-name", name="王芳")
    last = prepare(app, db, learner.id)
    login(client, "secret-login-name")
    client.post(f"/lessons/{last.id}/complete")
    client.post("/logout")
    code = certificates(db)[0][2]
    response = client.get(f"/verify/{code}")  # anonymous
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "证书有效" in page and "王芳" in page
    assert catalog(app).module(MODULE).title in page
    shown = re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", page)  # a random token may hold "95"
    assert "secret-login-name" not in shown and "95" not in shown and "%" not in shown
    assert client.get(f"/verify/{code.lower()}").status_code == 200  # typed in lower case
    assert "王芳" in client.get(f"/verify/{code[:4]}-{code[4:8]}-{code[8:12]}-{code[12:]}").get_data(as_text=True)


@pytest.mark.parametrize("code", ["AAAAAAAAAAAAAAAA", "x", "<script>", "A" * 200, "%E4%B8%AD"])
def test_unknown_codes_get_a_404_page_with_a_message(client, db, code):
    response = client.get(f"/verify/{code}")
    assert response.status_code == 404 and "未找到该验证码对应的证书" in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True).split("<main", 1)[1]


def test_verify_is_rate_limited_per_address(database_url, tmp_path, db):
    app = make_app(database_url, tmp_path, RATELIMIT_ENABLED=True)
    try:
        client = app.test_client()
        codes = [client.get(f"/verify/GUESS{i:011d}").status_code for i in range(31)]
        assert codes[:30] == [404] * 30 and codes[30] == 429
    finally:
        _empty_tables(app)
        dispose(app)


@pytest.fixture
def issued(app, client, db):
    region, other = Region(name="华东"), Region(name="西南")
    db.add_all([region, other])
    db.flush()
    team, other_team = Team(name="一组", region_id=region.id), Team(name="二组", region_id=other.id)
    db.add_all([team, other_team])
    db.commit()
    learner = make_user(db, "t1", team=team, name="王芳")
    m1 = make_user(db, "manager1", roles=("manager",))
    m2 = make_user(db, "manager2", roles=("manager",))
    db.add_all([ManagerScope(user_id=m1.id, region_id=region.id), ManagerScope(user_id=m2.id, region_id=other.id)])
    db.commit()
    last = prepare(app, db, learner.id)
    login(client, "t1")
    client.post(f"/lessons/{last.id}/complete")
    client.post("/logout")
    return certificates(db)[0][2]


def test_a_manager_in_scope_revokes_with_a_reason_and_it_is_audited(client, db, issued):
    login(client, "manager1")
    assert "王芳" in client.get("/certificates").get_data(as_text=True)
    assert client.post(f"/certificates/{issued}/revoke", data={"reason": ""}).status_code == 422
    assert client.post(f"/certificates/{issued}/revoke", data={"reason": "x" * 501}).status_code == 422
    assert client.post(f"/certificates/{issued}/revoke", data={"reason": "<b>考试作弊</b>"}).status_code == 302
    db.rollback()
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.revoke"))
    assert entry.target_id == issued and entry.reason == "<b>考试作弊</b>"
    assert client.post(f"/certificates/{issued}/revoke", data={"reason": "again"}).status_code == 409
    client.post("/logout")
    page = client.get(f"/verify/{issued}").get_data(as_text=True)
    assert "已被撤销" in page and "考试作弊" not in page and "证书有效" not in page


@pytest.mark.parametrize("who, roles", [("manager2", None), ("t2", ("trainee",)), ("coach", ("trainer",))])
def test_others_cannot_see_or_revoke(client, db, issued, who, roles):
    if roles:
        make_user(db, who, roles=roles)
    login(client, who)
    response = client.post(f"/certificates/{issued}/revoke", data={"reason": "no"})
    assert response.status_code in (403, 404)
    if who != "coach":  # trainers may look at any learner's certificate, not revoke it
        assert client.get(f"/certificates/{issued}").status_code == 404
        assert "王芳" not in client.get("/certificates").get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Certificate).where(Certificate.revoked_at.is_not(None))) == 0


def test_an_admin_revokes_and_the_holder_sees_it(client, db, issued):
    make_user(db, "boss", roles=("admin",))
    login(client, "boss")
    assert client.post(f"/certificates/{issued}/revoke", data={"reason": "发错了"}).status_code == 302
    client.post("/logout")
    login(client, "t1")
    assert "已撤销" in client.get("/certificates").get_data(as_text=True)
    assert "此证书已于" in client.get(f"/certificates/{issued}").get_data(as_text=True)


def test_learner_pages_make_no_certificate_queries(app, client, db):
    """refresh runs only where lessons are completed or attempts graded: GET pages never touch the table."""
    from sqlalchemy import event

    make_user(db, "t1")
    login(client, "t1")
    engine = app.extensions["db_engine"]
    seen = []

    def spy(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", spy)
    try:
        for path in ("/", "/map", "/modules/toolkit", "/quizzes/"):
            assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert seen and not any("certificate" in s for s in seen)


def test_certificates_print_on_an_a4_landscape_page_of_their_own():
    from tests.conftest import ROOT

    css = (ROOT / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert "@page certificate { size: A4 landscape; margin: 0; }" in css
    assert "page: certificate" in css.split("@media print", 2)[2]
