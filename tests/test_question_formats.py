"""The question importers and exporters on files written the way Moodle writes them (tests/fixtures/formats/),
their quirks and hostile input, and property tests for the GIFT escapes and export → import round trips."""
import json
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from academy.authoring.formats import FileRefused, Parsed, Question, gift, gift_syntax, jsonfmt, moodle_xml, quizmd, xlsx
from academy.authoring.formats.interchange import quiz_to_dicts
from academy.authoring.formats.quizmd import bank_path, compose_bank, validate
from academy.authoring.formats.text import to_markdown
from academy.learning.questions import TYPES, parse_quiz_text
from academy.learning.questions.quizmd.guard import guard_entry, guard_markdown, one_line
from academy.learning.questions.quizmd.writer import clean
from academy.platform.render import render

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def by_name(parsed) -> dict:
    return {q.data["name"]: q.data for q in parsed.questions}


def bank_of(parsed, name="t"):
    """The parsed questions written as a bank and parsed back by the real Quiz Markdown parser."""
    composed = compose_bank(name, name, None, parsed.questions)
    validate(composed, bank_path(name), parsed)
    quiz, sink = parse_quiz_text(composed.source.encode(), bank_path(name))
    assert quiz is not None, composed.source + "\n" + "\n".join(str(p) for p in sink.problems)
    return quiz


def test_a_moodle_gift_export_reads_every_type_with_moodles_meaning():
    parsed = gift.read(fixture("moodle_export.gift.txt"))
    assert not parsed.has_errors, parsed.all_problems()
    q = by_name(parsed)
    assert [d["type"] for d in q.values()] == ["single", "multiple", "truefalse", "short", "numeric", "matching", "essay",
                                               "info", "truefalse"]
    first = q["首次拜访"]
    assert first["id"] == "first-visit" and first["tags"] == ["开场", "基础"] and first["category"] == "政企销售/采购法规"
    assert [(o["text"], o["weight"], o["feedback"]) for o in first["options"]] == [
        ("先了解其年度重点工作", 100.0, "对：先听后说。"), ("直接介绍产品", 0.0, "太早了。"), ("递名片并寒暄", 50.0, "")]
    assert first["general_feedback"] == "先听后说是关键。"
    assert [o["weight"] for o in q["法定采购方式"]["options"]] == [50.0, 50.0, -100.0]
    # {FALSE#a#b}: the first feedback is for a wrong answer, i.e. what a learner answering "true" sees.
    assert q["预算先行"]["options"] == [{"text": "true", "weight": 0.0, "feedback": "必须先有预算。"},
                                     {"text": "false", "weight": 100.0, "feedback": "正确。"}]
    assert q["预算先行"]["general_feedback"] == "依据：预算法。"
    assert [(a["text"], a["weight"]) for a in q["意向公开天数"]["answers"]] == [("30", 100.0), ("三十", 50.0), ("*", 0.0)]
    numbers = q["预算金额"]["answers"]
    assert (numbers[0]["value"], numbers[0]["tolerance"]) == (100.0, 20.0)
    assert numbers[1]["range"] == [80.0, 120.0] and numbers[1]["weight"] == 50.0
    assert numbers[2] == {"text": "*", "value": None, "tolerance": None, "weight": 0.0, "feedback": "差得远"}
    assert q["阶段与动作"]["pairs"][2] == {"left": "", "right": "请评审专家吃饭"}
    assert q["复盘"]["general_feedback"] == "先复述关切。"
    # MDL-34171: A \\ B \\\\ C imports as A \ B \\ C; escaped syntax characters are text.
    assert ">A \\ B \\\\ C {x} 1:2 a=b ~ #<" in render(q["反斜杠 MDL-34171"]["text"]).replace("<p>", ">")


def test_private_use_characters_in_a_gift_file_come_back_unchanged():
    """Some systems keep rare CJK characters in the private-use area, where the importer's placeholders live: the
    text keeps them, and the category is not said to hold escapes."""
    rare = "\ue000\ue003\ue008"
    parsed = gift.read(f"$CATEGORY: 区县{rare}\n\n::拜访{rare}::{rare}\\: 先做什么？{{={rare}甲 ~乙}}\n".encode())
    assert not parsed.has_errors and not parsed.all_problems(), parsed.all_problems()
    question = parsed.questions[0].data
    assert question["name"] == f"拜访{rare}" and question["category"] == f"区县{rare}"
    assert f"{rare}: 先做什么？" in question["text"]
    assert [o["text"] for o in question["options"]] == [f"{rare}甲", "乙"]


def test_the_imported_gift_becomes_a_bank_the_real_parser_accepts():
    quiz = bank_of(gift.read(fixture("moodle_export.gift.txt")))
    items = {i.title: i for i in quiz.items}
    assert items["首次拜访"].id == "first-visit"
    assert [(o.correct, o.weight) for o in items["首次拜访"].options] == [(True, 1.0), (False, 0.0), (False, 0.5)]
    assert items["预算先行"].answer is False and "正确。" in items["预算先行"].correct_html
    assert items["意向公开天数"].accepted == (("30", 1.0), ("三十", 0.5))
    assert "请写数字" in items["意向公开天数"].explanation_html  # per-answer feedback kept in 解析
    assert items["预算金额"].accepted == (("100+-20", 1.0), ("80..120", 0.5))
    assert [(p.left, p.right) for p in items["阶段与动作"].pairs][-1] == ("", "请评审专家吃饭")


@pytest.mark.parametrize("line, words, error", [
    (2, "缺少结尾的 “::”", False), (5, "注释行已删除", False), (8, "0 分选项", False), (10, "其后的权重", False),
    (12, "“####” 后有空格", False), (14, "转义字符已还原", False), (16, "不是数字", True), (18, "{#=0}", True),
    (20, "填空题", False), (22, "不支持反馈", False), (25, "漏了分隔题目的空行", True), (27, "花括号不配对", True),
])
def test_moodles_silent_quirks_become_warnings_and_its_errors_carry_the_line(line, words, error):
    problems = gift.read(fixture("quirks.gift")).all_problems()
    assert any(p.line == line and words in p.message and p.error == error for p in problems), [str(p) for p in problems]


def test_a_line_with_only_0_ends_a_question_like_a_blank_line():
    parsed = gift.read("题一{=甲 ~乙}\n0\n题二{=丙 ~丁}\n".encode())
    assert len(parsed.questions) == 2 and any("“0”" in p.message and not p.error for p in parsed.problems)


def test_full_width_signs_are_text_and_a_missing_word_gets_a_blank():
    parsed = gift.read("总额｛约｝{#80..120} 万元。\n".encode())
    data = parsed.questions[0].data
    assert data["type"] == "numeric" and render(data["text"]) == "<p>总额｛约｝_____ 万元。</p>"


def test_utf8_with_a_bom_and_crlf_lines_is_read():
    parsed = gift.read(fixture("bom.gift"))
    assert not parsed.has_errors and parsed.questions[0].data["name"] == "带 BOM"


def test_a_gb18030_file_is_refused_with_a_message_naming_the_encoding():
    with pytest.raises(FileRefused) as refused:
        gift.read(fixture("gb18030.gift"))
    assert "GB18030" in str(refused.value) and "UTF-8" in str(refused.value) and "第 1 行" in str(refused.value)


def test_hostile_html_is_kept_as_text_never_as_markup():
    source = ('[html]<p>题<script>alert(1)</script><img src=x onerror="alert(2)"></p>{=<b onclick\\=x()>甲</b> ~乙}\n\n'
              "[moodle]<script>alert(3)</script> onmouseover=alert(4){=甲 ~乙}\n")
    quiz = bank_of(gift.read(source.encode()))
    html = "".join(i.stem_html + "".join(o.html for o in i.options) for i in quiz.items)
    assert "<script" not in html and "<img" not in html and "onclick" not in html and "onerror" not in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in quiz.items[1].stem_html
    assert "onmouseover=alert(4)" in quiz.items[1].stem_html  # shown as text


def test_a_line_starting_like_a_malformed_option_is_imported_as_text():
    """"-[x]" at the start of a line was left unguarded, so the parser refused the bank with E204/E302."""
    parsed = jsonfmt.read(json.dumps([{"type": "truefalse", "name": "判断", "text": "题干\n-[x] 甲", "general_feedback": "说明\n-[ ] 乙",
                                       "options": [{"text": "true", "weight": 100}, {"text": "false", "weight": 0}]}]).encode())
    item = bank_of(parsed).items[0]
    assert not parsed.has_errors and "-[x] 甲" in item.stem_html and "-[ ] 乙" in item.explanation_html


def test_moodle_xml_reads_every_supported_type_and_skips_the_rest_with_a_warning():
    parsed = moodle_xml.read(fixture("moodle.xml"))
    assert not parsed.has_errors, parsed.all_problems()
    q = by_name(parsed)
    assert [d["type"] for d in q.values()] == ["multiple", "truefalse", "short", "numeric", "matching", "essay", "info"]
    assert q["采购方式"]["text"] == "下列哪些属于**法定**采购方式？"  # HTML to Markdown, the script gone
    assert q["采购方式"]["id"] == "proc-methods" and q["采购方式"]["points"] == 2.0 and q["采购方式"]["tags"] == ["法规", "采购"]
    assert q["复盘"]["grader_info"] == "要点：价值、分期、合规。"
    assert any("ddwtos" in p.message and not p.error and p.line == 168 for p in parsed.problems)
    quiz = bank_of(parsed)
    assert quiz.items[0].points == 2.0 and quiz.items[0].category if hasattr(quiz.items[0], "category") else True


@pytest.mark.parametrize("name", ["xxe.xml", "billion_laughs.xml"])
def test_xml_with_entities_is_refused_before_anything_is_expanded(name):
    parsed = moodle_xml.read(fixture(name))
    assert parsed.has_errors and not parsed.questions
    assert "实体声明" in parsed.problems[0].message


def test_malformed_xml_names_its_line():
    parsed = moodle_xml.read(b"<?xml version='1.0'?>\n<quiz>\n<question type='essay'>\n</quiz>\n")
    assert parsed.has_errors and parsed.problems[0].message.startswith("第 4 行")


def test_the_excel_template_has_a_type_list_and_instructions_and_reads_back():
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(xlsx.template()))
    assert book.sheetnames == ["题目", "填写说明"]
    assert "单选,多选,判断" in book["题目"].data_validations.dataValidation[0].formula1
    rows = [["单选", "开场", "先做什么？", "了解重点", "直接报价", "", "", "", "", "", "", "A", "先听后说", 2, "政企/采购", "开场,基础",
             "q-a"],
            ["多选", "方式", "法定方式？", "公开招标", "谈判", "议价", "", "", "", "", "", "AB", "", "", "", "", ""],
            ["判断", "预算", "预算先行？", "", "", "", "", "", "", "", "", "对", "", "", "", "", ""],
            ["数值", "金额", "多少万？", "", "", "", "", "", "", "", "", "80..120", "", "", "", "", ""],
            ["匹配", "配对", "配对", "甲 => 乙", "丙 => 丁", "=> 戊", "", "", "", "", "", "", "", "", "", "", ""]]
    parsed = xlsx.read(xlsx.template(rows))
    assert not parsed.has_errors, parsed.all_problems()
    quiz = bank_of(parsed)
    assert [i.type for i in quiz.items] == ["single", "multiple", "truefalse", "numeric", "matching"]
    assert quiz.items[0].id == "q-a" and quiz.items[0].points == 2


def test_bad_excel_rows_are_each_named_by_row():
    rows = [["单选", "", "题", "甲", "乙", "", "", "", "", "", "", "C", "", "", "", "", ""],
            ["问答", "", "题", "", "", "", "", "", "", "", "", "", "", "", "", "", ""],
            ["判断", "", "题", "", "", "", "", "", "", "", "", "也许", "", "abc", "", "", ""]]
    problems = xlsx.read(xlsx.template(rows)).all_problems()
    assert {p.line for p in problems if p.error} == {2, 3, 4}
    assert any(p.line == 4 and "分值" in p.message for p in problems)


def test_a_file_that_is_not_an_xlsx_is_refused():
    with pytest.raises(FileRefused):
        xlsx.read(b"not a zip at all")


def test_quiz_markdown_round_trips_through_json():
    source = (Path(__file__).resolve().parent.parent / "quizzes" / "sample-all-types.md").read_bytes()
    parsed = quizmd.read(source, "quizzes/sample-all-types.md")
    assert parsed.questions and any("无法写成交换格式" in p.message for p in parsed.problems)
    again = jsonfmt.read(jsonfmt.write([q.data for q in parsed.questions]).encode())
    first, second = bank_of(parsed), bank_of(again)
    assert [(i.type, i.title, i.options, i.accepted, i.pairs, i.sequence, i.answer) for i in first.items] == \
           [(i.type, i.title, i.options, i.accepted, i.pairs, i.sequence, i.answer) for i in second.items]


def test_gift_export_says_what_it_drops():
    parsed = quizmd.read((Path(__file__).resolve().parent.parent / "quizzes" / "sample-all-types.md").read_bytes())
    dropped = []
    text = gift.write([q.data for q in parsed.questions], lambda q, message: dropped.append((q["type"], message)))
    assert {"ordering", "classify"} <= {kind for kind, _ in dropped}
    assert not gift.read(text.encode()).has_errors


# ---- properties ------------------------------------------------------------------------------------------

TEXT = st.lists(st.sampled_from(list("甲乙丙丁 ab1.-*_[]<>&#{}~=:\\%|`>\n") + ["答案：", "- [x] ", "## ", "\n1. ", "\n-[x]"]),
               max_size=12).map("".join)


@given(st.text(max_size=60))
@example("\ue000")  # the placeholder of an escaped backslash came back as a backslash (found by this test)
@example("\ue008a \ue003")
def test_gift_escape_then_unescape_gives_the_text_back(text):
    text = text.replace("\r", "")
    assert gift_syntax.unescape(gift_syntax.escape(text)) == text


def _canonical(text: str) -> str:
    return to_markdown(text, "moodle")


@settings(max_examples=30, deadline=None)
@given(stem=TEXT, options=st.lists(st.tuples(TEXT, TEXT), min_size=2, max_size=5), right=st.integers(0, 4),
       feedback=TEXT, name=TEXT)
def test_single_and_truefalse_and_essay_survive_gift_export_and_import(stem, options, right, feedback, name):
    options = [(_canonical(a) or f"选项{i}", _canonical(b)) for i, (a, b) in enumerate(options)]
    right = right % len(options)
    questions = [
        {"type": "single", "name": name.strip() or "单选", "text": _canonical(stem) or "题",
         "options": [{"text": t, "weight": 100.0 if i == right else 0.0, "feedback": f} for i, (t, f) in enumerate(options)],
         "general_feedback": _canonical(feedback), "category": "甲/乙", "tags": ["x"], "id": "q-1"},
        {"type": "truefalse", "name": "判断", "text": _canonical(stem) or "题",
         "options": [{"text": "true", "weight": 0.0, "feedback": options[0][1]},
                     {"text": "false", "weight": 100.0, "feedback": options[1][1]}],
         "general_feedback": "", "category": "", "tags": [], "id": "q-2"},
        {"type": "essay", "name": "简答", "text": _canonical(stem) or "题", "general_feedback": _canonical(feedback),
         "category": "", "tags": [], "id": "q-3"},
    ]
    back = gift.read(gift.write(questions, lambda q, m: None).encode())
    assert not back.has_errors, back.all_problems()
    for before, after in zip(questions, (q.data for q in back.questions), strict=True):
        for key in ("type", "text", "options", "general_feedback", "category", "tags", "id"):
            assert after.get(key, before.get(key)) == before.get(key), key


@settings(max_examples=30, deadline=None)
@given(answers=st.lists(st.tuples(st.text(alphabet="甲乙ab1 {}~=#:\\%", min_size=1, max_size=8).map(str.strip).filter(bool),
                                  st.sampled_from([100.0, 50.0, 33.33333])), min_size=1, max_size=4),
       low=st.integers(-1000, 1000), width=st.integers(0, 100),
       pairs=st.lists(st.tuples(st.text(alphabet="甲乙ab1 {}~#:\\", min_size=1, max_size=8).map(str.strip).filter(bool),
                                st.text(alphabet="丙丁cd2 {}~#:\\", min_size=1, max_size=8).map(str.strip).filter(bool)),
                      min_size=2, max_size=4))
def test_short_numeric_and_matching_survive_gift_export_and_import(answers, low, width, pairs):
    questions = [
        {"type": "short", "name": "填空", "text": "题", "answers": [{"text": t, "weight": w, "feedback": ""} for t, w in answers]},
        {"type": "numeric", "name": "数值", "text": "题", "answers": [
            {"value": low + width / 2, "tolerance": width / 2, "range": [float(low), float(low + width)], "weight": 100.0, "feedback": ""},
            {"value": float(low), "tolerance": 0.5, "weight": 50.0, "feedback": ""}]},
        {"type": "matching", "name": "匹配", "text": "题", "pairs": [{"left": a, "right": b} for a, b in pairs]},
    ]
    back = gift.read(gift.write(questions, lambda q, m: None).encode())
    assert not back.has_errors, back.all_problems()
    short, numeric, matching = (q.data for q in back.questions)
    assert [(a["text"], a["weight"]) for a in short["answers"]] == [(t.strip(), w) for t, w in answers]
    assert numeric["answers"][0]["range"] == [float(low), float(low + width)]
    assert (numeric["answers"][1]["value"], numeric["answers"][1]["tolerance"]) == (float(low), 0.5)
    # A left side is formatted text in Moodle, read as plain text (runs of spaces are one); the right side is kept.
    assert matching["pairs"] == [{"left": " ".join(a.split()), "right": b} for a, b in pairs]


def _guarded(text: str) -> str:
    return clean(guard_markdown(text))


@settings(max_examples=60, deadline=None)
@given(stem=TEXT, feedback=TEXT, texts=st.lists(TEXT, min_size=3, max_size=3), notes=st.lists(TEXT, min_size=3, max_size=3))
def test_every_interchange_type_written_into_a_bank_reads_back_as_the_dict_it_wrote(stem, feedback, texts, notes):
    """The importers write through the one Quiz Markdown writer: whatever the text, each type's dict comes back
    from the bank with its text as guarded (never read as structure) and its answers unchanged."""
    options = [{"text": f"{t}甲", "weight": w, "feedback": n} for t, w, n in zip(texts, (100.0, 0.0, 50.0), notes)]
    common = {"text": f"题{stem}", "general_feedback": feedback, "category": "", "tags": []}
    questions = [
        {"type": "single", "name": "单选", "options": options},
        {"type": "multiple", "name": "多选", "options": [{**o, "weight": w} for o, w in zip(options, (50.0, 50.0, -100.0))]},
        {"type": "truefalse", "name": "判断", "options": [{"text": "true", "weight": 100.0, "feedback": notes[0]},
                                                         {"text": "false", "weight": 0.0, "feedback": notes[1]}]},
        {"type": "short", "name": "填空", "answers": [{"text": "甲乙", "weight": 100.0, "feedback": ""}]},
        {"type": "numeric", "name": "数值", "answers": [{"value": 12.0, "tolerance": 0.5, "weight": 100.0, "feedback": ""}]},
        {"type": "matching", "name": "匹配", "pairs": [{"left": "甲", "right": "乙"}, {"left": "丙", "right": "丁"},
                                                      {"left": "", "right": "戊"}]},
        {"type": "classify", "name": "分类", "categories": ["甲", "乙"],
         "pairs": [{"left": "a", "right": "甲"}, {"left": "b", "right": "乙"}]},
        {"type": "ordering", "name": "排序", "sequence": [f"第{i}步{t}" for i, t in enumerate(texts)], "scoring": "positions"},
        {"type": "essay", "name": "简答", "grader_info": notes[2]},
        {"type": "info", "name": "说明"},
    ]
    assert {q["type"] for q in questions} == {name for name, t in TYPES.items() if "interchange" in t.exports}
    parsed = Parsed([Question({**common, **q, "id": f"q-{n}"}) for n, q in enumerate(questions)])
    back, left_out = quiz_to_dicts(bank_of(parsed))
    assert not parsed.has_errors and left_out == [], parsed.all_problems()
    for before, after in zip((q.data for q in parsed.questions), back, strict=True):
        assert (after["type"], after["name"], after["id"]) == (before["type"], before["name"], before["id"])
        assert after["text"] == _guarded(before["text"]) and after["general_feedback"] == _guarded(before["general_feedback"])
        for key in ("answers", "pairs", "categories", "scoring"):
            assert key not in before or after[key] == before[key], key
    single, multiple, truefalse = back[:3]
    assert single["options"] == [{"text": guard_entry(o["text"]), "weight": o["weight"], "feedback": _guarded(o["feedback"])}
                                 for o in options]
    assert [o["weight"] for o in multiple["options"]] == [50.0, 50.0, -100.0]
    assert [o["feedback"] for o in truefalse["options"]] == [_guarded(notes[0]), _guarded(notes[1])]
    assert back[7]["sequence"] == [one_line(f"第{i}步{t}") for i, t in enumerate(texts)]
    assert back[8]["grader_info"] == _guarded(notes[2])


def test_an_item_that_cannot_be_written_is_an_error_on_that_question():
    question = Question({"type": "single", "name": "两个满分", "text": "题", "source_line": 7,
                         "options": [{"text": "甲", "weight": 100}, {"text": "乙", "weight": 100}]})
    compose_bank("t", "t", None, [question])
    assert question.has_errors and question.problems[0].line == 7


def test_item_ids_are_kept_unique_within_the_bank():
    existing = "---\nid: t\ntitle: t\nbank: true\n---\n\n## 判断：旧 {#q-1}\n题\n\n答案：对\n"
    questions = [Question({"type": "truefalse", "name": "新", "text": "题", "id": "q-1",
                           "options": [{"text": "true", "weight": 100}, {"text": "false", "weight": 0}]})]
    composed = compose_bank("t", "t", existing, questions)
    quiz, sink = parse_quiz_text(composed.source.encode(), "quizzes/banks/t.md")
    assert quiz is not None and [i.id for i in quiz.items] == ["q-1", "t-2"], [str(p) for p in sink.problems]
    assert any("已存在" in p.message for p in questions[0].problems)


def test_every_exportable_type_maps_back_to_the_same_item():
    quiz, _ = parse_quiz_text((Path(__file__).resolve().parent.parent / "quizzes" / "sample-all-types.md").read_bytes(), "x.md")
    dicts, _ = quiz_to_dicts(quiz)
    assert {"single", "multiple", "truefalse", "ordering", "matching", "classify"} <= {d["type"] for d in dicts}


def test_format_code_names_our_types_only_in_the_moodle_table():
    """Per-type rules live in the type modules (exports["interchange"]); the formats compare only Moodle's types."""
    import re

    from academy.learning.questions import TYPES

    ours = "|".join(name for name in TYPES if name not in ("truefalse", "essay"))  # these two are Moodle's names too
    compared = re.compile(rf"""(==|!=)\s*["']({ours})["']|["']({ours})["']\s*(==|!=|:)|\bin \([^)]*["']({ours})["']""")
    root = Path(__file__).resolve().parent.parent / "academy" / "authoring"
    offenders = [f"{path.name}:{number}" for path in [*root.glob("formats/*.py"), root / "question_import.py"]
                 if path.name != "interchange.py"
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if compared.search(line)]
    assert offenders == []


def test_id_and_tags_follow_moodles_rules():
    parsed = gift.read(b"// [id:a\\]b] [tag:  x ] [tag:<b>]\n// [id:second]\n// [tag:split\n// over]\nq{T}")
    data = parsed.questions[0].data
    assert data["id"] == "a]b" and data["tags"] == ["x"]  # first id wins; a tag split over two lines is none
    assert any("< 或 >" in p.message for p in parsed.all_problems())
