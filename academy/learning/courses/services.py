"""Learning-map progress: lessons done, quizzes passed, role-plays reviewed, prerequisites."""
from collections.abc import Mapping
from dataclasses import astuple, dataclass
from datetime import datetime
from functools import cached_property
from types import MappingProxyType

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from academy.learning import progress_rows, target_rows, xapi
from academy.learning.certificates import services as certificates
from academy.learning.content.catalog import Catalog
from academy.learning.content.courses import Lesson, Module
from academy.learning.models import LessonProgress
from academy.learning.quizzes.results import QuizStanding, quiz_tallies, standings
from academy.org.models import utcnow

MAX_PROGRESS_STATES = 4096  # distinct learner states whose progress is kept per process (and catalog)
STATUS_LABELS = {"locked": _l("未解锁"), "not_started": _l("未开始"), "in_progress": _l("学习中"), "done": _l("已完成")}


@dataclass(frozen=True)
class ModuleProgress:
    module: Module
    status: str
    lessons_done: int
    quizzes: tuple[tuple, ...]  # (Quiz, QuizStanding)
    missing: tuple[str, ...]  # titles of unfinished prerequisites
    next_lesson: Lesson | None

    @property
    def label(self) -> str:
        """The status in the current language."""
        return str(STATUS_LABELS[self.status])

    @property
    def required_quizzes(self) -> int:
        """The quizzes the module needs passed (role-plays included)."""
        return sum(1 for q, _ in self.quizzes if q.required)

    @property
    def required_passed(self) -> int:
        return sum(1 for q, s in self.quizzes if q.required and s.passed)

    @property
    def percent(self) -> int:
        """Lessons done and required quizzes passed, out of all of them (what the map shows beside it)."""
        total = len(self.module.lessons) + self.required_quizzes
        done = self.lessons_done + self.required_passed
        return round(100 * done / total) if total else 0


@dataclass(frozen=True)
class LearnerProgress:
    modules: tuple[ModuleProgress, ...]
    completed: frozenset[str]  # lesson ids
    quiz_standings: Mapping[str, QuizStanding]  # read-only: one LearnerProgress serves every request in the same state

    @cached_property
    def key(self) -> tuple:
        """Everything a page shows of this progress, as plain data (for academy.pages)."""
        modules = tuple((m.module.id, m.status, m.lessons_done, m.missing, m.next_lesson.id if m.next_lesson else None)
                        for m in self.modules)
        return modules, tuple(astuple(s) for s in self.quiz_standings.values())  # every quiz, also those of no module

    def for_module(self, module_id: str) -> ModuleProgress | None:
        return next((m for m in self.modules if m.module.id == module_id), None)

    @property
    def next_step(self) -> ModuleProgress | None:
        return next((m for m in self.modules if m.status in ("in_progress", "not_started")), None)


def locked_for(progress: "LearnerProgress", module_id: str, user) -> ModuleProgress | None:
    """The module's progress when it is still locked for this learner (trainers and admins may preview)."""
    entry = progress.for_module(module_id)
    if entry is None or entry.status != "locked" or user.has_role("trainer", "admin"):
        return None
    return entry


COMPLETED_LESSONS = select(LessonProgress.lesson_id).where(
    LessonProgress.user_id == bindparam("user_id"), LessonProgress.completed_at.is_not(None))


LESSON_DONE = select(LessonProgress.lesson_id).where(
    LessonProgress.user_id == bindparam("user_id"), LessonProgress.lesson_id == bindparam("lesson_id"),
    LessonProgress.completed_at.is_not(None))


def lockable(catalog: Catalog, module_id: str | None) -> bool:
    """Whether the module can be locked for a learner: only one with prerequisites is (a quiz outside every
    module never is).  Otherwise nothing of the learner's progress needs reading to know it is open."""
    module = catalog.module(module_id) if module_id else None
    return module is not None and bool(module.prerequisites)


def lesson_state(session: Session, user, catalog: Catalog, lesson: Lesson) -> tuple[ModuleProgress | None, bool]:
    """(the locked module's progress or None, whether the lesson is done).  A module that cannot be locked
    needs one row for its lesson instead of the learner's whole progress."""
    if not lockable(catalog, lesson.module_id):
        return None, session.connection().execute(LESSON_DONE, {"user_id": user.id, "lesson_id": lesson.id}).first() is not None
    progress = learner_progress(session, user.id, catalog)
    return locked_for(progress, lesson.module_id, user), lesson.id in progress.completed


def learner_progress(session: Session, user_id: int, catalog: Catalog) -> LearnerProgress:
    """Two reads; the rest is a pure function of the rows, so it is worked out once per distinct state."""
    lessons = tuple(session.connection().execute(COMPLETED_LESSONS, {"user_id": user_id}))
    attempts = quiz_tallies(session, user_id)
    return catalog.derived("progress", (lessons, attempts), lambda: progress_from_rows(catalog, lessons, attempts),
                           MAX_PROGRESS_STATES)


def progress_from_rows(catalog: Catalog, lessons: tuple, attempts: tuple) -> LearnerProgress:
    done = frozenset(row.lesson_id for row in lessons)
    quiz_standings = MappingProxyType(standings(attempts, catalog.quizzes))
    finished: set[str] = set()
    result = []
    for module in catalog.modules:
        progress = _module_progress(module, catalog, done, quiz_standings, finished)
        if progress.status == "done":
            finished.add(module.id)
        result.append(progress)
    return LearnerProgress(tuple(result), done, quiz_standings)


def _module_progress(module: Module, catalog: Catalog, done: frozenset, quiz_standings: Mapping, finished: set) -> ModuleProgress:
    quizzes = tuple((q, quiz_standings[q.id]) for q in catalog.quizzes_for(module.id))
    lessons_done = sum(1 for lesson in module.lessons if lesson.id in done)
    missing = tuple((catalog.module(p).title if catalog.module(p) else p) for p in module.prerequisites if p not in finished)
    next_lesson = next((lesson for lesson in module.lessons if lesson.id not in done), None)
    all_passed = all(s.passed for q, s in quizzes if q.required)
    started = lessons_done or any(s.attempts for _, s in quizzes)
    if missing:
        status = "locked"
    elif lessons_done == len(module.lessons) and all_passed:
        status = "done"
    else:
        status = "in_progress" if started else "not_started"
    return ModuleProgress(module, status, lessons_done, quizzes, missing, next_lesson)


def complete_lesson(session: Session, user_id: int, lesson: Lesson, now: datetime | None = None) -> LessonProgress:
    """Record 完成本节 once; repeating it keeps the first completion time.  `now` is for the demo's history.
    Where writers run side by side the learner is locked first (as a quiz's tally does), so that two tabs completing
    lessons take turns: each rewrites the learner's report and target rows, which the other would collide with."""
    progress_rows.lock_learners(session, [user_id])
    row = session.scalar(select(LessonProgress).where(LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson.id))
    if row is None:
        row = LessonProgress(user_id=user_id, module_id=lesson.module_id, lesson_id=lesson.id)
        session.add(row)
    row.last_viewed_at = now or utcnow()
    if row.completed_at is None:
        row.completed_at = row.last_viewed_at
        xapi.record(session, user_id, "experienced", xapi.activity_id("lesson", lesson.id), lesson.title,
                    row.completed_at, parent=xapi.activity_id("module", lesson.module_id))
        session.flush()
        progress_rows.refresh(session, [user_id], progress_rows.FROM_LESSONS)
        target_rows.refresh(session, [user_id])
        certificates.refresh(session, user_id)
    else:  # a repeat moves only when they last studied (the reports' 最近学习 and 14 天未学习)
        progress_rows.refresh(session, [user_id], ("learner_summary",))
    session.flush()
    return row


def neighbours(module: Module, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    index = module.lessons.index(lesson)
    previous = module.lessons[index - 1] if index > 0 else None
    following = module.lessons[index + 1] if index + 1 < len(module.lessons) else None
    return previous, following
