"""The state of a report page, all of it in the URL (so a view can be shared): what it is filtered on, how the
people list is sorted, which page.  Parsed once, never trusted: a value that is not understood is dropped with a
message, a number beyond the end gives an empty page, and whether an id is one the viewer may see is decided
by the SQL (academy.reports.people), never here.
"""
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from academy.platform import clock

PAGE_SIZE = 25
MAX_PAGE = 100_000
MAX_ID = 2**31 - 1
MAX_SPAN_DAYS = 3 * 366
SORTS = ("name", "team", "lessons", "passed", "average", "best", "redlines", "last")
STATUSES = ("", "behind", "redline", "inactive")


@dataclass(frozen=True)
class Filters:
    region_id: int | None = None
    team_id: int | None = None
    module_id: str = ""
    since: date | None = None
    until: date | None = None
    sort: str = "name"
    descending: bool = False
    status: str = ""
    page: int = 1
    problems: tuple[str, ...] = field(default=(), compare=False)

    @property
    def since_at(self) -> datetime | None:
        return clock.day_starts(self.since) if self.since else None

    @property
    def until_at(self) -> datetime | None:
        """The end of the range: the start of the day after `until` (the range includes that day).  Both bounds
        are the organisation's days (academy.platform.clock), as the people who pick them mean them."""
        return clock.day_after_starts(self.until) if self.until else None

    @property
    def dated(self) -> bool:
        return self.since is not None or self.until is not None

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    def args(self, **changes) -> dict:
        """The query string of this state (with changes), for links: only what differs from the defaults."""
        state = replace(self, **changes)
        values = {"region": state.region_id, "team": state.team_id, "module": state.module_id,
                  "from": state.since.isoformat() if state.since else None,
                  "to": state.until.isoformat() if state.until else None,
                  "sort": state.sort if state.sort != "name" else None, "dir": "desc" if state.descending else None,
                  "status": state.status or None, "page": state.page if state.page != 1 else None}
        return {key: value for key, value in values.items() if value not in (None, "")}


ALIASES = {"team": "team_id", "region": "region_id", "module": "module_id"}
FIELDS = {"region_id", "team_id", "module_id", "since", "until", "sort", "descending", "status", "page"}


def _id(raw: str | None, label, problems: list) -> int | None:
    if raw in (None, ""):
        return None
    if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID:
        return int(raw)
    problems.append(str(_l("%(what)s编号无效，已忽略。", what=label)))
    return None


def _date(raw: str | None, label, problems: list) -> date | None:
    if raw in (None, ""):
        return None
    value = clock.parse_day(raw)
    if value is None or not (2000 <= value.year <= 2100):
        problems.append(str(_l("%(what)s不是有效日期（格式 2026-03-05），已忽略。", what=label)))
        return None
    return value


def parse(args, module_ids: set[str]) -> Filters:
    """Filters from request.args (a MultiDict or dict)."""
    problems: list[str] = []
    region_id = _id(args.get("region"), _l("片区"), problems)
    team_id = _id(args.get("team"), _l("团队"), problems)
    module_id = (args.get("module") or "").strip()
    if module_id and module_id not in module_ids:
        problems.append(str(_l("没有这个模块，已忽略模块筛选。")))
        module_id = ""
    since = _date(args.get("from"), _l("开始日期"), problems)
    until = _date(args.get("to"), _l("结束日期"), problems)
    if since and until and since > until:
        problems.append(str(_l("开始日期晚于结束日期，已忽略日期范围。")))
        since = until = None
    if since and until and (until - since).days > MAX_SPAN_DAYS:
        problems.append(str(_l("日期范围最长 3 年，已忽略日期范围。")))
        since = until = None
    sort = args.get("sort") or "name"
    if sort not in SORTS:
        problems.append(str(_l("不支持这种排序，已按姓名排序。")))
        sort = "name"
    status = args.get("status") or ""
    if status not in STATUSES:
        problems.append(str(_l("没有这种筛选，已显示全部学员。")))
        status = ""
    raw_page = args.get("page") or "1"
    page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and len(raw_page) < 10 else 0
    if not 1 <= page <= MAX_PAGE:
        problems.append(str(_l("页码无效，已显示第 1 页。")))
        page = 1
    return Filters(region_id, team_id, module_id, since, until, sort, args.get("dir") == "desc", status, page,
                   tuple(problems))
