"""The content catalog: every module, lesson and quiz, parsed once and swapped when files change."""
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from flask import current_app, has_app_context

from academy.learning.content.courses import Lesson, Module, parse_module
from academy.learning.questions import Quiz, parse_quiz
from academy.org.auth.services import STAFF_ROLES
from academy.platform import cache
from academy.platform.problems import Problem, ProblemSink

_lock = threading.Lock()


@dataclass(frozen=True)
class Catalog:
    modules: tuple[Module, ...] = ()
    quizzes: tuple[Quiz, ...] = ()
    problems: tuple[Problem, ...] = ()
    stamp: tuple = ()
    lessons: dict[str, Lesson] = field(default_factory=dict)
    hidden_quizzes: frozenset[str] = frozenset()  # in trainee_view: the staff-only quizzes it leaves out
    banks: tuple[Quiz, ...] = ()  # question banks (quizzes/banks/): staff read them, nobody takes them; none in trainee_view

    @cached_property
    def version(self) -> str:
        """Names this content (the files' paths, sizes and times) and this view of it (trainee_view or all):
        part of every cache key derived from it."""
        return hashlib.sha256(repr((self.stamp, sorted(self.hidden_quizzes))).encode()).hexdigest()[:16]

    @cached_property
    def trainee_view(self) -> "Catalog":
        """The catalog as trainees see it: no module, lesson or quiz marked `audience: staff`, as if they did not
        exist (their pages are 404).  A prerequisite on a staff-only module does not apply to trainees."""
        shown = {m.id for m in self.modules if not m.staff_only}
        modules = tuple(replace(m, prerequisites=tuple(p for p in m.prerequisites if p in shown))
                        for m in self.modules if m.id in shown)
        quizzes = tuple(q for q in self.quizzes if not q.staff_only)
        lessons = {lesson.id: lesson for m in modules for lesson in m.lessons}
        hidden = frozenset(q.id for q in self.quizzes if q.staff_only)
        return Catalog(modules, quizzes, self.problems, self.stamp, lessons, hidden)

    def derived(self, name: str, key: tuple, compute: Callable, max_entries: int):
        """compute() once per key for values that are a pure function of this content and `key` (plain data),
        such as a learner's progress from their rows (academy.platform.cache, cleared when the content changes)."""
        return cache.memo(name, (self.version, key), compute, max_entries)

    def module(self, module_id: str) -> Module | None:
        return next((m for m in self.modules if m.id == module_id), None)

    def lesson(self, lesson_id: str) -> Lesson | None:
        return self.lessons.get(lesson_id)

    def quiz(self, quiz_id: str) -> Quiz | None:
        return next((q for q in self.quizzes if q.id == quiz_id), None)

    def bank(self, name: str) -> Quiz | None:
        return next((b for b in self.banks if b.id == name), None)

    def quizzes_for(self, module_id: str) -> tuple[Quiz, ...]:
        return tuple(q for q in self.quizzes if q.course == module_id)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)


def catalog_for(user) -> Catalog:
    """The content this user may see: all of it for trainers, managers and admins; the trainee view for
    everyone else.  (Shared learner pages are keyed on the user's roles, so they follow this too.)"""
    catalog = get_catalog()
    return catalog if user.roles & STAFF_ROLES else catalog.trainee_view


def content_stamp(root: Path) -> tuple:
    files = sorted([*root.glob("courses/*/*.md"), *root.glob("quizzes/*.md"), *root.glob("quizzes/banks/*.md")])
    return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)


def load_catalog(root: Path) -> Catalog:
    """Parse courses/ and quizzes/ under root; broken files are skipped and reported."""
    sinks: list[ProblemSink] = []
    modules = [m for m in (parse_module(d, root, sinks) for d in sorted((root / "courses").glob("*/")) if d.is_dir()) if m]
    modules = _unique_modules(modules, sinks)
    banks = _load_banks(root, sinks)
    quizzes = _load_quizzes(root, sinks, {m.id for m in modules}, {m.id for m in modules if m.staff_only}, banks)
    problems = tuple(sorted((p for s in sinks for p in s.problems), key=lambda p: (p.path, p.line)))
    lessons = {lesson.id: lesson for m in modules for lesson in m.lessons}
    return Catalog(tuple(sorted(modules, key=lambda m: (m.order, m.id))), quizzes, problems, content_stamp(root), lessons,
                   banks=tuple(banks.values()))


def _unique_modules(modules: list[Module], sinks: list[ProblemSink]) -> list[Module]:
    seen, lesson_seen, unique, module_sinks = {}, {}, [], {}
    for module in modules:
        sink = module_sinks[module.path] = ProblemSink(module.path)
        sinks.append(sink)
        if module.id in seen:
            sink.add(1, "E006", f"模块 id“{module.id}”已被 {seen[module.id]} 使用 (duplicate module id)")
            continue
        seen[module.id] = module.path
        for lesson in module.lessons:
            if lesson.id in lesson_seen:
                sink.add(1, "E006", f"课时 id“{lesson.id}”重复：{lesson.path} 与 {lesson_seen[lesson.id]} (duplicate lesson id)")
            lesson_seen[lesson.id] = lesson.path
        unique.append(module)
    known = set(seen)
    staff = {m.id for m in unique if m.staff_only}
    for module in unique:
        for prereq in module.prerequisites:
            if prereq not in known:
                module_sinks[module.path].add(1, "E008", f"先修模块“{prereq}”不存在 (unknown prerequisite)")
            elif prereq in staff and not module.staff_only:
                module_sinks[module.path].add(1, "W011", f"先修模块“{prereq}”仅讲师可见，对学员不作为先修 "
                                                         "(prerequisite is staff-only)")
    return unique


def _load_banks(root: Path, sinks: list[ProblemSink]) -> dict[str, Quiz]:
    """The question banks, by name (their file name, which is their id)."""
    banks = {}
    for path in sorted((root / "quizzes" / "banks").glob("*.md")):
        bank, sink = parse_quiz(path, root)
        sinks.append(sink)
        if bank is not None:
            banks[bank.id] = bank
    return banks


def _load_quizzes(root: Path, sinks: list[ProblemSink], module_ids: set[str],
                  staff_modules: set[str], banks: dict[str, Quiz]) -> tuple[Quiz, ...]:
    """The quizzes; those of a staff-only module are staff-only too."""
    quizzes, seen = [], {}
    for path in sorted((root / "quizzes").glob("*.md")):
        quiz, sink = parse_quiz(path, root, banks)
        sinks.append(sink)
        if quiz is None:
            continue
        if quiz.id in seen:
            sink.add(1, "E006", f"测验 id“{quiz.id}”已被 {seen[quiz.id]} 使用 (duplicate quiz id)")
            continue
        if quiz.course and quiz.course not in module_ids:
            sink.add(1, "E008", f"course:“{quiz.course}”不是 courses/ 中的模块 (unknown course)")
            continue
        seen[quiz.id] = sink.path
        quizzes.append(replace(quiz, audience="staff") if quiz.course in staff_modules else quiz)
    return tuple(quizzes)


def check_lesson_links(catalog: Catalog) -> list[Problem]:
    """Warn when an item's lesson= points at a missing lesson or anchor."""
    problems = []
    for quiz in (*catalog.quizzes, *catalog.banks):
        for item in quiz.all_items():
            if not item.lesson:
                continue
            lesson_id, _, anchor = item.lesson.partition("#")
            lesson = catalog.lesson(lesson_id)
            if lesson is None or (anchor and anchor not in dict(lesson.anchors)):
                message = f"lesson=“{item.lesson}”找不到对应课时或小节 (lesson link not found)"
                problems.append(Problem(quiz.path, item.line, "W110", message))
    return problems


def get_catalog() -> Catalog:
    """The app's catalog; re-scans file stamps at most every CONTENT_RECHECK_SECONDS."""
    state = current_app.extensions["content"]
    now = time.monotonic()
    if now - state["checked"] >= current_app.config["CONTENT_RECHECK_SECONDS"]:
        with _lock:
            state["checked"] = now
            root = Path(current_app.config["CONTENT_DIR"])
            if content_stamp(root) != state["catalog"].stamp:
                state["catalog"] = load_full_catalog(root)
                cache.clear()
    return state["catalog"]


def app_catalog() -> Catalog | None:
    """The app's catalog when running inside the app (a request, a command); None for a bare session, which
    services that derive rows from the content then leave alone."""
    return get_catalog() if has_app_context() and "content" in current_app.extensions else None


def load_full_catalog(root: Path) -> Catalog:
    catalog = load_catalog(root)
    extra = tuple(check_lesson_links(catalog))
    if not extra:
        return catalog
    return replace(catalog, problems=tuple(sorted(catalog.problems + extra, key=lambda p: (p.path, p.line))))


_loaded: dict[str, Catalog] = {}


def init_app(app) -> None:
    root = Path(app.config["CONTENT_DIR"])
    catalog = _loaded.get(str(root))
    if catalog is None or catalog.stamp != content_stamp(root):
        catalog = _loaded[str(root)] = load_full_catalog(root)
    app.extensions["content"] = {"catalog": catalog, "checked": time.monotonic()}
    app.extensions["content_version"] = lambda: get_catalog().version  # part of every shared page's key
