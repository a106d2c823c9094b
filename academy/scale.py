"""`flask --app app seed-scale --learners 10000 --teams 50`: a synthetic organisation for the report benchmarks
(bench/reports.py) — every learner with lesson progress and attempts in every module they reached, at least
60 attempts per learner on average (600,000 for 10,000 learners).

The services write one attempt per transaction, which would take hours here, so the rows are written in bulk;
but every derived value comes from the functions the services use: answers from each question type's `sample`,
scores from `grade_answers`, per-item rows from `item_rows.rows`, tallies from `tally.refresh`.  Each quiz gets a
pool of graded answer sheets at different skills, and attempts reuse them.
"""
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from academy.learning import progress_rows, target_rows
from academy.learning.content.catalog import get_catalog
from academy.learning.models import Assignment, Attempt, AttemptItem, LessonProgress
from academy.learning.questions import TYPES, Quiz
from academy.learning.quizzes import item_rows, tally
from academy.learning.quizzes.grading import grade_answers
from academy.learning.quizzes.versions import ensure_version
from academy.org.auth.services import hash_password
from academy.org.models import ManagerScope, Region, Team, User, UserRole, utcnow
from academy.platform.dialects import continue_ids_after_bulk_insert

POOL = 24  # graded answer sheets per quiz
CHUNK = 200  # learners per transaction
WEEKS = 12  # attempts and lessons spread over this many weeks before now
PREFIX = "scale"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIVEN = ["伟", "芳", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "丹"]


class ScaleRefused(Exception):
    pass


@dataclass(frozen=True)
class Sheet:
    """One graded set of answers to a quiz, with the attempt columns and per-item rows it gives."""
    answers: dict
    columns: dict
    items: list[dict]


def seed_scale(session: Session, learners: int, teams: int, attempts_per_learner: int = 60, seed: int = 1,
               password: str | None = None, echo: Callable[[str], None] = print) -> dict:
    if session.scalar(select(Region.id).where(Region.name.startswith(f"{PREFIX}-"))) is not None:
        raise ScaleRefused("规模测试组织已存在（片区名以 scale- 开头），未做改动。")
    rng = random.Random(seed)
    digest = hash_password(password or secrets.token_urlsafe(12))
    team_ids = _org(session, teams, digest)
    quizzes = [q for q in get_catalog().trainee_view.quizzes if not q.draws]
    _assignments(session, team_ids, quizzes)
    pools = {quiz.id: _pool(session, quiz, rng) for quiz in quizzes}
    session.commit()
    next_attempt = (session.scalar(select(func.max(Attempt.id))) or 0) + 1
    counts = {"learners": 0, "attempts": 0, "items": 0, "lessons": 0}
    for start in range(0, learners, CHUNK):
        user_ids = _learners(session, range(start, min(learners, start + CHUNK)), team_ids, digest)
        attempts, items, lessons, keys = [], [], [], set()
        for user_id in user_ids:
            next_attempt = _learner_rows(user_id, quizzes, pools, rng, attempts_per_learner, next_attempt,
                                         attempts, items, lessons, keys)
        connection = session.connection()
        for table, rows in ((LessonProgress.__table__, lessons), (Attempt.__table__, attempts), (AttemptItem.__table__, items)):
            if rows:
                connection.execute(insert(table), rows)
        tally.refresh(session, keys)
        progress_rows.refresh(session, user_ids)
        target_rows.refresh(session, user_ids)  # the learners with lessons and no attempt too
        session.commit()
        counts = {"learners": counts["learners"] + len(user_ids), "attempts": counts["attempts"] + len(attempts),
                  "items": counts["items"] + len(items), "lessons": counts["lessons"] + len(lessons)}
        echo(f"{counts['learners']}/{learners} 名学员，{counts['attempts']} 次作答")
    continue_ids_after_bulk_insert(session.connection(), Attempt.__table__)
    session.commit()
    return counts


def _org(session: Session, teams: int, digest: str) -> list[int]:
    """Regions of up to ten teams; a manager per team and per region, scoped to it."""
    team_rows = []
    for r in range(max(1, -(-teams // 10))):
        region = Region(name=f"{PREFIX}-片区{r + 1:02d}")
        session.add(region)
        session.flush()
        manager = _staff(session, f"{PREFIX}-region{r + 1:02d}", f"片区经理{r + 1:02d}", digest)
        manager.scopes.append(ManagerScope(region_id=region.id))
        for t in range(r * 10, min(teams, r * 10 + 10)):
            team = Team(region=region, name=f"团队{t + 1:03d}")
            session.add(team)
            session.flush()
            lead = _staff(session, f"{PREFIX}-team{t + 1:03d}", f"团队经理{t + 1:03d}", digest, team.id)
            lead.scopes.append(ManagerScope(team_id=team.id))
            team_rows.append(team.id)
    session.flush()
    return team_rows


def _assignments(session: Session, team_ids: list[int], quizzes: list[Quiz]) -> None:
    """Each team: the first module, due two weeks ago (overdue for whoever has not finished it), and a quiz of
    the second module due next week."""
    modules = get_catalog().trainee_view.modules
    later = next((q for q in quizzes if len(modules) > 1 and q.course == modules[1].id), quizzes[0])
    today = utcnow().date()
    for team_id in team_ids:
        session.add(Assignment(kind="module", target_id=modules[0].id, team_id=team_id, due_on=today - timedelta(days=14)))
        session.add(Assignment(kind="quiz", target_id=later.id, team_id=team_id, due_on=today + timedelta(days=7)))
    session.flush()


def _staff(session: Session, username: str, name: str, digest: str, team_id: int | None = None) -> User:
    user = User(username=username, display_name=name, password_hash=digest, team_id=team_id)
    user.set_roles({"manager"})
    session.add(user)
    session.flush()
    return user


def _learners(session: Session, numbers: range, team_ids: list[int], digest: str) -> list[int]:
    now = utcnow()
    rows = [{"username": f"{PREFIX}{n + 1:05d}", "display_name": SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)],
             "password_hash": digest, "active": True, "must_change_password": False, "team_id": team_ids[n % len(team_ids)],
             "created_at": now} for n in numbers]
    connection = session.connection()
    connection.execute(insert(User.__table__), rows)
    names = [row["username"] for row in rows]
    ids = list(session.scalars(select(User.id).where(User.username.in_(names)).order_by(User.id)))
    connection.execute(insert(UserRole.__table__), [{"user_id": i, "role": "trainee"} for i in ids])
    return ids


def _pool(session: Session, quiz: Quiz, rng: random.Random) -> list[Sheet]:
    """Graded answer sheets from weak to strong, each graded by the real grader."""
    version_id = ensure_version(session, quiz)
    sheets = []
    for index in range(POOL):
        skill = 0.25 + 0.75 * index / (POOL - 1)
        answers = {i.id: a for i in quiz.items if (a := TYPES[i.type].sample(i, rng, skill)) is not None}
        grading = grade_answers(quiz, answers)
        state = "review" if grading.pending else "graded"
        columns = {"quiz_id": quiz.id, "version_id": version_id, "state": state, "answers": answers, "checked": [],
                   "result": grading.result, "score": grading.score, "max_score": quiz.total_points,
                   "percent": grading.percent, "passed": grading.passed, "redline": grading.redline,
                   "outcomes": None if grading.pending else grading.mistake_outcomes}
        graded = SimpleNamespace(id=0, user_id=0, graded_at=None, **columns)
        sheets.append(Sheet(answers, columns, item_rows.rows(graded, quiz)))
    return sorted(sheets, key=lambda s: s.columns["percent"] or 0)


def _learner_rows(user_id: int, quizzes: list[Quiz], pools: dict, rng: random.Random, per_learner: int, next_id: int,
                  attempts: list, items: list, lessons: list, keys: set) -> int:
    """One learner's lessons and attempts, appended to the chunk's rows; returns the next free attempt id."""
    catalog = get_catalog().trainee_view
    skill = rng.betavariate(4, 2)
    reached = min(len(catalog.modules), 1 + int(rng.random() * (len(catalog.modules) + 1)))
    now = utcnow()
    start = now - timedelta(weeks=WEEKS) + timedelta(days=rng.random() * 14)
    span = (now - start).total_seconds()
    mine = [q for q in quizzes if q.course in {m.id for m in catalog.modules[:reached]}]
    for m_index, module in enumerate(catalog.modules[:reached]):
        done = module.lessons if m_index < reached - 1 else module.lessons[: rng.randint(0, len(module.lessons))]
        for lesson in done:
            when = start + timedelta(seconds=span * rng.random())
            lessons.append({"user_id": user_id, "module_id": module.id, "lesson_id": lesson.id, "started_at": when,
                            "last_viewed_at": when, "completed_at": when})
    unlimited = [q for q in mine if not q.attempts] or mine
    limited_total = sum(min(q.attempts, 2) for q in mine if q.attempts)
    extra = max(1, -(-(per_learner - limited_total) // max(1, len(unlimited))))
    for quiz in mine:
        count = min(quiz.attempts, 1 + int(rng.random() * quiz.attempts)) if quiz.attempts else extra
        pool = pools[quiz.id]
        for number in range(1, count + 1):
            sheet = pool[min(len(pool) - 1, max(0, int(rng.gauss(skill, 0.15) * len(pool))))]
            started = start + timedelta(seconds=span * rng.random())
            submitted = started + timedelta(minutes=5 + 40 * rng.random())
            graded = submitted if sheet.columns["state"] == "graded" else None
            attempts.append({"id": next_id, "user_id": user_id, "number": number, "seed": rng.randrange(2**31),
                             "started_at": started, "deadline_at": None, "submitted_at": submitted, "graded_at": graded,
                             **sheet.columns})
            items.extend({**row, "attempt_id": next_id, "user_id": user_id, "graded_at": graded} for row in sheet.items)
            keys.add((user_id, quiz.id))
            next_id += 1
    return next_id
