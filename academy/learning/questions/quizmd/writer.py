"""Writing Quiz Markdown from imported text, and reading an item's own source lines back.

The type modules use these to map an item to the interchange shape and back (their `exports["interchange"]`
hooks). Imported text is Markdown; anything that the parser would take for syntax at the start of a line
(a key line such as 答案：, a list marker, a heading, a quote) has its first character written as an HTML
character reference, which Markdown shows as the character itself and the parser leaves alone.
"""
import re
from dataclasses import dataclass

from academy.learning.questions.quizmd.syntax import HEADING_RE, KEY_RE, Segments, segment

# What a stored line must never start with: it would become a heading, key line, option, bullet,
# numbered entry, quote, table row or attribute block.
_LINE_SYNTAX = re.compile(r"^\s*(#|>|[-+*]\s|[-+*]$|\d+[.)、]|\||\{|```|~~~|---)")
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


def plain_to_markdown(text: str) -> str:
    """Plain text (Moodle's moodle/plain formats) as Markdown that shows exactly that text."""
    text = text.replace("&", "&amp;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def one_line(text: str) -> str:
    """Text that must stay on one line (an option, a pair side, a title): line breaks become spaces."""
    return re.sub(r"\s*\n\s*", " ", text).strip()


def heading_title(text: str) -> str:
    """A title for `## 类型：标题 {…}`: one line, no braces (they would open the attribute block) and no raw HTML
    (titles are shown escaped, so `<` and an event attribute's `=` are written in their full-width forms)."""
    title = one_line(text).replace("{", "｛").replace("}", "｝").replace("<", "＜")
    return _EVENT_ATTR.sub(lambda m: m.group(1) + "＝", title)


def attr_value(value: str) -> str:
    """A heading attribute value: quoted when it has spaces; characters the attribute block cannot hold
    (quotes and braces) become their full-width forms."""
    value = one_line(value).replace('"', "＂").replace("{", "｛").replace("}", "｝")
    return f'"{value}"' if (not value or re.search(r"\s", value)) else value


def heading(alias: str, title: str, item_id: str, attrs: dict[str, str]) -> str:
    parts = [f"#{item_id}"] + [f"{key}={attr_value(value)}" for key, value in attrs.items() if value not in ("", None)]
    return f"## {alias}：{heading_title(title)} {{{' '.join(parts)}}}"


def key_block(word: str, text: str) -> list[str]:
    """A key line (解析：…) with the text under it; empty text writes nothing."""
    body = guard_markdown(text)
    return [f"{word}：", body] if body else []


def quoted(text: str) -> list[str]:
    """Feedback under an option: `  > line` per line."""
    body = guard_markdown(text)
    return [f"  > {line}" if line else "  >" for line in body.split("\n")] if body else []


def format_percent(weight: float) -> str:
    text = f"{weight:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass
class ItemSource:
    """The Markdown an item was written with (the parsed Item keeps only rendered HTML)."""
    seg: Segments

    @property
    def stem(self) -> str:
        return "\n".join(self.seg.stem).strip()

    def key(self, name: str) -> str:
        return "\n".join(self.seg.keys[name][1]).strip() if name in self.seg.keys else ""

    def entry_feedback(self) -> list[str]:
        """Each well-formed list entry's `>` feedback, in order."""
        return ["\n".join(e.feedback).strip() for e in self.seg.entries if e.kind != "bad" and e.text]


def item_source(source: str, line: int, entry) -> ItemSource:
    """Segment the body of the `##` item whose heading is on `line` (1-based) of the quiz file `source`."""
    lines = source.replace("\r\n", "\n").split("\n")
    body, fenced = [], False
    for number in range(line + 1, len(lines) + 1):
        text = lines[number - 1]
        fenced = fenced != text.lstrip().startswith("```")
        match = None if fenced else HEADING_RE.match(text)
        if match and len(match.group(1)) == 2:
            break
        body.append((number, re.sub(r"<!--.*?-->", "", text).rstrip()))
    return ItemSource(segment(body, entry))
