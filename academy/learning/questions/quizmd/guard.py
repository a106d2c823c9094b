"""Foreign text (an imported question) made safe to hand to the Quiz Markdown writer (quizmd.writer).

The writer writes text as it is given; the form editor checks its own text by reading the item back, but
imported text is guarded first.  Imported text is Markdown; anything that the parser would take for syntax at
the start of a line (a key line such as 答案：, a list marker, a heading, a quote) has its first character
written as an HTML character reference, which Markdown shows as the character itself and the parser leaves
alone.  Titles and attribute values cannot hold what would close the heading's attribute block.
"""
import re

from academy.learning.questions.quizmd.syntax import KEY_RE

# What a stored line must never start with: it would become a heading, key line, option, bullet,
# numbered entry, quote, table row or attribute block, or a malformed option ("-[x]", E204).
_LINE_SYNTAX = re.compile(r"^\s*(#|>|[-+*]\s|[-+*]$|-\[|\d+[.)、]|\||\{|```|~~~|---)")
_EVENT_ATTR = re.compile(r"(\son\w+\s*)=", re.I)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|])")


def char_ref(char: str) -> str:
    return f"&#{ord(char)};"


def guard_line(line: str) -> str:
    """A line of Markdown that the Quiz Markdown parser reads as prose, shown unchanged to the learner."""
    stripped = line.lstrip()
    if not stripped:
        return ""
    if _LINE_SYNTAX.match(stripped) or KEY_RE.match(stripped):
        return char_ref(stripped[0]) + stripped[1:]
    return stripped


def guard_markdown(text: str) -> str:
    """Markdown text made safe to store: no raw HTML survives (`<` written as &lt;, event attributes
    broken), no line is taken for Quiz Markdown syntax, blank-line runs kept to one."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("<", "&lt;")
    text = _EVENT_ATTR.sub(lambda m: m.group(1) + "&#61;", text)
    out: list[str] = []
    for raw in text.split("\n"):
        line = guard_line(raw)
        if line != raw.lstrip() and out and out[-1].strip() and not out[-1].endswith("  "):
            out[-1] += "  "  # a guarded list line stays on a line of its own (a Markdown hard break)
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def guard_entry(text: str) -> str:
    """The text of a list entry (an option): one line of guarded Markdown."""
    return guard_line(one_line(guard_markdown(text or "")))


def plain_to_markdown(text: str) -> str:
    """Plain text (Moodle's moodle/plain formats) as Markdown that shows exactly that text."""
    text = text.replace("&", "&amp;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def one_line(text: str) -> str:
    """Text that must stay on one line (an option, a pair side, a title): line breaks become spaces."""
    return re.sub(r"\s*\n\s*", " ", text).strip()


def guard_title(text: str) -> str:
    """A title for `## 类型：标题 {…}`: one line, no braces (they would open the attribute block) and no raw HTML
    (titles are shown escaped, so `<` and an event attribute's `=` are written in their full-width forms)."""
    title = one_line(text).replace("{", "｛").replace("}", "｝").replace("<", "＜")
    return _EVENT_ATTR.sub(lambda m: m.group(1) + "＝", title)


def guard_attr(value: str) -> str:
    """A heading attribute value: one line; the characters the attribute block cannot hold (quotes and braces)
    become their full-width forms."""
    return one_line(str(value)).replace('"', "＂").replace("{", "｛").replace("}", "｝")
