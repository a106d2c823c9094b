"""Time: stored in UTC, shown and reckoned in the organisation's time zone.

Every timestamp in the database is a naive UTC datetime (`academy.org.models.utcnow`), so servers in any zone
agree.  People read their own clock, though: a submit at 15:30 in Beijing must show as 15:30, an assignment due
on 12-05 is overdue from midnight in Beijing, and a quiz that closes on 06-30 closes at the end of that day
there.  The zone is the deployment's (TIMEZONE, default Asia/Shanghai), set once at start-up by `configure`;
it is a process-wide setting like the locale's data, which is why services may ask this module without a
Flask app at hand.
"""
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"
SCHEDULE = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?")


def _standard_offset(zone: ZoneInfo) -> int:
    """The zone's standard-time offset from UTC in minutes: the smaller of January's and July's."""
    year = datetime.now(UTC).year
    return int(min(datetime(year, month, 1, tzinfo=zone).utcoffset() for month in (1, 7)).total_seconds() // 60)


_zone = ZoneInfo(DEFAULT_ZONE)
_day_offset = _standard_offset(_zone)


def configure(name: str) -> None:
    """Use the zone `name` (an IANA name such as Asia/Shanghai); ValueError naming it when it is unknown."""
    global _zone, _day_offset
    try:
        _zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"TIMEZONE={name!r} 不是时区名称，应为 Asia/Shanghai 这样的 IANA 名称 (not a time zone name)") from exc
    _day_offset = _standard_offset(_zone)


def local(moment: datetime) -> datetime:
    """A stored (naive UTC) timestamp as the organisation's wall-clock time, aware of its zone."""
    return moment.replace(tzinfo=UTC).astimezone(_zone)


def local_date(moment: datetime) -> date:
    """The organisation's calendar day at a stored (naive UTC) moment."""
    return local(moment).date()


def now_utc() -> datetime:
    """Now, as timestamps are stored (naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """The organisation's day now: what a due date is compared with."""
    return local_date(now_utc())


def stored(wall_clock: datetime) -> datetime:
    """The stored (naive UTC) moment of a naive wall-clock time on the organisation's clock."""
    return wall_clock.replace(tzinfo=_zone).astimezone(UTC).replace(tzinfo=None)


def day_starts(day: date) -> datetime:
    """The stored moment the organisation's day `day` begins: the bound of a date filter."""
    return stored(datetime.combine(day, time()))


def day_after_starts(day: date) -> datetime:
    """The moment the day after `day` begins: a range that includes `day` ends here."""
    return day_starts(day + timedelta(days=1))


def day_offset_minutes() -> int:
    """How far the organisation's clock runs ahead of UTC in standard time, in minutes (Asia/Shanghai: 480): what
    SQL adds to a stored timestamp to find the organisation's day and week of it (learner_week, a report's days).
    Standard time, the smaller of January's and July's offsets, so rows counted in summer and in winter agree; in a
    zone with daylight saving, summer days are counted from 01:00 to 01:00.  Worked out when the zone is set."""
    return _day_offset


def shown(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored timestamp as people read it ("" for none)."""
    return local(moment).strftime(pattern) if moment is not None else ""


def parse_day(text: str | None) -> date | None:
    """A day typed in a form or a URL as YYYY-MM-DD (surrounding spaces ignored); None when it is anything else."""
    text = (text or "").strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def schedule(text: str) -> date | datetime | None:
    """A day ("2027-06-01") or a moment ("2027-06-01 14:00", 24-hour) on the organisation's clock, as a trainer
    writes when a quiz opens or closes; None when the text is neither or names no real day or time."""
    if not SCHEDULE.fullmatch(text or ""):
        return None
    try:
        return datetime.fromisoformat(text) if " " in text else date.fromisoformat(text)
    except ValueError:
        return None


def opens(text: str) -> datetime:
    """The stored (naive UTC) moment a schedule begins: a day at its first moment.  `text` is one that `schedule`
    reads (the parser refuses any other)."""
    when = schedule(text)
    return stored(when) if isinstance(when, datetime) else day_starts(when)


def closes(text: str) -> datetime:
    """The first stored moment after a schedule: a day is open until its end, a moment closes there."""
    when = schedule(text)
    return stored(when) if isinstance(when, datetime) else day_after_starts(when)
