"""Quiz Markdown: parse quizzes/<id>.md into frozen dataclasses, collecting every problem with its line."""
from academy.quizmd.model import (
    Choice,
    Condition,
    Criterion,
    Item,
    Node,
    Option,
    Pair,
    Quiz,
)
from academy.quizmd.parser import parse_quiz, parse_quiz_text

__all__ = ["Choice", "Condition", "Criterion", "Item", "Node", "Option", "Pair", "Quiz", "parse_quiz", "parse_quiz_text"]
