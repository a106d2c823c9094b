"""Turn one `##` block into an Item: common attributes, then the type's builder."""
import difflib
import re
from dataclasses import dataclass

from academy.learning.questions.quizmd.model import STAGES, Item
from academy.learning.questions.quizmd.syntax import (
    HEADING_RE,
    ID_RE,
    MISTYPED_KEYS,
    Heading,
    Segments,
    block_text,
    no_entry,
    segment,
)
from academy.learning.questions.registry import ALIASES, TYPES
from academy.platform.problems import ProblemSink
from academy.platform.render import render

COMMON_ATTRS = {"points", "concepts", "lesson", "shuffle", "stage", "category", "tags"}
MAX_CATEGORY, MAX_TAG = 120, 40


@dataclass
class ItemContext:
    sink: ProblemSink
    head: Heading
    ids: dict
    seg: Segments | None = None

    def key_html(self, key: str) -> str:
        return render(block_text(self.seg.keys[key][1])) if self.seg and key in self.seg.keys else ""


def split_subheadings(lines: list[tuple[int, str]]) -> tuple[list, list[tuple[int, str, list]]]:
    """Lines before the first `###`, then (line, heading text, body lines) per `###`."""
    intro, parts = [], []
    for no, text in lines:
        match = HEADING_RE.match(text)
        if match and len(match.group(1)) == 3:
            parts.append((no, match.group(2), []))
        elif parts:
            parts[-1][2].append((no, text))
        else:
            intro.append((no, text))
    return intro, parts


def resolve_type(head: Heading, sink: ProblemSink) -> str | None:
    kind = ALIASES.get(head.kind.lower())
    if kind is None:
        near = difflib.get_close_matches(head.kind, list(ALIASES), n=1, cutoff=0.3)
        hint = f"，是否应为“{near[0]}”？" if near else ""
        sink.add(head.line, "E101", f"未知题型“{head.kind}”{hint} (unknown item type)")
    return kind


def build_item(head: Heading, lines: list[tuple[int, str]], sink: ProblemSink, ids: dict, nested: bool = False) -> Item | None:
    kind = resolve_type(head, sink)
    if kind is None:
        return None
    question_type = TYPES[kind]
    if nested and not question_type.nestable:
        sink.add(head.line, "E602", f"情景题中不能包含“{head.kind}”子题 (type not allowed in a scenario)")
        return None
    ctx = ItemContext(sink, head, ids)
    item_id = _item_id(head, sink, ids)
    fields = _composite(question_type, lines, ctx) if question_type.composite else _simple(question_type, lines, ctx)
    if fields is None:
        return None
    points = _points(head, sink, fields)
    _check_attrs(question_type, head, sink)
    return Item(
        id=item_id, type=kind, title=head.title, points=points, line=head.line,
        stem_html=fields.pop("stem_html", ""), explanation_html=ctx.key_html("explanation"),
        hints=(ctx.key_html("hint"),) if ctx.seg and "hint" in ctx.seg.keys else (),
        concepts=tuple(c.strip() for c in re.split(r"[,，]", head.attrs.get("concepts", "")) if c.strip()),
        lesson=head.attrs.get("lesson", ""), stage=_stage(head, sink), category=_category(head, sink), tags=_tags(head, sink),
        shuffle=head.attrs.get("shuffle", "true") != "false",
        redline="redline" in head.flags, remediation_html=ctx.key_html("remediation"),
        manual=question_type.manual, scored=question_type.scored, **fields,
    )


def _item_id(head: Heading, sink: ProblemSink, ids: dict) -> str:
    item_id = head.item_id or f"item-{head.line}"
    if not head.item_id:
        sink.add(head.line, "W108", "题目缺少 #id（调整顺序后 xAPI 与错题本会失去关联）(item without #id)")
    elif not ID_RE.match(item_id):
        sink.add(head.line, "E105", f"id“{item_id}”含非法字符 (invalid id)")
    if item_id in ids:
        sink.add(head.line, "E104", f"题目 id“{item_id}”重复，第一次出现在第 {ids[item_id]} 行 (duplicate item id)")
    ids.setdefault(item_id, head.line)
    return item_id


def _points(head: Heading, sink: ProblemSink, fields: dict) -> float:
    default = sum(p.points for p in fields.get("parts", ())) or 1.0
    try:
        points = float(head.attrs.get("points", default))
        if points <= 0:
            raise ValueError
    except ValueError:
        sink.add(head.line, "E106", "points 必须是正数 (points must be positive)")
        points = default
    return points


def _stage(head: Heading, sink: ProblemSink) -> str:
    stage = head.attrs.get("stage", "")
    if stage and stage not in STAGES:
        near = difflib.get_close_matches(stage, STAGES, n=1, cutoff=0.3)
        hint = f"，是否应为“{near[0]}”？" if near else ""
        sink.add(head.line, "E110", f"未知的商机阶段“{stage}”{hint}（可用：{'、'.join(STAGES)}）(unknown stage)")
        return ""
    return stage


def _category(head: Heading, sink: ProblemSink) -> str:
    """A category path, `甲/乙`: levels separated by `/`, none of them empty."""
    raw = head.attrs.get("category")
    if raw is None:
        return ""
    levels = [level.strip() for level in raw.split("/")]
    if not all(levels) or len(raw) > MAX_CATEGORY:
        sink.add(head.line, "E111", f"category=“{raw}”格式错误：应为用 / 分隔的非空层级，如 category=法规/采购方式"
                                    f"（最长 {MAX_CATEGORY} 字）(malformed category path)")
        return ""
    return "/".join(levels)


def _tags(head: Heading, sink: ProblemSink) -> tuple[str, ...]:
    """Tags, `tags=招标,合规`: comma-separated, none empty; a repeated tag is said once."""
    raw = head.attrs.get("tags")
    if raw is None:
        return ()
    tags = [tag.strip() for tag in re.split(r"[,，]", raw)]
    if not all(tags) or any(len(tag) > MAX_TAG for tag in tags):
        sink.add(head.line, "E112", f"tags=“{raw}”格式错误：应为用逗号分隔的非空标签，每个最长 {MAX_TAG} 字 (malformed tags)")
        return ()
    if len(set(tags)) != len(tags):
        sink.add(head.line, "W113", f"tags=“{raw}”中有重复的标签 (duplicate tag)")
    return tuple(dict.fromkeys(tags))


def _check_attrs(question_type, head: Heading, sink: ProblemSink) -> None:
    allowed = COMMON_ATTRS | question_type.attrs
    for key in head.attrs:
        if key not in allowed:
            sink.add(head.line, "W103", f"属性 {key}= 对“{question_type.name}”题无效 (attribute not valid for this type)")


def _simple(question_type, lines: list, ctx: ItemContext) -> dict | None:
    for no, text in lines:
        if HEADING_RE.match(text) and text.startswith("###"):
            ctx.sink.add(no, "E109", "### 只能用在 情景 或 对话 题中 (### outside scenario/dialogue)")
        if (m := re.match(r"^(\S{2,3})\s*[:：]", text)) and m.group(1) in MISTYPED_KEYS:
            ctx.sink.add(no, "W901", f"“{m.group(1)}：”像是写错的关键行（解析/答案）(mistyped key line?)")
    ctx.seg = segment(lines, question_type.entry)
    for no, _text in ctx.seg.trailing:
        ctx.sink.add(no, "E208", "选项列表之后的文字不属于任何选项或关键行 (text after options)")
    stem = block_text(ctx.seg.stem) or question_type.default_stem
    if not stem and question_type.scored:
        ctx.sink.add(ctx.head.line, "E107", "题干为空 (empty question text)")
    return {"stem_html": render(stem), **question_type.build(ctx.seg, ctx)}


def _composite(question_type, lines: list, ctx: ItemContext) -> dict | None:
    intro, parts = split_subheadings(lines)
    ctx.seg = segment(intro, no_entry)
    stem = block_text(ctx.seg.stem)
    if not stem:
        ctx.sink.add(ctx.head.line, "E107", "案例/情境正文为空 (empty case text)")
    return {"stem_html": render(stem), **question_type.build(parts, ctx)}
