"""Builders for open responses: roleplay (rubric table), short, numeric, essay."""
import re

from academy.learning.questions.quizmd.model import Criterion
from academy.learning.questions.quizmd.syntax import Segments

LEVEL_RE = re.compile(r"^(.*?)\s*[（(]\s*([+-]?\d+(?:\.\d+)?)\s*[)）]\s*$")
WEIGHT_HEADERS = {"权重", "weight"}
UNUSED = {"—", "-", "–", "——", ""}
CREDIT_RE = re.compile(r"^\{([+-]?\d+(?:\.\d+)?)%\}\s*(.*)$")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def build_roleplay(seg: Segments, ctx) -> dict:
    line, lines = seg.keys.get("rubric", (ctx.head.line, []))
    rows = [(line + 1 + i, text) for i, text in enumerate(lines) if text.strip().startswith("|")]
    if not rows:
        ctx.sink.add(line, "E801", "角色扮演缺少 评分量规： 表格 (rubric table missing)")
        return {}
    header = _cells(rows[0][1])
    has_weight = len(header) > 1 and header[1].lower() in WEIGHT_HEADERS
    levels = _levels(header[2 if has_weight else 1 :], rows[0][0], ctx)
    criteria = [_criterion(no, text, len(header), has_weight, ctx) for no, text in rows[2:]]
    criteria = tuple(c for c in criteria if c)
    if len(levels) < 2 or not criteria:
        ctx.sink.add(rows[0][0], "E806", "评分量规至少需要 2 个等级和 1 个维度 (rubric needs ≥2 levels and a criterion)")
    grader = ctx.head.attrs.get("grader", "trainer")
    return {"levels": levels, "criteria": criteria, "grader": grader,
            "model_answer_html": ctx.key_html("model_answer"), "debrief_html": ctx.key_html("debrief")}


def _levels(cells: list[str], line: int, ctx) -> tuple[tuple[str, float], ...]:
    levels = []
    for cell in cells:
        match = LEVEL_RE.match(cell)
        if not match:
            ctx.sink.add(line, "E802", f"等级列“{cell}”缺少分数，应写成 “优秀 (3)” (level header without points)")
            continue
        levels.append((match.group(1), float(match.group(2))))
    points = [p for _, p in levels]
    if len(set(points)) != len(points):
        ctx.sink.add(line, "E802", "等级分数重复 (duplicate level points)")
    return tuple(levels)


def _criterion(no: int, text: str, width: int, has_weight: bool, ctx) -> Criterion | None:
    cells = _cells(text)
    if len(cells) != width:
        ctx.sink.add(no, "E803", f"该行有 {len(cells)} 个单元格，表头有 {width} 个 (wrong cell count)")
        return None
    name, redline = cells[0], False
    if name.endswith("{redline}"):
        name, redline = name.removesuffix("{redline}").strip(), True
    weight = 1.0
    if has_weight:
        try:
            weight = float(cells[1])
            assert weight > 0
        except (ValueError, AssertionError):
            ctx.sink.add(no, "E804", f"权重“{cells[1]}”必须是正数 (weight must be positive)")
    descriptors = tuple(None if c in UNUSED else c for c in cells[2 if has_weight else 1 :])
    name = name.replace("**", "")
    return Criterion(name, weight, descriptors, redline, no)


def build_short(seg: Segments, ctx) -> dict:
    accepted = []
    for entry in seg.entries:
        match = CREDIT_RE.match(entry.text)
        credit, text = (float(match.group(1)) / 100, match.group(2)) if match else (1.0, entry.text)
        accepted.append((text.strip(), credit))
    if not accepted and ctx.head.kind not in ("essay", "简答"):
        ctx.sink.add(ctx.head.line, "E301", "填空/数值题需要 “答案：” 下的答案列表 (answers missing)")
    return {"accepted": tuple(accepted)}


def build_essay(seg: Segments, ctx) -> dict:
    return {"model_answer_html": ctx.key_html("model_answer"), "grader": "trainer"}
