"""The audit log admins read, and the in-app notices each user reads (foundations of issues 15 and 16)."""
import pytest

from academy.org import audit
from academy.org.inbox import services as inbox
from academy.org.models import AuditEntry, Notice
from tests.factories import login, make_user


def test_admin_reads_the_audit_log_newest_first_and_filters_by_action(admin_client, db):
    actor = make_user(db, "author1", roles=("trainer",))
    audit.record(db, actor.id, "quiz.publish", "quiz", "q1", reason="第一版", detail={"version": 1})
    audit.record(db, actor.id, "attempt.regrade", "attempt", 7, reason="答案键有误", detail={"before": 2, "after": 3})
    db.commit()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert page.index("attempt.regrade") < page.index("quiz.publish")
    assert "答案键有误" in page and "author1" in page
    filtered = admin_client.get("/admin/audit?action=quiz.").get_data(as_text=True)
    assert "quiz.publish" in filtered and "attempt.regrade" not in filtered


@pytest.mark.parametrize("query", ["?page=0", "?page=-5", "?page=99999999999", "?page=abc", "?action=" + "x" * 500])
def test_audit_log_takes_any_page_or_filter_without_error(admin_client, query):
    assert admin_client.get("/admin/audit" + query).status_code == 200


def test_hostile_text_in_the_audit_log_is_shown_as_text(admin_client, db):
    audit.record(db, None, "quiz.import", "bank", "<script>x</script>", reason="<img src=x onerror=alert(1)>")
    db.commit()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page


@pytest.mark.parametrize("role", ["trainee", "trainer", "manager"])
def test_only_admins_read_the_audit_log(client, db, role):
    make_user(db, "someone", roles=(role,))
    login(client, "someone")
    assert client.get("/admin/audit").status_code == 403


def test_audit_rows_belong_to_the_callers_transaction(app, db):
    audit.record(db, None, "quiz.publish", "quiz", "q1")
    db.rollback()
    assert db.query(AuditEntry).count() == 0


def test_a_user_sees_only_their_own_notices_and_marks_them_read(client, db):
    me, other = make_user(db, "me"), make_user(db, "other")
    inbox.notify(db, me.id, "review", "你的演练已评阅", "/quizzes")
    inbox.notify(db, other.id, "review", "别人的消息")
    db.commit()
    login(client, "me")
    page = client.get("/notices").get_data(as_text=True)
    assert "你的演练已评阅" in page and "别人的消息" not in page and "未读" in page
    assert inbox.unread_count(db, me.id) == 1
    assert client.post("/notices/read").status_code == 302
    db.rollback()  # end the test session's snapshot
    assert inbox.unread_count(db, me.id) == 0 and inbox.unread_count(db, other.id) == 1


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_a_notice_never_links_outside_the_app(app, db, link):
    user = make_user(db, "me")
    with pytest.raises(ValueError):
        inbox.notify(db, user.id, "review", "x", link)
    db.rollback()
    assert db.query(Notice).count() == 0


def test_notices_need_a_sign_in(client):
    assert client.get("/notices").headers["Location"].startswith("/login")
