"""The accepted answers of short and numeric as item data: `答案：` then `- {weight%} text` per answer (a full-credit
answer has no weight).  The form editor has no form for them; the importers write them."""
from academy.learning.questions.quizmd.writer import clean, number
from academy.learning.questions.registry import Writer


def read(item, _seg) -> dict:
    return {"answers": [{"text": text, "weight": None if credit >= 1 else round(credit * 100, 2)}
                        for text, credit in item.accepted]}


def write(data) -> tuple[list[str], list[str]]:
    lines = ["答案："]
    for answer in data["answers"]:
        weight = [f"{{{number(answer['weight'])}%}}"] if answer.get("weight") is not None else []
        lines.append(" ".join(["-", *weight, clean(answer["text"])]))
    return [], lines


WRITER = Writer(read=read, write=write, blank=lambda: {"answers": [{"text": "", "weight": None}]})
