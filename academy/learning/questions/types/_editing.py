"""What the form-editor parts of several types share: text as the editor holds it, numbers and attribute values
as Quiz Markdown writes them, key lines, and the option list of single and multiple."""
import re

from academy.learning.questions.quizmd.choices import WEIGHT_RE
from academy.learning.questions.quizmd.syntax import Segments

BARE_VALUE_RE = re.compile(r'^[^\s"{}]+$')


def clean(text: str | None) -> str:
    """Text as Quiz Markdown gives it back: LF line ends, no trailing spaces on a line, no blank edges."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def lines_text(lines: list[str]) -> str:
    return clean("\n".join(lines))


def key_text(seg: Segments, key: str) -> str:
    return lines_text(seg.keys[key][1]) if key in seg.keys else ""


def key_lines(word: str, text: str) -> list[str]:
    """A key line (`解析：…`) and its continuation lines; nothing for empty text."""
    text = clean(text)
    if not text:
        return []
    first, *rest = text.split("\n")
    return [f"{word}：{first}", *rest]


def number(value: float) -> str:
    """2.0 → "2", 1.5 → "1.5" (the editor keeps two decimals)."""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def attr(key: str, value: str) -> str:
    """key=value, quoted when the value has spaces (a value cannot hold a double quote or a brace)."""
    return f"{key}={value}" if BARE_VALUE_RE.match(value) else f'{key}="{value}"'


def feedback_lines(text: str) -> list[str]:
    return [f"  > {line}".rstrip() for line in clean(text).split("\n")] if clean(text) else []


# ---- single and multiple ----------------------------------------------------------------------------

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
