"""说明 info: text between questions; not scored."""
from academy.learning.questions.quizmd.syntax import no_entry
from academy.learning.questions.registry import ItemScore, QuestionType, Writer, no_outcomes, register

TYPE = register(QuestionType(
    name="info", aliases=("说明",), entry=no_entry, build=lambda seg, ctx: {}, scored=False,
    score=lambda item, response: ItemScore(0.0, 0.0, True), outcomes=no_outcomes, verdict=lambda result: ("", ""),
    writer=Writer(read=lambda item, seg: {}, write=lambda data: ([], []), blank=dict),  # the stem is all it has
    exports={"interchange": (lambda item, src: {}, lambda q, warn: {})},
))
