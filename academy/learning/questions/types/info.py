"""说明 info: text between questions; not scored."""
from academy.learning.questions.quizmd.syntax import no_entry
from academy.learning.questions.registry import ItemScore, QuestionType, no_outcomes, register
from academy.learning.questions.types._interchange import Block

TYPE = register(QuestionType(
    name="info", aliases=("说明",), entry=no_entry, build=lambda seg, ctx: {}, scored=False,
    score=lambda item, response: ItemScore(0.0, 0.0, True), outcomes=no_outcomes, verdict=lambda result: ("", ""),
    exports={"interchange": (lambda item, src: {}, lambda q, warn: Block())},
))
