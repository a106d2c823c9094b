"""`flask send-reminders` (run daily by cron): in-app notices before a due date and when it has passed, and one
overdue digest per manager per day; e-mail copies when SMTP is configured.

Idempotent: each reminder has a key (reminder_sent), written with its notice in one transaction, so running
the command twice sends nothing new.  Each notice and mail is written in its recipient's language (the one they
last chose, else Chinese).  Keys:
  due:<assignment>:<learner>:<days>   the reminder `days` (3, then 1) days before the due date or later
  overdue:<assignment>:<learner>      once, the day after the due date or later
  digest:<manager>:<date>             the manager's list of their overdue people, once a day
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.learning.assignments import targets
from academy.learning.assignments.status import assignment_status_rows
from academy.learning.content.catalog import Catalog
from academy.learning.models import ReminderSent
from academy.org.inbox.services import notify
from academy.org.models import ManagerScope, User, UserRole, utcnow
from academy.platform.i18n import in_language_of

REMIND_DAYS = (3, 1)  # days before the due date
MAX_DIGEST_LINES = 50
KEY_CHUNK = 500


@dataclass
class Outcome:
    notices: int = 0
    mails: list[tuple[str, str, str]] = field(default_factory=list)  # (username, subject, body) to send after commit


def _already_sent(session: Session, keys: list[str]) -> set[str]:
    sent: set[str] = set()
    for start in range(0, len(keys), KEY_CHUNK):
        chunk = keys[start:start + KEY_CHUNK]
        sent |= set(session.scalars(select(ReminderSent.key).where(ReminderSent.key.in_(chunk))))
    return sent


def send_reminders(session: Session, catalog: Catalog, today: date) -> Outcome:
    """Write the notices (and their keys) due today; the caller commits, then sends `mails`."""
    rows = [r for r in assignment_status_rows(session, None, catalog, today, limit=10**9) if r.status != "done"]
    wanted: dict[str, tuple] = {}
    for row in rows:
        days_left = (row.due_on - today).days
        if row.status == "overdue":
            wanted[f"overdue:{row.assignment_id}:{row.learner_id}"] = ("overdue", row)
            continue
        due_now = [d for d in REMIND_DAYS if days_left <= d]
        if due_now:
            days = min(due_now)
            wanted[f"due:{row.assignment_id}:{row.learner_id}:{days}"] = ("due", row)
    digests = _digests(session, catalog, [r for r in rows if r.status == "overdue"], today)
    keys = list(wanted) + list(digests)
    sent = _already_sent(session, keys)
    outcome = Outcome()
    users = {u.id: u for u in session.execute(select(User.id, User.username, User.locale))} if keys else {}
    for key, (what, row) in wanted.items():
        if key in sent:
            continue
        recipient = users.get(row.learner_id)
        with in_language_of(recipient.locale if recipient else None):
            title = targets.title(catalog, row.kind, row.target_id)
            if what == "overdue":
                text = _("已逾期：“%(title)s”的截止日期是 %(due)s，请尽快完成。", title=title, due=row.due_on.isoformat())
            else:
                text = _("提醒：“%(title)s”将于 %(due)s 截止（还剩 %(n)d 天）。", title=title, due=row.due_on.isoformat(),
                         n=(row.due_on - today).days)
            link = f"/drills/{row.assignment_id}" if row.kind == "stage" else "/"
            _send(session, outcome, key, row.learner_id, recipient.username if recipient else None, "assignment", text, link)
    for key, (manager_id, overdue) in digests.items():
        if key in sent:
            continue
        recipient = users.get(manager_id)
        with in_language_of(recipient.locale if recipient else None):
            lines = [_digest_line(catalog, r) for r in overdue]
            shown = lines[:MAX_DIGEST_LINES]
            more = _("……另有 %(n)d 条", n=len(lines) - len(shown)) if len(lines) > len(shown) else ""
            head = _("你管辖范围内有 %(n)d 条逾期未完成的学习任务：", n=len(lines))
            notice = head + _("；").join([*shown, *([more] if more else [])])
            mail = "\n".join([head, *shown, *([more] if more else [])])
            _send(session, outcome, key, manager_id, recipient.username if recipient else None, "overdue-digest", notice,
                  "/assignments?status=overdue", mail)
    session.flush()
    return outcome


def _send(session: Session, outcome: Outcome, key: str, user_id: int, username: str | None, kind: str, text: str,
          link: str, mail_text: str | None = None) -> None:
    notify(session, user_id, kind, text, link)
    session.add(ReminderSent(key=key, sent_at=utcnow()))
    outcome.notices += 1
    if username:
        subject = _("政企销售学院：逾期学习任务汇总") if kind == "overdue-digest" else _("政企销售学院：学习任务提醒")
        outcome.mails.append((username, subject, mail_text or text))


def _digest_line(catalog: Catalog, row) -> str:
    return _("%(name)s（%(team)s）· %(title)s · 截止 %(due)s", name=row.display_name, team=row.team_name or "—",
             title=targets.title(catalog, row.kind, row.target_id), due=row.due_on.isoformat())


def _digests(session: Session, catalog: Catalog, overdue: list, today: date) -> dict[str, tuple[int, list]]:
    """Per active manager, the overdue (learner, assignment) rows of the learners in their scope."""
    managers = session.execute(
        select(ManagerScope.user_id, ManagerScope.region_id, ManagerScope.team_id)
        .join(User, User.id == ManagerScope.user_id)
        .where(User.active, ManagerScope.user_id.in_(select(UserRole.user_id).where(UserRole.role == "manager")))).all()
    regions, teams = defaultdict(set), defaultdict(set)
    for manager_id, region_id, team_id in managers:
        if region_id:
            regions[manager_id].add(region_id)
        if team_id:
            teams[manager_id].add(team_id)
    result = {}
    for manager_id in sorted(set(regions) | set(teams)):
        rows = [r for r in overdue if r.region_id in regions[manager_id] or r.team_id in teams[manager_id]]
        if rows:
            result[f"digest:{manager_id}:{today.isoformat()}"] = (manager_id, rows)
    return result
