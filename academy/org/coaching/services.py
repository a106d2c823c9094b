"""1:1 coaching notes (辅导记录): the manager's half of the coaching loop, beside the role-play reviews.

A manager meets a learner, talks through what the reports and the 错题本 show, agrees a next step and a day to
follow it up.  The note keeps that, so the next conversation starts where the last one ended, and the coaching a
manager gives is counted as the reviews they give are.

Rules, each enforced here:
- A coach records notes for the active learners they may see (academy.org.scope: a manager the people of their
  regions and teams, an admin everyone) — those whose report pages they can open —, never for themselves.
- The conversation was held today or within the last year, on the organisation's calendar.  A follow-up day is
  after it, not before today, and within FOLLOW_UP_DAYS.
- The learner is told (a notice, in their own language) and reads every note about them: coaching is done with
  people, not about them.
- A coach deletes only their own notes, and the audit log keeps what was deleted.  Nobody edits one: a correction
  is a new note.
- A follow-up is due from its day until the same coach records a later note for the learner.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, case, exists, func, select, true
from sqlalchemy.orm import Session, aliased

from academy.org import audit, scope
from academy.org.inbox.services import notify
from academy.org.models import CoachingNote, Team, User, UserRole
from academy.platform.i18n import in_language_of

MAX_TOPIC = 40
MAX_SUMMARY = 1000
MAX_NEXT_STEP = 300
PAST_DAYS = 366
FOLLOW_UP_DAYS = 180
SHOWN = 50
LEARNER_PAGE = "/coaching"


class CoachingRejected(Exception):
    """Why a note was not recorded or deleted: a message for the person, the HTTP status, the form field."""

    def __init__(self, message, status: int = 422, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message, self.status, self.field = str(message), status, field


@dataclass(frozen=True)
class NoteData:
    """What the form gave (dates already parsed; None where the text was not a date)."""

    held_on: date | None
    topic: str
    summary: str
    next_step: str
    follow_up_on: date | None
    follow_up_text: str = ""  # what was typed for the follow-up day: empty means none was asked for


def record_note(session: Session, coach, learner_id: int, data: NoteData, today: date) -> CoachingNote:
    """Check `data` against the rules above, store the note and tell the learner; flushes, never commits."""
    if learner_id == coach.id:
        raise CoachingRejected(_l("辅导记录是写给你的学员的，不能写给自己。"), 403)
    learner = session.get(User, learner_id)
    if learner is None or not learner.active or not learner.has_role("trainee") or not scope.may_see(session, coach, learner_id):
        raise CoachingRejected(_l("没有找到：它不存在，或不在你的查看范围内。"), 404)
    _check(data, today)
    note = CoachingNote(learner_id=learner_id, coach_id=coach.id, held_on=data.held_on, topic=data.topic.strip(),
                        summary=data.summary.strip(), next_step=data.next_step.strip(), follow_up_on=data.follow_up_on)
    session.add(note)
    session.flush()
    with in_language_of(learner.locale):
        text = str(_l("%(coach)s 记录了与你的一次辅导谈话（%(day)s）%(topic)s。", coach=coach.display_name,
                      day=data.held_on.isoformat(), topic=_l("：%(topic)s", topic=note.topic) if note.topic else ""))
    notify(session, learner_id, "coaching", text, LEARNER_PAGE)
    return note


def _check(data: NoteData, today: date) -> None:
    if data.held_on is None:
        raise CoachingRejected(_l("谈话日期的格式应为 YYYY-MM-DD，例如 2027-01-31。"), field="held_on")
    if data.held_on > today:
        raise CoachingRejected(_l("谈话日期不能晚于今天：辅导记录写的是已经进行的谈话。"), field="held_on")
    if data.held_on < today - timedelta(days=PAST_DAYS):
        raise CoachingRejected(_l("谈话日期不能早于一年前。"), field="held_on")
    if len(data.topic.strip()) > MAX_TOPIC:
        raise CoachingRejected(_l("话题最多 %(n)d 个字。", n=MAX_TOPIC), field="topic")
    if not data.summary.strip():
        raise CoachingRejected(_l("请写下谈了什么：学员的情况、你的观察和建议。"), field="summary")
    if len(data.summary.strip()) > MAX_SUMMARY:
        raise CoachingRejected(_l("谈话内容最多 %(n)d 个字。", n=MAX_SUMMARY), field="summary")
    if len(data.next_step.strip()) > MAX_NEXT_STEP:
        raise CoachingRejected(_l("约定的下一步最多 %(n)d 个字。", n=MAX_NEXT_STEP), field="next_step")
    if data.follow_up_text.strip() and data.follow_up_on is None:
        raise CoachingRejected(_l("跟进日期的格式应为 YYYY-MM-DD，例如 2027-01-31。"), field="follow_up_on")
    if data.follow_up_on is not None:
        if data.follow_up_on <= data.held_on or data.follow_up_on < today:
            raise CoachingRejected(_l("跟进日期应在谈话之后，并且不早于今天。"), field="follow_up_on")
        if data.follow_up_on > today + timedelta(days=FOLLOW_UP_DAYS):
            raise CoachingRejected(_l("跟进日期最多定在 %(n)d 天以后。", n=FOLLOW_UP_DAYS), field="follow_up_on")


def delete_note(session: Session, coach, note_id: int) -> int:
    """Delete one of the coach's own notes; the learner's id (to go back to their page)."""
    note = session.get(CoachingNote, note_id)
    if note is None or not scope.may_see(session, coach, note.learner_id):
        raise CoachingRejected(_l("没有找到：它不存在，或不在你的查看范围内。"), 404)
    if note.coach_id != coach.id:
        raise CoachingRejected(_l("只能删除你自己写的辅导记录。"), 403)
    # the learner may have read it: the audit log keeps what was deleted (coaching.delete)
    audit.record(session, coach.id, "coaching.delete", "user", note.learner_id,
                 detail={"held_on": note.held_on.isoformat(), "topic": note.topic, "summary": note.summary,
                         "next_step": note.next_step})
    session.delete(note)
    session.flush()
    return note.learner_id


def notes_about(session: Session, learner_id: int, limit: int = SHOWN) -> list[dict]:
    """The notes about one learner, newest conversation first, each {"note", "coach" (their name, "" when the
    coach's account is gone), "followed_up" (the same coach has written a later note)}: one statement."""
    coach = aliased(User)
    rows = session.execute(
        select(CoachingNote, coach.display_name.label("coach_name"))
        .outerjoin(coach, coach.id == CoachingNote.coach_id)
        .where(CoachingNote.learner_id == learner_id)
        .order_by(CoachingNote.held_on.desc(), CoachingNote.id.desc()).limit(limit))
    shown, coaches_since = [], set()  # the coaches of the newer notes seen so far
    for note, coach_name in rows:
        shown.append({"note": note, "coach": coach_name or "",
                      "followed_up": note.coach_id is not None and note.coach_id in coaches_since})
        coaches_since.add(note.coach_id)
    return shown


def followed_up(note) -> ColumnElement[bool]:
    """A later note by the same coach for the same learner: the follow-up `note` asked for has happened."""
    later = aliased(CoachingNote)
    return exists().where(later.coach_id == note.coach_id, later.learner_id == note.learner_id,
                          (later.held_on > note.held_on) | and_(later.held_on == note.held_on, later.id > note.id))


def _due(today: date):
    """The follow-ups due by `today` that no later note of their coach answers, for active learners, the longest
    overdue first: each row the note's fields with the learner's name, team and region."""
    return (select(CoachingNote.id, CoachingNote.coach_id, CoachingNote.learner_id, CoachingNote.held_on,
                   CoachingNote.topic, CoachingNote.next_step, CoachingNote.follow_up_on,
                   User.display_name.label("learner_name"), Team.name.label("team_name"), User.team_id,
                   Team.region_id.label("region_id"))
            .join(User, User.id == CoachingNote.learner_id).outerjoin(Team, Team.id == User.team_id)
            .where(CoachingNote.follow_up_on <= today, User.active, ~followed_up(CoachingNote))
            .order_by(CoachingNote.follow_up_on, CoachingNote.id))


def follow_ups_due(session: Session, coach_id: int, visible: tuple, today: date, limit: int = SHOWN) -> list:
    """The coach's follow-ups due (`_due`) for learners they may still see: `visible` is whom the coach sees, as
    academy.org.scope.visibility gives it (the reports have it already).  One statement."""
    condition = scope.visible_condition(*visible)
    query = _due(today).where(CoachingNote.coach_id == coach_id).limit(limit)
    return list(session.execute(query if condition is None else query.where(condition)))


def every_follow_up_due(session: Session, today: date) -> list:
    """Every coach's follow-ups due (`_due`), for the daily reminders, which keep each coach's to those still in
    their scope (academy.learning.assignments.reminders).  One statement."""
    return list(session.execute(_due(today)))


def coaching_given(session: Session, coach_ids: list[int], since: date | None, today: date) -> dict[int, dict]:
    """Per coach: the notes recorded (conversations held since `since`, or ever), how many learners they were with,
    and how many of the coach's follow-ups are due and not done (for active learners, wherever they now are: an
    admin's count; the coach's own list shows only those still in their scope).  One statement whatever the number
    of coaches."""
    counts = {coach_id: {"notes": 0, "learners": 0, "due": 0} for coach_id in coach_ids}
    if not coach_ids:
        return counts
    held = CoachingNote.held_on >= since if since is not None else true()
    due = and_(CoachingNote.follow_up_on <= today, User.active, ~followed_up(CoachingNote))
    # CASE inside plain aggregates rather than FILTER: MariaDB has no FILTER clause
    rows = session.execute(
        select(CoachingNote.coach_id, func.sum(case((held, 1), else_=0)),
               func.count(case((held, CoachingNote.learner_id)).distinct()), func.sum(case((due, 1), else_=0)))
        .join(User, User.id == CoachingNote.learner_id)
        .where(CoachingNote.coach_id.in_(coach_ids)).group_by(CoachingNote.coach_id))
    for coach_id, notes, learners, overdue in rows:  # PostgreSQL's sums are Decimal
        counts[coach_id] = {"notes": int(notes), "learners": int(learners), "due": int(overdue)}
    return counts


def coaches(session: Session) -> list:
    """The active managers, by name: whose coaching an admin's page counts."""
    return list(session.execute(
        select(User.id, User.display_name).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "manager", User.active).order_by(User.display_name, User.id)))
