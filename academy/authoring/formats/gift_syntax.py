"""GIFT's lexical layer, as Moodle's qformat_gift reads it: escapes swapped for placeholders before anything else,
a leading [format] marker, the file split into questions at blank lines, `//` comment lines with their `[id:]`
and `[tag:]`, `$CATEGORY:` lines, and the answer pieces' weights (`%50%`) and feedback (`# …`).  The questions
are built from these in academy.authoring.formats.gift."""
import re

from academy.authoring.formats import Parsed, Problem, Question

# Escaped characters become private-use placeholders until the structure is read (Moodle uses &&058; etc.).
_ESCAPES = {":": "\ue001", "#": "\ue002", "=": "\ue003", "{": "\ue004", "}": "\ue005", "~": "\ue006", "n": "\ue007"}
_BACKSLASH = "\ue000"
_DECODE = {v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()}
# The text itself may hold these private-use characters (some systems keep rare CJK characters there).  Each is
# shielded first as _SHIELD and a letter, which nothing in GIFT's structure reads, and comes back unchanged.
_SHIELD = "\ue008"
_SHIELDED = {0xE000 + i: _SHIELD + letter for i, letter in enumerate("abcdefghi")}  # _SHIELD itself included
_UNSHIELD = re.compile(_SHIELD + "([a-i])")
WEIGHT_RE = re.compile(r"^%-*([0-9]{1,2})\.?([0-9]*)%")
FORMATS = ("moodle", "html", "plain", "markdown")
# As Moodle reads them: an id has no control character (so a token split over two lines is not one) and no
# unescaped brackets; a tag has no control character, no unescaped ], and no < or >.
ID_RE = re.compile(r"\[id:((?:\\\]|[^\]\[\x00-\x1f\x7f])+)\]")
TAG_RE = re.compile(r"\[tag:((?:\\\]|[^\]<>\x00-\x1f\x7f])+)\]")


def escape_pre(text: str) -> str:
    text = text.translate(_SHIELDED).replace("\\\\", _BACKSLASH)
    for char, holder in _ESCAPES.items():
        text = text.replace("\\" + char, holder)
    return text.replace(_BACKSLASH, "\\")


def escape_post(text: str) -> str:
    for holder, char in _DECODE.items():
        text = text.replace(holder, char)
    return _UNSHIELD.sub(lambda found: chr(0xE000 + ord(found[1]) - ord("a")), text)


def unescape(text: str) -> str:
    """GIFT-escaped text → the text it stands for (`\\{` → `{`, `\\\\` → `\\`, `\\n` → newline)."""
    return escape_post(escape_pre(text))


def escape(text: str) -> str:
    """Text → GIFT, as Moodle's exporter writes it: `\\ # = ~ { } :` escaped, newlines as `\\n`."""
    for char, written in (("\\", "\\\\"), ("#", "\\#"), ("=", "\\="), ("~", "\\~"), ("{", "\\{"), ("}", "\\}"),
                          (":", "\\:"), ("\n", "\\n"), ("\r", "")):
        text = text.replace(char, written)
    return text


def note(parsed: Parsed, line: int, message: str) -> None:
    parsed.problems.append(Problem(line, message, False))


def php_empty(text: str) -> bool:
    return text in ("", "0")


def with_format(text: str, default: str) -> tuple[str, str]:
    """Moodle's parse_text_with_format: a leading [html]/[moodle]/[plain]/[markdown] sets the format."""
    fmt = default
    if text.startswith("[") and "]" in text:
        name = text[1 : text.index("]")]
        if name in FORMATS:
            fmt, text = name, text[text.index("]") + 1 :]
    return escape_post(text).strip(), fmt


def question_blocks(text: str, parsed: Parsed) -> list[list[tuple[int, str]]]:
    blocks, current = [], []
    for number, line in enumerate(text.split("\n"), 1):
        line = line.strip()
        if php_empty(line):
            if line == "0":
                note(parsed, number, "只有“0”的一行被 Moodle 当作空行，题目在此处断开 (a line “0” ends the question)")
            if current:
                blocks.append(current)
            current = []
        else:
            current.append((number, line))
    if current:
        blocks.append(current)
    return blocks


def comments_of(block, parsed) -> tuple[list[tuple[int, str]], str, int | None]:
    """The block's text lines (comments dropped), its comments joined, and the first text line."""
    lines, comments, opened = [], [], False
    for number, line in block:
        if line.startswith("//"):
            comments.append(line)
            if lines and not opened:
                note(parsed, number, "题干中间的 // 注释行已删除（Moodle 会留下一个空格行）(comment inside question text dropped)")
            continue
        lines.append((number, line))
        opened = opened or "{" in escape_pre(line)
    return lines, "\n".join(comments), (lines[0][0] if lines else None)


def category_of(text: str, line: int, parsed: Parsed) -> str:
    raw = text[len("$CATEGORY:"):].strip()
    decoded = escape_post(raw)
    if any(holder in raw for holder in _DECODE):
        note(parsed, line, "类别名中的转义字符已还原（Moodle 会留下 &&058; 之类的占位符）(escapes in a category decoded)")
    decoded = decoded.replace("//", "／")
    parts = [p.strip() for p in decoded.split("/") if p.strip()]
    while parts and (re.fullmatch(r"\$\w+\$", parts[0]) or parts[0] == "top"):
        parts.pop(0)
    return "/".join(parts)


def split_pieces(answer: str, sep: str) -> list[str]:
    pieces = answer.split(sep)
    pieces[0] = pieces[0].strip()
    return pieces[1:] if php_empty(pieces[0]) else pieces


def weight_of(piece: str, q: Question, default: float) -> tuple[float, str]:
    if WEIGHT_RE.match(piece):
        end = piece.index("%", 1)
        try:
            return float(piece[1:end]), piece[end + 1 :]
        except ValueError:
            q.warn(f"权重“{piece[: end + 1]}”不是数字 (bad weight)", error=True)
            return 0.0, piece[end + 1 :]
    return default, piece


def feedback_of(piece: str, fmt: str, q: Question) -> tuple[str, str, str, str]:
    """`text # feedback` → (text, its format, feedback, its format)."""
    text, _, feedback = piece.partition("#")
    text, text_fmt = with_format(text.strip(), fmt)
    feedback, feedback_fmt = with_format(feedback.strip(), fmt)
    return text, text_fmt, feedback, feedback_fmt


def id_and_tags(comments: str, q: Question) -> None:
    if re.search(r"\[tag:[^\]\n]*[<>]", comments):
        q.warn("含有 < 或 > 的 [tag:…] 不是标签（Moodle 同样忽略它）(a tag with < or > is ignored)")
    found = ID_RE.search(comments)
    if found:
        q.data["id"] = found.group(1).replace("\\]", "]").strip()
    tags = []
    for match in TAG_RE.finditer(comments):
        tag = match.group(1).replace("\\]", "]").strip()
        if tag and tag not in tags:
            tags.append(tag)
    q.data["tags"] = tags


