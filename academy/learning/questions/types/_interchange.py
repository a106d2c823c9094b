"""The interchange shape (docs/question-formats.md) for the types that share a layout: options with weights
(single, multiple, truefalse), typed answers (short, numeric) and pairs (matching, classify).

Each type module registers `exports={"interchange": (to_interchange, from_interchange)}`:
- `to_interchange(item, src) -> dict`: the type's own keys (options, pairs, answers…) from the parsed item and
  its Markdown source (`ItemSource`); the caller adds the common keys.
- `from_interchange(q, warn) -> dict`: the type's own fields of the item data the Quiz Markdown writer writes
  (quizmd.writer, the type's `writer`), its text guarded (quizmd.guard); an "explanation" among them is text
  for 解析 after the general feedback (feedback Quiz Markdown has no place for).  `warn(message, error=False)`
  reports what could not be said (an error keeps the whole import from being saved).
"""
from dataclasses import dataclass

from academy.learning.questions.quizmd.guard import guard_attr, guard_entry, guard_markdown, one_line
from academy.learning.questions.quizmd.syntax import Segments

FULL = 100.0
CLOSE = 1e-6


@dataclass
class ItemSource:
    """The Markdown an item was written with (the parsed Item keeps only rendered HTML)."""
    seg: Segments

    @property
    def stem(self) -> str:
        return "\n".join(self.seg.stem).strip()

    def key(self, name: str) -> str:
        return "\n".join(self.seg.keys[name][1]).strip() if name in self.seg.keys else ""

    def entry_feedback(self) -> list[str]:
        """Each well-formed list entry's `>` feedback, in order."""
        return ["\n".join(e.feedback).strip() for e in self.seg.entries if e.kind != "bad" and e.text]


def _weight(option: dict) -> float:
    try:
        return float(option.get("weight") or 0)
    except (TypeError, ValueError):
        return 0.0


def _option(option: dict, correct: bool, weight: float | None) -> dict:
    return {"text": guard_entry(option.get("text", "")), "correct": correct, "weight": weight,
            "feedback": guard_markdown(option.get("feedback") or ""), "redline": False}


def options_out(item, src) -> dict:
    feedback = src.entry_feedback()
    return {"options": [
        {"text": o.text, "weight": round(o.weight * 100, 5), "feedback": feedback[i] if i < len(feedback) else ""}
        for i, o in enumerate(item.options)
    ]}


def single_in(q: dict, warn) -> dict:
    options = q.get("options") or []
    full = [o for o in options if _weight(o) >= FULL - CLOSE]
    if len(full) != 1:
        warn(f"单选题必须恰好有一个 100% 的选项（现有 {len(full)} 个）；多个正确项请用多选 (single needs exactly one 100% option)",
             error=True)
    rows = []
    for option in options:
        weight = _weight(option)
        if weight < 0:
            warn("单选题的负分选项按 0 分导入（单选不扣分）(negative weight in a single-answer question read as 0)")
            weight = 0.0
        if option is (full[0] if full else None):
            rows.append(_option(option, True, None))
        else:
            rows.append(_option(option, False, min(weight, 99.999) if weight > 0 else None))
    return {"shuffle": True, "options": rows}


def scoring_in(q: dict, default: str) -> str:
    """The scoring= an interchange dict names (written as it is; the parser checks it), else the default."""
    return guard_attr(q.get("scoring") or "") or default


def multiple_in(q: dict, warn) -> dict:
    options = q.get("options") or []
    positive = sum(_weight(o) for o in options if _weight(o) > 0)
    # Moodle rounds the sum of the positive grades to 2 decimals before checking it is 100%: 33.3% three times
    # passes there, so it passes here too (scaled to exactly 100%).
    scale = FULL / positive if positive and abs(positive - FULL) < 0.5 else 1.0
    if not positive:
        warn("多选题没有任何正分选项 (no option with a positive weight)", error=True)
    rows = []
    for option in options:
        weight = _weight(option) * (scale if _weight(option) > 0 else 1.0)
        rows.append(_option(option, weight > 0, weight))
    return {"scoring": scoring_in(q, "partial"), "shuffle": True, "options": rows}


def truefalse_out(item, src) -> dict:
    right, wrong = src.key("correct"), src.key("incorrect")
    return {"options": [
        {"text": "true", "weight": FULL if item.answer else 0.0, "feedback": right if item.answer else wrong},
        {"text": "false", "weight": 0.0 if item.answer else FULL, "feedback": wrong if item.answer else right},
    ]}


def truefalse_in(q: dict, warn) -> dict:
    options = {str(o.get("text", "")).strip().lower(): o for o in q.get("options") or []}
    if set(options) != {"true", "false"}:
        warn("判断题需要 true 与 false 两个选项 (truefalse needs a true and a false option)", error=True)
        return {"answer": None, "correct_feedback": "", "incorrect_feedback": "", "redline": False}
    answer = _weight(options["true"]) >= FULL - CLOSE
    right, wrong = (options["true"], options["false"]) if answer else (options["false"], options["true"])
    return {"answer": answer, "correct_feedback": guard_markdown(right.get("feedback") or ""),
            "incorrect_feedback": guard_markdown(wrong.get("feedback") or ""), "redline": False}


def _number(value) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def answers_out(item, numeric: bool) -> dict:
    answers = []
    for text, credit in item.accepted:
        answer = {"weight": round(credit * 100, 5), "feedback": ""}
        if numeric:
            answer.update(_numeric_answer(text))
        else:
            answer["text"] = text
        answers.append(answer)
    return {"answers": answers}


def _numeric_answer(text: str) -> dict:
    try:
        if ".." in text:
            low, high = (float(p) for p in text.split("..", 1))
            return {"value": (low + high) / 2, "tolerance": (high - low) / 2, "range": [low, high]}
        centre, _, tolerance = text.replace("±", "+-").partition("+-")
        return {"value": float(centre), "tolerance": float(tolerance or 0)}
    except ValueError:
        return {"text": text}


def answers_in(q: dict, warn, numeric: bool) -> dict:
    answers, notes = [], []
    for answer in q.get("answers") or []:
        weight = _weight(answer)
        shown = _numeric_text(answer, warn) if numeric else one_line(str(answer.get("text") or ""))
        if answer.get("feedback"):
            notes.append(f"“{'其他答案' if shown in (None, '*') else shown}”：{one_line(answer['feedback'])}")
        if shown is None or weight <= 0 or (numeric and shown == "*"):
            if weight > 0:
                warn("“*”（任何数值）不能作为得分答案导入 (a wildcard numeric answer cannot earn credit)", error=True)
            continue
        if not shown:
            warn("答案为空 (empty answer)", error=True)
            continue
        answers.append({"text": shown, "weight": None if weight >= FULL - CLOSE else min(weight, FULL)})
    if not answers:
        warn("没有任何得分的答案 (no answer earns credit)", error=True)
    if notes:
        warn("各答案的反馈并入了“解析” (per-answer feedback merged into the explanation)")
    return {"answers": answers, "explanation": "\n".join(notes)}


def _numeric_text(answer: dict, warn) -> str | None:
    if answer.get("range"):
        low, high = answer["range"]
        return f"{_number(low)}..{_number(high)}"
    value = answer.get("value")
    if value in (None, "", "*") or answer.get("text") == "*":
        return "*"
    try:
        tolerance = float(answer.get("tolerance") or 0)
        return _number(value) + (f"+-{_number(abs(tolerance))}" if tolerance else "")
    except (TypeError, ValueError):
        warn(f"数值答案“{value}”不是数字 (not a number)", error=True)
        return None


def pair_side(text: str, warn) -> str:
    side = one_line(str(text or ""))
    if "=>" in side:
        warn("配对文字中的“=>”改写为“⇒” (=> inside a pair rewritten)")
        side = side.replace("=>", "⇒")
    return side


def pairs_out(item) -> dict:
    return {"pairs": [{"left": p.left, "right": p.right} for p in item.pairs]}


def pairs_in(q: dict, warn) -> list[dict]:
    """The pairs of an interchange dict in order; one without a left side is a distractor."""
    return [{"left": pair_side(pair.get("left"), warn), "right": one_line(str(pair.get("right") or ""))}
            for pair in q.get("pairs") or []]
