"""Quiz file → Quiz, with every problem collected as `path:line: CODE message`."""
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from academy.learning.questions.quizmd import banks as bank_refs
from academy.learning.questions.quizmd.items import build_item
from academy.learning.questions.quizmd.model import Quiz
from academy.learning.questions.quizmd.syntax import HEADING_RE, parse_heading
from academy.platform import clock
from academy.platform.frontmatter import decode, split
from academy.platform.problems import ProblemSink
from academy.platform.render import render

QUIZ_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
KNOWN_KEYS = {"id", "title", "course", "required", "version", "pass_score", "attempts", "grading", "time_limit",
              "shuffle", "review", "opens_at", "closes_at", "language", "tags", "audience", "bank", "include", "draw"}
CHOICES = {
    "grading": ("highest", "latest", "average"),
    "shuffle": ("none", "questions", "options", "both"),
    "review": ("immediate", "after_submit", "after_close", "never"),
    "audience": ("all", "staff"),
}
TIME_RE = re.compile(r"^(\d+)\s*(s|m|h|min)?$")
BAD_HTML_RE = re.compile(r"<\s*(script|iframe|object|embed|style)\b|\son\w+\s*=", re.I)


def parse_quiz(path: Path, root: Path, banks: Mapping[str, Quiz] | None = None) -> tuple[Quiz | None, ProblemSink]:
    return parse_quiz_text(path.read_bytes(), path.relative_to(root).as_posix(), banks)


def parse_quiz_text(raw: bytes | str, rel: str, banks: Mapping[str, Quiz] | None = None) -> tuple[Quiz | None, ProblemSink]:
    """The quiz (or bank) in `raw`, read as content path `rel`; `banks` (name → bank) are those its `include:`
    and `draw:` may name (academy.learning.questions.quizmd.banks)."""
    raw = raw.encode() if isinstance(raw, str) else raw
    sink = ProblemSink(rel)
    text = decode(raw, sink)
    doc = split(text, sink) if text is not None else None
    if doc is None:
        return None, sink
    settings = _settings(doc.meta, doc.key_lines, sink)
    is_bank = bank_refs.is_bank(doc, rel, settings["id"], sink)
    includes, specs = bank_refs.read_refs(doc, sink) if not is_bank else ([], [])
    body = _strip_comments(doc.body.split("\n"), doc.body_line, sink)
    intro, blocks = _blocks(body)
    ids: dict[str, int] = {}
    items = tuple(i for i in (build_item(parse_heading(h, no, 2, sink), lines, sink, ids) for no, h, lines in blocks) if i)
    if not blocks and not includes and not specs:
        sink.add(doc.body_line, "E107", "测验中没有任何题目（每道题以 ## 开头）(quiz has no items)")
    items, draws, sources = bank_refs.resolve(items, includes, specs, banks or {}, ids, sink)
    quiz = Quiz(**settings, intro_html=render("\n".join(t for _, t in intro)), items=items, path=rel,
                content_hash=bank_refs.content_hash(raw, sources), source=text, bank=is_bank, draws=draws, banks=sources)
    return (None if sink.has_errors else quiz), sink


@dataclass(frozen=True)
class Block:
    """One `##` item block of a quiz source, as the parser splits it: lines `line` (the heading) to `end - 1`."""
    line: int
    end: int
    heading: str  # the heading's text after "## "
    lines: tuple[tuple[int, str], ...]  # the body lines (number, text) with comments blanked, as the items are built from
    text: str  # the block as written, heading included

    @property
    def item_id(self) -> str:
        return parse_heading(self.heading, self.line, 2, ProblemSink("")).item_id or f"item-{self.line}"  # as build_item names it


def item_blocks(text: str) -> list[Block] | None:
    """The `##` blocks of a quiz source with their line spans (None when the front matter cannot be read).

    The editors replace one item's lines with these spans, so they split exactly as `parse_quiz_text` does
    (code fences, comments), even in a draft that has errors elsewhere."""
    sink = ProblemSink("")
    text = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")
    doc = split(text, sink)
    if doc is None:
        return None
    _intro, blocks = _blocks(_strip_comments(doc.body.split("\n"), doc.body_line, sink))
    source = text.split("\n")
    ends = [no for no, _h, _l in blocks[1:]] + [len(source) + 1]
    return [Block(no, end, heading, tuple(lines), "\n".join(source[no - 1:end - 1]))
            for (no, heading, lines), end in zip(blocks, ends)]


def _strip_comments(lines: list[str], first: int, sink: ProblemSink) -> list[tuple[int, str]]:
    """Blank out <!-- --> comments, keeping line numbers; flag unsafe raw HTML."""
    out, opened = [], None
    for no, line in enumerate(lines, first):
        kept = ""
        while line:
            if opened is None:
                head, sep, line = line.partition("<!--")
                kept += head
                opened = no if sep else None
            else:
                _, sep, line = line.partition("-->")
                opened = None if sep else opened
                line = line if sep else ""
        if BAD_HTML_RE.search(kept):
            sink.add(no, "E903", "不允许的原始 HTML（script、iframe、事件属性）(disallowed raw HTML)")
        out.append((no, kept.rstrip()))
    if opened is not None:
        sink.add(opened, "E007", "注释 <!-- 没有结束 (comment never closed)")
    return out


def _blocks(lines: list[tuple[int, str]]) -> tuple[list, list[tuple[int, str, list]]]:
    intro, blocks, fenced = [], [], False
    for no, text in lines:
        fenced = fenced != text.lstrip().startswith("```")
        match = None if fenced else HEADING_RE.match(text)
        if match and len(match.group(1)) == 2:
            blocks.append((no, match.group(2), []))
        elif blocks:
            blocks[-1][2].append((no, text))
        else:
            intro.append((no, text))
    return intro, blocks


def _settings(meta: dict, lines: dict, sink: ProblemSink) -> dict:
    for key in meta:
        if key not in KNOWN_KEYS:
            near = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            sink.add(lines.get(key, 1), "W005", f"未知字段 {key}" + (f"，是否应为 {near[0]}？" if near else "") + " (unknown key)")
    for key in ("id", "title"):
        if not str(meta.get(key) or "").strip():
            sink.add(1, "E004", f"缺少必填字段 {key} (missing required key)")
    quiz_id = str(meta.get("id", ""))
    if quiz_id and not QUIZ_ID_RE.match(quiz_id):
        sink.add(lines.get("id", 1), "E004", "id 只能包含小写字母、数字和连字符 (invalid quiz id)")
    for key, allowed in CHOICES.items():
        if key in meta and meta[key] not in allowed:
            sink.add(lines.get(key, 1), "E004", f"{key} 只能是 {' / '.join(allowed)} (invalid {key})")
    return {
        "id": quiz_id, "title": str(meta.get("title", "")), "course": str(meta.get("course", "")),
        "required": str(meta.get("required", "true")).lower() not in ("false", "no", "否"),
        "pass_score": _pass_score(meta, lines, sink), "attempts": _attempts(meta, lines, sink),
        "grading": meta.get("grading", "highest"), "time_limit": _time_limit(meta, lines, sink),
        "shuffle": meta.get("shuffle", "none"), "review": meta.get("review", "after_submit"),
        **_dates(meta, lines, sink), "audience": meta.get("audience", "all"),
        "tags": tuple(meta["tags"]) if isinstance(meta.get("tags"), list) else (),
    }


def _pass_score(meta: dict, lines: dict, sink: ProblemSink) -> float:
    try:
        value = float(meta.get("pass_score", 60))
        if not 0 <= value <= 100:
            raise ValueError
        return value
    except ValueError:
        sink.add(lines.get("pass_score", 1), "E004", "pass_score 必须是 0–100 之间的数 (pass_score must be 0-100)")
        return 60.0


def _attempts(meta: dict, lines: dict, sink: ProblemSink) -> int | None:
    value = str(meta.get("attempts", "unlimited"))
    if value == "unlimited":
        return None
    if not value.isdigit() or int(value) < 1:
        sink.add(lines.get("attempts", 1), "E004", "attempts 必须是正整数或 unlimited (attempts must be positive)")
        return None
    return int(value)


def _time_limit(meta: dict, lines: dict, sink: ProblemSink) -> int | None:
    if "time_limit" not in meta:
        return None
    match = TIME_RE.match(str(meta["time_limit"]).strip())
    if not match or int(match.group(1)) <= 0:
        sink.add(lines.get("time_limit", 1), "E004", "time_limit 格式应为 20m、90s 或 1h (bad time_limit)")
        return None
    return int(match.group(1)) * {"s": 1, "m": 60, "min": 60, "h": 3600, None: 60}[match.group(2)]


def _dates(meta: dict, lines: dict, sink: ProblemSink) -> dict[str, str]:
    """opens_at and closes_at (a day, a moment on the organisation's clock, or ""); a quiz that would close before
    it opens is an error."""
    dates = {key: _date(key, meta, lines, sink) for key in ("opens_at", "closes_at")}
    if dates["opens_at"] and dates["closes_at"] and clock.opens(dates["opens_at"]) >= clock.closes(dates["closes_at"]):
        sink.add(lines.get("opens_at", 1), "E004", "opens_at 晚于 closes_at：测验开放前就已关闭 (opens_at after closes_at)")
    return dates


def _date(key: str, meta: dict, lines: dict, sink: ProblemSink) -> str:
    """The value when it names a real day or time (2027-02-30 matches the pattern, and starting the quiz would
    fail on it), else "" and E004."""
    value = str(meta.get(key, ""))
    if value and clock.schedule(value) is None:
        sink.add(lines.get(key, 1), "E004", f"{key} 格式应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM (bad {key})")
        return ""
    return value
