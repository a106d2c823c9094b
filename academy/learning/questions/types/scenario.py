"""情景 scenario: a case with ### sub-questions of the simple types; each part is scored by its own type and
enters the 错题本 on its own."""
from academy.learning.questions.quizmd.items import build_item
from academy.learning.questions.quizmd.syntax import parse_heading
from academy.learning.questions.registry import TYPES, ItemScore, QuestionType, from_fraction, register, score_item


def build(parts, ctx) -> dict:
    if not parts:
        ctx.sink.add(ctx.head.line, "E601", "情景题没有子题 (scenario without sub-questions)")
    built = []
    for no, text, body in parts:
        item = build_item(parse_heading(text, no, 3, ctx.sink), body, ctx.sink, ctx.ids, nested=True)
        if item:
            built.append(item)
    return {"parts": tuple(built)}


def parse_answer(item, form):
    answer = {part.id: TYPES[part.type].parse_answer(part, form) for part in item.parts}
    return {k: v for k, v in answer.items() if v is not None} or None


def score(item, response):
    answers = response if isinstance(response, dict) else {}
    parts = {p.id: score_item(p, answers.get(p.id)) for p in item.parts}
    total = sum(s.points for s in parts.values()) or 1.0
    fraction = sum(s.score for s in parts.values()) / total
    redline = any(s.redline for s in parts.values())
    result = from_fraction(item, fraction, redline)
    detail = {k: {"score": v.score, "points": v.points, "correct": v.correct, "redline": v.redline} for k, v in parts.items()}
    return ItemScore(result.score, result.points, all(s.correct for s in parts.values()), redline, detail={"parts": detail})


def outcomes(item, _answer, score_: ItemScore) -> dict[str, bool]:
    return {part_id: detail["correct"] for part_id, detail in score_.detail.get("parts", {}).items()}


def shuffled(quiz, item) -> bool:
    """The attempt's seed changes the case when it changes how any of its sub-questions is shown."""
    return any(TYPES[part.type].shuffled(quiz, part) for part in item.parts)


def sample(item, rng, skill):
    return {p.id: TYPES[p.type].sample(p, rng, skill) for p in item.parts}


TYPE = register(QuestionType(
    name="scenario", aliases=("情景",), build=build, composite=True, score=score, parse_answer=parse_answer,
    checkable=True, outcomes=outcomes, sample=sample, shuffled=shuffled, form_macro="scenario", result_macro="scenario",
))
