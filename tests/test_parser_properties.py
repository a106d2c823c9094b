"""Property tests for the parsers of content and import files.

Content: whatever a file holds, parsing ends with a model or with problems that point at lines of the
file, never with an exception (the running app skips broken files and lists them; `check-content` prints
them).  Near-valid input finds more than random text, so most cases are the shipped sample quiz and a
lesson with lines deleted, duplicated, swapped or garbled.  Import files: rows, or a message in Chinese.
"""
import re
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from academy.learning.content.courses import parse_lesson
from academy.learning.questions import parse_quiz_text, score_item
from academy.platform.problems import ProblemSink

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LINES = (ROOT / "quizzes" / "sample-all-types.md").read_text(encoding="utf-8").split("\n")
LESSON_LINES = (ROOT / "courses" / "clients" / "01-org-traits.md").read_text(encoding="utf-8").split("\n")
CODE = re.compile(r"^[EW]\d{3}$")
GARBLE = ["", "---", "## ", "### ", "{#", "}", "- [x]", "- [ ]", "| a | b |", "|---|", "-> ", "[if 王主任>=9]",
          "{王主任+1}", "redline", "```", "<!--", "-->", "<script>alert(1)</script>", "id: 重复", "：", "\t", "\x00",
          "points=abc", "title: [unclosed", "{#sample-single}", "### 结局：x {ending=success}"]


def edits(lines: list[str]):
    """A list of (operation, position, garble) applied in turn to the lines."""
    return st.lists(st.tuples(st.sampled_from(["delete", "duplicate", "swap", "garble", "append"]),
                              st.integers(0, len(lines) - 1), st.sampled_from(GARBLE) | st.text(max_size=20)),
                    min_size=1, max_size=6)


def edited(lines: list[str], operations) -> str:
    out = list(lines)
    for operation, position, garble in operations:
        at = position % max(len(out), 1)
        if operation == "delete" and out:
            del out[at]
        elif operation == "duplicate" and out:
            out.insert(at, out[at])
        elif operation == "swap" and len(out) > 1:
            out[at], out[at - 1] = out[at - 1], out[at]
        elif operation == "garble" and out:
            out[at] = garble + out[at][len(garble):]
        else:
            out.insert(at, garble)
    return "\n".join(out)


def assert_well_reported(model, sink: ProblemSink, text: str) -> None:
    if model is None:
        assert sink.has_errors, "no model and no error"
    last_line = text.count("\n") + 2  # a problem may point just past the last line (e.g. an unclosed block)
    for problem in sink.problems:
        assert 1 <= problem.line <= last_line, problem
        assert CODE.match(problem.code), problem
        assert problem.message.strip(), problem


@settings(max_examples=150, deadline=None)
@given(operations=edits(SAMPLE_LINES))
def test_any_edit_of_the_sample_quiz_parses_or_is_reported(operations):
    text = edited(SAMPLE_LINES, operations)
    quiz, sink = parse_quiz_text(text, "quizzes/edited.md")
    assert_well_reported(quiz, sink, text)
    if quiz is not None:  # a quiz that parses can be graded, even with nothing answered
        assert len({item.id for item in quiz.all_items()}) == len(list(quiz.all_items()))
        for item in quiz.scored_items():
            result = score_item(item, None)
            assert 0 <= result.score <= item.points


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=400) | st.lists(st.sampled_from(GARBLE + SAMPLE_LINES[:12]), max_size=20).map("\n".join))
def test_any_text_as_a_quiz_parses_or_is_reported(text):
    quiz, sink = parse_quiz_text(text, "quizzes/any.md")
    assert_well_reported(quiz, sink, text)


@settings(max_examples=60, deadline=None)
@given(operations=edits(LESSON_LINES), raw=st.booleans())
def test_any_edit_of_a_lesson_parses_or_is_reported(operations, raw):
    text = edited(LESSON_LINES, operations)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "01-edited.md"
        path.write_bytes(text.encode("gb18030" if raw else "utf-8", errors="replace"))
        sink = ProblemSink("courses/clients/01-edited.md")
        lesson = parse_lesson(path, "clients", sink.path, sink)
    assert_well_reported(lesson, sink, text)
    if lesson is not None:
        assert "<script" not in lesson.html.lower()


CSV_CELLS = ["username", "用户名", "display_name", "姓名", "roles", "角色", "region", "片区", "team", "团队", "password",
             "zhang", "学员,讲师", "华东片区", "一组", "=cmd|' /C calc'!A0", '"', '""', ",", ";", "\t", "\r", "\ufeff", ""]


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(st.sampled_from(CSV_CELLS) | st.text(max_size=12), max_size=6), max_size=8),
       separator=st.sampled_from([",", ";", "\t"]), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_any_csv_upload_gives_rows_or_a_chinese_error(rows, separator, encoding):
    """An import file is read into rows or refused with a message in Chinese (the page shows it as a 422)."""
    from academy.org.admin.importer import ImportFileError, parse_upload

    data = "\n".join(separator.join(row) for row in rows).encode(encoding, errors="replace")
    try:
        parsed = parse_upload(data, "users.csv")
    except ImportFileError as exc:
        assert re.search(r"[\u4e00-\u9fff]", str(exc)), exc
        return
    assert parsed and all(row.line >= 2 and any(row.values.values()) for row in parsed)
    assert len({row.line for row in parsed}) == len(parsed)  # each row keeps its own line for the error report


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300), extension=st.sampled_from(["csv", "xlsx", "CSV", "txt"]))
def test_any_bytes_as_an_upload_give_rows_or_a_chinese_error(data, extension):
    from academy.org.admin.importer import ImportFileError, parse_upload

    try:
        parse_upload(data, f"users.{extension}")
    except ImportFileError as exc:
        assert re.search(r"[\u4e00-\u9fff]", str(exc)), exc
