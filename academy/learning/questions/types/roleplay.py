"""角色扮演 roleplay: an open response with a self-assessment, scored by a reviewer on a rubric; a red-line
criterion at the lowest level fails the attempt."""
from flask_babel import lazy_gettext as _l

from academy.learning.questions.quizmd.openresponse import build_roleplay
from academy.learning.questions.quizmd.syntax import no_entry
from academy.learning.questions.registry import ItemScore, QuestionType, from_fraction, no_outcomes, register
from academy.learning.questions.types._forms import BadAnswer, field_name, parse_text
from academy.learning.questions.types.essay import scored_by_reviewer


def parse_answer(item, form):
    text = parse_text(item, form)
    allowed = {str(int(p)) if p == int(p) else str(p) for _, p in item.levels}
    self_rating = {}
    for index in range(len(item.criteria)):
        value = form.get(f"{field_name(item)}-self-{index}", "")
        if value and value not in allowed:
            raise BadAnswer(_l("自评等级无效"))
        if value:
            self_rating[str(index)] = float(value)
    return {"text": text or "", "self": self_rating} if text or self_rating else None


def score(item, response):
    levels = (response or {}).get("levels") if isinstance(response, dict) else None
    if not isinstance(levels, dict) or len(levels) != len(item.criteria):
        return ItemScore(0.0, item.points, False, pending=True)
    top = max(p for _, p in item.levels)
    low = min(p for _, p in item.levels)
    max_raw = sum(c.weight * top for c in item.criteria) or 1.0
    chosen = [levels.get(str(i)) for i in range(len(item.criteria))]
    # A rater picks one of the rubric's levels; a final level may lie between two (the mean of two raters' levels).
    if not all(isinstance(p, (int, float)) and not isinstance(p, bool) and low <= p <= top for p in chosen):
        return ItemScore(0.0, item.points, False, pending=True)
    raw = sum(c.weight * p for c, p in zip(item.criteria, chosen))
    redline = any(c.redline and p <= low for c, p in zip(item.criteria, chosen))
    return from_fraction(item, raw / max_raw, redline, raw=raw, max_raw=max_raw)


def sample(item, rng, skill):
    return {"text": "先复述客户的关切并确认口径，再说明采购路径与各角色的关注点，最后提出三个合规的推进动作。",
            "self": {str(i): max(p for _, p in item.levels) for i in range(len(item.criteria))}}


TYPE = register(QuestionType(
    name="roleplay", aliases=("角色扮演",), entry=no_entry, build=build_roleplay, attrs=frozenset({"grader"}),
    score=score, parse_answer=parse_answer, manual=True, outcomes=no_outcomes, verdict=scored_by_reviewer,
    sample=sample, form_macro="long_answer", result_macro="long_answer",
))
