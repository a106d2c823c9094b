"""`flask send-reminders` (run daily by cron): in-app notices before a due date and when it has passed, one
overdue digest per manager per day, a daily list of the role-plays that wait too long for review to the
reviewers who owe them, and a daily list of each coach's coaching follow-ups that are due; e-mail copies when
SMTP is configured.

Idempotent: each reminder has a key (reminder_sent), written with its notice in one transaction, so running
the command twice sends nothing new.  Each notice and mail is written in its recipient's language (the one they
last chose, else Chinese).  Keys:
  due:<assignment>:<learner>:<days>   the reminder `days` (3, then 1) days before the due date or later
  overdue:<assignment>:<learner>      once, the day after the due date or later
  digest:<manager>:<date>             the manager's list of their overdue people, once a day
  review-digest:<reviewer>:<date>     a manager's (or, after a week, a trainer's) list of role-plays waiting for
                                      review, once a day
  follow-up-digest:<coach>:<date>     a coach's list of the coaching follow-ups due and not yet done, once a day
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.learning.assignments import targets
from academy.learning.assignments.status import assignment_status_rows
from academy.learning.content.catalog import Catalog
from academy.learning.models import ReminderSent
from academy.learning.roleplay.queue import OVERDUE, Waiting, overdue_reviews
from academy.org.coaching.services import every_follow_up_due
from academy.org.inbox.services import notify
from academy.org.models import ManagerScope, User, UserRole, utcnow
from academy.platform.clock import day_after_starts, local_date
from academy.platform.i18n import in_language_of

REMIND_DAYS = (3, 1)  # days before the due date
ESCALATE = timedelta(days=7)  # a role-play waiting this long goes on the trainers' lists too
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
            head = _("你管辖范围内有 %(n)d 条逾期未完成的学习任务：", n=len(overdue))
            notice, mail = _listing(head, [_digest_line(catalog, r) for r in overdue[:MAX_DIGEST_LINES]], len(overdue))
            _send(session, outcome, key, manager_id, recipient.username if recipient else None, "overdue-digest", notice,
                  "/assignments?status=overdue", mail)
    _review_digests(session, catalog, today, outcome)
    _follow_up_digests(session, today, outcome)
    session.flush()
    return outcome


def _review_digests(session: Session, catalog: Catalog, today: date, outcome: Outcome) -> None:
    """Once a day, each active manager with role-plays of their people waiting for review longer than OVERDUE
    gets a list of them; one waiting longer than ESCALATE goes on every active trainer's list too (the manager
    has let it lie: the trainers are the next reviewers).  Reckoned at the end of `today`: the day it falls due."""
    waiting = overdue_reviews(session, day_after_starts(today))
    if not waiting:
        return
    lists: dict[int, dict[int, Waiting]] = defaultdict(dict)  # reviewer → attempt id → the role-play
    for manager_id, rows in _people_of(_manager_scopes(session), waiting).items():
        lists[manager_id].update((w.attempt_id, w) for w in rows)
    trainers = session.scalars(select(UserRole.user_id).join(User, User.id == UserRole.user_id)
                               .where(User.active, UserRole.role == "trainer"))
    late = [w for w in waiting if w.waited > ESCALATE]
    for trainer_id in trainers:
        lists[trainer_id].update((w.attempt_id, w) for w in late)
    mine = {user_id: [w for w in listed.values() if w.user_id != user_id] for user_id, listed in lists.items()}  # not own
    keys = {user_id: f"review-digest:{user_id}:{today.isoformat()}" for user_id, rows in mine.items() if rows}
    sent = _already_sent(session, list(keys.values()))
    recipients = {row.id: row for row in session.execute(select(User.id, User.username, User.locale)
                                                         .where(User.id.in_(list(keys))))}
    for user_id, key in keys.items():
        if key in sent:
            continue
        recipient = recipients[user_id]
        with in_language_of(recipient.locale):
            lines = [_review_line(catalog, w) for w in mine[user_id]]
            head = _("有 %(n)d 份角色扮演等待评阅超过 %(days)d 天：", n=len(lines), days=OVERDUE.days)
            _send(session, outcome, key, user_id, recipient.username, "review-digest", head + _("；").join(lines),
                  "/review/", "\n".join([head, *lines]))


def _follow_up_digests(session: Session, today: date, outcome: Outcome) -> None:
    """Once a day, each active coach with follow-ups due (a day agreed in a coaching note, and no later note of
    theirs for the learner) gets a list of them: a manager's for the learners still in their scope, an admin's
    all of theirs, as their coaching page lists them."""
    due: dict[int, list] = defaultdict(list)
    for row in every_follow_up_due(session, today):
        due[row.coach_id].append(row)
    if not due:
        return
    coaches = {row.id: row for row in session.execute(
        select(User.id, User.username, User.locale).where(User.id.in_(list(due)), User.active))}
    admins = set(session.scalars(select(UserRole.user_id).where(UserRole.role == "admin", UserRole.user_id.in_(list(due)))))
    scopes = _manager_scopes(session)
    keys = {coach_id: f"follow-up-digest:{coach_id}:{today.isoformat()}" for coach_id in due if coach_id in coaches}
    sent = _already_sent(session, list(keys.values()))
    for coach_id, key in keys.items():
        rows = due[coach_id] if coach_id in admins else _people_of({coach_id: scopes.get(coach_id, (set(), set()))},
                                                                 due[coach_id]).get(coach_id, [])
        if key in sent or not rows:
            continue
        coach = coaches[coach_id]
        with in_language_of(coach.locale):
            lines = [_("%(name)s（%(team)s）· %(step)s · 跟进日期 %(day)s", name=r.learner_name, team=r.team_name or "—",
                       step=r.next_step or r.topic or _("（没有写下一步）"), day=r.follow_up_on.isoformat())
                     for r in rows[:MAX_DIGEST_LINES]]
            notice, mail = _listing(_("有 %(n)d 个辅导跟进到期：", n=len(rows)), lines, len(rows))
            _send(session, outcome, key, coach_id, coach.username, "follow-up-digest", notice, "/reports/coaching", mail)


def _listing(head: str, lines: list[str], total: int) -> tuple[str, str]:
    """A digest's notice (one paragraph) and mail (a line each): the head, the lines shown and how many more there are."""
    more = [_("……另有 %(n)d 条", n=total - len(lines))] if total > len(lines) else []
    return head + _("；").join([*lines, *more]), "\n".join([head, *lines, *more])


def _review_line(catalog: Catalog, waiting: Waiting) -> str:
    quiz = catalog.quiz(waiting.quiz_id)
    return _("%(name)s（%(team)s）· %(title)s · %(day)s 提交", name=waiting.learner, team=waiting.team or "—",
             title=quiz.title if quiz else waiting.quiz_id, day=local_date(waiting.submitted_at).isoformat())


def _send(session: Session, outcome: Outcome, key: str, user_id: int, username: str | None, kind: str, text: str,
          link: str, mail_text: str | None = None) -> None:
    notify(session, user_id, kind, text, link)
    session.add(ReminderSent(key=key, sent_at=utcnow()))
    outcome.notices += 1
    if username:
        subject = {"overdue-digest": _("政企销售学院：逾期学习任务汇总"),
                   "review-digest": _("政企销售学院：待评阅的角色扮演"),
                   "follow-up-digest": _("政企销售学院：到期的辅导跟进")}.get(kind, _("政企销售学院：学习任务提醒"))
        outcome.mails.append((username, subject, mail_text or text))


def _digest_line(catalog: Catalog, row) -> str:
    return _("%(name)s（%(team)s）· %(title)s · 截止 %(due)s", name=row.display_name, team=row.team_name or "—",
             title=targets.title(catalog, row.kind, row.target_id), due=row.due_on.isoformat())


def _digests(session: Session, catalog: Catalog, overdue: list, today: date) -> dict[str, tuple[int, list]]:
    """Per active manager, the overdue (learner, assignment) rows of the learners in their scope."""
    return {f"digest:{manager_id}:{today.isoformat()}": (manager_id, rows)
            for manager_id, rows in _people_of(_manager_scopes(session), overdue).items()}


def _manager_scopes(session: Session) -> dict[int, tuple[set[int], set[int]]]:
    """Per active manager, the regions and the teams their scope names: one statement."""
    managers = session.execute(
        select(ManagerScope.user_id, ManagerScope.region_id, ManagerScope.team_id)
        .join(User, User.id == ManagerScope.user_id)
        .where(User.active, ManagerScope.user_id.in_(select(UserRole.user_id).where(UserRole.role == "manager")))).all()
    scopes: dict[int, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for manager_id, region_id, team_id in managers:
        regions, teams = scopes[manager_id]
        if region_id:
            regions.add(region_id)
        if team_id:
            teams.add(team_id)
    return scopes


def _people_of(scopes: dict[int, tuple[set[int], set[int]]], rows: list) -> dict[int, list]:
    """Per manager, the rows (each with its learner's region_id and team_id) of the learners in their scope;
    managers with none are left out."""
    found = {}
    for manager_id in sorted(scopes):
        regions, teams = scopes[manager_id]
        if theirs := [r for r in rows if r.region_id in regions or r.team_id in teams]:
            found[manager_id] = theirs
    return found
