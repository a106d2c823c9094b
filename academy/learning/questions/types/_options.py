"""The option list of single and multiple as item data: read from the item's entries, written as
`- [x] {weight% redline} text` lines with their `>` feedback, and blank for a new item."""
from academy.learning.questions.quizmd.choices import WEIGHT_RE
from academy.learning.questions.quizmd.syntax import Segments
from academy.learning.questions.quizmd.writer import clean, feedback_lines, lines_text, number


def read_options(seg: Segments) -> list[dict]:
    options = []
    for entry in seg.entries:
        weight, redline = None, False
        for token in entry.braces.split():
            if token.lower() == "redline":
                redline = True
            elif match := WEIGHT_RE.match(token):
                weight = round(float(match.group(1)), 2)
        options.append({"text": entry.text, "correct": entry.box == "x", "weight": weight,
                        "feedback": lines_text(entry.feedback), "redline": redline})
    return options


def option_lines(options: list[dict]) -> list[str]:
    lines = []
    for option in options:
        braces = [f"{number(option['weight'])}%"] if option.get("weight") is not None else []
        braces += ["redline"] if option.get("redline") else []
        marker = "- [x]" if option.get("correct") else "- [ ]"
        lines.append(" ".join([marker, *([f"{{{' '.join(braces)}}}"] if braces else []), clean(option["text"])]))
        lines += feedback_lines(option.get("feedback", ""))
    return lines


def blank_options(count: int = 4) -> list[dict]:
    return [{"text": "", "correct": i == 0, "weight": None, "feedback": "", "redline": False} for i in range(count)]
