"""The interchange shape: parsed items → dicts, and dicts → item data that the one Quiz Markdown writer
(academy.learning.questions.quizmd.writer) writes, through each type's own `exports["interchange"]` hooks
(academy/learning/questions/types/).  Foreign text is guarded here (quizmd.guard) before it is written.  The
only type names here are Moodle's, in the one table that maps them to ours."""
import re

from academy.learning.questions.quizmd.guard import guard_attr, guard_markdown, guard_title, one_line
from academy.learning.questions.quizmd.parser import Block, item_blocks
from academy.learning.questions.quizmd.syntax import ID_RE, no_entry, parse_heading, segment
from academy.learning.questions.quizmd.writer import blank_item, write_item
from academy.learning.questions.registry import TYPES
from academy.learning.questions.types._interchange import ItemSource
from academy.platform.problems import ProblemSink

# Moodle's question types (multichoice split by its `single` flag) → ours.
MOODLE_TYPES = {
    "multichoice:single": "single", "multichoice:multi": "multiple", "truefalse": "truefalse", "shortanswer": "short",
    "numerical": "numeric", "match": "matching", "essay": "essay", "description": "info",
}
OURS_TO_MOODLE = {ours: moodle for moodle, ours in MOODLE_TYPES.items()}
KEY_ORDER = ("type", "name", "text", "options", "pairs", "answers", "sequence", "categories", "scoring", "grader_info",
             "general_feedback", "category", "tags", "id", "points", "source_line")


def import_type(moodle: str) -> str:
    return MOODLE_TYPES.get(moodle, moodle)


def export_type(ours: str) -> str | None:
    return OURS_TO_MOODLE.get(ours)


def hooks(type_name: str):
    question_type = TYPES.get(type_name)
    return question_type.exports.get("interchange") if question_type else None


def item_to_dict(block: Block, item) -> dict | None:
    """One `##` item of a quiz or bank (its block of the source, as the parser splits it) as an interchange dict;
    None when its type has no interchange form (a scenario, dialogue or role-play)."""
    mapping = hooks(item.type)
    if mapping is None:
        return None
    src = ItemSource(segment(list(block.lines), TYPES[item.type].entry or no_entry))
    head = parse_heading(block.heading, block.line, 2, ProblemSink(""))
    tags = head.attrs.get("tags", "")
    data = {
        "type": item.type, "name": item.title, "text": src.stem, **mapping[0](item, src),
        "general_feedback": src.key("explanation"), "category": head.attrs.get("category", ""),
        "tags": [t.strip() for t in re.split(r"[,，]", tags) if t.strip()], "id": item.id, "points": item.points,
        "source_line": item.line,
    }
    return {key: data[key] for key in KEY_ORDER if key in data}


def quiz_to_dicts(quiz) -> tuple[list[dict], list[tuple[object, str]]]:
    """Every top-level item that has an interchange form; the others with the reason they were left out. An item
    a quiz includes from a bank is read from that bank's source; what a quiz draws per attempt is not exported."""
    out, left_out = [], []
    sources = {bank.name: bank.source for bank in getattr(quiz, "banks", ())}
    blocks: dict[str, dict[int, Block]] = {}
    for item in quiz.items:
        source = sources.get(getattr(item, "bank", ""), quiz.source)
        if source not in blocks:
            blocks[source] = {block.line: block for block in item_blocks(source) or ()}
        data = item_to_dict(blocks[source][item.line], item)
        if data is None:
            left_out.append((item, f"“{item.title or item.id}”（{item.type}）无法写成交换格式，已略过 (type has no interchange form)"))
        else:
            out.append(data)
    for draw in getattr(quiz, "draws", ()):
        left_out.append((draw, f"每次作答从题库 {draw.bank} 随机抽取的 {draw.count} 道题不在导出中 (drawn items are not exported)"))
    return out, left_out


def _item_id(q: dict, prefix: str, taken: set[str], warn) -> str:
    wanted = str(q.get("id") or "").strip()
    item_id = wanted if ID_RE.match(wanted) else re.sub(r"[^A-Za-z0-9_-]+", "-", wanted).strip("-_")[:100]
    if item_id and not ID_RE.match(item_id):
        item_id = ""
    if item_id and item_id in taken:
        warn(f"id“{item_id}”在题库中已存在，改用新的 id (id already in the bank; a new one is given)")
        item_id = ""
    elif wanted and item_id != wanted:
        warn(f"id“{wanted}”含有不允许的字符，改为“{item_id or '（自动编号）'}”(id rewritten)")
    if not item_id:
        number = len(taken) + 1
        while f"{prefix}-{number}" in taken:
            number += 1
        item_id = f"{prefix}-{number}"
    taken.add(item_id)
    return item_id


def _tag(tag: str, warn) -> str:
    clean = one_line(str(tag)).replace(",", "、").replace("，", "、")
    if clean != str(tag).strip():
        warn(f"标签“{tag}”中的逗号改为顿号 (comma in a tag)")
    return clean


def dict_to_block(q: dict, prefix: str, taken: set[str], warn) -> list[str]:
    """The Quiz Markdown lines of one interchange dict (heading first); [] when it cannot be written."""
    type_name = str(q.get("type", ""))
    mapping = hooks(type_name)
    if mapping is None:
        warn(f"不支持的题型“{q.get('type')}” (unsupported question type)", error=True)
        return []
    own = mapping[1](q, warn)
    try:
        points = float(q.get("points") or 1)
    except (TypeError, ValueError):
        warn(f"分值“{q.get('points')}”不是数字，按 1 分导入 (points not a number)")
        points = 1.0
    category = "/".join(one_line(p).strip() for p in str(q.get("category") or "").split("/") if p.strip())
    tags = [guard_attr(_tag(t, warn)) for t in q.get("tags") or [] if str(t).strip()]
    title = one_line(str(q.get("name") or "")) or one_line(re.sub(r"[\\*_`#>\[\]]", "", str(q.get("text") or "")))[:40]
    explanation = "\n\n".join(t for t in (str(q.get("general_feedback") or ""), own.pop("explanation", "")) if t.strip())
    data = {**blank_item(type_name, _item_id(q, prefix, taken, warn)), **own, "title": guard_title(title or "未命名题目"),
            "points": points if points > 0 else 1.0, "category": guard_attr(category), "tags": tags,
            "stem": guard_markdown(str(q.get("text") or "")), "explanation": guard_markdown(explanation)}
    return write_item(data).rstrip("\n").split("\n")
