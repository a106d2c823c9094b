"""courses/<module>/module.md and NN-<slug>.md lessons → frozen dataclasses, parsed from their sources by path
(files, or the content store's published text)."""
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from academy.platform.frontmatter import decode, split
from academy.platform.problems import ProblemSink
from academy.platform.render import render, render_with_toc

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
LESSON_FILE_RE = re.compile(r"^\d{2}-[a-z0-9-]+\.md$")
HEADING_RE = re.compile(r"^(#{2,3})\s+(.+?)\s*\{#([A-Za-z0-9_-]+)[^}]*\}\s*$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
MAX_PARSED = 4096  # documents kept parsed by (path, source): a reload after one publish re-parses that one only
_parsed: dict[tuple, tuple] = {}
AUDIENCES = ("all", "staff")  # who may see a module or quiz: everyone, or trainers, managers and admins only


@dataclass(frozen=True)
class Lesson:
    id: str
    module_id: str
    title: str
    order: int
    minutes: int
    concepts: tuple[str, ...]
    html: str
    toc_html: str
    anchors: tuple[tuple[str, str], ...]  # (anchor, heading text)
    chars: int
    path: str
    content_hash: str


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    order: int
    summary: str
    objectives: tuple[str, ...]
    minutes: int
    prerequisites: tuple[str, ...]
    intro_html: str
    lessons: tuple[Lesson, ...]
    path: str
    audience: str = "all"  # "staff": the module, its lessons and its quizzes are for staff only

    @property
    def staff_only(self) -> bool:
        return self.audience == "staff"


def _int(meta: dict, key: str, default: int, sink: ProblemSink, lines: dict) -> int:
    value = meta.get(key, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        sink.add(lines.get(key, 1), "E004", f"{key} 必须是整数 ({key} must be an integer)")
        return default


def _list(meta: dict, key: str) -> tuple[str, ...]:
    value = meta.get(key) or []
    return tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)


def _require(meta: dict, keys: tuple[str, ...], sink: ProblemSink, lines: dict) -> bool:
    missing = [k for k in keys if not str(meta.get(k) or "").strip()]
    for key in missing:
        sink.add(1, "E004", f"缺少必填字段 {key} (missing required key)")
    if "id" in meta and not ID_RE.match(str(meta["id"])):
        sink.add(lines.get("id", 1), "E105", "id 只能包含小写字母、数字和连字符 (invalid id)")
        return False
    return not missing


def remembered(key: tuple, sink: ProblemSink, parse):
    """parse(sink) once per key (which names the source exactly), replaying its problems into `sink` each time:
    a catalog reload re-parses only the documents whose source changed."""
    found = _parsed.get(key)
    if found is None:
        scratch = ProblemSink(sink.path)
        value = parse(scratch)
        if len(_parsed) >= MAX_PARSED:
            _parsed.clear()
        found = _parsed[key] = (value, tuple(scratch.problems))
    sink.problems.extend(found[1])
    return found[0]


def parse_lesson(source: Path | bytes | str, module_id: str, rel: str, sink: ProblemSink) -> Lesson | None:
    """A lesson from its source (the bytes of a file, or text from the content store)."""
    raw = _raw(source)
    text = decode(raw, sink)
    doc = split(text, sink) if text is not None else None
    if doc is None or not _require(doc.meta, ("id", "title"), sink, doc.key_lines):
        return None
    html, toc = render_with_toc(doc.body)
    anchors = tuple((m.group(3), m.group(2)) for m in map(HEADING_RE.match, doc.body.split("\n")) if m)
    return Lesson(
        id=doc.meta["id"], module_id=module_id, title=doc.meta["title"],
        order=_int(doc.meta, "order", 99, sink, doc.key_lines),
        minutes=_int(doc.meta, "minutes", 10, sink, doc.key_lines),
        concepts=_list(doc.meta, "concepts"), html=html, toc_html=toc, anchors=anchors,
        chars=len(CJK_RE.findall(doc.body)), path=rel, content_hash=hashlib.sha256(raw).hexdigest(),
    )


def _raw(source: Path | bytes | str) -> bytes:
    if isinstance(source, Path):
        return source.read_bytes()
    return source.encode() if isinstance(source, str) else source


def parse_module(folder: str, sources: Mapping[str, bytes], sinks: list[ProblemSink]) -> Module | None:
    """The module in `folder` ("courses/<name>") and its lessons, from the sources by path."""
    rel = f"{folder}/module.md"
    sink = ProblemSink(rel)
    sinks.append(sink)
    if rel not in sources:
        sink.add(1, "E002", "模块目录缺少 module.md (module.md missing)")
        return None
    raw = sources[rel]
    parsed = remembered(("module", rel, raw), sink, lambda s: _module_head(raw, s))
    if parsed is None:
        return None
    doc, audience, intro_html = parsed
    lessons = _parse_lessons(folder, sources, doc.meta["id"], sinks)
    return Module(
        id=doc.meta["id"], title=doc.meta["title"], order=_int(doc.meta, "order", 99, sink, doc.key_lines),
        summary=str(doc.meta.get("summary", "")), objectives=_list(doc.meta, "objectives"),
        minutes=_int(doc.meta, "minutes", 0, sink, doc.key_lines), prerequisites=_list(doc.meta, "prerequisites"),
        intro_html=intro_html, lessons=lessons, path=rel, audience=audience,
    )


def _module_head(raw: bytes | str, sink: ProblemSink):
    meta = parse_module_meta(raw, sink)
    return None if meta is None else (*meta, render(meta[0].body))


def parse_module_meta(source: bytes | str, sink: ProblemSink):
    """module.md's front matter and audience, or None (problems in the sink)."""
    text = decode(_raw(source), sink)
    doc = split(text, sink) if text is not None else None
    if doc is None or not _require(doc.meta, ("id", "title"), sink, doc.key_lines):
        return None
    return doc, _audience(doc.meta, sink, doc.key_lines)


def _audience(meta: dict, sink: ProblemSink, lines: dict) -> str:
    value = meta.get("audience", "all")
    if value not in AUDIENCES:
        sink.add(lines.get("audience", 1), "E004", f"audience 只能是 {' / '.join(AUDIENCES)} (invalid audience)")
        return "staff"  # an unreadable mark hides rather than shows (check-content fails on the error)
    return value


def _parse_lessons(folder: str, sources: Mapping[str, bytes], module_id: str, sinks: list[ProblemSink]) -> tuple[Lesson, ...]:
    lessons = []
    for path in sorted(p for p in sources if p.rpartition("/")[0] == folder and p.endswith(".md")):
        name = path.rpartition("/")[2]
        if name == "module.md":
            continue
        sink = ProblemSink(path)
        sinks.append(sink)
        if not LESSON_FILE_RE.match(name):
            sink.add(1, "W010", "课时文件名应为 NN-slug.md (lesson file name should be NN-slug.md)")
        raw = sources[path]
        lesson = remembered(("lesson", path, raw, module_id), sink, lambda s, raw=raw, path=path: parse_lesson(raw, module_id, path, s))
        if lesson and not sink.has_errors:
            lessons.append(lesson)
    return tuple(sorted(lessons, key=lambda lesson: (lesson.order, lesson.id)))
