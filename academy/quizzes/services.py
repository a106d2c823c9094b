"""Attempts: start → in progress (answers saved as you go) → submitted → graded or awaiting review."""
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, DateTime, Float, Text, bindparam, case, cast, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from academy.db import json_value
from academy.models import Attempt, QuizTally, QuizVersion
from academy.quizmd import Quiz
from academy.quizzes import tally  # tally also keeps quiz_tally true at every commit
from academy.quizzes.grading import Grading, grade_answers
from academy.quizzes.versions import ensure_version, pinned_quiz
from academy.reads import Reader, ReadQuery
from academy.scoring.composite import replay
from academy.writes import Written

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
    return bool(quiz.closes_at) and now.date() > date.fromisoformat(quiz.closes_at)


def start_attempt(session: Session, user_id: int, quiz: Quiz, now: datetime) -> int:
    """Resume the open attempt or start the next one within the attempt limit: the attempt's id."""
    count, open_id = attempts_so_far(session.connection(), user_id, quiz.id)
    current = session.get(Attempt, open_id) if open_id is not None else None
    if current is not None and not expired(current, now):
        return current.id
    if current is not None:  # abandoned after its time ran out: grade what was saved
        close_expired(session, current, now)
    if quiz_closed(quiz, now):
        raise AttemptRejected(_l("该测验已关闭，不能再作答。"))
    if quiz.attempts is not None and count >= quiz.attempts:
        raise AttemptRejected(_l("你已用完全部 %(n)s 次作答机会。", n=quiz.attempts))
    return _insert_attempt(session, user_id, quiz, count + 1, now)


FROM_TALLY = select(QuizTally.attempts, QuizTally.in_progress_id).where(
    QuizTally.user_id == bindparam("user_id"), QuizTally.quiz_id == bindparam("quiz_id"))
COUNTED = select(func.count(), func.max(case((Attempt.state == "in_progress", Attempt.id)))).where(
    Attempt.user_id == bindparam("user_id"), Attempt.quiz_id == bindparam("quiz_id"))


def attempts_so_far(connection: Connection, user_id: int, quiz_id: str) -> tuple[int, int | None]:
    """How many attempts the learner has started on the quiz, and the open one: one row of the quiz tally
    (counting the attempts grew with them), counted only where no tally exists yet."""
    key = {"user_id": user_id, "quiz_id": quiz_id}
    row = connection.execute(FROM_TALLY, key).first() or connection.execute(COUNTED, key).one()
    return row[0], row[1]


NEW_ATTEMPT = insert(Attempt.__table__)


def _insert_attempt(session: Session, user_id: int, quiz: Quiz, number: int, now: datetime) -> int:
    """One INSERT in plain Core (the ORM's flush cost more than the rest of a start); the tally is told."""
    version_id = ensure_version(session, quiz)
    deadline = now + timedelta(seconds=quiz.time_limit) if quiz.time_limit else None
    values = {"user_id": user_id, "quiz_id": quiz.id, "version_id": version_id, "number": number,
              "seed": random.randrange(2**31), "state": "in_progress", "started_at": now, "deadline_at": deadline,
              "answers": {}, "checked": [], "max_score": quiz.total_points}
    try:
        attempt_id = session.connection().execute(NEW_ATTEMPT, values).inserted_primary_key[0]
    except IntegrityError:  # the transaction is spoilt: the view rolls it back when it shows this refusal
        raise AttemptRejected(_l("另一个窗口刚刚开始了这次作答，请刷新页面。"), 409) from None
    tally.note(session, (user_id, quiz.id), ("started", {"attempt_id": attempt_id}))
    return attempt_id


def load_attempt(session: Session, attempt_id: int, user_id: int, lock: bool = False) -> Attempt:
    """The learner's attempt with its version (one query), locked for changes when asked."""
    query = select(Attempt).options(joinedload(Attempt.version, innerjoin=True)).where(Attempt.id == attempt_id)
    return _owned(session.scalar(query.with_for_update(of=Attempt) if lock else query), user_id)


# The take page's read (GET, on the driver connection): the attempt's own columns and its version's hash.
TAKE_ATTEMPT = ReadQuery(
    select(Attempt.id, Attempt.user_id, Attempt.state, Attempt.number, Attempt.seed, Attempt.deadline_at,
           Attempt.version_id, QuizVersion.content_hash, cast(Attempt.answers, Text).label("answers_json"),
           cast(Attempt.checked, Text).label("checked_json"))
    .join(QuizVersion, QuizVersion.id == Attempt.version_id).where(Attempt.id == bindparam("attempt_id"))
)


@dataclass(frozen=True)
class AttemptToTake:
    """The columns the take page reads.  The answers stay JSON text (also the page's cache key) until a page
    is actually rendered."""

    id: int
    user_id: int
    state: str
    number: int
    seed: int
    deadline_at: datetime | None
    version_id: int
    content_hash: str
    answers_json: str
    checked_json: str

    @cached_property
    def answers(self) -> dict:
        return json_value(self.answers_json) or {}

    @cached_property
    def checked(self) -> list:
        return json_value(self.checked_json) or []


def attempt_to_take(reader: Reader, attempt_id: int, user_id: int) -> AttemptToTake:
    """The learner's attempt (AttemptRejected when it is missing or someone else's)."""
    rows = TAKE_ATTEMPT.rows(reader, attempt_id=attempt_id)
    return _owned(AttemptToTake(*rows[0]) if rows else None, user_id)


def resumable(reader: Reader, attempt_id: int | None, user_id: int, now: datetime) -> int | None:
    """The id of the learner's open attempt when it can simply be resumed (still in progress, time not up),
    read outside any write transaction; None when start_attempt has work to do."""
    if attempt_id is None:
        return None
    rows = TAKE_ATTEMPT.rows(reader, attempt_id=attempt_id)
    if not rows or rows[0].user_id != user_id or rows[0].state != "in_progress" or expired(rows[0], now):
        return None
    return attempt_id


def _owned(attempt, user_id: int):
    if attempt is None:
        raise AttemptRejected(_l("作答记录不存在。"), 404)
    if attempt.user_id != user_id:
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


CHECKABLE = {"single", "multiple", "truefalse", "ordering", "matching", "classify", "scenario", "short", "numeric"}


def check_item(session: Session, attempt: Attempt, quiz: Quiz, item_id: str, answers: dict, now: datetime) -> None:
    """Save the answers and reveal one item's feedback now (review: immediate); the item is then frozen."""
    item = quiz.item(item_id)
    if quiz.review != "immediate" or item is None or item.type not in CHECKABLE or item not in quiz.items:
        raise AttemptRejected(_l("这道题不能单独检查。"), 404)
    save_answers(session, attempt, answers, now)
    if item_id not in attempt.checked:
        attempt.checked = [*attempt.checked, item_id]
    session.flush()


def choose(session: Session, attempt: Attempt, quiz: Quiz, item_id: str, index: int, now: datetime):
    """Take one step in a dialogue; refuses choices that are not offered at the current node."""
    _require_open(attempt)
    item = quiz.item(item_id)
    if item is None or item.type != "dialogue":
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


def prepare_submit(quiz: Quiz, attempt: AttemptToTake, answers: dict) -> Grading:
    """Grade a submit from the attempt as read before the write lock (pure: no database)."""
    return grade_answers(quiz, merged_answers(attempt.answers, attempt.checked, answers))


def submit(session: Session, seen: AttemptToTake, quiz: Quiz, answers: dict, now: datetime) -> bool:
    """Grade and store a submit; False when the attempt is no longer in progress (submitted elsewhere).

    The answers are graded before the write transaction, from the attempt as `seen` outside it.  One
    conditional UPDATE then finalises the attempt if it is still in progress with the answers seen.  Otherwise
    (answers saved in between, time up, a role-play to review) the attempt is locked, loaded and graded as it
    is now."""
    prepared = prepare_submit(quiz, seen, answers)
    if not (prepared.pending or expired(seen, now)) and _finalise_as_seen(session, seen, prepared, now):
        return True
    attempt = load_attempt(session, seen.id, seen.user_id, lock=True)
    if attempt.state != "in_progress":
        return False
    submit_attempt(session, attempt, quiz, answers, now, prepared)
    return True


def submit_attempt(session: Session, attempt: Attempt, quiz: Quiz, answers: dict, now: datetime,
                   prepared: Grading | None = None) -> Attempt:
    """Grade once: a second submit finds the attempt no longer in progress and is refused.  `prepared` (from
    prepare_submit) is used when the locked attempt still holds the answers it graded."""
    _require_open(attempt)
    if expired(attempt, now):
        close_expired(session, attempt, now)
        return attempt
    _merge(attempt, answers)
    attempt.submitted_at = now
    grade(session, attempt, quiz, now, prepared if prepared and prepared.answers == attempt.answers else None)
    return attempt


AS_SEEN = (Attempt.id == bindparam("attempt_id"), Attempt.user_id == bindparam("learner"), Attempt.state == "in_progress",
           cast(Attempt.answers, Text) == bindparam("seen_answers"), cast(Attempt.checked, Text) == bindparam("seen_checked"))
FINALISE_AS_SEEN = Written(update(Attempt).where(*AS_SEEN).values({  # SET parameters may not be named after columns
    Attempt.state: "graded", Attempt.answers: bindparam("new_answers", type_=JSON),
    Attempt.submitted_at: bindparam("now", type_=DateTime), Attempt.graded_at: bindparam("now", type_=DateTime),
    Attempt.result: bindparam("new_result", type_=JSON), Attempt.score: bindparam("new_score", type_=Float),
    Attempt.max_score: bindparam("new_max_score", type_=Float), Attempt.percent: bindparam("new_percent", type_=Float),
    Attempt.passed: bindparam("new_passed", type_=Boolean), Attempt.redline: bindparam("new_redline", type_=Boolean),
    Attempt.outcomes: bindparam("new_outcomes", type_=JSON)}))


def _finalise_as_seen(session: Session, seen: AttemptToTake, grading: Grading, now: datetime) -> bool:
    """The UPDATE's arguments (answers, result and outcomes as JSON) are bound before the transaction begins (on
    SQLite, before the writers' lock is taken): the transaction only runs it and the tally's UPDATE."""
    values = {"new_answers": grading.answers, "new_result": grading.result, "new_score": grading.score,
              "new_max_score": grading.quiz.total_points, "new_percent": grading.percent,
              "new_passed": grading.passed, "new_redline": grading.redline, "new_outcomes": grading.mistake_outcomes}
    seen_as = {"attempt_id": seen.id, "learner": seen.user_id, "seen_answers": seen.answers_json,
               "seen_checked": seen.checked_json, "now": now}
    dialect = session.get_bind().dialect
    finalise = FINALISE_AS_SEEN.bind(dialect, seen_as | values)
    if finalise.run(session.connection()) != 1:
        return False
    tally.note(session, (seen.user_id, grading.quiz.id), ("graded", {
        "attempt_id": seen.id, "number": seen.number, "percent": grading.percent, "passed": bool(grading.passed),
        "redline": bool(grading.redline)}))
    return True


def close_expired(session: Session, attempt: Attempt, now: datetime) -> None:
    """Grade an attempt whose time ran out with the answers saved before the deadline."""
    attempt.submitted_at = attempt.deadline_at
    grade(session, attempt, pinned_quiz(attempt.version), now)


def grade(session: Session, attempt: Attempt, quiz: Quiz, now: datetime, prepared: Grading | None = None) -> None:
    grading = prepared or grade_answers(quiz, attempt.answers)
    attempt.result, attempt.max_score, attempt.redline = grading.result, quiz.total_points, grading.redline
    if grading.pending:
        attempt.state = "review"
        session.flush()
        return
    attempt.score, attempt.percent, attempt.passed = grading.score, grading.percent, grading.passed
    attempt.state, attempt.graded_at, attempt.outcomes = "graded", now, grading.mistake_outcomes
    session.flush()


def apply_review(session: Session, attempt: Attempt, quiz: Quiz, levels: dict[str, dict], now: datetime) -> None:
    """Store a reviewer's rubric levels per role-play item, then grade the attempt."""
    if attempt.state != "review":
        raise AttemptRejected(_l("这份作答不在待评阅状态。"), 409)
    answers = dict(attempt.answers)
    for item_id, chosen in levels.items():
        answers[item_id] = {**(answers.get(item_id) or {}), **chosen}
    attempt.answers = answers
    grade(session, attempt, quiz, now)
