"""Builders for option-based and arrangement items: single, multiple, truefalse, ordering, matching, classify."""
import difflib
import re

from academy.learning.questions.quizmd.model import Option, Pair
from academy.learning.questions.quizmd.syntax import Segments, block_text
from academy.platform.render import render, render_inline

WEIGHT_RE = re.compile(r"^([+-]?\d+(?:\.\d+)?)%$")
TRUE_WORDS = {"对", "正确", "是", "true", "t", "yes"}
FALSE_WORDS = {"错", "错误", "否", "false", "f", "no"}
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def feedback_html(lines: list[str]) -> str:
    return render(block_text(lines))


def parse_option_braces(braces: str, line: int, ctx) -> tuple[float | None, bool]:
    weight, redline = None, False
    for token in braces.split():
        if token.lower() == "redline":
            redline = True
            continue
        match = WEIGHT_RE.match(token)
        if not match or not -100 <= float(match.group(1)) <= 100:
            ctx.sink.add(line, "E205", f"选项权重格式错误“{token}”：应为 {{50%}}、{{+50%}} 或 {{-100%}} (bad weight)")
            continue
        weight = float(match.group(1)) / 100
    return weight, redline


def build_options(kind: str, seg: Segments, ctx) -> dict:
    raw = []
    for entry in seg.entries:
        if entry.kind == "bad" or not entry.text:
            ctx.sink.add(entry.line, "E204", "选项格式错误：应为 “- [x] 文本” 或 “- [ ] 文本” (malformed option)")
            continue
        weight, redline = parse_option_braces(entry.braces, entry.line, ctx)
        raw.append((entry, entry.box == "x", weight, redline))
    _check_option_set(kind, raw, seg, ctx)
    return {"options": tuple(_make_option(i, kind, item, raw) for i, item in enumerate(raw))}


def _check_option_set(kind: str, raw: list, seg: Segments, ctx) -> None:
    line = seg.entries[0].line if seg.entries else ctx.head.line
    correct = [r for r in raw if r[1]]
    if len(raw) < 2:
        ctx.sink.add(line, "E201", "选项少于 2 个 (fewer than 2 options)")
    if kind == "single" and len(correct) != 1:
        ctx.sink.add(line, "E202", f"单选题必须恰好有一个 [x]，现有 {len(correct)} 个（多个正确项请用 多选）(single needs exactly one [x])")
    if kind == "multiple" and not correct:
        ctx.sink.add(line, "E203", "多选题至少要有一个 [x] (multiple needs a correct option)")
    explicit = [r[2] for r in correct if r[2] is not None]
    if kind == "multiple" and explicit and len(explicit) == len(correct) and abs(sum(explicit) - 1) > 0.0001:
        ctx.sink.add(line, "E206", "正确项的权重之和必须为 100% (weights of correct options must add up to 100%)")
    for entry, is_correct, weight, _ in raw:
        if kind == "single" and not is_correct and weight is not None and not 0 < weight < 1:
            ctx.sink.add(entry.line, "E206", "单选题的部分分必须在 0 到 100% 之间 (partial credit must be in (0,100))")
        if kind == "multiple" and not is_correct and weight is not None and weight > 0:
            ctx.sink.add(entry.line, "W209", "“[ ]” 选项带正权重，是否应为 [x]？(positive weight on a wrong option)")
    texts = [r[0].text for r in raw]
    for dup in {t for t in texts if texts.count(t) > 1}:
        ctx.sink.add(line, "W207", f"选项重复：“{dup}” (duplicate option)")


def _make_option(index: int, kind: str, item: tuple, raw: list) -> Option:
    entry, is_correct, weight, redline = item
    n_correct = max(1, sum(1 for r in raw if r[1]))
    if weight is None:
        weight = (1.0 if kind == "single" else 1 / n_correct) if is_correct else (0.0 if kind == "single" else -1 / n_correct)
    return Option(LETTERS[index % 26] + ("" if index < 26 else str(index)), entry.text, render_inline(entry.text),
                  is_correct, weight, feedback_html(entry.feedback), redline, entry.line)


def build_truefalse(seg: Segments, ctx) -> dict:
    if seg.entries:
        ctx.sink.add(seg.entries[0].line, "E302", "判断题不能有选项列表（请改用 单选）(no options in truefalse)")
    line, lines = seg.keys.get("answer", (ctx.head.line, []))
    word = block_text(lines).lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        ctx.sink.add(line, "E301", "判断题需要 “答案：对” 或 “答案：错” (truefalse needs 答案：对/错)")
    return {"answer": word in TRUE_WORDS, "correct_html": ctx.key_html("correct"), "incorrect_html": ctx.key_html("incorrect")}


def build_ordering(seg: Segments, ctx) -> dict:
    texts = [e.text for e in seg.entries]
    if len(texts) < 2 or len(set(texts)) != len(texts):
        ctx.sink.add(ctx.head.line, "E401", "排序题至少需要 2 个互不相同的条目 (ordering needs ≥2 distinct items)")
    if any(e.kind != "number" for e in seg.entries):
        ctx.sink.add(seg.entries[0].line, "W402", "排序条目混用了圆点和编号，按行序作为正确顺序 (mixed list markers)")
    scoring = ctx.head.attrs.get("scoring", "pairs")
    if scoring not in ("all_or_nothing", "positions", "pairs"):
        ctx.sink.add(ctx.head.line, "E102", "排序题 scoring 只能是 all_or_nothing / positions / pairs (bad scoring)")
    return {"sequence": tuple(texts), "scoring": scoring}


def _pairs(seg: Segments, ctx) -> list[Pair]:
    pairs = []
    for entry in seg.entries:
        if "=>" not in entry.text:
            ctx.sink.add(entry.line, "E501", "配对行缺少 “=>” (pair line without =>)")
            continue
        left, right = (part.strip() for part in entry.text.split("=>", 1))
        pairs.append(Pair(left, right, entry.line))
    return pairs


def build_matching(seg: Segments, ctx) -> dict:
    pairs = _pairs(seg, ctx)
    real = [p for p in pairs if p.left]
    if len(real) < 2:
        ctx.sink.add(ctx.head.line, "E502", "匹配题至少需要 2 组配对 (matching needs ≥2 pairs)")
    lefts = [p.left for p in real]
    for dup in {t for t in lefts if lefts.count(t) > 1}:
        ctx.sink.add(ctx.head.line, "E503", f"左侧重复：“{dup}” (duplicate left side)")
    return {"pairs": tuple(pairs)}


def build_classify(seg: Segments, ctx) -> dict:
    line, lines = seg.keys.get("categories", (ctx.head.line, []))
    categories = tuple(c.strip() for c in re.split(r"[|｜]", block_text(lines)) if c.strip())
    if len(categories) < 2:
        ctx.sink.add(line, "E505", "分类题需要 “类别：A | B”，至少 2 个类别 (categories line missing)")
    pairs = _pairs(seg, ctx)
    if len(pairs) < 2:
        ctx.sink.add(ctx.head.line, "E502", "分类题至少需要 2 个条目 (classify needs ≥2 items)")
    for pair in pairs:
        if not pair.left:
            ctx.sink.add(pair.line, "E506", "分类条目左侧不能为空 (empty left side)")
        elif categories and pair.right not in categories:
            near = difflib.get_close_matches(pair.right, categories, n=1)
            hint = f"，是否应为“{near[0]}”？" if near else ""
            ctx.sink.add(pair.line, "E504", f"类别“{pair.right}”不在 类别： 列表中{hint} (unknown category)")
    return {"pairs": tuple(pairs), "categories": categories}
