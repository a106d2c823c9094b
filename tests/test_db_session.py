"""One session per request, its transaction chosen by what the view declares (academy.platform.db)."""
import pytest
from sqlalchemy import func, select

from academy.learning.models import XapiStatement
from academy.org.models import utcnow
from academy.platform.access import ANY_USER, requires
from academy.platform.db import ReadOnlyRequest, get_session, writes
from tests.factories import login, make_user


def _record(user_id: int) -> None:
    from academy.learning import xapi

    xapi.record(get_session(), user_id, "experienced", xapi.activity_id("audit"), "audit", utcnow())


@pytest.fixture
def routes(app):
    from flask_login import current_user

    @requires(ANY_USER)
    @writes
    def audited_get():
        assert get_session() is get_session()  # one session for the whole request
        _record(current_user.id)
        get_session().commit()
        return "written"

    @requires(ANY_USER)
    def undeclared_get():
        _record(current_user.id)
        get_session().commit()
        return "should not get here"

    app.add_url_rule("/__test/audited", "test_audited", audited_get)
    app.add_url_rule("/__test/undeclared", "test_undeclared", undeclared_get)
    return app


def test_a_get_that_declares_writes_gets_a_write_transaction(routes, client, db):
    make_user(db, "t1")
    login(client, "t1")
    assert client.get("/__test/audited").get_data(as_text=True) == "written"
    assert db.scalar(select(func.count()).select_from(XapiStatement)) == 1


def test_a_view_that_writes_without_declaring_it_fails_loudly_and_writes_nothing(routes, client, db):
    routes.config["PROPAGATE_EXCEPTIONS"] = True
    make_user(db, "t1")
    login(client, "t1")
    with pytest.raises(ReadOnlyRequest):
        client.get("/__test/undeclared")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(XapiStatement)) == 0


def test_every_view_that_posts_declares_whether_it_writes(app):
    """Views that accept POST and write are declared; the one that only touches the cookie is not, nor the
    authoring previews, which post a draft to render or score it and must write nothing (their read-only
    session refuses any flush: that is how "preview as a trainee records nothing" is enforced)."""
    cookie_only = {"auth.set_language"}
    read_only = {"authoring.preview", "authoring.try_quiz"}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "POST" in rule.methods and rule.endpoint not in cookie_only | read_only:
            assert getattr(view, "writes", False), rule.endpoint


def _transaction_ends(app) -> list[str]:
    from sqlalchemy import event

    ends: list[str] = []
    engine = app.extensions["db_engine"]
    event.listen(engine, "commit", lambda _conn: ends.append("commit"))
    event.listen(engine, "rollback", lambda _conn: ends.append("rollback"))
    return ends


def test_a_read_request_ends_its_transaction_with_commit_and_a_failed_one_rolls_back(app, client, db):
    """COMMIT of a transaction that wrote nothing is a rollback that keeps psycopg's prepared statements (a
    rollback drops them all, and PostgreSQL planned every statement again on every request)."""
    make_user(db, "t1")
    login(client, "t1")
    ends = _transaction_ends(app)
    assert client.get("/map").status_code == 200
    assert "commit" in ends and "rollback" not in ends  # the request's, and the content check's own connection
    ends.clear()
    with app.test_request_context("/map"):
        from academy.platform.db import close_session

        get_session().execute(select(1))
        close_session(RuntimeError("the view failed"))
    assert ends == ["rollback"]


def test_a_write_request_runs_in_one_write_transaction_after_its_checks(app, client, db):
    """On SQLite the checks before a write view (the signed-in user) read in a transaction of their own, ended with
    COMMIT, and the view's transaction begins after it; on PostgreSQL the checks' reads open the view's
    transaction (no second COMMIT, ping and BEGIN).  Never a rollback, which would drop psycopg's prepared
    statements on every write request."""
    make_user(db, "t1")
    login(client, "t1")
    client.get("/lessons/clients-org-traits")
    ends = _transaction_ends(app)
    assert client.post("/lessons/clients-org-traits/complete").status_code == 302
    separate_read = app.extensions["db_engine"].dialect.name == "sqlite"
    assert "rollback" not in ends and ends.count("commit") == (2 if separate_read else 1), ends


def test_a_read_request_reads_in_autocommit_on_postgresql_and_in_one_transaction_on_sqlite(app, client, db):
    """Under PostgreSQL's READ COMMITTED each statement reads the latest committed rows inside a transaction as well,
    so a request that only reads sends no BEGIN and no COMMIT: after each of its statements the connection is
    outside any transaction.  SQLite reads a page in one transaction (one snapshot), which costs no round trip."""
    from sqlalchemy import event

    make_user(db, "t1")
    login(client, "t1")
    client.get("/map")
    app.config["CONTENT_RECHECK_SECONDS"] = 3600  # no content check on a connection of its own in between
    engine = app.extensions["db_engine"]
    in_transaction: list[bool] = []

    def after(connection, *_args) -> None:
        driver = connection.connection.driver_connection
        if engine.dialect.name == "postgresql":
            from psycopg.pq import TransactionStatus

            in_transaction.append(driver.info.transaction_status != TransactionStatus.IDLE)
        else:
            in_transaction.append(driver.in_transaction)

    event.listen(engine, "after_cursor_execute", after)
    assert client.get("/map").status_code == 200
    assert len(in_transaction) >= 2  # the signed-in user, then the page's own reads
    assert set(in_transaction) == {engine.dialect.name != "postgresql"}, in_transaction


def test_postgresql_keeps_the_statements_it_prepared_across_read_requests(app, client, db):
    from sqlalchemy import text

    engine = app.extensions["db_engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (psycopg prepares a statement run five times); CI runs this on it")
    make_user(db, "boss", roles=("admin",))
    login(client, "boss")
    app.config["CONTENT_RECHECK_SECONDS"] = 3600  # no content check on a connection of its own in between
    client.get("/reports/")
    engine.dispose()  # one connection from here on: the requests run one after another
    for _ in range(8):
        assert client.get("/reports/").status_code == 200  # a staff page: never cached, its statements run each time
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM pg_prepared_statements")) > 0
