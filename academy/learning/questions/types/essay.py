"""简答 essay: free text, scored by a reviewer."""
from flask_babel import lazy_gettext as _l

from academy.learning.questions.quizmd.guard import guard_markdown
from academy.learning.questions.quizmd.openresponse import build_essay
from academy.learning.questions.quizmd.syntax import no_entry
from academy.learning.questions.quizmd.writer import key_lines, key_text
from academy.learning.questions.registry import ItemScore, QuestionType, Writer, from_fraction, no_outcomes, register
from academy.learning.questions.types._forms import parse_text


def parse_answer(item, form):
    text = parse_text(item, form)
    return {"text": text} if text else None


def score(item, response):
    given = (response or {}).get("score") if isinstance(response, dict) else None
    if not isinstance(given, (int, float)):
        return ItemScore(0.0, item.points, False, pending=True)
    return from_fraction(item, float(given) / item.points if item.points else 0.0)


def scored_by_reviewer(result: dict) -> tuple[str, str]:
    """A reviewed answer is given a score, not judged right or wrong."""
    if result.get("pending"):
        return "pending", _l("待评阅")
    return "scored", _l("评阅得分")


WRITER = Writer(  # the stem, and the 参考回答 a reviewer sees; no form in the form editor
    read=lambda item, seg: {"model_answer": key_text(seg, "model_answer")},
    write=lambda data: ([], key_lines("参考回答", data["model_answer"])), blank=lambda: {"model_answer": ""},
)


def from_interchange(q, warn):
    """Moodle's information for graders becomes the 参考回答 a reviewer sees."""
    return {"model_answer": guard_markdown(q.get("grader_info") or "")}


TYPE = register(QuestionType(
    name="essay", aliases=("简答",), entry=no_entry, build=build_essay, score=score, parse_answer=parse_answer,
    nestable=True, manual=True, outcomes=no_outcomes, verdict=scored_by_reviewer,
    sample=lambda item, rng, skill: {"text": "先复述客户的关切，再说明合规的推进路径。"},
    form_macro="long_answer", result_macro="long_answer", writer=WRITER,
    exports={"interchange": (lambda item, src: {"grader_info": src.key("model_answer")}, from_interchange)},
))
