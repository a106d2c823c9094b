"""The one Quiz Markdown writer: an item as plain data → its `##` block (`write_item`), and a block read back
into that data (`read_item`).

The form editor (academy.learning.questions.editing, academy.authoring.itemforms) and the question importers
(academy.authoring.formats.interchange) both write items here.  Item data is plain values: type, id, title,
points, concepts, stage, lesson, category, tags, stem, explanation, hint, remediation, extra (other heading
attributes, as written) and the type's own fields, which its module of the registry writes and reads
(`QuestionType.writer`, types/<type>.py).  The parsed Item holds rendered HTML, so `read_item` takes the text
as written from the item's block of the source (`parser.item_blocks`) and the rest (type, points, answer …)
from what the parser decided.

Text is written as given: the writer knows the syntax, not where the text came from.  A stem line starting
"- [x]" or "解析：" would come back as an option or a key line, so the form editor reads what it wrote back
and refuses what comes back different (editing.check_block), and the importers guard foreign text first
(quizmd.guard).
"""
import re

from academy.learning.questions.quizmd.model import Item
from academy.learning.questions.quizmd.parser import Block
from academy.learning.questions.quizmd.syntax import Segments, parse_heading, segment
from academy.learning.questions.registry import TYPES
from academy.platform.problems import ProblemSink

MANAGED = frozenset({"points", "concepts", "lesson", "stage", "category", "tags"})  # attributes written from their own fields
KEYS = (("explanation", "解析"), ("hint", "提示"), ("remediation", "红线说明"))
COMMON_FIELDS = ("type", "id", "title", "points", "concepts", "stage", "lesson", "category", "tags", "stem", "explanation",
                 "hint", "remediation", "extra")
BARE_VALUE_RE = re.compile(r'^[^\s"{}]+$')


def writes(type_name: str) -> bool:
    """Whether the writer writes items of this type (its module of the registry says how)."""
    question_type = TYPES.get(type_name)
    return question_type is not None and question_type.writer is not None


def clean(text: str | None) -> str:
    """Text as Quiz Markdown gives it back: LF line ends, no trailing spaces on a line, no blank edges."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def lines_text(lines: list[str]) -> str:
    return clean("\n".join(lines))


def key_text(seg: Segments, key: str) -> str:
    return lines_text(seg.keys[key][1]) if key in seg.keys else ""


def key_lines(word: str, text: str) -> list[str]:
    """A key line (`解析：…`) and its continuation lines; nothing for empty text."""
    text = clean(text)
    if not text:
        return []
    first, *rest = text.split("\n")
    return [f"{word}：{first}", *rest]


def feedback_lines(text: str) -> list[str]:
    """Feedback under a list entry: `  > line` per line."""
    return [f"  > {line}".rstrip() for line in clean(text).split("\n")] if clean(text) else []


def number(value: float) -> str:
    """2.0 → "2", 1.5 → "1.5", 100 / 3 → "33.33333" (points and percentages, five decimals at most)."""
    text = f"{float(value):.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def attr(key: str, value: str) -> str:
    """key=value, quoted when the value has spaces (a value cannot hold a double quote or a brace)."""
    return f"{key}={value}" if BARE_VALUE_RE.match(value) else f'{key}="{value}"'


def blank_item(type_name: str, item_id: str = "") -> dict:
    """The data of a new item of this type (the common fields empty, the type's own as its module says)."""
    return {"type": type_name, "id": item_id, "title": "", "points": 1.0, "concepts": [], "stage": "", "lesson": "",
            "category": "", "tags": [], "stem": "", "explanation": "", "hint": "", "remediation": "", "extra": "",
            **TYPES[type_name].writer.blank()}


def write_item(data: dict) -> str:
    """One item block of Quiz Markdown (heading to its last line, ending with a newline)."""
    question_type = TYPES[data["type"]]
    tokens, body = question_type.writer.write(data)
    values = {"concepts": ",".join(clean(c) for c in data["concepts"] if clean(c)), "lesson": data["lesson"],
              "stage": data["stage"], "category": data["category"], "tags": ",".join(clean(t) for t in data["tags"] if clean(t))}
    attrs = [f"#{data['id']}", *([f"points={number(data['points'])}"] if float(data["points"]) != 1 else []),
             *(attr(key, value) for key, value in values.items() if value), *tokens,
             *([clean(data["extra"])] if clean(data["extra"]) else [])]
    word = (question_type.aliases or (question_type.name,))[0]
    lines = [f"## {word}：{clean(data['title'])} {{{' '.join(attrs)}}}", ""]
    for part in (clean(data["stem"]).split("\n") if clean(data["stem"]) else [], body,
                 [line for field, key in KEYS for line in key_lines(key, data[field])]):
        lines += [*part, ""] if part else []
    return "\n".join(lines).rstrip("\n") + "\n"


def read_item(item: Item, block: Block) -> dict:
    """The data of a parsed item (of a type the writer writes), with the text as written in its block."""
    question_type = TYPES[item.type]
    head = parse_heading(block.heading, block.line, 2, ProblemSink(""))
    seg = segment(list(block.lines), question_type.entry)
    keep = MANAGED | question_type.writer.managed
    extra = [attr(k, v) for k, v in head.attrs.items() if k not in keep] + sorted(f for f in head.flags if f not in keep)
    return {
        "type": item.type, "id": item.id, "title": item.title, "points": round(item.points, 2),
        "concepts": list(item.concepts), "stage": item.stage, "lesson": item.lesson, "category": item.category,
        "tags": list(item.tags), "stem": lines_text(seg.stem),
        **{field: key_text(seg, field) for field, _word in KEYS}, "extra": " ".join(extra),
        **question_type.writer.read(item, seg),
    }
