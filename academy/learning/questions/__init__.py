"""Questions: the Quiz Markdown format and the registry of question types (one module per type in `types/`).

Everything else imports quizzes, items and scoring from here."""
from academy.learning.questions import registry
from academy.learning.questions.quizmd.model import STAGES, Choice, Condition, Criterion, Item, Node, Option, Pair, Quiz
from academy.learning.questions.quizmd.parser import parse_quiz, parse_quiz_text  # noqa: E402  (after the types)
from academy.learning.questions.registry import TYPES, ItemScore, QuestionType, question_type, score_item
from academy.learning.questions.types import (  # noqa: F401  (each module registers its type)
    classify,
    dialogue,
    essay,
    info,
    matching,
    multiple,
    numeric,
    ordering,
    roleplay,
    scenario,
    short,
    single,
    truefalse,
)

__all__ = ["STAGES", "TYPES", "Choice", "Condition", "Criterion", "Item", "ItemScore", "Node", "Option", "Pair",
           "QuestionType", "Quiz", "parse_quiz", "parse_quiz_text", "question_type", "registry", "score_item"]
