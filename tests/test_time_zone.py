"""Times are stored in UTC and shown, and days reckoned, on the organisation's clock (TIMEZONE, default
Asia/Shanghai): a Chinese trainee reads 15:30 for a submit at 15:30 Beijing time, not the server's 07:30 UTC.

The quiz's open and close days are in test_quiz_open_date.py, the exports' cells in test_exports.py."""
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from academy.learning.models import Assignment
from academy.org import audit
from academy.org.models import AuditEntry, Region, Team
from academy.platform import clock
from academy.platform.db import dispose, get_session
from academy.reports.filters import Filters
from tests.conftest import _empty_tables, make_app
from tests.factories import login, make_user

SUBMITTED = datetime(2026, 12, 7, 7, 30)  # 15:30 in Beijing


def _logged_at(db, moment: datetime) -> None:
    audit.record(db, None, "quiz.publish", "quiz", "q1", reason="时区")
    db.flush()
    db.scalar(select(AuditEntry).where(AuditEntry.reason == "时区")).created_at = moment
    db.commit()


def test_a_stored_time_is_shown_on_the_organisations_clock_with_its_offset(admin_client, db):
    _logged_at(db, SUBMITTED)
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert ">2026-12-07 15:30:00</time>" in page and "07:30:00" not in page
    assert 'datetime="2026-12-07T15:30:00+08:00"' in page  # a browser must not read it as its own zone's


def test_a_time_near_midnight_is_shown_on_the_next_day_in_beijing(admin_client, db):
    _logged_at(db, datetime(2026, 12, 7, 17, 5))
    assert ">2026-12-08 01:05:00</time>" in admin_client.get("/admin/audit").get_data(as_text=True)


@pytest.fixture
def utc_app(database_url, tmp_path):
    app = make_app(database_url, tmp_path, TIMEZONE="UTC")
    yield app
    clock.configure(clock.DEFAULT_ZONE)  # the zone is the process's: the next test's app sets it again anyway
    _empty_tables(app)
    dispose(app)


def test_another_zone_is_taken_from_the_configuration(utc_app):
    with utc_app.app_context():
        db = get_session()
        make_user(db, "boss", roles=("admin",))
        _logged_at(db, SUBMITTED)
    client = utc_app.test_client()
    login(client, "boss")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert ">2026-12-07 07:30:00</time>" in page and 'datetime="2026-12-07T07:30:00+00:00"' in page


def test_an_unknown_zone_refuses_to_start_naming_it(database_url, tmp_path):
    with pytest.raises(ValueError, match="Mars/Olympus"):
        make_app(database_url, tmp_path, TIMEZONE="Mars/Olympus")
    clock.configure(clock.DEFAULT_ZONE)


def test_a_report_date_filter_takes_whole_days_on_the_organisations_clock():
    """"From 12-05 to 12-05" is midnight to midnight in Beijing: 12-04 16:00 to 12-05 16:00 UTC."""
    day = date(2026, 12, 5)
    filters = Filters(since=day, until=day)
    assert filters.since_at == datetime(2026, 12, 4, 16, 0) and filters.until_at == datetime(2026, 12, 5, 16, 0)


def test_an_assignment_is_overdue_from_midnight_on_the_organisations_clock(client, db, monkeypatch):
    """At 01:00 on 12-05 in Beijing the server's UTC day is still 12-04: an assignment due on 12-04 is overdue."""
    region = Region(name="华东片区")
    team = Team(region=region, name="一组")
    db.add_all([region, team])
    db.commit()
    learner = make_user(db, "learner", team=team)
    db.add(Assignment(kind="module", target_id="clients", user_id=learner.id, due_on=date(2026, 12, 4)))
    db.commit()
    login(client, "learner")
    monkeypatch.setattr(clock, "now_utc", lambda: datetime(2026, 12, 4, 15, 59))  # 23:59 on 12-04 in Beijing
    assert "已逾期" not in client.get("/").get_data(as_text=True)
    monkeypatch.setattr(clock, "now_utc", lambda: datetime(2026, 12, 4, 17, 0))  # 01:00 on 12-05
    assert "已逾期" in client.get("/").get_data(as_text=True)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)))
def test_a_written_schedule_is_read_on_the_organisations_clock(moment):
    """A trainer writes the organisation's wall-clock time; the stored moment shows back as what was written, and a
    bare day runs from its first moment to its last, 24 hours in Beijing (no daylight saving)."""
    written = moment.strftime("%Y-%m-%d %H:%M")
    assert clock.shown(clock.opens(written)) == written
    assert clock.closes(written) == clock.opens(written)
    day = moment.date().isoformat()
    assert clock.closes(day) - clock.opens(day) == timedelta(hours=24)
    assert clock.opens(day) <= clock.opens(written) < clock.closes(day)


@given(st.text(max_size=20))
def test_any_text_is_a_schedule_or_none_never_an_error(text):
    assert clock.schedule(text) is None or clock.SCHEDULE.fullmatch(text)
