"""Line-level syntax of Quiz Markdown: headings, attribute blocks, key lines, list entries."""
import re
from dataclasses import dataclass, field

from academy.platform.problems import ProblemSink

KEY_ALIASES = {
    "解析": "explanation", "explanation": "explanation", "提示": "hint", "hint": "hint",
    "答案": "answer", "answer": "answer", "答对": "correct", "correct": "correct",
    "答错": "incorrect", "incorrect": "incorrect", "类别": "categories", "categories": "categories",
    "参考回答": "model_answer", "model_answer": "model_answer", "评分量规": "rubric", "rubric": "rubric",
    "复盘": "debrief", "debrief": "debrief", "干系人": "stakeholders", "stakeholders": "stakeholders",
    "红线说明": "remediation", "remediation": "remediation",
}
HEADING_RE = re.compile(r"^(#{2,3})\s+(.*?)\s*$")
ATTR_BLOCK_RE = re.compile(r"^(.*?)\s*\{([^{}]*)\}\s*$")
ATTR_TOKEN_RE = re.compile(
    r'\s*(?:(?P<key>[A-Za-z_]+)=(?:"(?P<quoted>[^"]*)"|(?P<value>[^\s"]+))|#(?P<id>\S+)|(?P<flag>[A-Za-z_]+))'
)
KEY_RE = re.compile(r"^(" + "|".join(sorted(KEY_ALIASES, key=len, reverse=True)) + r")\s*[:：]\s*(.*)$", re.I)
OPTION_RE = re.compile(r"^\s{0,3}- \[( |x|X)\]\s*(?:\{([^}]*)\}\s*)?(.*)$")
BAD_OPTION_RE = re.compile(r"^\s{0,3}-\s*\[[^\]]*\]|^\s{0,3}-\[")
BULLET_RE = re.compile(r"^\s{0,3}- (.*)$")
NUMBER_RE = re.compile(r"^\s{0,3}(\d+)[.)、]\s+(.*)$")
FEEDBACK_RE = re.compile(r"^\s*>\s?(.*)$")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,119}$")
MISTYPED_KEYS = {"解折", "答按", "解释", "分析", "类型", "类別"}


@dataclass
class Heading:
    level: int
    kind: str  # raw type word (or node name for ### in dialogues)
    title: str
    attrs: dict[str, str]
    flags: set[str]
    item_id: str
    line: int
    has_colon: bool


@dataclass
class Entry:
    line: int
    text: str
    kind: str  # option | bullet | number
    box: str = ""
    braces: str = ""
    feedback: list[str] = field(default_factory=list)
    after_key: str | None = None


@dataclass
class Segments:
    stem: list[str] = field(default_factory=list)
    keys: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)
    trailing: list[tuple[int, str]] = field(default_factory=list)


def parse_heading(text: str, line: int, level: int, sink: ProblemSink) -> Heading:
    attrs, flags, item_id = {}, set(), ""
    match = ATTR_BLOCK_RE.match(text)
    if match:
        text = match.group(1)
        attrs, flags, item_id = parse_attrs(match.group(2), line, sink)
    elif "{" in text or "}" in text:
        sink.add(line, "E102", "属性块格式错误：花括号不配对 (malformed attribute block)")
    kind, sep, title = (re.split(r"([:：])", text, maxsplit=1) + ["", ""])[:3]
    return Heading(level, kind.strip(), title.strip(), attrs, flags, item_id, line, bool(sep))


def parse_attrs(block: str, line: int, sink: ProblemSink) -> tuple[dict[str, str], set[str], str]:
    attrs, flags, item_id, pos = {}, set(), "", 0
    block = block.rstrip()
    while pos < len(block):
        token = ATTR_TOKEN_RE.match(block, pos)
        if not token or token.end() == pos:
            sink.add(line, "E102", f"属性块格式错误：无法识别“{block[pos:].strip()}”，应为 key=value (key=value expected)")
            break
        if token.group("key"):
            attrs[token.group("key").lower()] = token.group("quoted") if token.group("quoted") is not None else token.group("value")
        elif token.group("id"):
            item_id = token.group("id")
        else:
            flags.add(token.group("flag").lower())
        pos = token.end()
    return attrs, flags, item_id


def segment(lines: list[tuple[int, str]], match_entry) -> Segments:
    """Split an item body into stem prose, key-line blocks and list entries with their `>` feedback.

    :param match_entry: ``(line_no, text, last_key, seen_entries) -> Entry | None`` for this item type.
    """
    seg, current, open_key, last_key = Segments(), None, None, None
    for no, line in lines:
        key_match = KEY_RE.match(line) if not line.startswith((" ", "\t")) else None
        if key_match:
            open_key = last_key = KEY_ALIASES[key_match.group(1).lower()]
            seg.keys[open_key] = (no, [key_match.group(2)] if key_match.group(2) else [])
            current = None
            continue
        entry = match_entry(no, line, last_key, bool(seg.entries))
        if entry:
            entry.after_key = last_key
            seg.entries.append(entry)
            current, open_key = entry, None
            continue
        feedback = FEEDBACK_RE.match(line)
        if feedback and current is not None:
            current.feedback.append(feedback.group(1))
            continue
        if open_key is not None:
            seg.keys[open_key][1].append(line)
        elif not seg.entries:
            seg.stem.append(line)
        elif line.strip():
            seg.trailing.append((no, line))
        if line.strip():
            current = None
    return seg


def option_entry(no: int, line: str, _key, _seen) -> Entry | None:
    match = OPTION_RE.match(line)
    if match:
        return Entry(no, match.group(3).strip(), "option", match.group(1).lower(), match.group(2) or "")
    return Entry(no, line.strip(), "bad") if BAD_OPTION_RE.match(line) else None


def arrow_entry(arrow: str):
    """Entries are bullets containing `arrow` (=> pairs, -> dialogue choices)."""

    def match(no: int, line: str, _key, seen: bool) -> Entry | None:
        bullet = BULLET_RE.match(line)
        if bullet and arrow in bullet.group(1):
            return Entry(no, bullet.group(1).strip(), "bullet")
        return Entry(no, line.strip(), "bad") if bullet and seen else None

    return match


def number_entry(no: int, line: str, _key, seen: bool) -> Entry | None:
    match = NUMBER_RE.match(line)
    if match:
        return Entry(no, match.group(2).strip(), "number")
    bullet = BULLET_RE.match(line)
    return Entry(no, bullet.group(1).strip(), "bullet") if bullet and seen else None


def answer_entry(no: int, line: str, key, _seen) -> Entry | None:
    bullet = BULLET_RE.match(line)
    return Entry(no, bullet.group(1).strip(), "bullet") if bullet and key == "answer" else None


def no_entry(*_args) -> None:
    return None


def block_text(lines: list[str]) -> str:
    return "\n".join(lines).strip()
