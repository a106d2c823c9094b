"""The one Quiz Markdown writer (academy.learning.questions.quizmd.writer, each type's Writer): item data ↔ Quiz
Markdown for every type it writes, the form editor's checks around it (academy.learning.questions.editing), and
putting one item block into a quiz source (academy.authoring.itemforms.source)."""
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from academy.authoring.itemforms import source as sources
from academy.authoring.itemforms.forms import apply_action
from academy.learning.questions import STAGES, TYPES, parse_quiz_text
from academy.learning.questions.editing import WRAPPER, check_block, editable, lossless, read_block
from academy.learning.questions.quizmd.parser import item_blocks
from academy.learning.questions.quizmd.writer import blank_item, read_item, write_item, writes

ROOT = Path(__file__).resolve().parent.parent
EDITABLE = ("single", "multiple", "truefalse", "ordering", "matching", "classify")
WRITTEN = (*EDITABLE, "short", "numeric", "essay", "info")  # the importers write these too
NUMBERS = ["12", "-3.5", "0", "12+-0.5", "10..20", "1e3"]

# Words that never start a Quiz Markdown structure, whatever follows them
WORDS = ["预算", "采购", "客户", "项目", "方案", "领导", "合同", "abc", "X1", "2026 年", "（试点）", "“引号”", "50%", "a*b*",
         "<b>粗</b>", "&amp;", "`代码`", "#号", "=>号", "{括号}"]
SAFE_WORDS = [w for w in WORDS if w not in ("=>号", "{括号}")]


def phrase(words=SAFE_WORDS, min_size=1):
    return st.lists(st.sampled_from(words), min_size=min_size, max_size=5).map(lambda ws: "".join(ws))


def prose():
    """Text of several lines (blank ones inside), each line starting with a Chinese word."""
    line = st.tuples(st.sampled_from(["预算", "客户", "方案"]), phrase(WORDS, 0)).map("".join)
    return st.lists(line | st.just(""), min_size=0, max_size=4).map(lambda ls: "\n".join(ls).strip())


def distinct(strategy, min_size, max_size):
    return st.lists(strategy, min_size=min_size, max_size=max_size, unique=True)


@st.composite
def common(draw, type_name):
    return {
        "type": type_name, "id": draw(st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)),
        "title": draw(phrase(WORDS, 0)), "points": draw(st.sampled_from([1.0, 2.0, 0.5, 1.25, 10.0])),
        "concepts": draw(st.lists(phrase(SAFE_WORDS), max_size=3, unique=True)),
        "stage": draw(st.sampled_from(("",) + STAGES)),
        "lesson": draw(st.sampled_from(["", "clients-roles", "clients-procurement#budget"])),
        "stem": draw(prose().filter(bool) if TYPES[type_name].default_stem == "" else prose()),
        "explanation": draw(prose()), "hint": draw(prose()), "remediation": draw(prose()),
        "category": draw(st.sampled_from(["", "法规", "法规/采购方式", "销售 基础/预算"])),
        "tags": draw(st.lists(phrase(SAFE_WORDS), max_size=3, unique=True)),
        "extra": draw(st.sampled_from(["", "note=x", "note=y draft", 'note="两个 词"'])),
    }


@st.composite
def options(draw, kind):
    texts = draw(distinct(phrase(), 2, 6))
    rows = []
    right = draw(st.integers(0, len(texts) - 1))
    for index, text in enumerate(texts):
        correct = index == right if kind == "single" else (index == right or draw(st.booleans()))
        if kind == "single":
            weight = None if correct else draw(st.sampled_from([None, 50.0, 25.5]))
        else:
            weight = None if correct else draw(st.sampled_from([None, -100.0, -50.0, 0.0]))
        rows.append({"text": text, "correct": correct, "weight": weight, "feedback": draw(prose()),
                     "redline": draw(st.booleans()) if not correct else False})
    return rows


@st.composite
def answers(draw, texts):
    return [{"text": text, "weight": draw(st.sampled_from([None, 50.0, 25.5, 33.33]))} for text in draw(distinct(texts, 1, 4))]


@st.composite
def item_data(draw, types=WRITTEN):
    type_name = draw(st.sampled_from(types))
    data = draw(common(type_name))
    if type_name in ("single", "multiple"):
        data |= {"shuffle": draw(st.booleans()), "options": draw(options(type_name))}
        if type_name == "multiple":
            data["scoring"] = draw(st.sampled_from(TYPES["multiple"].writer.scorings))
    elif type_name == "truefalse":
        data |= {"answer": draw(st.booleans()), "correct_feedback": draw(prose()), "incorrect_feedback": draw(prose()),
                 "redline": draw(st.booleans())}
    elif type_name == "ordering":
        data |= {"scoring": draw(st.sampled_from(TYPES["ordering"].writer.scorings)), "sequence": draw(distinct(phrase(), 2, 8))}
    elif type_name == "matching":
        lefts = draw(distinct(phrase(), 2, 6))
        data |= {"pairs": [{"left": left, "right": draw(phrase())} for left in lefts],
                 "distractors": draw(st.lists(phrase(), max_size=3))}
    elif type_name == "classify":
        categories = draw(distinct(phrase(), 2, 4))
        data |= {"categories": categories,
                 "items": [{"text": draw(phrase()), "category": draw(st.sampled_from(categories))} for _ in range(draw(st.integers(2, 6)))]}
    elif type_name == "short":
        data["answers"] = draw(answers(phrase()))
    elif type_name == "numeric":
        data["answers"] = draw(answers(st.sampled_from(NUMBERS)))
    elif type_name == "essay":
        data["model_answer"] = draw(prose())
    return data


def read_back(markdown: str) -> dict:
    blocks = item_blocks(WRAPPER + markdown)
    assert len(blocks) == 1
    item, sink = read_block(blocks[0])
    assert item is not None and not sink.has_errors, [str(p) for p in sink.problems]
    return read_item(item, blocks[0])


def test_exactly_the_six_simple_types_have_a_form():
    assert sorted(name for name in TYPES if editable(name)) == sorted(EDITABLE)


def test_the_writer_writes_every_type_the_importers_or_the_form_editor_write():
    assert sorted(name for name in TYPES if writes(name)) == sorted(WRITTEN)
    assert {name for name, t in TYPES.items() if "interchange" in t.exports} <= set(WRITTEN)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=item_data())
def test_item_data_written_by_the_one_writer_reads_back_as_the_same_data(data):
    """Every type the writer supports: write, parse, read back equal (the form editor and the importers write
    through this one function)."""
    markdown = write_item(data)
    assert read_back(markdown) == data, markdown
    errors, _warnings, misread = check_block(data["type"], data)
    assert errors == [] and misread == []


@settings(max_examples=100, deadline=None)
@given(data=item_data(), hostile=st.sampled_from(["- [x] 选我", "解析：偷换", "## 单选：另一题 {#x}", "1. 第一步", "- 甲 => 乙",
                                                   "答案：对", "类别：A | B", "  > 反馈", "### 子题", "```", "<!-- 注释 -->"]),
       field=st.sampled_from(["stem", "explanation", "hint", "remediation"]))
def test_text_that_would_be_read_as_structure_is_refused_never_saved_as_something_else(data, hostile, field):
    data = {**data, field: f"{data[field]}\n{hostile}".strip()}
    errors, _warnings, misread = check_block(data["type"], data)
    if not errors and not misread:  # accepted: then it reads back exactly as typed
        assert read_back(write_item(data)) == data


def test_a_misread_names_the_field():
    data = blank_item("single", "q1") | {"stem": "题干\n解析：偷换"}
    data["options"] = [{"text": "甲", "correct": True, "weight": None, "feedback": "", "redline": False},
                       {"text": "乙", "correct": False, "weight": None, "feedback": "- [x] 假选项", "redline": False}]
    assert check_block("single", data)[2] == ["stem", "explanation"]  # the stem lost a line to 解析
    data["stem"] = "题干"
    data["options"][1]["text"] = "{50%} 乙"
    assert check_block("single", data)[2] == ["options"]


def test_every_shipped_item_of_the_six_types_reads_into_the_form_and_back_without_loss():
    count = 0
    for path in sorted((ROOT / "quizzes").glob("*.md")):
        for block in item_blocks(path.read_text(encoding="utf-8")):
            item, _sink = read_block(block)
            if item is None or not editable(item.type):
                continue
            data = read_item(item, block)
            assert check_block(item.type, data)[0::2] == ([], []), (path.name, item.id)
            assert lossless(item, block), (path.name, item.id)
            count += 1
    assert count > 100


def test_what_the_form_cannot_say_is_reported_as_a_loss():
    source = "---\nid: q\ntitle: Q\n---\n\n## 单选：甲 {#a}\n题干 <!-- 给讲师 -->\n- [x] 对\n- [ ] 错\n\n参考回答：只给评阅人\n"
    block = item_blocks(source)[0]
    assert not lossless(read_block(block)[0], block)


QUIZ = """---
id: fe
title: 表单编辑
---

说明。

## 单选：第一题 {#one}
题干一。
```
## 不是标题（代码块里）
```
- [x] 甲
- [ ] 乙

## 判断：第二题 {#two}
题干二。

答案：对
## 排序：第三题 {#three}
排。
1. 一
2. 二
"""


def test_replacing_an_item_keeps_every_other_line_and_item():
    block = sources.find(QUIZ, "two")
    assert (block.line, block.end) == (16, 20)
    data = read_item(*_read(block)) | {"answer": False, "title": "改过"}
    updated = sources.replace_item(QUIZ, block, write_item(data))
    quiz, sink = parse_quiz_text(updated, "quizzes/fe.md")
    assert not sink.has_errors, [str(p) for p in sink.problems]
    assert [i.id for i in quiz.items] == ["one", "two", "three"]
    assert quiz.item("two").answer is False and quiz.item("two").title == "改过"
    assert updated.split("## 判断")[0] == QUIZ.split("## 判断")[0]  # the code block with "## " stays in item one
    assert updated.endswith("1. 一\n2. 二\n")


def test_replacing_the_first_and_the_last_item_and_appending():
    first = sources.find(QUIZ, "one")
    assert "## 不是标题" in first.text  # the parser's split: a fenced "## " is not a heading
    last = sources.find(QUIZ, "three")
    updated = sources.replace_item(QUIZ, last, write_item(read_item(*_read(last)) | {"sequence": ["二", "一"]}))
    assert parse_quiz_text(updated, "q.md")[0].item("three").sequence == ("二", "一")
    added = sources.append_item(updated, write_item(blank_item("truefalse", "four") | {"stem": "新题"}))
    quiz, sink = parse_quiz_text(added, "q.md")
    assert [i.id for i in quiz.items] == ["one", "two", "three", "four"] and not sink.has_errors


def test_only_the_errors_a_change_brings_count():
    broken = QUIZ.replace("答案：对", "答案：也许")  # E301 in item two already
    block = sources.find(broken, "one")
    same = sources.replace_item(broken, block, block.text)
    assert sources.errors("q.md", same) and sources.new_errors("q.md", broken, same) == []
    duplicate = sources.append_item(QUIZ, write_item(blank_item("truefalse", "one") | {"stem": "重复"}))
    assert [p.code for p in sources.new_errors("q.md", QUIZ, duplicate)] == ["E104"]


def test_an_item_without_an_id_is_found_by_the_id_the_parser_gives_it():
    source = QUIZ.replace("{#two}", "")
    block = sources.find(source, "item-16")
    assert block is not None and block.line == 16


def test_row_buttons_add_remove_and_move_within_limits():
    data = blank_item("ordering", "o")
    data, message = apply_action(data, "add:sequence", ("sequence",))
    assert len(data["sequence"]) == 4 and message is None
    data["sequence"] = ["a", "b", "c", "d"]
    assert apply_action(data, "up:sequence:2", ("sequence",))[0]["sequence"] == ["a", "c", "b", "d"]
    assert apply_action(data, "down:sequence:3", ("sequence",))[0]["sequence"] == data["sequence"]
    assert apply_action(data, "remove:sequence:0", ("sequence",))[0]["sequence"] == ["b", "c", "d"]
    two = {**data, "sequence": ["a", "b"]}
    assert apply_action(two, "remove:sequence:0", ("sequence",)) == (two, apply_action(two, "remove:sequence:0", ("sequence",))[1])
    assert str(apply_action(two, "remove:sequence:0", ("sequence",))[1]) == "至少要保留 2 个排序条目。"
    full = {**data, "sequence": [str(i) for i in range(12)]}
    assert str(apply_action(full, "add:sequence", ("sequence",))[1]) == "最多 12 个排序条目。"
    assert apply_action(data, "remove:options:0", ("sequence",)) == (data, None)  # not this form's list
    assert apply_action(data, "remove:sequence:99", ("sequence",)) == (data, None)


def _read(block):
    item, _sink = read_block(block)
    return item, block
