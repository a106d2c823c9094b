"""academy.platform.exports: every spreadsheet cell is formula-safe, CSV has a BOM, XLSX holds no formula."""
import csv
import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from academy.platform.exports import FORMULA_STARTS, csv_stream, safe_cell, sheet_title, xlsx_bytes, xlsx_stream

HOSTILE = [
    "=HYPERLINK(\"http://evil.example\",\"点我\")", "=cmd|'/c calc'!A1", "+1+1", "-2+3", "@SUM(A1:A2)",
    "\t=1+1", "\r=1+1", "=1+1\n", "张三", "a=b", "", "'already quoted", "\x00=NUL", "\x07bell", "普通文本 with spaces",
]


def neutral(text: str) -> bool:
    return not text.startswith(FORMULA_STARTS) or text.startswith("'")


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("张三", "张三"), ("a=b", "a=b"), ("", ""), ("\x00=1", "'=1"),
])
def test_text_cells_that_start_a_formula_are_quoted(value, cell):
    assert safe_cell(value) == cell


def test_values_that_are_not_text_pass_unchanged():
    day = date(2026, 3, 5)
    assert [safe_cell(v) for v in (None, 3, -2, 85.5, True, day)] == [None, 3, -2, 85.5, True, day]


def test_a_timestamp_is_written_as_the_organisations_wall_clock_time():
    """Stored in UTC; a spreadsheet cell has no zone, so it holds the time people read (Asia/Shanghai by default)."""
    assert safe_cell(datetime(2026, 3, 5, 18, 0)) == datetime(2026, 3, 6, 2, 0)


@given(st.text(max_size=40))
def test_no_text_cell_can_start_a_formula(text):
    cell = safe_cell(text)
    assert neutral(cell)
    assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in cell)


def xlsx_sheet_xml(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/")]


def test_xlsx_of_hostile_text_opens_and_holds_no_formula():
    data = xlsx_bytes([("名单", ["姓名", "分数"], ([value, 60] for value in HOSTILE))])
    assert all("<f>" not in xml and "<f " not in xml for xml in xlsx_sheet_xml(data))
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook["名单"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("姓名", "分数") and len(rows) == len(HOSTILE) + 1
    for cell in sheet.iter_rows(min_row=2):
        assert cell[0].data_type != "f"
        assert neutral(str(cell[0].value or "").replace("\n", "\r"))  # XML reads a CR back as LF
    assert rows[1][0] == "'=HYPERLINK(\"http://evil.example\",\"点我\")" and rows[1][1] == 60


def test_xlsx_stream_is_chunks_of_one_workbook_with_several_sheets():
    many = ((f"学员{i}", i % 100) for i in range(5000))
    parts = list(xlsx_stream([("甲", ["姓名", "分"], many), ("乙/[团队]*", ["x"], iter([["y"]]))]))
    assert len(parts) >= 1 and all(isinstance(part, bytes) for part in parts)
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(parts)), read_only=True)
    assert workbook.sheetnames == ["甲", "乙  团队  "]
    assert sum(1 for _ in workbook["甲"].iter_rows()) == 5001


def test_sheet_titles_are_ones_excel_accepts():
    assert sheet_title("a" * 40) == "a" * 31
    assert sheet_title("") == "Sheet"


def test_csv_has_a_bom_crlf_lines_and_quoted_formulas():
    text = "".join(csv_stream(["姓名", "分数"], ([value, 72.5] for value in HOSTILE)))
    assert text.startswith("\ufeff姓名,分数\r\n")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert len(rows) == len(HOSTILE) + 1
    for name, score in rows[1:]:
        assert neutral(name) and score == "72.5"
    assert rows[1][0] == "'=HYPERLINK(\"http://evil.example\",\"点我\")"


def test_csv_stream_is_lazy():
    def rows():
        yield ["a"]
        raise AssertionError("read past the first row")

    stream = csv_stream(["h"], rows())
    assert next(stream) == "\ufeffh\r\n" and next(stream) == "a\r\n"


def test_csv_numbers_and_empty_cells():
    text = "".join(csv_stream(["a", "b", "c", "d"], [[None, 80.0, 3, datetime(2026, 1, 2, 9, 5)]]))
    assert text.splitlines()[1] == ",80,3,2026-01-02 17:05"  # 09:05 UTC is 17:05 in Beijing
