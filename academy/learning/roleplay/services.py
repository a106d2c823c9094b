"""Role-play review: who may review whom, the review page with the rubric, and writing reviews: the first
rating, the optional second rater and the final score (academy.learning.roleplay.rules), and reopening one.
The queue and the history are academy.learning.roleplay.queue.

Every change to an attempt goes through academy.learning.quizzes.services (apply_review, apply_final_review,
reopen_review), which grade it and refresh what is derived from it in the same transaction; this module keeps the
review rows (one per rater and round), the audit entries and the learner's notices.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from academy.learning.models import Attempt, RoleplayReview
from academy.learning.questions import Quiz
from academy.learning.quizzes.services import (
    AttemptRejected,
    apply_final_review,
    apply_review,
    load_attempt,
    reopen_review,
)
from academy.learning.quizzes.versions import attempt_quiz
from academy.learning.roleplay.rules import (
    FIRST,
    SECOND,
    Reviewer,
    final_levels,
    level_name,
    levels_apart,
    reviewed_items,
    rubric_items,
)
from academy.org import audit
from academy.org.inbox.services import notify
from academy.org.models import User
from academy.org.scope import manages, may_see
from academy.platform.i18n import LOCALES

RESULT_PATH = "/attempts/{id}/result"  # where a notice sends the learner (quizzes.result)
REVIEW_KEYS = ("levels", "comments", "summary", "raters", "recheck", "score")  # what reviews add to a role-play answer


# ---- who may do what -----------------------------------------------------------------------------------------


def _learner_in_reach(session: Session, reviewer: Reviewer, attempt: Attempt) -> None:
    """The rules every review action shares: never one's own attempt, never a learner outside one's scope."""
    if attempt.user_id == reviewer.id:
        raise AttemptRejected(_l("不能评阅自己的作答：请由其他讲师或你的经理评阅。"), 403)
    if not may_see(session, reviewer, attempt.user_id):
        raise AttemptRejected(_l("这位学员不在你的管辖范围内。"), 403)


def _role_play(attempt: Attempt) -> Quiz:
    quiz = attempt_quiz(attempt)  # with the items this attempt drew
    if not rubric_items(quiz):
        raise AttemptRejected(_l("这不是角色扮演作答：只有角色扮演需要评阅（对话演练和客观题由系统评分）。"), 404)
    if attempt.state not in ("review", "graded"):
        raise AttemptRejected(_l("这份角色扮演还没有提交，暂时不能评阅。"), 404)
    return quiz


def _current_rows(session: Session, attempt_id: int) -> dict[str, RoleplayReview]:
    """The open round's ratings by rater (empty while the attempt awaits its first review)."""
    rows = session.scalars(select(RoleplayReview).where(RoleplayReview.attempt_id == attempt_id,
                                                        RoleplayReview.reopened_at.is_(None)))
    return {row.rater: row for row in rows}


def _next_round(session: Session, attempt_id: int) -> int:
    latest = session.scalar(select(func.max(RoleplayReview.review_round)).where(RoleplayReview.attempt_id == attempt_id))
    return (latest or 0) + 1


def may_rate_second(session: Session, viewer: Reviewer, attempt: Attempt, rows: dict[str, RoleplayReview]) -> bool:
    """The learner's manager may add a second rating to a reviewed role-play they did not rate first."""
    first = rows.get(FIRST)
    return (attempt.state == "graded" and first is not None and SECOND not in rows and viewer.id != first.reviewer_id
            and viewer.id != attempt.user_id and manages(session, viewer, attempt.user_id))


# ---- the review page -----------------------------------------------------------------------------------------


@dataclass
class CriterionRow:
    name: str
    redline: bool
    first: str
    first_comment: str
    second: str
    second_comment: str
    final: str
    apart: int | None  # rubric levels between the two raters; None without a second rating
    recheck: bool


@dataclass
class ItemReview:
    item: object
    answer: dict
    rows: list[CriterionRow]


@dataclass
class ReviewPage:
    attempt: Attempt
    quiz: Quiz
    learner: User
    first: RoleplayReview | None
    second: RoleplayReview | None
    past: list[RoleplayReview]
    may_grade: bool
    may_second: bool
    may_reopen: bool
    items: list[ItemReview] = field(default_factory=list)

    @property
    def recheck(self) -> bool:
        return any(row.recheck for item in self.items for row in item.rows)


def _item_rows(item, answer: dict, first: RoleplayReview | None, second: RoleplayReview | None) -> list[CriterionRow]:
    first_levels = (first.levels if first else {}).get(item.id, {})
    second_levels = (second.levels if second else {}).get(item.id, {})
    first_comments = (first.comments if first else {}).get(item.id, {})
    second_comments = (second.comments if second else {}).get(item.id, {})
    final = answer.get("levels") or {}
    if not item.criteria:  # an essay: one score
        a, b = first_levels.get("score"), second_levels.get("score")
        number = lambda value: "—" if value is None else f"{float(value):g} / {item.points:g}"  # noqa: E731
        return [CriterionRow(str(_l("得分")), False, number(a), first_comments.get("0", ""), number(b) if second else "",
                             second_comments.get("0", ""), number(final.get("score")) if first else "", None, False)]
    rows = []
    for index, criterion in enumerate(item.criteria):
        key = str(index)
        a, b = first_levels.get(key), second_levels.get(key)
        apart = levels_apart(item, a, b) if a is not None and b is not None else None
        rows.append(CriterionRow(criterion.name, criterion.redline, level_name(item, a), first_comments.get(key, ""),
                                 level_name(item, b) if second else "", second_comments.get(key, ""),
                                 level_name(item, final.get(key)) if first else "", apart, bool(apart and apart > 1)))
    return rows


def review_page(session: Session, viewer: Reviewer, attempt_id: int, lock: bool = False) -> ReviewPage:
    """A role-play attempt as its reviewer sees it: the form while it awaits review, the past review (read only)
    once graded, with what this viewer may do next.  Refuses foreign, own and non-role-play attempts."""
    attempt = load_attempt(session, attempt_id, None, lock=lock)
    _learner_in_reach(session, viewer, attempt)
    quiz = _role_play(attempt)
    rows = _current_rows(session, attempt.id)
    past = list(session.scalars(select(RoleplayReview).where(RoleplayReview.attempt_id == attempt.id,
                                                             RoleplayReview.reopened_at.is_not(None))
                                .order_by(RoleplayReview.review_round, RoleplayReview.rater)))
    page = ReviewPage(attempt, quiz, session.get(User, attempt.user_id), rows.get(FIRST), rows.get(SECOND), past,
                      may_grade=attempt.state == "review", may_second=may_rate_second(session, viewer, attempt, rows),
                      may_reopen=attempt.state == "graded" and FIRST in rows)
    for item in reviewed_items(quiz):
        answer = attempt.answers.get(item.id) or {}
        page.items.append(ItemReview(item, answer, _item_rows(item, answer, page.first, page.second)))
    return page


def parse_levels(quiz: Quiz, form) -> dict[str, dict]:
    """Reviewer's level and comment per criterion, for every role-play item (an essay: its score and a comment);
    refuses unknown levels and scores out of range."""
    chosen = {}
    for item in reviewed_items(quiz):
        if not item.criteria:
            chosen[item.id] = _essay_score(item, form)
            continue
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


def _essay_score(item, form) -> dict:
    raw = form.get(f"{item.id}-score", "").strip()
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= item.points:  # NaN fails too
        raise AttemptRejected(_l("请为“%(title)s”给出 0 到 %(points)s 之间的分数。", title=item.title, points=f"{item.points:g}"))
    return {"levels": {"score": value}, "score": value, "comments": {"0": form.get(f"{item.id}-comment-0", "")[:1000]},
            "summary": ""}


def _scores(attempt: Attempt) -> dict:
    return {"state": attempt.state, "score": attempt.score, "percent": attempt.percent, "passed": attempt.passed}


def _title(quiz: Quiz) -> str:
    return quiz.title[:200]


def _tell(session: Session, attempt: Attempt, kind: str, message, now: datetime) -> None:
    """An in-app notice to the learner, in their own language (their saved choice, else Chinese) whoever wrote it
    and from wherever (a request, or the demo's command), linking to the attempt's result."""
    locale = session.scalar(select(User.locale).where(User.id == attempt.user_id))
    with force_locale(locale if locale in LOCALES else LOCALES[0]):
        text = str(message)
    notify(session, attempt.user_id, kind, text, RESULT_PATH.format(id=attempt.id), now)


# ---- writing reviews ----------------------------------------------------------------------------------------


def record_review(session: Session, reviewer: Reviewer, attempt: Attempt, quiz: Quiz, chosen: dict, now: datetime) -> None:
    """The first rating: grades the attempt, keeps the rater's row, audits and tells the learner."""
    _learner_in_reach(session, reviewer, attempt)
    before = _scores(attempt)
    apply_review(session, attempt, quiz, chosen, now)
    if attempt.state != "graded":  # an item this page cannot score (nested in a scenario): nothing is written
        raise AttemptRejected(_l("这份作答还有本页无法评分的题目，不能完成评阅。"), 409)
    row = RoleplayReview(attempt_id=attempt.id, review_round=_next_round(session, attempt.id), rater=FIRST,
                         reviewer_id=reviewer.id, levels={k: v["levels"] for k, v in chosen.items()},
                         comments={k: v["comments"] for k, v in chosen.items()},
                         summary="\n".join(v["summary"] for v in chosen.values() if v["summary"]), created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, reviewer.id, "review.grade", "attempt", attempt.id,
                 detail={"learner_id": attempt.user_id, "quiz_id": attempt.quiz_id, "round": row.review_round,
                         "levels": row.levels, "before": before, "after": _scores(attempt)})
    _tell(session, attempt, "review.given", _l("你的角色扮演《%(title)s》已评阅：得分 %(score)s / %(max)s。", title=_title(quiz),
                                               score=f"{attempt.score:g}", max=f"{attempt.max_score:g}"), now)


def give_review(session: Session, reviewer: Reviewer, attempt_id: int, form, now: datetime) -> Attempt:
    """The first review posted from the review page."""
    page = review_page(session, reviewer, attempt_id, lock=True)
    if not page.may_grade:
        raise AttemptRejected(_l("这份作答已经评阅过了：请在下方查看评阅记录。"), 409)
    record_review(session, reviewer, page.attempt, page.quiz, parse_levels(page.quiz, form), now)
    return page.attempt


def add_second_rating(session: Session, manager: Reviewer, attempt_id: int, form, now: datetime) -> bool:
    """The learner's manager rates a reviewed role-play again; the final levels (FINAL_RULE) replace the first
    rater's and the attempt is graded again through the single write path.  True when the raters differ by more
    than one level on some criterion (需要复核)."""
    page = review_page(session, manager, attempt_id, lock=True)
    if not page.may_second:
        if page.attempt.state != "graded" or page.first is None:
            raise AttemptRejected(_l("这份作答还没有第一评阅，不能添加第二评分。"), 409)
        if page.second is not None:
            raise AttemptRejected(_l("这份作答已经有第二评分了。"), 409)
        if page.first.reviewer_id == manager.id:
            raise AttemptRejected(_l("第二评分须由第一评阅人以外的人给出。"), 403)
        raise AttemptRejected(_l("只有学员所在片区或团队的经理可以添加第二评分。"), 403)
    chosen = parse_levels(page.quiz, form)
    before = _scores(page.attempt)
    first = page.first
    final = {}
    for item in reviewed_items(page.quiz):
        levels = final_levels(item, first.levels[item.id], chosen[item.id]["levels"])
        apart = [levels_apart(item, first.levels[item.id][k], v) for k, v in chosen[item.id]["levels"].items()] if item.criteria else []
        final[item.id] = {"levels": levels, "recheck": any(n > 1 for n in apart),
                          "raters": {FIRST: first.levels[item.id], SECOND: chosen[item.id]["levels"]},
                          "second_comments": chosen[item.id]["comments"], "second_summary": chosen[item.id]["summary"]}
        if not item.criteria:
            final[item.id]["score"] = levels["score"]
    apply_final_review(session, page.attempt, page.quiz, final, now, actor_id=manager.id)
    row = RoleplayReview(attempt_id=page.attempt.id, review_round=first.review_round, rater=SECOND, reviewer_id=manager.id,
                         levels={k: v["levels"] for k, v in chosen.items()}, comments={k: v["comments"] for k, v in chosen.items()},
                         summary="\n".join(v["summary"] for v in chosen.values() if v["summary"]), created_at=now)
    session.add(row)
    session.flush()
    recheck = any(v["recheck"] for v in final.values())
    audit.record(session, manager.id, "review.second", "attempt", page.attempt.id,
                 detail={"learner_id": page.attempt.user_id, "quiz_id": page.attempt.quiz_id, "round": row.review_round,
                         "first_levels": first.levels, "second_levels": row.levels,
                         "final_levels": {k: v["levels"] for k, v in final.items()}, "recheck": recheck,
                         "before": before, "after": _scores(page.attempt)})
    _tell(session, page.attempt, "review.second",
          _l("你的角色扮演《%(title)s》增加了经理的第二评分：最终得分 %(score)s / %(max)s。", title=_title(page.quiz),
             score=f"{page.attempt.score:g}", max=f"{page.attempt.max_score:g}"), now)
    return recheck


def reopen(session: Session, actor: Reviewer, attempt_id: int, reason: str, now: datetime) -> Attempt:
    """Send a reviewed role-play back to the queue: its round is closed (kept in the history), the reviewers'
    levels leave the attempt, which goes back to review through the single write path; audited, learner told."""
    reason = (reason or "").strip()
    if not reason:
        raise AttemptRejected(_l("请写明重开评阅的原因。"))
    page = review_page(session, actor, attempt_id, lock=True)
    if not page.may_reopen:
        raise AttemptRejected(_l("只有已评阅的作答可以重开。"), 409)
    before = _scores(page.attempt)
    answers = dict(page.attempt.answers)
    for item in reviewed_items(page.quiz):
        answer = answers.get(item.id)
        if isinstance(answer, dict):
            answers[item.id] = {k: v for k, v in answer.items() if k not in REVIEW_KEYS and not k.startswith("second_")}
    reopen_review(session, page.attempt, page.quiz, answers, now, actor_id=actor.id, reason=reason)  # certificates follow
    for row in (page.first, page.second):
        if row is not None:
            row.reopened_at, row.reopen_reason = now, reason[:2000]
    session.flush()
    audit.record(session, actor.id, "review.reopen", "attempt", page.attempt.id, reason=reason,
                 detail={"learner_id": page.attempt.user_id, "quiz_id": page.attempt.quiz_id,
                         "round": page.first.review_round, "before": before, "after": _scores(page.attempt)})
    _tell(session, page.attempt, "review.reopened",
          _l("你的角色扮演《%(title)s》的评阅已重开，将重新评阅。原因：%(reason)s", title=_title(page.quiz), reason=reason[:500]), now)
    return page.attempt
