"""Items as plain data for the form editor, and back to Quiz Markdown: the only way between the two.

`item_to_form_data(item, block)` reads an item into a dict of plain values, `form_to_markdown(type, data)` writes
one item block.  The common part (heading, stem, 解析/提示/红线说明) is here; each type's own part is its
`Editor` in its module of the registry (types/<type>.py).  The parsed Item holds rendered HTML, so the text the
trainer wrote (stem, feedback, weights as written) is read from the item's block of the source, which the
parser splits (`item_blocks`); the Item gives what the parser decided (type, points, concepts, answer …).

Quiz Markdown is read by line starts: a stem line starting "- [x]" or "解析：" would come back as an option or
a key line.  `misread_fields` writes the data, reads it back, and names every field that would not come back as
the trainer typed it, so the editor refuses it instead of saving something else.
"""
import dataclasses
import re

from academy.learning.questions.quizmd.items import build_item
from academy.learning.questions.quizmd.model import Item
from academy.learning.questions.quizmd.parser import Block, item_blocks
from academy.learning.questions.quizmd.syntax import parse_attrs, parse_heading, segment
from academy.learning.questions.registry import TYPES
from academy.learning.questions.types._editing import attr, clean, key_lines, key_text, lines_text, number
from academy.platform.problems import ProblemSink

MANAGED = frozenset({"points", "concepts", "lesson", "stage", "category", "tags"})  # every form sets them (shuffle: the types that use it)
KEYS = (("explanation", "解析"), ("hint", "提示"), ("remediation", "红线说明"))
COMMON_FIELDS = ("type", "id", "title", "points", "concepts", "stage", "lesson", "category", "tags", "stem", "explanation",
                 "hint", "remediation", "extra")
WRAPPER = "---\nid: form-editor\ntitle: 表单编辑\n---\n\n"  # a lone block is read inside a minimal quiz


def editable(type_name: str) -> bool:
    """Whether the form editor writes items of this type."""
    question_type = TYPES.get(type_name)
    return question_type is not None and question_type.editor is not None


def blank_form_data(type_name: str, item_id: str = "") -> dict:
    """The form data of a new item of this type."""
    return {"type": type_name, "id": item_id, "title": "", "points": 1.0, "concepts": [], "stage": "", "lesson": "",
            "category": "", "tags": [], "stem": "", "explanation": "", "hint": "", "remediation": "", "extra": "",
            **TYPES[type_name].editor.blank()}


def read_block(block: Block, path: str = "") -> tuple[Item | None, ProblemSink]:
    """Build one `##` block on its own (its problems, with the source's line numbers; no duplicate-id check)."""
    sink = ProblemSink(path)
    item = build_item(parse_heading(block.heading, block.line, 2, sink), list(block.lines), sink, {})
    return item, sink


def item_to_form_data(item: Item, block: Block) -> dict:
    """The form data of a parsed item (an editable type), with the text as written in its block."""
    question_type = TYPES[item.type]
    head = parse_heading(block.heading, block.line, 2, ProblemSink(""))
    seg = segment(list(block.lines), question_type.entry)
    keep = MANAGED | question_type.editor.managed
    extra = [attr(k, v) for k, v in head.attrs.items() if k not in keep] + sorted(f for f in head.flags if f not in keep)
    return {
        "type": item.type, "id": item.id, "title": item.title, "points": round(item.points, 2),
        "concepts": list(item.concepts), "stage": item.stage, "lesson": item.lesson, "category": item.category,
        "tags": list(item.tags), "stem": lines_text(seg.stem),
        **{field: key_text(seg, field) for field, _word in KEYS}, "extra": " ".join(extra),
        **question_type.editor.read(item, seg),
    }


def form_to_markdown(type_name: str, data: dict) -> str:
    """One item block of Quiz Markdown (heading to its last line, ending with a newline)."""
    question_type = TYPES[type_name]
    tokens, body = question_type.editor.write(data)
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


def parse_extra(text: str) -> tuple[list[str], list[str]]:
    """The "其他属性" field: (problems, attribute or flag names the form already sets)."""
    sink = ProblemSink("")
    if re.search(r'[{}\n]', text or ""):
        return ["不能包含花括号或换行 (no braces or line breaks)"], []
    attrs, flags, item_id = parse_attrs(clean(text), 1, sink)
    problems = [p.message for p in sink.problems] + (["题目 id 请填在“题目 id”一栏 (the id has its own field)"] if item_id else [])
    return problems, sorted(set(attrs) | flags)


def normal_extra(text: str) -> str:
    """The "其他属性" as item_to_form_data gives them back: attributes in order, then the flags sorted."""
    attrs, flags, _item_id = parse_attrs(clean(text), 1, ProblemSink(""))
    return " ".join([attr(k, v) for k, v in attrs.items()] + sorted(flags))


def check_block(type_name: str, data: dict, path: str = "") -> tuple[list[str], list[str], list[str]]:
    """Write the data as a block and read it back on its own: (errors, warnings, misread fields)."""
    blocks = item_blocks(WRAPPER + form_to_markdown(type_name, data)) or []
    if not blocks:
        return ["无法生成题目 (the item could not be written)"], [], list(COMMON_FIELDS)
    first_line = WRAPPER.count("\n") + 1
    item, sink = read_block(blocks[0], path)
    errors = [_relative(p.message, p.line - first_line) for p in sink.problems if p.is_error]
    warnings = [_relative(p.message, p.line - first_line) for p in sink.problems if not p.is_error]
    if item is None:
        return errors or ["无法读取题目 (the item could not be read)"], warnings, []
    back = item_to_form_data(item, blocks[0])  # read even with errors: "- [x]" in a stem is an error *because* it is misread
    misread = [key for key in data if back.get(key) != _normal(key, data[key])]
    if len(blocks) > 1:
        misread = misread or ["stem"]
    return errors, warnings, misread


def _relative(message: str, offset: int) -> str:
    return message if offset <= 0 else f"本题第 {offset + 1} 行：{message}"


def _normal(key: str, value):
    """The form's values as item_to_form_data gives them back (clean text, rounded numbers)."""
    if key == "extra":
        return normal_extra(value)
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, float) or key == "points":
        return round(float(value), 2)
    if isinstance(value, list):
        return [_normal(key, v) for v in value]
    if isinstance(value, dict):
        return {k: _normal(k, v) for k, v in value.items()}
    return value


def lossless(item: Item, block: Block) -> bool:
    """Whether saving the item through the form keeps everything it says (else the page warns: 注释、其他关键行…)."""
    if not editable(item.type) or "<!--" in block.text:
        return False
    again = item_blocks(WRAPPER + form_to_markdown(item.type, item_to_form_data(item, block))) or []
    copy = read_block(again[0])[0] if len(again) == 1 else None
    return copy is not None and _without_lines(copy) == _without_lines(item)


def _without_lines(item: Item) -> dict:
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "line"}
        if isinstance(value, (list, tuple)):
            return [strip(v) for v in value]
        return value

    return strip(dataclasses.asdict(item))
