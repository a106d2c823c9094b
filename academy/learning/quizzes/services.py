"""Attempts: start → in progress (answers saved as you go) → submitted → graded or awaiting review."""
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from academy.learning import progress_rows
from academy.learning.certificates import services as certificates
from academy.learning.models import Attempt, QuizVersion
from academy.learning.questions import TYPES, ItemScore, Quiz, score_item
from academy.learning.questions.quizmd.dialogue import replay
from academy.learning.quizzes import item_rows, layout, tally
from academy.learning.quizzes.grading import Grading, grade_answers
from academy.learning.quizzes.versions import attempt_quiz, ensure_version, graded_quiz, regraded_quiz
from academy.org import audit, scope
from academy.org.inbox.services import notify
from academy.org.models import User
from academy.platform import clock
from academy.platform.i18n import in_language_of

GRACE = timedelta(seconds=30)


class AttemptRejected(Exception):
    """A rule refused the action; the message is shown to the learner.

    Services raise it with a lazy translation (no request needed); it is put into the learner's
    language when read through `message` or `str()`.
    """

    def __init__(self, message, status: int = 422) -> None:
        super().__init__(message)
        self._message, self.status = message, status

    @property
    def message(self) -> str:
        """The message in the current language, as plain text (templates escape it)."""
        return str(self._message)


def quiz_closed(quiz: Quiz, now: datetime) -> bool:
    """After its closes_at (a day: after its end; a moment: from then on), on the organisation's clock: the day
    is the people's, not the server's UTC."""
    return bool(quiz.closes_at) and now >= clock.closes(quiz.closes_at)


def quiz_not_open(quiz: Quiz, now: datetime) -> bool:
    """Before its opens_at (a day or a moment, on the same clock): shown, but not started yet."""
    return bool(quiz.opens_at) and now < clock.opens(quiz.opens_at)


def schedule_state(quiz: Quiz, now: datetime) -> str:
    """"not open", "closed" or "open": where the quiz's opens_at and closes_at put it at `now`."""
    if quiz_not_open(quiz, now):
        return "not open"
    return "closed" if quiz_closed(quiz, now) else "open"


def start_attempt(session: Session, user_id: int, quiz: Quiz, now: datetime) -> Attempt:
    """Resume the open attempt or start the next one within the attempt limit."""
    # how many attempts, and the open one: the tally's own count from the attempts, in one statement (a start is
    # what every learner does at once when an exam opens)
    counts = tally.recount(session.connection(), user_id, quiz.id, ranked=False) or {"attempts": 0, "in_progress_id": None}
    count, open_id = counts["attempts"], counts["in_progress_id"]
    current = session.get(Attempt, open_id) if open_id is not None else None
    if current is not None and not expired(current, now):
        return current
    if current is not None:  # abandoned after its time ran out: grade what was saved
        expire_attempt(session, current, now)
    if quiz_not_open(quiz, now):
        raise AttemptRejected(_l("该测验将于 %(date)s 开放，现在还不能作答。", date=quiz.opens_at))
    if quiz_closed(quiz, now):
        raise AttemptRejected(_l("该测验已关闭，不能再作答。"))
    if quiz.attempts is not None and count >= quiz.attempts:
        raise AttemptRejected(_l("你已用完全部 %(n)s 次作答机会。", n=quiz.attempts))
    deadline = now + timedelta(seconds=quiz.time_limit) if quiz.time_limit else None
    seed = random.randrange(2**31)  # also picks the items the attempt draws from question banks (layout.drawn)
    attempt = Attempt(user_id=user_id, quiz_id=quiz.id, version_id=ensure_version(session, quiz),
                      number=count + 1, seed=seed, state="in_progress", started_at=now,
                      deadline_at=deadline, answers={}, checked=[], max_score=layout.drawn(quiz, seed).total_points)
    session.add(attempt)
    try:
        session.flush()
    except IntegrityError:  # the transaction is spoilt: the view rolls it back when it shows this refusal
        raise AttemptRejected(_l("另一个窗口刚刚开始了这次作答，请刷新页面。"), 409) from None
    tally.refresh(session, [(user_id, quiz.id)], graded=False)
    return attempt


def load_attempt(session: Session, attempt_id: int, user_id: int | None, lock: bool = False) -> Attempt:
    """The attempt with its version (one query), locked for changes when asked.  With a `user_id`, only that
    learner's own attempt is found (AttemptRejected otherwise)."""
    query = select(Attempt).options(joinedload(Attempt.version, innerjoin=True)).where(Attempt.id == attempt_id)
    attempt = session.scalar(query.with_for_update(of=Attempt) if lock else query)
    if attempt is None:
        raise AttemptRejected(_l("作答记录不存在。"), 404)
    if user_id is not None and attempt.user_id != user_id:
        raise AttemptRejected(_l("这不是你的作答记录。"), 403)
    return attempt


def load_attempt_for(session: Session, attempt_id: int, viewer) -> Attempt:
    """An attempt `viewer` may read: their own, or one of a learner they may see (academy.org.scope: a manager
    their regions' and teams' people, trainers and admins everyone).  Read only: changes go through
    load_attempt with the owner's id."""
    attempt = load_attempt(session, attempt_id, None)
    if attempt.user_id != viewer.id and not scope.may_see(session, viewer, attempt.user_id):
        raise AttemptRejected(_l("这不是你的作答记录。"), 403)
    return attempt


def expired(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at + GRACE


def _require_open(attempt: Attempt) -> None:
    if attempt.state != "in_progress":
        raise AttemptRejected(_l("已提交，本次作答不能再修改。"), 409)


def _merge(attempt: Attempt, answers: dict) -> None:
    attempt.answers = merged_answers(attempt.answers, attempt.checked, answers)


def save_answers(session: Session, attempt: Attempt, answers: dict, now: datetime) -> None:
    _require_open(attempt)
    if expired(attempt, now):
        raise AttemptRejected(_l("作答时间已到，新的答案没有保存。请提交试卷。"))
    _merge(attempt, answers)
    session.flush()


def check_item(session: Session, attempt: Attempt, quiz: Quiz, item_id: str, answers: dict, now: datetime) -> None:
    """Save the answers and reveal one item's feedback now (review: immediate); the item is then frozen."""
    item = quiz.item(item_id)
    if quiz.review != "immediate" or item is None or not TYPES[item.type].checkable or item not in quiz.items:
        raise AttemptRejected(_l("这道题不能单独检查。"), 404)
    save_answers(session, attempt, answers, now)
    if item_id not in attempt.checked:
        attempt.checked = [*attempt.checked, item_id]
    session.flush()


def choose(session: Session, attempt: Attempt, quiz: Quiz, item_id: str, index: int, now: datetime):
    """Take one step in a dialogue; refuses choices that are not offered at the current node."""
    _require_open(attempt)
    item = quiz.item(item_id)
    if item is None or not TYPES[item.type].stepwise:
        raise AttemptRejected(_l("对话不存在。"), 404)
    if expired(attempt, now):
        raise AttemptRejected(_l("作答时间已到。"))
    path = list(attempt.answers.get(item_id, [])) + [index]
    outcome = replay(item, path)
    if len(outcome.steps) != len(path):
        raise AttemptRejected(_l("这个选择当前不可用。"))
    attempt.answers = {**attempt.answers, item_id: path}
    session.flush()
    return outcome


def merged_answers(saved: dict, checked: list, answers: dict) -> dict:
    """New answers replace saved ones, except for items already checked (their answers are frozen)."""
    return {**saved, **{k: v for k, v in answers.items() if k not in checked}}


def submit_attempt(session: Session, attempt: Attempt, quiz: Quiz, answers: dict, now: datetime) -> bool:
    """Grade and store a submit; False when the attempt was already submitted (a second click, another
    window), so that it counts once."""
    if attempt.state != "in_progress":
        return False
    if expired(attempt, now):
        expire_attempt(session, attempt, now)
        return True
    _merge(attempt, answers)
    attempt.submitted_at = now
    _grade(session, attempt, quiz, now)
    return True


def expire_attempt(session: Session, attempt: Attempt, now: datetime) -> None:
    """Grade an attempt whose time ran out with the answers saved before the deadline."""
    attempt.submitted_at = attempt.deadline_at
    _grade(session, attempt, attempt_quiz(attempt), now)


def _grade(session: Session, attempt: Attempt, quiz: Quiz, now: datetime) -> None:
    had_rows = attempt.state == "graded"
    if attempt.regraded_version_id is not None:  # a review after a regrade keeps the corrected items
        quiz = graded_quiz(session, attempt)
    grading = grade_answers(quiz, attempt.answers)
    attempt.result, attempt.max_score, attempt.redline = grading.result, quiz.total_points, grading.redline
    if grading.pending:
        attempt.state = "review"
    else:
        attempt.score, attempt.percent, attempt.passed = grading.score, grading.percent, grading.passed
        attempt.state, attempt.graded_at, attempt.outcomes = "graded", now, grading.mistake_outcomes
    item_rows.refresh(session, attempt, quiz, had_rows=had_rows)
    tally.refresh(session, [(attempt.user_id, attempt.quiz_id)])
    if had_rows or attempt.state == "graded":  # the report rows count graded attempts only
        progress_rows.refresh(session, [attempt.user_id], progress_rows.FROM_QUIZZES)
    if attempt.state == "graded":  # a graded attempt may finish a module (or the course)
        certificates.refresh(session, attempt.user_id)


def _merge_review(attempt: Attempt, levels: dict[str, dict]) -> None:
    answers = dict(attempt.answers)
    for item_id, chosen in levels.items():
        answers[item_id] = {**(answers.get(item_id) or {}), **chosen}
    attempt.answers = answers


def apply_review(session: Session, attempt: Attempt, quiz: Quiz, levels: dict[str, dict], now: datetime) -> None:
    """Store a reviewer's rubric levels per role-play item, then grade the attempt."""
    if attempt.state != "review":
        raise AttemptRejected(_l("这份作答不在待评阅状态。"), 409)
    _merge_review(attempt, levels)
    _grade(session, attempt, quiz, now)


def apply_final_review(session: Session, attempt: Attempt, quiz: Quiz, levels: dict[str, dict], now: datetime, *,
                       actor_id: int | None = None) -> None:
    """Replace the levels of an attempt already reviewed (the final levels once a second rater has rated it)
    and grade it again: the score, the tally, the derived rows and the certificates (a lower final score may
    take one back) follow in this transaction."""
    if attempt.state != "graded":
        raise AttemptRejected(_l("这份作答还没有评阅，不能添加第二评分。"), 409)
    with certificates.grade_corrected(session, [attempt.user_id], actor_id,
                                      _l("《%(title)s》增加第二评分后的最终得分不再满足证书条件。", title=quiz.title)):
        _merge_review(attempt, levels)
        _grade(session, attempt, quiz, now)
    if attempt.state != "graded":  # the levels given were incomplete: nothing is half-written (the view rolls back)
        raise AttemptRejected(_l("评分等级不完整。"), 422)


def reopen_review(session: Session, attempt: Attempt, quiz: Quiz, answers: dict, now: datetime, *,
                  actor_id: int | None = None, reason: str = "") -> None:
    """Send a reviewed attempt back to review with `answers` (the learner's answers without the reviewers'
    levels): its score, pass and graded time go, the tally counts it as awaiting review again, and a certificate
    it earned lapses until the learner meets its condition again."""
    if attempt.state != "graded":
        raise AttemptRejected(_l("这份作答不是已评阅状态，不能重开。"), 409)
    with certificates.grade_corrected(session, [attempt.user_id], actor_id,
                                      _l("《%(title)s》的评阅已重开：%(reason)s", title=quiz.title, reason=reason)):
        attempt.answers = answers
        attempt.score = attempt.percent = attempt.passed = attempt.graded_at = attempt.outcomes = None
        _grade(session, attempt, quiz, now)
    if attempt.state != "review":
        raise AttemptRejected(_l("这份作答没有需要评阅的题目，不能重开。"), 409)


@dataclass(frozen=True)
class Regraded:
    """One graded attempt scored again against a corrected quiz: its score before, the new grading, and the
    items that kept their old score (not in the new version, or scored by a reviewer)."""

    attempt: Attempt
    quiz: Quiz  # the attempt's version merged with the new one (versions.regraded_quiz)
    grading: Grading
    kept: tuple[str, ...]

    @property
    def before(self) -> float | None:
        return self.attempt.score

    @property
    def after(self) -> float | None:
        return self.grading.score

    @property
    def changed(self) -> bool:
        """Whether applying it would change anything the learner sees or anything derived from the attempt."""
        attempt, grading = self.attempt, self.grading
        return (attempt.score, attempt.percent, attempt.passed, attempt.redline, attempt.max_score, attempt.result) != (
            grading.score, grading.percent, grading.passed, grading.redline, self.quiz.total_points, grading.result)


def _kept_score(result: dict) -> ItemScore:
    return ItemScore(float(result.get("score") or 0), float(result.get("points") or 0), bool(result.get("correct")),
                     bool(result.get("redline")), bool(result.get("pending")), result.get("detail") or {})


def regrading(attempt: Attempt, quiz: Quiz) -> Regraded:
    """The attempt's stored answers scored against `quiz` (a corrected version of the one it was taken on), items
    matched by id.  Items missing from `quiz` and items scored by a reviewer (role-plays) keep their score; items new
    in `quiz` are left out (the learner never saw them).  Pure: nothing is written."""
    taken = attempt_quiz(attempt)
    merged = regraded_quiz(taken, quiz)
    old, answers = attempt.result or {}, attempt.answers or {}
    scores, kept = {}, []
    for was, item in zip(taken.items, merged.items):  # one to one, in order (regraded_quiz replaces items in place)
        if not item.scored or item.id in scores:
            continue
        if item is not was and not item.manual:
            scores[item.id] = score_item(item, answers.get(item.id))
        else:
            scores[item.id] = _kept_score(old.get(item.id) or {})
            kept.append(item.id)
    return Regraded(attempt, merged, Grading(merged, answers, scores), tuple(kept))


def _versions_of(session: Session, quiz: Quiz, version_ids) -> list[int]:
    try:
        wanted = sorted({int(v) for v in version_ids})
    except (TypeError, ValueError):
        raise AttemptRejected(_l("版本不存在。"), 404) from None
    if not wanted:
        raise AttemptRejected(_l("请至少选择一个要重新评分的版本。"))
    found = set(session.scalars(select(QuizVersion.id).where(QuizVersion.quiz_id == quiz.id, QuizVersion.id.in_(wanted))))
    if found != set(wanted):
        raise AttemptRejected(_l("版本不存在。"), 404)
    return wanted


def plan_regrade(session: Session, quiz: Quiz, old_version_ids, *, lock: bool = False) -> list[Regraded]:
    """What regrading the graded attempts of these versions of the quiz against `quiz` would do (dry run; attempts
    in review or in progress are not regraded: they are graded later against their own version)."""
    versions = _versions_of(session, quiz, old_version_ids)
    query = (select(Attempt).options(joinedload(Attempt.version, innerjoin=True))
             .where(Attempt.quiz_id == quiz.id, Attempt.version_id.in_(versions), Attempt.state == "graded")
             .order_by(Attempt.id))
    attempts = session.scalars(query.with_for_update(of=Attempt) if lock else query).all()
    return [regrading(attempt, quiz) for attempt in attempts]




def _points(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def regrade_attempts(session: Session, actor_id: int, quiz: Quiz, old_version_ids, reason: str, now: datetime) -> list[Regraded]:
    """Regrade the graded attempts of the chosen earlier versions against `quiz` (the corrected, published
    version): scores, pass, red line, results and 错题本 outcomes change; the tally and attempt_item follow; each
    changed attempt gets an audit entry and its learner a notice.  Attempts that would not change are left alone,
    so regrading twice changes nothing the second time.  Returns the attempts changed."""
    reason = (reason or "").strip()
    if not reason:
        raise AttemptRejected(_l("请填写重新评分的原因。"))
    plan = [r for r in plan_regrade(session, quiz, old_version_ids, lock=True) if r.changed]
    if not plan:
        return []
    version_id = ensure_version(session, quiz)
    locales = dict(session.execute(select(User.id, User.locale).where(User.id.in_({r.attempt.user_id for r in plan}))).all())
    learners = sorted({r.attempt.user_id for r in plan})
    with certificates.grade_corrected(session, learners, actor_id,  # a lower score may take a certificate back
                                      _l("《%(title)s》重新评分：%(reason)s", title=quiz.title, reason=reason)):
        for regraded in plan:
            attempt, grading = regraded.attempt, regraded.grading
            before = {"score": attempt.score, "percent": attempt.percent, "passed": attempt.passed, "redline": attempt.redline}
            attempt.result, attempt.max_score, attempt.redline = grading.result, regraded.quiz.total_points, grading.redline
            attempt.score, attempt.percent, attempt.passed = grading.score, grading.percent, grading.passed
            attempt.outcomes = grading.mistake_outcomes
            attempt.regraded_version_id = version_id
            after = {"score": grading.score, "percent": grading.percent, "passed": grading.passed, "redline": grading.redline}
            attempt.regrade = {"at": now.isoformat(timespec="seconds"), "reason": reason[:2000], "before": before, "after": after,
                               "kept": list(regraded.kept)}
            item_rows.refresh(session, attempt, regraded.quiz)
            audit.record(session, actor_id, "attempt.regrade", "attempt", attempt.id, reason=reason,
                         detail={"quiz_id": quiz.id, "user_id": attempt.user_id, "from_version": attempt.version_id,
                                 "to_version": version_id, "before": before, "after": after, "kept": list(regraded.kept)})
            with in_language_of(locales.get(attempt.user_id)):
                text = str(_l("你的《%(title)s》成绩已重新评分：%(before)s → %(after)s，原因：%(reason)s", title=quiz.title,
                              before=_points(before["score"]), after=_points(grading.score), reason=reason))
            notify(session, attempt.user_id, "regrade", text, f"/attempts/{attempt.id}/result", now=now)  # in the learner's language
        tally.refresh(session, [(r.attempt.user_id, quiz.id) for r in plan])
        progress_rows.refresh(session, learners, progress_rows.FROM_QUIZZES)
    for user_id in learners:  # a regrade may pass (finish) a module
        certificates.refresh(session, user_id)
    return plan
