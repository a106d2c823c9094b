"""Turn a posted answer form into typed responses, each item by its question type's own parser; anything that
does not belong to the item is refused (BadAnswer)."""
from werkzeug.datastructures import MultiDict

from academy.learning.questions import TYPES, Quiz
from academy.learning.questions.types._forms import BadAnswer

__all__ = ["BadAnswer", "parse_responses"]


def parse_responses(quiz: Quiz, form: MultiDict) -> dict:
    """Responses for every item present in the form (a dialogue is played step by step, so it has none)."""
    answers = {}
    for item in quiz.items:
        value = TYPES[item.type].parse_answer(item, form)
        if value is not None:
            answers[item.id] = value
    return answers
