"""Role-play review: who may review whom, the queue, the rubric, the optional second rater and the final score,
the history of reviews and reopening one.

Every change to an attempt goes through academy.learning.quizzes.services (apply_review, apply_final_review,
reopen_review), which grade it and refresh what is derived from it in the same transaction; this module keeps the
review rows (one per rater and round), the audit entries and the learner's notices.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from academy.learning.models import Attempt, QuizVersion, RoleplayReview
from academy.learning.questions import TYPES, Quiz
from academy.learning.quizzes.services import (
    AttemptRejected,
    apply_final_review,
    apply_review,
    load_attempt,
    reopen_review,
)
from academy.learning.quizzes.versions import attempt_quiz, pinned_quiz
from academy.org import audit
from academy.org.auth.services import SessionUser
from academy.org.inbox.services import notify
from academy.org.models import Region, Team, User, utcnow
from academy.org.scope import learners_visible_to, managed_learners, manages, may_see
from academy.platform.i18n import LOCALES

Reviewer = SessionUser | User  # the signed-in user, or a User row (demo data)

OVERDUE = timedelta(days=3)  # waiting longer than this is highlighted in the queue
PAGE_SIZE = 25
SECOND_CANDIDATES = 20  # reviewed role-plays a manager may add a second rating to, listed on the queue page
RESULT_PATH = "/attempts/{id}/result"  # where a notice sends the learner (quizzes.result)
FIRST, SECOND = "first", "second"
REVIEW_KEYS = ("levels", "comments", "summary", "raters", "recheck", "score")  # what reviews add to a role-play answer

# The final-score rule, shown on the review page and in docs/roleplay-review.md.
FINAL_RULE = _l("最终得分规则：只有一位评阅人时按其等级计分。经理添加第二评分后，每个维度取两位评阅人等级分的平均值；"
                "红线维度取两者中较低的等级（任一人评为最低等级即一票否决）；同一作答中的简答题取两人分数的平均值。两人在任一维度相差超过一个等级时标记"
                "“需要复核”，讲师可以重开评阅。")


# ---- what a role-play is -------------------------------------------------------------------------------------


def rubric_items(quiz: Quiz) -> list:
    """The items a reviewer scores on a rubric (role-plays)."""
    return [item for item in quiz.items if item.criteria]


def reviewed_items(quiz: Quiz) -> list:
    """What the review page scores: the rubric items, and any other item scored by a reviewer in the same quiz
    (an essay: a score from 0 to its points), so that the attempt can be graded at all."""
    return [item for item in quiz.items if item.criteria or TYPES[item.type].manual]


def _rubric_version_ids(session: Session) -> list[int]:
    """The stored quiz versions that have a rubric: only attempts pinned to one of these are role-plays to review
    (an essay-only, dialogue or objective quiz never is).  A small table; each version is parsed once per process."""
    versions = session.scalars(select(QuizVersion))
    return [version.id for version in versions if _has_rubric(pinned_quiz(version))]


def _has_rubric(quiz: Quiz) -> bool:
    """A rubric among its items or among those it may draw from a question bank."""
    return bool(rubric_items(quiz)) or any(item.criteria for draw in quiz.draws for item in draw.pool)


def level_points(item) -> list[float]:
    return sorted(float(points) for _, points in item.levels)


def level_name(item, value) -> str:
    """A level as the rubric names it (优秀 (3)); a final level between two levels as its number (2.5)."""
    if value is None:
        return "—"
    for label, points in item.levels:
        if float(points) == float(value):
            return f"{label} ({points:g})"
    return f"{float(value):g}"


def levels_apart(item, a: float, b: float) -> int:
    """How many rubric levels lie between two raters' levels (0: they agree)."""
    points = level_points(item)
    return abs(points.index(float(a)) - points.index(float(b)))


def final_levels(item, first: dict, second: dict) -> dict[str, float]:
    """The rule (FINAL_RULE): per criterion, the mean of the two raters' levels; on a red-line criterion the lower.
    An essay's score: the mean of the two."""
    if not item.criteria:
        return {"score": round((float(first["score"]) + float(second["score"])) / 2, 4)}
    final = {}
    for index, criterion in enumerate(item.criteria):
        a, b = float(first[str(index)]), float(second[str(index)])
        final[str(index)] = min(a, b) if criterion.redline else round((a + b) / 2, 4)
    return final


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
    apply_final_review(session, page.attempt, page.quiz, final, now)
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
    reopen_review(session, page.attempt, page.quiz, answers, now)
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


# ---- the queue and the coaching loop ------------------------------------------------------------------------


@dataclass
class Waiting:
    attempt_id: int
    user_id: int
    learner: str
    team: str | None
    quiz_id: str
    submitted_at: datetime
    waited: timedelta

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


def _waiting_query(session: Session, viewer: Reviewer):
    query = (select(Attempt.id, Attempt.user_id, User.display_name, Team.name, Attempt.quiz_id, Attempt.submitted_at)
             .join(User, Attempt.user_id == User.id).outerjoin(Team, User.team_id == Team.id)
             .where(Attempt.state == "review", Attempt.user_id != viewer.id,
                    Attempt.version_id.in_(_rubric_version_ids(session))))
    return _scoped(session, query, viewer)


def _waiting(row, now: datetime) -> Waiting:
    submitted = row.submitted_at or now
    return Waiting(row.id, row.user_id, row.display_name, row.name, row.quiz_id, submitted, max(now - submitted, timedelta(0)))


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
        QuizVersion.id.in_(_rubric_version_ids(session)))).all()
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
