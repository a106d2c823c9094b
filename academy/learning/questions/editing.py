"""The form editor's checks around the one Quiz Markdown writer (quizmd.writer): which types it offers, reading
one item block on its own, the "其他属性" field, and the write-then-read-back check.

Quiz Markdown is read by line starts: a stem line starting "- [x]" or "解析：" would come back as an option or
a key line.  `check_block` writes the data, reads it back, and names every field that would not come back as
the trainer typed it, so the editor refuses it instead of saving something else.
"""
import dataclasses
import re

from academy.learning.questions.quizmd.items import build_item
from academy.learning.questions.quizmd.model import Item
from academy.learning.questions.quizmd.parser import Block, item_blocks
from academy.learning.questions.quizmd.syntax import parse_attrs, parse_heading
from academy.learning.questions.quizmd.writer import COMMON_FIELDS, attr, clean, read_item, write_item, writes
from academy.learning.questions.registry import TYPES
from academy.platform.problems import ProblemSink

WRAPPER = "---\nid: form-editor\ntitle: 表单编辑\n---\n\n"  # a lone block is read inside a minimal quiz


def editable(type_name: str) -> bool:
    """Whether the form editor offers this type (the writer writes it and its module names a form)."""
    return writes(type_name) and bool(TYPES[type_name].writer.form)


def read_block(block: Block, path: str = "") -> tuple[Item | None, ProblemSink]:
    """Build one `##` block on its own (its problems, with the source's line numbers; no duplicate-id check)."""
    sink = ProblemSink(path)
    item = build_item(parse_heading(block.heading, block.line, 2, sink), list(block.lines), sink, {})
    return item, sink


def parse_extra(text: str) -> tuple[list[str], list[str]]:
    """The "其他属性" field: (problems, attribute or flag names the form already sets)."""
    sink = ProblemSink("")
    if re.search(r'[{}\n]', text or ""):
        return ["不能包含花括号或换行 (no braces or line breaks)"], []
    attrs, flags, item_id = parse_attrs(clean(text), 1, sink)
    problems = [p.message for p in sink.problems] + (["题目 id 请填在“题目 id”一栏 (the id has its own field)"] if item_id else [])
    return problems, sorted(set(attrs) | flags)


def normal_extra(text: str) -> str:
    """The "其他属性" as read_item gives them back: attributes in order, then the flags sorted."""
    attrs, flags, _item_id = parse_attrs(clean(text), 1, ProblemSink(""))
    return " ".join([attr(k, v) for k, v in attrs.items()] + sorted(flags))


def check_block(type_name: str, data: dict, path: str = "") -> tuple[list[str], list[str], list[str]]:
    """Write the data as a block and read it back on its own: (errors, warnings, misread fields)."""
    blocks = item_blocks(WRAPPER + write_item({**data, "type": type_name})) or []
    if not blocks:
        return ["无法生成题目 (the item could not be written)"], [], list(COMMON_FIELDS)
    first_line = WRAPPER.count("\n") + 1
    item, sink = read_block(blocks[0], path)
    errors = [_relative(p.message, p.line - first_line) for p in sink.problems if p.is_error]
    warnings = [_relative(p.message, p.line - first_line) for p in sink.problems if not p.is_error]
    if item is None:
        return errors or ["无法读取题目 (the item could not be read)"], warnings, []
    back = read_item(item, blocks[0])  # read even with errors: "- [x]" in a stem is an error *because* it is misread
    misread = [key for key in data if back.get(key) != _normal(key, data[key])]
    if len(blocks) > 1:
        misread = misread or ["stem"]
    return errors, warnings, misread


def _relative(message: str, offset: int) -> str:
    return message if offset <= 0 else f"本题第 {offset + 1} 行：{message}"


def _normal(key: str, value):
    """The form's values as read_item gives them back (clean text, rounded numbers)."""
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
    again = item_blocks(WRAPPER + write_item(read_item(item, block))) or []
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
