"""The content catalog: every module, lesson and quiz, parsed once and swapped when the content changes.

The sources are the files under CONTENT_DIR overlaid with the published versions in the database (the
content store, academy.authoring.store, handed in at init_app as a SourceOverlay); drafts never appear here."""
import hashlib
import re
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Protocol

from flask import current_app, has_app_context

from academy.learning.content.courses import LESSON_FILE_RE, Lesson, Module, parse_lesson, parse_module, parse_module_meta, remembered
from academy.learning.questions import Quiz, parse_quiz_text
from academy.org.auth.services import STAFF_ROLES
from academy.platform import cache
from academy.platform.problems import Problem, ProblemSink
from academy.platform.render import render

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
        """Names this content (the files' paths, sizes and times) and this view of it (trainee_view or all: the
        modules it shows and the quizzes it hides, since a staff-only module may have no quiz): part of every
        cache key derived from it."""
        shown = (tuple(m.id for m in self.modules), sorted(self.hidden_quizzes))
        return hashlib.sha256(repr((self.stamp, shown)).encode()).hexdigest()[:16]

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

    def quizzes_using_bank(self, bank_id: str) -> tuple[Quiz, ...]:
        """The quizzes that include or draw items from this bank (each quiz's `banks`, as it was read)."""
        return tuple(q for q in self.quizzes if any(b.name == bank_id for b in q.banks))

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)


def catalog_for(user) -> Catalog:
    """The content this user may see: all of it for trainers, managers and admins; the trainee view for
    everyone else.  (Shared learner pages are keyed on the user's roles, so they follow this too.)"""
    catalog = get_catalog()
    return catalog if user.roles & STAFF_ROLES else catalog.trainee_view


QUIZ_PATH_RE = re.compile(r"^quizzes/[^/]+\.md$")
BANK_PATH_RE = re.compile(r"^quizzes/banks/[^/]+\.md$")
MODULE_PATH_RE = re.compile(r"^(courses/[^/]+)/[^/]+\.md$")
FILE_GLOBS = ("courses/*/*.md", "quizzes/*.md", "quizzes/banks/*.md")


class SourceOverlay(Protocol):
    """What the content store gives the catalog (academy.authoring.store.PublishedOverlay; wired in app.py, so
    learning never imports authoring): the published database versions over the files."""

    def token(self) -> Hashable | None:
        """Names the published state cheaply (one small query); None when nothing was ever published."""

    def apply(self, files: dict[str, bytes]) -> dict[str, bytes]:
        """The sources learners read: the files, with published revisions replacing or adding documents and
        archived documents removed."""

    def conflicts(self) -> list[tuple[str, str]]:
        """(path, note) of files that changed while a newer browser edit was published (both kept)."""


def content_stamp(root: Path) -> tuple:
    files = sorted(f for pattern in FILE_GLOBS for f in root.glob(pattern))
    return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)


def file_sources(root: Path) -> dict[str, bytes]:
    """Every content file's bytes by its path relative to root ("quizzes/x.md")."""
    files = sorted(f for pattern in FILE_GLOBS for f in root.glob(pattern))
    return {f.relative_to(root).as_posix(): f.read_bytes() for f in files}


def load_catalog(root: Path, overlay: SourceOverlay | None = None) -> Catalog:
    """Parse courses/ and quizzes/ under root (with the overlay's published versions); broken documents are
    skipped and reported."""
    stamp = current_stamp(root, overlay)
    files = file_sources(root)
    sources = overlay.apply(files) if overlay is not None and stamp[1] is not None else files
    return catalog_from_sources(sources, stamp)


def current_stamp(root: Path, overlay: SourceOverlay | None) -> tuple:
    return content_stamp(root), (overlay.token() if overlay is not None else None)


def catalog_from_sources(sources: Mapping[str, bytes], stamp: tuple = ()) -> Catalog:
    """The catalog of these sources (path → bytes or text)."""
    sinks: list[ProblemSink] = []
    folders = sorted({m.group(1) for m in map(MODULE_PATH_RE.match, sources) if m})
    modules = [m for m in (parse_module(folder, sources, sinks) for folder in folders) if m]
    modules = _unique_modules(modules, sinks)
    banks = _load_banks(sources, sinks)
    quizzes = _load_quizzes(sources, sinks, {m.id for m in modules}, {m.id for m in modules if m.staff_only}, banks)
    problems = tuple(sorted((p for s in sinks for p in s.problems), key=lambda p: (p.path, p.line)))
    lessons = {lesson.id: lesson for m in modules for lesson in m.lessons}
    return Catalog(tuple(sorted(modules, key=lambda m: (m.order, m.id))), quizzes, problems, stamp, lessons,
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


def _load_banks(sources: Mapping[str, bytes], sinks: list[ProblemSink]) -> dict[str, Quiz]:
    """The question banks, by name (their file name, which is their id)."""
    banks = {}
    for path in sorted(p for p in sources if BANK_PATH_RE.match(p)):
        bank, sink = _parse_quiz(sources[path], path, None)
        sinks.append(sink)
        if bank is not None:
            banks[bank.id] = bank
    return banks


def _parse_quiz(raw: bytes | str, path: str, banks: dict[str, Quiz] | None) -> tuple[Quiz | None, ProblemSink]:
    """parse_quiz_text, remembered per source (and per version of the banks a quiz may include or draw from)."""
    def parse(sink: ProblemSink) -> Quiz | None:
        quiz, own = parse_quiz_text(raw, path, banks)
        sink.problems.extend(own.problems)
        return quiz

    sink = ProblemSink(path)
    bank_key = tuple((name, bank.content_hash) for name, bank in banks.items()) if banks else ()
    return remembered(("quiz", path, raw, bank_key), sink, parse), sink


def _load_quizzes(sources: Mapping[str, bytes], sinks: list[ProblemSink], module_ids: set[str],
                  staff_modules: set[str], banks: dict[str, Quiz]) -> tuple[Quiz, ...]:
    """The quizzes; those of a staff-only module are staff-only too."""
    quizzes, seen = [], {}
    for path in sorted(p for p in sources if QUIZ_PATH_RE.match(p)):
        quiz, sink = _parse_quiz(sources[path], path, banks)
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
    """Warn when an item's lesson= points at a missing lesson or anchor (W110), or when a quiz that trainees take
    points at a staff-only lesson (W114): trainees are then shown no 复习 link, as if the lesson did not exist."""
    problems = []
    staff_modules = {m.id for m in catalog.modules if m.staff_only}
    for quiz in (*catalog.quizzes, *catalog.banks):
        for_trainees = not quiz.staff_only and quiz.course not in staff_modules  # a bank's items may go anywhere
        for item in quiz.all_items():
            if not item.lesson:
                continue
            lesson_id, _, anchor = item.lesson.partition("#")
            lesson = catalog.lesson(lesson_id)
            if lesson is None or (anchor and anchor not in dict(lesson.anchors)):
                message = f"lesson=“{item.lesson}”找不到对应课时或小节 (lesson link not found)"
                problems.append(Problem(quiz.path, item.line, "W110", message))
            elif for_trainees and lesson.module_id in staff_modules:
                message = (f"lesson=“{item.lesson}”是仅讲师可见的课时，学员看不到这个复习链接 "
                           "(lesson is staff-only; trainees get no link)")
                problems.append(Problem(quiz.path, item.line, "W114", message))
    return problems


def get_catalog() -> Catalog:
    """The app's catalog; re-checks the file stamps and the published-content token at most every
    CONTENT_RECHECK_SECONDS, so several app servers on one database converge on a publish within that time."""
    state = current_app.extensions["content"]
    now = time.monotonic()
    if now - state["checked"] >= current_app.config["CONTENT_RECHECK_SECONDS"]:
        with _lock:
            state["checked"] = now
            root = Path(current_app.config["CONTENT_DIR"])
            if current_stamp(root, state["overlay"]) != state["catalog"].stamp:
                state["catalog"] = load_full_catalog(root, state["overlay"])
                cache.clear()
    return state["catalog"]


def app_catalog() -> Catalog | None:
    """The app's catalog when running inside the app (a request, a command); None for a bare session, which
    services that derive rows from the content then leave alone."""
    return get_catalog() if has_app_context() and "content" in current_app.extensions else None


def recheck_now() -> None:
    """After this process published or archived: look again at the next get_catalog(), not in 5 seconds."""
    current_app.extensions["content"]["checked"] = float("-inf")


def overlay() -> SourceOverlay | None:
    return current_app.extensions["content"]["overlay"]


def load_full_catalog(root: Path, overlay: SourceOverlay | None = None) -> Catalog:
    return with_link_checks(load_catalog(root, overlay))


def with_link_checks(catalog: Catalog) -> Catalog:
    extra = tuple(check_lesson_links(catalog))
    if not extra:
        return catalog
    return replace(catalog, problems=tuple(sorted(catalog.problems + extra, key=lambda p: (p.path, p.line))))


_loaded: dict[str, Catalog] = {}


def init_app(app, overlay_factory: Callable | None = None) -> None:
    """overlay_factory(app) → the SourceOverlay of this app's database (None: the files alone).  The app starts
    with the files and reads the overlay at its first get_catalog(): creating the app touches no database (the
    check-content command, a database not migrated yet)."""
    root = Path(app.config["CONTENT_DIR"])
    catalog = _loaded.get(str(root))
    if catalog is None or catalog.stamp != current_stamp(root, None):
        catalog = _loaded[str(root)] = load_full_catalog(root)
    source_overlay = overlay_factory(app) if overlay_factory is not None else None
    app.extensions["content"] = {"catalog": catalog, "checked": float("-inf"), "overlay": source_overlay}
    app.extensions["content_version"] = lambda: get_catalog().version  # part of every shared page's key


@dataclass(frozen=True)
class Checked:
    """One document's source checked as check-content checks it, against the rest of the current catalog."""

    kind: str  # quiz, bank, lesson, module or "" (a path that is no content)
    parsed: object  # Quiz, Lesson, or (module.md) the rendered introduction; None when it does not parse
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)


LESSON_PATH_RE = re.compile(r"^(courses/[a-z0-9][a-z0-9-]*)/(?!module\.md$)[^/]+\.md$")


def check_source(catalog: Catalog | None, path: str, source: bytes | str) -> Checked:
    """Parse one document alone (fast enough for a live preview) and, given the current catalog, add the checks
    that need the others: duplicate ids, unknown course or prerequisite, lesson links."""
    sink = ProblemSink(path)
    if QUIZ_PATH_RE.match(path) or BANK_PATH_RE.match(path):
        kind = "bank" if BANK_PATH_RE.match(path) else "quiz"
        banks = {b.id: b for b in catalog.banks} if catalog is not None and kind == "quiz" else None
        parsed, sink = parse_quiz_text(source, path, banks)
        if parsed is not None and kind == "quiz" and catalog is not None:
            _check_quiz_against(catalog, parsed, sink)
        if parsed is not None and kind == "bank" and catalog is not None:
            _check_bank_users(catalog, parsed, sink)
    elif path.endswith("/module.md") and MODULE_PATH_RE.match(path):
        kind, parsed = "module", None
        meta = parse_module_meta(source, sink)
        if meta is not None:
            if catalog is not None:
                _check_module_against(catalog, path, meta[0], sink)
            parsed = render(meta[0].body)
    elif LESSON_PATH_RE.match(path):
        kind = "lesson"
        if not LESSON_FILE_RE.match(path.rpartition("/")[2]):
            sink.add(1, "W010", "课时文件名应为 NN-slug.md (lesson file name should be NN-slug.md)")
        module = next((m for m in catalog.modules if m.path == path.rpartition("/")[0] + "/module.md"), None) if catalog else None
        parsed = parse_lesson(source, module.id if module else "", path, sink)
        if catalog is not None:
            other = catalog.lesson(parsed.id) if parsed is not None else None
            if other is not None and other.path != path:
                sink.add(1, "E006", f"课时 id“{parsed.id}”重复：{path} 与 {other.path} (duplicate lesson id)")
            if module is None:
                sink.add(1, "E002", "模块目录缺少 module.md (module.md missing)")
    else:
        kind, parsed = "", None
        sink.add(1, "E002", "不是课程或测验的路径 (not a content path)")
    problems = tuple(sorted(sink.problems, key=lambda p: p.line))
    return Checked(kind, None if any(p.is_error for p in problems) else parsed, problems)


def _check_bank_users(catalog: Catalog, bank, sink: ProblemSink) -> None:
    """E026: a quiz that includes or draws from this bank would no longer validate with it as written (an item it
    includes deleted, too few left to draw): publishing the bank would break the quiz for its learners."""
    banks = {b.id: b for b in catalog.banks} | {bank.id: bank}
    for quiz in catalog.quizzes_using_bank(bank.id):  # the others are untouched by this bank
        _, quiz_sink = parse_quiz_text(quiz.source, quiz.path, banks)
        errors = [p for p in quiz_sink.problems if p.is_error]
        if errors:
            sink.add(1, "E026", f"测验 {quiz.path} 引用或抽取本题库的题目，按这个版本它会出错（第 {errors[0].line} 行 {errors[0].code}："
                                f"{errors[0].message}）；请先修改该测验 (a quiz using this bank would break)")


def _check_module_against(catalog: Catalog, path: str, doc, sink: ProblemSink) -> None:
    other = next((m for m in catalog.modules if m.id == doc.meta["id"] and m.path != path), None)
    if other is not None:
        sink.add(1, "E006", f"模块 id“{other.id}”已被 {other.path} 使用 (duplicate module id)")
    known = {m.id for m in catalog.modules}
    prerequisites = doc.meta.get("prerequisites") or []
    for prereq in prerequisites if isinstance(prerequisites, list) else [prerequisites]:
        if str(prereq) not in known:
            sink.add(doc.key_lines.get("prerequisites", 1), "E008", f"先修模块“{prereq}”不存在 (unknown prerequisite)")


def _check_quiz_against(catalog: Catalog, quiz: Quiz, sink: ProblemSink) -> None:
    other = catalog.quiz(quiz.id)
    if other is not None and other.path != quiz.path:
        sink.add(1, "E006", f"测验 id“{quiz.id}”已被 {other.path} 使用 (duplicate quiz id)")
    if quiz.course and catalog.module(quiz.course) is None:
        sink.add(1, "E008", f"course:“{quiz.course}”不是 courses/ 中的模块 (unknown course)")
    alone = Catalog(catalog.modules, (quiz,), (), catalog.stamp, catalog.lessons)  # its lesson links only
    for problem in check_lesson_links(alone):
        sink.add(problem.line, problem.code, problem.message)
