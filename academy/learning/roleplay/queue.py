"""The role-play review queue and history: what awaits review (oldest first, overdue highlighted), the coaching
loop's counts for the manager reports (contract C6), where a second rating may go, the filters, and past reviews.
Read only; scoped to the learners the viewer may see (academy.org.scope)."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from academy.learning.models import Attempt, QuizVersion, RoleplayReview
from academy.learning.roleplay.rules import FIRST, SECOND, Reviewer, rubric_version_ids
from academy.org.models import Region, Team, User, utcnow
from academy.org.scope import learners_visible_to, managed_learners

OVERDUE = timedelta(days=3)  # waiting longer than this is highlighted in the queue
PAGE_SIZE = 25
SECOND_CANDIDATES = 20  # reviewed role-plays a manager may add a second rating to, listed on the queue page


@dataclass
class Waiting:
    attempt_id: int
    user_id: int
    learner: str
    team: str | None
    quiz_id: str
    submitted_at: datetime
    waited: timedelta
    team_id: int | None = None
    region_id: int | None = None

    @property
    def overdue(self) -> bool:
        return self.waited > OVERDUE

    @property
    def display_name(self) -> str:  # the names the manager report reads
        return self.learner

    @property
    def team_name(self) -> str | None:
        return self.team

    @property
    def waited_days(self) -> int:
        return self.waited.days

    @property
    def waited_hours(self) -> int:
        return self.waited.seconds // 3600


@dataclass
class Listing:
    rows: list
    page: int
    pages: int
    total: int

    def __len__(self) -> int:
        """The number of rows on all pages (the trainer's home counts the queue this way)."""
        return self.total


def _scoped(session: Session, query, viewer: Reviewer):
    condition = learners_visible_to(session, viewer)
    return query if condition is None else query.where(condition)


def _all_waiting(session: Session):
    return (select(Attempt.id, Attempt.user_id, User.display_name, Team.name, Attempt.quiz_id, Attempt.submitted_at,
                   User.team_id, Team.region_id)
            .join(User, Attempt.user_id == User.id).outerjoin(Team, User.team_id == Team.id)
            .where(Attempt.state == "review", Attempt.version_id.in_(rubric_version_ids(session))))


def _waiting_query(session: Session, viewer: Reviewer):
    return _scoped(session, _all_waiting(session).where(Attempt.user_id != viewer.id), viewer)


def _waiting(row, now: datetime) -> Waiting:
    submitted = row.submitted_at or now
    return Waiting(row.id, row.user_id, row.display_name, row.name, row.quiz_id, submitted, max(now - submitted, timedelta(0)),
                   row.team_id, row.region_id)


def _page_of(session: Session, query, page: int) -> tuple[list, int, int, int]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    return list(session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))), page, pages, total


def review_queue(session: Session, reviewer: Reviewer, now: datetime | None = None, *, team_id: int | None = None,
                 quiz_id: str | None = None, page: int = 1) -> Listing:
    """Role-plays awaiting review that this reviewer may grade, oldest first: never their own, never another
    type of quiz, only learners in their scope; filtered by team and quiz, a page at a time."""
    now = now or utcnow()
    query = _waiting_query(session, reviewer)
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    if quiz_id:
        query = query.where(Attempt.quiz_id == quiz_id)
    rows, page, pages, total = _page_of(session, query.order_by(Attempt.submitted_at, Attempt.id), page)
    return Listing([_waiting(row, now) for row in rows], page, pages, total)


def waiting_for(session: Session, viewer: Reviewer, now: datetime | None = None, limit: int = 200) -> list[Waiting]:
    """Contract C6: the role-plays of the viewer's people awaiting review, oldest first, with how long each has
    waited (a manager's people are the learners in their scope; a trainer's or admin's, every learner)."""
    now = now or utcnow()
    query = _waiting_query(session, viewer).order_by(Attempt.submitted_at, Attempt.id).limit(limit)
    return [_waiting(row, now) for row in session.execute(query)]


def overdue_reviews(session: Session, now: datetime) -> list[Waiting]:
    """Every role-play that has waited for review longer than OVERDUE, oldest first, whoever may review it: what
    the daily reminders tell the reviewers (academy.learning.assignments.reminders)."""
    query = _all_waiting(session).where(Attempt.submitted_at < now - OVERDUE).order_by(Attempt.submitted_at, Attempt.id)
    return [_waiting(row, now) for row in session.execute(query)]


def reviews_given(session: Session, reviewer_ids, since: datetime | None = None) -> dict[int, int]:
    """Contract C6: per reviewer, the ratings they gave (first and second, reopened rounds included) since `since`."""
    ids = list(reviewer_ids)
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    query = (select(RoleplayReview.reviewer_id, func.count()).where(RoleplayReview.reviewer_id.in_(ids))
             .group_by(RoleplayReview.reviewer_id))
    if since is not None:
        query = query.where(RoleplayReview.created_at >= since)
    counts.update({reviewer_id: count for reviewer_id, count in session.execute(query)})
    return counts


def second_rating_candidates(session: Session, manager: Reviewer, limit: int = SECOND_CANDIDATES) -> list:
    """The manager's people's reviewed role-plays with one rating, newest first: where a second rating may go."""
    if not manager.has_role("manager"):
        return []
    second = aliased(RoleplayReview)
    query = (select(Attempt.id, User.display_name, Team.name, Attempt.quiz_id, RoleplayReview.created_at, Attempt.percent)
             .join(Attempt, RoleplayReview.attempt_id == Attempt.id).join(User, Attempt.user_id == User.id)
             .outerjoin(Team, User.team_id == Team.id)
             .outerjoin(second, and_(second.attempt_id == RoleplayReview.attempt_id,
                                     second.review_round == RoleplayReview.review_round, second.rater == SECOND))
             .where(RoleplayReview.rater == FIRST, RoleplayReview.reopened_at.is_(None), second.id.is_(None),
                    Attempt.state == "graded", RoleplayReview.reviewer_id != manager.id, Attempt.user_id != manager.id,
                    managed_learners(session, manager))
             .order_by(RoleplayReview.created_at.desc(), RoleplayReview.id.desc()).limit(limit))
    return list(session.execute(query))


def filter_choices(session: Session, viewer: Reviewer) -> dict:
    """The teams (of learners the viewer may see), quizzes (role-plays) and reviewers the filters offer."""
    teams = select(Team.id, Team.name, Region.name.label("region")).join(Region, Team.region_id == Region.id)
    condition = learners_visible_to(session, viewer)
    if condition is not None:
        teams = teams.where(Team.id.in_(select(User.team_id).where(condition, User.team_id.is_not(None))))
    quiz_ids = session.scalars(select(QuizVersion.quiz_id).distinct().where(
        QuizVersion.id.in_(rubric_version_ids(session)))).all()
    reviewers = session.execute(select(User.id, User.display_name).where(
        User.id.in_(select(RoleplayReview.reviewer_id).distinct())).order_by(User.display_name)).all()
    return {"teams": session.execute(teams.order_by(Region.name, Team.name)).all(), "quizzes": sorted(quiz_ids),
            "reviewers": reviewers}


# ---- the history ---------------------------------------------------------------------------------------------


def history(session: Session, viewer: Reviewer, *, reviewer_id: int | None = None, team_id: int | None = None,
            quiz_id: str | None = None, page: int = 1) -> Listing:
    """Past reviews (one row per round: first rater, the second if any, reopened or current), newest first, of
    learners the viewer may see; filtered by reviewer (first or second), team and quiz."""
    first, second = RoleplayReview, aliased(RoleplayReview)
    first_name, second_name = aliased(User), aliased(User)
    query = (select(first.attempt_id, first.review_round, first.created_at, first.reopened_at, first.reopen_reason,
                    first_name.display_name.label("first_name"), second_name.display_name.label("second_name"),
                    second.created_at.label("second_at"), User.display_name.label("learner"), Team.name.label("team"),
                    Attempt.quiz_id, Attempt.score, Attempt.max_score, Attempt.percent, Attempt.passed, Attempt.answers)
             .join(Attempt, first.attempt_id == Attempt.id).join(User, Attempt.user_id == User.id)
             .outerjoin(Team, User.team_id == Team.id).join(first_name, first.reviewer_id == first_name.id)
             .outerjoin(second, and_(second.attempt_id == first.attempt_id, second.review_round == first.review_round,
                                     second.rater == SECOND))
             .outerjoin(second_name, second.reviewer_id == second_name.id)
             .where(first.rater == FIRST))
    query = _scoped(session, query, viewer)
    if reviewer_id is not None:
        query = query.where(or_(first.reviewer_id == reviewer_id, second.reviewer_id == reviewer_id))
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    if quiz_id:
        query = query.where(Attempt.quiz_id == quiz_id)
    rows, page, pages, total = _page_of(session, query.order_by(first.created_at.desc(), first.id.desc()), page)
    return Listing([_history_row(row) for row in rows], page, pages, total)


def _history_row(row) -> dict:
    current = row.reopened_at is None
    recheck = current and any(isinstance(a, dict) and a.get("recheck") for a in (row.answers or {}).values())
    return {"attempt_id": row.attempt_id, "round": row.review_round, "reviewed_at": row.created_at,
            "first": row.first_name, "second": row.second_name, "learner": row.learner, "team": row.team,
            "quiz_id": row.quiz_id, "current": current, "reopened_at": row.reopened_at, "reason": row.reopen_reason or "",
            "score": row.score if current else None, "max_score": row.max_score, "percent": row.percent if current else None,
            "passed": row.passed if current else None, "recheck": recheck}
