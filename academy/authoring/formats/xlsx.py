"""The Excel question template (one row per question), its reader and its writer.

Trainers download the template from /authoring/import; its first sheet "题目" has the header row below and
a drop-down list of types, its second sheet "填写说明" explains every column. Rows are numbered as Excel shows
them, and every problem names its row. What a row cannot say (per-option weights and feedback) is listed in
docs/question-formats.md.
"""
import io
import re
import zipfile

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from academy.authoring.formats import FileRefused, Parsed, Question
from academy.authoring.formats.interchange import export_type, import_type
from academy.platform.exports import FORMULA_STARTS, safe_cell

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OPTION_COLUMNS = 8
COLUMNS = ("type", "name", "text", *[f"option{n}" for n in range(1, OPTION_COLUMNS + 1)], "answer", "explanation",
           "points", "category", "tags", "id")
LABELS = {"type": "题型", "name": "题目名称", "text": "题干", "answer": "正确答案", "explanation": "解析", "points": "分值",
          "category": "类别", "tags": "标签", "id": "题目id",
          **{f"option{n}": f"选项{'ABCDEFGH'[n - 1]}" for n in range(1, OPTION_COLUMNS + 1)}}
ALIASES = {**{label: key for key, label in LABELS.items()}, **{key: key for key in COLUMNS},
           "类型": "type", "名称": "name", "题目": "text", "答案": "answer", "id": "id", "标签（逗号分隔）": "tags"}
# The template's type words are Moodle's types (our types follow from interchange.MOODLE_TYPES, the one table).
TYPE_WORDS = {"单选": "multichoice:single", "多选": "multichoice:multi", "判断": "truefalse", "填空": "shortanswer",
              "数值": "numerical", "匹配": "match", "简答": "essay", "说明": "description"}
WORD_OF = {moodle: word for word, moodle in TYPE_WORDS.items()}
TRUE_WORDS, FALSE_WORDS = {"对", "正确", "是", "t", "true", "√"}, {"错", "错误", "否", "f", "false", "×"}
LETTERS = "ABCDEFGH"
MAX_ROWS, MAX_SCANNED = 5000, 100_000
MAX_ENTRIES, MAX_UNZIPPED = 1000, 50 * 1024 * 1024
INSTRUCTIONS = [
    ("题型", "必填。从下拉列表选择：单选、多选、判断、填空、数值、匹配、简答、说明。"),
    ("题目名称", "可选。题目在题库中的标题；留空时取题干的开头。"),
    ("题干", "必填（说明题即说明文字）。可以写 Markdown。"),
    ("选项A–H", "单选、多选：每格一个选项。匹配：每格一组“左侧 => 右侧”，“=> 干扰项”表示只在右侧出现的干扰项。其他题型留空。"),
    ("正确答案", "单选：一个字母，如 B。多选：几个字母，如 ACD（各正确项平分分数，选错项扣分）。判断：对 或 错。"
                 "填空：可接受的答案，多个用 | 分隔，可用 * 作通配符。数值：如 15、15±0.5 或 80..120。简答：给评阅人的参考回答。"),
    ("解析", "可选。学员作答后看到的解析。"),
    ("分值", "可选，默认 1。"),
    ("类别", "可选。题库中的类别，层级用 / 分隔，如 政企/采购。"),
    ("标签", "可选。多个标签用英文逗号分隔。"),
    ("题目id", "可选。字母、数字、- 和 _；留空时自动编号。"),
    ("注意", "第 1 行是表头，请勿修改；从第 2 行起每行一道题，空行会被跳过。任何一行有错误时，整个文件都不会导入。"),
]


def template(rows: list[list] | None = None) -> bytes:
    """The template workbook, with `rows` (already in column order) filled in for an export."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "题目"
    sheet.append([LABELS[key] for key in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F3")
    for row in rows or []:
        sheet.append([safe_cell(v) for v in row])
    choice = DataValidation(type="list", formula1='"' + ",".join(TYPE_WORDS) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="题型", error="请从列表中选择题型")
    sheet.add_data_validation(choice)
    choice.add(f"A2:A{MAX_ROWS + 1}")
    for letter, width in (("A", 8), ("B", 18), ("C", 40)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("填写说明")
    guide.append(["列", "怎么填"])
    for label, text in INSTRUCTIONS:
        guide.append([label, text])
    guide.column_dimensions["A"].width = 12
    guide.column_dimensions["B"].width = 100
    for row in guide.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _check_archive(raw: bytes) -> None:
    if not raw.startswith(b"PK\x03\x04"):
        raise FileRefused("这不是有效的 .xlsx 文件，请在 Excel 中另存为“Excel 工作簿 (.xlsx)” (not an xlsx file)")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise FileRefused("无法读取这个 Excel 文件，请确认文件没有损坏 (damaged xlsx)") from exc
    if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_UNZIPPED:
        raise FileRefused("这个 Excel 文件解压后过大，已拒绝 (xlsx too large when unpacked)")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\x00", "").strip()
    # An export wrote text starting with = + - @ as '=…, so that it is never run as a formula: read it back as written.
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _rows(raw: bytes):
    _check_archive(raw)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a damaged file
        raise FileRefused("无法读取这个 Excel 文件，请确认文件没有损坏 (damaged xlsx)") from exc
    try:
        sheet = workbook["题目"] if "题目" in workbook.sheetnames else workbook.worksheets[0]
        table = []
        for row in sheet.iter_rows(values_only=True):
            if len(table) >= MAX_SCANNED:
                raise FileRefused(f"行数过多，一次最多导入 {MAX_ROWS} 道题 (too many rows)")
            table.append([_cell(v) for v in row])
        return table
    except FileRefused:
        raise
    except Exception as exc:
        raise FileRefused("无法读取这个 Excel 文件，请确认文件没有损坏 (damaged xlsx)") from exc
    finally:
        workbook.close()


def read(raw: bytes) -> Parsed:
    parsed = Parsed()
    table = _rows(raw)
    if not table:
        return parsed.fail("工作表是空的 (empty sheet)")
    header = [ALIASES.get(re.sub(r"[（(].*$", "", h).strip(), ALIASES.get(h.strip().lower(), "")) for h in table[0]]
    if "type" not in header or "text" not in header:
        return parsed.fail("第 1 行应是表头，至少要有“题型”和“题干”两列；请使用下载的模板 (header row missing)", 1)
    rows = [(number, row) for number, row in enumerate(table[1:], 2) if any(row)]
    if len(rows) > MAX_ROWS:
        return parsed.fail(f"一次最多导入 {MAX_ROWS} 道题 (too many rows)")
    for number, row in rows:
        values = {key: row[i] for i, key in enumerate(header) if key and i < len(row) and row[i]}
        question = Question({"source_line": number})
        parsed.questions.append(question)
        _row(values, question)
    if not parsed.questions:
        parsed.fail("表中没有任何题目 (no questions)")
    return parsed


def _letters(text: str, count: int, q: Question) -> list[int]:
    letters = [c for c in re.sub(r"[\s,，、;；]", "", text.upper())]
    if not letters or any(c not in LETTERS[:count] for c in letters):
        q.warn(f"正确答案“{text}”应为选项字母（A–{LETTERS[max(0, count - 1)]}）(answer must be option letters)", error=True)
        return []
    return sorted({LETTERS.index(c) for c in letters})


def _row(values: dict, q: Question) -> None:
    data = q.data
    word = values.get("type", "")
    kind = TYPE_WORDS.get(word) or export_type(word.lower()) or ""
    if not kind:
        q.warn(f"题型“{word}”无效，应为 {'、'.join(TYPE_WORDS)} 之一 (unknown type)" if word else "缺少题型 (type missing)", error=True)
        return
    data.update(type=import_type(kind), name=values.get("name", ""), text=values.get("text", ""),
                general_feedback=values.get("explanation", ""),
                category=values.get("category", ""), tags=[t.strip() for t in re.split(r"[,，]", values.get("tags", "")) if t.strip()])
    if values.get("id"):
        data["id"] = values["id"]
    if values.get("points"):
        try:
            data["points"] = float(values["points"])
            assert data["points"] > 0
        except (ValueError, AssertionError):
            q.warn(f"分值“{values['points']}”必须是正数 (points must be positive)", error=True)
    if not data["text"] and kind != "match":
        q.warn("题干为空 (empty question text)", error=True)
    options = [values[f"option{n}"] for n in range(1, OPTION_COLUMNS + 1) if values.get(f"option{n}")]
    answer = values.get("answer", "")
    single = kind == "multichoice:single"
    if kind.startswith("multichoice"):
        chosen = _letters(answer, len(options), q) if answer else []
        if not answer:
            q.warn("缺少正确答案 (answer missing)", error=True)
        if single and len(chosen) > 1:
            q.warn("单选题只能有一个正确答案 (single takes one letter)", error=True)
        share = 100.0 / max(1, len(chosen))
        data["options"] = [{"text": text, "weight": (share if i in chosen else (0.0 if single else -share)),
                            "feedback": ""} for i, text in enumerate(options)]
    elif kind == "truefalse":
        word = answer.strip().lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            q.warn("判断题的正确答案应为“对”或“错” (answer must be 对 or 错)", error=True)
        truth = word in TRUE_WORDS
        data["options"] = [{"text": "true", "weight": 100.0 if truth else 0.0, "feedback": ""},
                           {"text": "false", "weight": 0.0 if truth else 100.0, "feedback": ""}]
    elif kind == "shortanswer":
        data["answers"] = [{"text": a.strip(), "weight": 100.0, "feedback": ""} for a in re.split(r"[|｜]", answer) if a.strip()]
        if not data["answers"]:
            q.warn("缺少正确答案 (answer missing)", error=True)
    elif kind == "numerical":
        data["answers"] = [_numeric(a.strip(), q) for a in re.split(r"[|｜]", answer) if a.strip()]
        if not data["answers"]:
            q.warn("缺少正确答案 (answer missing)", error=True)
    elif kind == "match":
        data["pairs"] = []
        for text in options:
            if "=>" not in text:
                q.warn(f"匹配选项“{text}”应写成“左侧 => 右侧” (pair needs =>)", error=True)
                continue
            left, right = (part.strip() for part in text.split("=>", 1))
            data["pairs"].append({"left": left, "right": right})
    elif kind == "essay":
        data["grader_info"] = answer
    if options and not kind.startswith("multichoice") and kind != "match":
        q.warn("该题型不使用选项列，选项已忽略 (option columns ignored for this type)")


def _numeric(text: str, q: Question) -> dict:
    entry = {"weight": 100.0, "feedback": ""}
    try:
        if ".." in text:
            low, high = (float(p) for p in text.split("..", 1))
            return {**entry, "value": (low + high) / 2, "tolerance": (high - low) / 2, "range": [low, high]}
        centre, _, tolerance = text.replace("±", "+-").partition("+-")
        return {**entry, "value": float(centre), "tolerance": float(tolerance or 0)}
    except ValueError:
        q.warn(f"数值答案“{text}”应为 15、15±0.5 或 80..120 (bad numeric answer)", error=True)
        return {**entry, "value": None, "tolerance": None}


def export_rows(questions: list[dict], warn) -> list[list]:
    """Template rows for interchange dicts; `warn(question, message)` for what a row cannot say."""
    rows = []
    for q in questions:
        kind = export_type(q.get("type", "")) or ""
        if kind not in WORD_OF:
            warn(q, f"Excel 模板无法表达“{q.get('type')}”题型，已略过 (type not in the template)")
            continue
        options, answer = [], ""
        single = kind == "multichoice:single"
        if q.get("options") and kind.startswith("multichoice"):
            options = [o.get("text", "") for o in q["options"]]
            right = [i for i, o in enumerate(q["options"]) if float(o.get("weight") or 0) > 0]
            if single:
                right = [i for i, o in enumerate(q["options"]) if float(o.get("weight") or 0) >= 100]
            answer = "".join(LETTERS[i] for i in right if i < len(LETTERS))
            weights = {round(float(o.get("weight") or 0), 3) for o in q["options"]}
            if len(options) > OPTION_COLUMNS or any(o.get("feedback") for o in q["options"]) or (
                    single and len(weights - {0.0, 100.0})) or (not single and len(weights) > 2):
                warn(q, "选项反馈、部分分或超过 8 个的选项无法写入 Excel 模板 (option feedback/weights not kept)")
        elif kind == "truefalse":
            truth = any(str(o.get("text")).lower() == "true" and float(o.get("weight") or 0) >= 100 for o in q.get("options") or [])
            answer = "对" if truth else "错"
        elif kind == "shortanswer":
            answer = "|".join(a.get("text", "") for a in q.get("answers") or [] if float(a.get("weight") or 0) >= 100)
        elif kind == "numerical":
            full = [a for a in q.get("answers") or [] if float(a.get("weight") or 0) >= 100 and a.get("value") is not None]
            answer = "|".join(_numeric_text(a) for a in full)
        elif kind == "match":
            options = [f"{p.get('left', '')} => {p.get('right', '')}".strip() for p in q.get("pairs") or []]
        elif kind == "essay":
            answer = q.get("grader_info", "")
        options = (options + [""] * OPTION_COLUMNS)[:OPTION_COLUMNS]
        rows.append([WORD_OF[kind], q.get("name", ""), q.get("text", ""), *options, answer, q.get("general_feedback", ""),
                     q.get("points", 1), q.get("category", ""), ",".join(q.get("tags") or []), q.get("id", "")])
    return rows


def _numeric_text(answer: dict) -> str:
    def number(value) -> str:
        value = float(value)
        return str(int(value)) if value.is_integer() else repr(value)

    if answer.get("range"):
        return f"{number(answer['range'][0])}..{number(answer['range'][1])}"
    tolerance = float(answer.get("tolerance") or 0)
    return number(answer["value"]) + (f"±{number(tolerance)}" if tolerance else "")
