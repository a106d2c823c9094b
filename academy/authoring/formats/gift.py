"""Moodle GIFT → interchange (with Moodle's semantics, its silent quirks reported as warnings), and back.

The reading follows Moodle's qformat_gift step by step (docs/question-formats.md lists every rule and quirk):
lines are trimmed, a blank line ends a question, `//` lines are comments (they carry `[id:]` and `[tag:]`),
escapes are swapped for placeholders before anything else, then the category, the name, the first `{` and
the first `}`, the general feedback after the last `####`, and the type is decided in Moodle's order.  The
lexical part (escapes, blocks, comments, ids and tags, answer pieces) is academy.authoring.formats.gift_syntax;
this module builds the questions from it, and writes GIFT back.
"""
import re

from academy.authoring.formats import Parsed, Question, decode_text
from academy.authoring.formats.gift_syntax import (
    FORMATS,
    ID_RE,
    TAG_RE,
    WEIGHT_RE,
    category_of,
    comments_of,
    escape,
    escape_post,
    escape_pre,
    feedback_of,
    id_and_tags,
    note,
    php_empty,
    question_blocks,
    split_pieces,
    weight_of,
    with_format,
)
from academy.authoring.formats.interchange import export_type, import_type
from academy.authoring.formats.text import markdown_plain_equivalent, to_markdown, to_plain

_TF = {"T": True, "TRUE": True, "F": False, "FALSE": False}


def read(raw: bytes) -> Parsed:
    parsed = Parsed()
    text = decode_text(raw)
    category = ""
    for block in question_blocks(text, parsed):
        category = _read_block(block, category, parsed)
    if not parsed.questions and not parsed.has_errors:
        parsed.fail("文件中没有任何题目 (no questions in the file)")
    return parsed


def _read_block(block, category: str, parsed: Parsed) -> str:
    lines, comments, first = comments_of(block, parsed)
    text = "\n".join(line for _, line in lines).strip()
    if not text:
        if ID_RE.search(comments) or TAG_RE.search(comments):
            note(parsed, block[0][0], "只有注释的段落中的 [id:]/[tag:] 被忽略：它与题目之间隔了空行"
                  " (id/tags separated from the question by a blank line)")
        return category
    text = escape_pre(text)
    if text.startswith("$CATEGORY:"):
        return category_of(text, first, parsed)
    question = Question({"source_line": first, "category": category})
    parsed.questions.append(question)
    _read_question(text, question, lines)
    id_and_tags(comments, question)
    return category


def _line_of(lines, needle: str, default: int) -> int:
    return next((number for number, line in lines if needle in escape_pre(line)), default)


def _read_question(text: str, q: Question, lines) -> None:
    data, name = q.data, None
    if text.startswith("::"):
        text = text[2:]
        end = text.find("::")
        if end < 0:
            q.warn("题目名称缺少结尾的 “::”，开头的 “::” 被忽略 (name without closing ::)")
        else:
            name = re.sub(r"<[^>]*>", "", escape_post(text[:end])).strip()
            text = text[end + 2 :].strip()
    start, finish = text.find("{"), text.find("}")
    description = start < 0 and finish < 0
    if not description and (start < 0 or finish < 0 or finish < start):
        q.warn("花括号不配对：答案块需要 { 和 }（文字中的花括号请写成 \\{ \\}）(braceerror)", error=True,
               line=_line_of(lines, "{" if start >= 0 else "}", q.line))
        return
    if not description and "{" in text[finish + 1 :]:
        q.warn("一道题中有两个答案块 {…}：是否漏了分隔题目的空行？(two answer blocks: missing blank line?)", error=True,
               line=_line_of(lines[1:], "{", q.line))
        return
    answer = "" if description else text[start + 1 : finish].strip()
    if description:
        stem = text
    elif text.endswith("}"):
        stem = text[:start] + text[finish + 1 :]
    else:
        stem = text[:start] + "_____" + text[finish + 1 :]
    general = ""
    if "####" in answer:
        cut = answer.rfind("####")
        general, answer = answer[cut + 4 :], answer[:cut].strip()
        if general.startswith(" ") and general.strip().startswith("[") and general.strip()[1:].split("]")[0] in FORMATS:
            q.warn("“####” 后有空格，Moodle 不会识别其后的 [格式] 标记，已按该格式读取 (space after ####)")
            general = general.strip()
    stem, fmt = with_format(stem.strip(), "moodle")
    general, general_fmt = with_format(general, fmt)
    data["text"] = to_markdown(stem, fmt, q.warn)
    data["general_feedback"] = to_markdown(general, general_fmt, q.warn)
    data["name"] = name or _default_name(to_plain(stem, fmt))
    kind = _kind(description, answer, q)
    readers = {"description": lambda: None, "essay": lambda: None, "numerical": _numerical, "multichoice": _multichoice,
               "match": _match, "truefalse": _truefalse, "shortanswer": _short}
    moodle_type = readers[kind]() if kind in ("description", "essay") else readers[kind](answer, fmt, q)
    data["type"] = import_type(moodle_type or kind)


def _default_name(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text[:60] + ("…" if len(text) > 60 else "") or "未命名题目"


def _kind(description: bool, answer: str, q: Question) -> str:
    if description:
        return "description"
    if answer == "":
        return "essay"
    if answer.startswith("#"):
        return "numerical"
    if "~" in answer:
        return "multichoice"
    if "=" in answer and "->" in answer:
        return "match"
    check = answer[: answer.index("#")].strip() if answer.find("#") > 0 else answer
    if check in _TF:
        return "truefalse"
    if check.upper() in _TF:
        q.warn(f"“{{{check}}}” 按 Moodle 的规则是填空题（答案“{check}”）；判断题请写大写的 {{T}}/{{F}}/{{TRUE}}/{{FALSE}} "
               "(lower-case true/false is a short answer)")
    return "shortanswer"


def _multichoice(answer: str, fmt: str, q: Question) -> str:
    single = "=" in answer
    pieces = answer.replace("=", "~=").split("~")
    pieces[0] = pieces[0].strip()
    if php_empty(pieces[0]):
        pieces = pieces[1:]
    else:
        q.warn(f"“{escape_post(pieces[0])}”写在第一个 ~ 或 = 之前，Moodle 把它当作一个 0 分选项"
               " (text before the first ~ becomes a 0% option)")
    if len(pieces) < 2:
        q.warn("选择题至少需要 2 个选项 (importminerror)", error=True)
    options = []
    for piece in pieces:
        piece = piece.strip()
        if piece.startswith("="):
            weight, piece = 100.0, piece[1:]
            if WEIGHT_RE.match(piece.strip()):
                q.warn(f"“={piece.strip()[:12]}”：= 表示 100% 正确，其后的权重被 Moodle 当作选项文字 (weight after = is option text)")
        else:
            weight, piece = weight_of(piece, q, 0.0)
        text, text_fmt, feedback, feedback_fmt = feedback_of(piece, fmt, q)
        if not text:
            q.warn("选项为空 (empty option)", error=True)
        options.append({"text": to_markdown(text, text_fmt, q.warn), "weight": weight,
                        "feedback": to_markdown(feedback, feedback_fmt, q.warn)})
    q.data["options"] = options
    return "multichoice:single" if single else "multichoice:multi"


def _truefalse(answer: str, fmt: str, q: Question) -> str:
    parts = answer.split("#", 2) + ["", ""]
    truth = _TF[parts[0].strip()]
    wrong, wrong_fmt = with_format(parts[1].strip(), fmt)
    right, right_fmt = with_format(parts[2].strip(), fmt)
    wrong, right = to_markdown(wrong, wrong_fmt, q.warn), to_markdown(right, right_fmt, q.warn)
    # The first feedback is for a wrong response, the second for a right one (so for {FALSE} the first is
    # what a learner who answers "true" sees).
    q.data["options"] = [
        {"text": "true", "weight": 100.0 if truth else 0.0, "feedback": right if truth else wrong},
        {"text": "false", "weight": 0.0 if truth else 100.0, "feedback": wrong if truth else right},
    ]
    return "truefalse"


def _short(answer: str, fmt: str, q: Question) -> str:
    pieces = split_pieces(answer, "=")
    if not pieces:
        q.warn("填空题没有答案；答案是 0 时请写成 {=0}（Moodle 把单独的 0 当作空）(no answers; write {=0})", error=True)
    answers = []
    for piece in pieces:
        weight, piece = weight_of(piece.strip(), q, 100.0)
        text, _, feedback, feedback_fmt = feedback_of(piece, fmt, q)
        answers.append({"text": text, "weight": weight, "feedback": to_markdown(feedback, feedback_fmt, q.warn)})
    q.data["answers"] = answers
    return "shortanswer"


def _number(text: str, q: Question) -> float | None:
    try:
        return float(text)
    except ValueError:
        hint = "（小数点请用英文句点）" if "," in text or "，" in text else ""
        q.warn(f"“{text}”不是数字{hint}；Moodle 会把它当作“任何答案都对” (errornotnumbers)", error=True)
        return None


def _numerical(answer: str, fmt: str, q: Question) -> str:
    body, wrong = answer[1:], ""
    if "~" in body:
        body, wrong = body[: body.index("~")], body[body.index("~") :]
    pieces = split_pieces(body, "=")
    if not pieces:
        q.warn("数值题没有答案；答案是 0 时请写成 {#=0}（Moodle 把单独的 0 当作空）(giftnonumericalanswers)", error=True)
    answers = []
    for piece in pieces:
        weight, piece = weight_of(piece.strip(), q, 100.0)
        text, _, feedback, feedback_fmt = feedback_of(piece, fmt, q)
        entry = {"weight": weight, "feedback": to_markdown(feedback, feedback_fmt, q.warn)}
        if text.find("..") > 0:
            low, high = (_number(p.strip(), q) for p in text.split("..", 1))
            if low is not None and high is not None:
                entry.update(value=(low + high) / 2, tolerance=(high - low) / 2, range=[low, high])
        elif text.find(":") > 0:
            value, tolerance = (_number(p.strip(), q) for p in text.split(":", 1))
            entry.update(value=value, tolerance=tolerance)
        elif text == "*":
            entry.update(text="*", value=None, tolerance=None)
        else:
            entry.update(value=_number(text, q), tolerance=0.0)
        answers.append(entry)
    if wrong:
        _, _, feedback, feedback_fmt = feedback_of(wrong, fmt, q)
        answers.append({"text": "*", "value": None, "tolerance": None, "weight": 0.0,
                        "feedback": to_markdown(feedback, feedback_fmt, q.warn)})
    q.data["answers"] = answers
    return "numerical"


def _match(answer: str, fmt: str, q: Question) -> str:
    pieces = split_pieces(answer, "=")
    if len(pieces) < 2:
        q.warn("匹配题至少需要 2 组配对 (importminerror)", error=True)
    pairs = []
    for piece in pieces:
        if "->" not in piece:
            q.warn(f"配对“{escape_post(piece.strip())}”缺少 “->” (giftmatchingformat)", error=True)
            continue
        left, right = piece.split("->", 1)
        if "#" in right or "#" in left:
            q.warn("匹配题不支持反馈：“#”及其后的文字留在了配对文字里 (no feedback in matching; # kept as text)")
        left, left_fmt = with_format(left.strip(), fmt)
        pairs.append({"left": to_plain(left, left_fmt), "right": escape_post(right).strip()})
    q.data["pairs"] = pairs
    return "match"


# ---- export -------------------------------------------------------------------------------------------

def _piece(text: str) -> str:
    """A text piece in GIFT: Markdown that has marks is written as [markdown], plain text as itself."""
    text = text or ""
    return escape(text) if markdown_plain_equivalent(text) is not None else "[markdown]" + escape(text)


def _percent(weight) -> str:
    text = f"{float(weight):.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _number_text(value) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def _feedback_out(feedback: str) -> str:
    return "#" + _piece(feedback) if feedback else ""


def _body(moodle: str, q: dict) -> str | None:
    general = "####" + _piece(q["general_feedback"]) if q.get("general_feedback") else ""
    if moodle == "description":
        return ""
    if moodle == "essay":
        return "{" + general + "}"
    if moodle == "truefalse":
        options = {str(o.get("text", "")).lower(): o for o in q.get("options") or []}
        truth = float((options.get("true") or {}).get("weight") or 0) >= 100
        right = (options.get("true" if truth else "false") or {}).get("feedback", "")
        wrong = (options.get("false" if truth else "true") or {}).get("feedback", "")
        tail = ("#" + _piece(wrong) if wrong or right else "") + ("#" + _piece(right) if right else "")
        return "{" + ("TRUE" if truth else "FALSE") + tail + general + "}"
    lines = []
    if moodle.startswith("multichoice"):
        single = moodle.endswith("single")
        for o in q.get("options") or []:
            weight = float(o.get("weight") or 0)
            mark = "=" if single and weight >= 100 else "~" if weight == 0 else f"~%{_percent(weight)}%"
            lines.append(mark + _piece(o.get("text", "")) + _feedback_out(o.get("feedback", "")))
    elif moodle == "shortanswer":
        for a in q.get("answers") or []:
            lines.append(f"=%{_percent(a.get('weight', 100))}%" + escape(str(a.get("text", ""))) + _feedback_out(a.get("feedback", "")))
    elif moodle == "numerical":
        for a in q.get("answers") or []:
            if a.get("value") is None:
                lines.append("~#" + _piece(a.get("feedback", "")))
                continue
            value = (f"{_number_text(a['range'][0])}..{_number_text(a['range'][1])}" if a.get("range")
                     else f"{_number_text(a['value'])}:{_number_text(a.get('tolerance') or 0)}")
            lines.append(f"=%{_percent(a.get('weight', 100))}%" + value + _feedback_out(a.get("feedback", "")))
    elif moodle == "match":
        for p in q.get("pairs") or []:
            lines.append("=" + escape(p.get("left", "")) + " -> " + escape(p.get("right", "")))
    if general:
        lines.append(general)
    return "{" + ("#" if moodle == "numerical" else "") + "\n\t" + "\n\t".join(lines) + "\n}"


def write(questions: list[dict], warn) -> str:
    """GIFT for the questions GIFT can say; `warn(question, message)` for each one dropped or changed."""
    out, category = [], None
    for q in questions:
        moodle = export_type(q.get("type", ""))
        if moodle is None:
            warn(q, f"GIFT 无法表达“{q.get('type')}”题型，已略过 (GIFT cannot say this type; left out)")
            continue
        if moodle.startswith("multichoice") and q.get("scoring") == "all_or_nothing":
            warn(q, "GIFT 没有“全对才得分”，导出为按权重计分 (all_or_nothing scoring is not kept)")
        if (q.get("category") or "") != category:
            category = q.get("category") or ""
            levels = "".join("/" + escape(part).replace("/", "//") for part in category.split("/") if part)
            out.append("$CATEGORY: $course$/top" + levels + "\n")
        comment = [f"[id:{q['id'].replace(']', chr(92) + ']')}]"] if q.get("id") else []
        comment += [f"[tag:{t.replace(']', chr(92) + ']')}]" for t in q.get("tags") or []]
        head = [f"// {' '.join(comment)}"] if comment else []
        body = _body(moodle, q)
        out.append("\n".join(head + ["::" + escape(q.get("name", "")) + "::" + _piece(q.get("text", "")) + body]) + "\n")
    return "\n".join(out)
