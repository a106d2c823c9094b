"""Role-play review: who may review whom, the queue, and turning rubric levels into a grade."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.learning.models import Attempt, RoleplayReview
from academy.learning.questions import Quiz
from academy.learning.quizzes.services import AttemptRejected, apply_review
from academy.org.auth.services import SessionUser
from academy.org.models import User
from academy.org.scope import learners_visible_to, may_see

Reviewer = SessionUser | User  # the signed-in user, or a User row (demo data)


def review_queue(session: Session, reviewer: Reviewer) -> list[Attempt]:
    query = select(Attempt).join(User, Attempt.user_id == User.id).where(Attempt.state == "review")
    condition = learners_visible_to(session, reviewer)
    if condition is not None:
        query = query.where(condition)
    return list(session.scalars(query.order_by(Attempt.submitted_at)))


def reviewable_attempt(session: Session, reviewer: Reviewer, attempt_id: int) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise AttemptRejected(_l("作答记录不存在。"), 404)
    if not may_see(session, reviewer, attempt.user_id):
        raise AttemptRejected(_l("这位学员不在你的管辖范围内。"), 403)
    return attempt


def parse_levels(quiz: Quiz, form) -> dict[str, dict]:
    """Reviewer's level and comment per criterion, for every role-play item; refuses unknown levels."""
    chosen = {}
    for item in (i for i in quiz.items if i.criteria):  # items scored on a rubric
        allowed = {float(p) for _, p in item.levels}
        levels, comments = {}, {}
        for index in range(len(item.criteria)):
            raw = form.get(f"{item.id}-level-{index}", "")
            try:
                value = float(raw)
            except ValueError:
                raise AttemptRejected(_l("请为“%(criterion)s”选择一个等级。", criterion=item.criteria[index].name)) from None
            if value not in allowed:
                raise AttemptRejected(_l("评分等级无效。"))
            levels[str(index)] = value
            comments[str(index)] = form.get(f"{item.id}-comment-{index}", "")[:1000]
        chosen[item.id] = {"levels": levels, "comments": comments, "summary": form.get(f"{item.id}-summary", "")[:2000]}
    return chosen


def record_review(session: Session, reviewer: Reviewer, attempt: Attempt, quiz: Quiz, chosen: dict, now: datetime) -> None:
    apply_review(session, attempt, quiz, chosen, now)
    session.add(RoleplayReview(attempt_id=attempt.id, reviewer_id=reviewer.id, levels={k: v["levels"] for k, v in chosen.items()},
                               comments={k: v["comments"] for k, v in chosen.items()},
                               summary="\n".join(v["summary"] for v in chosen.values()), created_at=now))
    session.flush()


