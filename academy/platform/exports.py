"""Spreadsheet and CSV exports: the one formula-safe way to hand data to Excel (contract C4).

Every export cell passes `safe_cell`: a text cell starting with = + - @ tab or CR would be run by Excel or
LibreOffice as a formula (CSV/formula injection, OWASP; Symfony CVE-2021-41270 added tab and CR), so it gets a
leading apostrophe and is shown as text.  Numbers, dates and None pass unchanged: they are written as values,
never as formulas.  A timestamp (stored in UTC) is written as the organisation's wall-clock time
(academy.platform.clock): a spreadsheet cell has no time zone, and its reader reads their own clock.  Control
characters that XML cannot hold are dropped, so a hostile name cannot break a file.

`xlsx_stream` writes with openpyxl's write-only workbook (rows go to a temporary file as they come, memory
stays flat for 10,000 learners) and hands the finished file back in chunks; `csv_stream` yields one line at a
time, UTF-8 with a byte-order mark so Excel opens Chinese text correctly.
"""
import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

import openpyxl
from openpyxl.utils import get_column_letter

from academy.platform import clock

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What XML 1.0 (and so XLSX) cannot hold; tab, LF and CR are allowed.  openpyxl raises on these.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
CHUNK = 64 * 1024
SHEET_TITLE_MAX = 31  # Excel's limit
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")

Cell = str | int | float | Decimal | date | datetime | bool | None


def safe_cell(value: object) -> Cell:
    """A value a spreadsheet shows as it is and never runs as a formula."""
    if isinstance(value, datetime):
        return clock.local(value).replace(tzinfo=None)
    if value is None or isinstance(value, bool | int | float | Decimal | date):
        return value
    text = _ILLEGAL.sub("", str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def sheet_title(title: str) -> str:
    """A title Excel accepts: at most 31 characters, none of []:*?/\\."""
    return _SHEET_TITLE_BAD.sub(" ", str(title))[:SHEET_TITLE_MAX] or "Sheet"


def xlsx_file(sheets: Iterable[tuple]):
    """The workbook written to a temporary file (rewound): one sheet per (title, header, rows) or
    (title, header, rows, column widths in characters).

    Rows are consumed one at a time; the caller closes the file (or hands it to `chunks`)."""
    workbook = openpyxl.Workbook(write_only=True)
    for title, header, rows, *widths in sheets:
        sheet = workbook.create_sheet(sheet_title(title))
        for index, width in enumerate(widths[0] if widths else ()):
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        sheet.append([safe_cell(value) for value in header])
        for row in rows:
            sheet.append([safe_cell(value) for value in row])
    if not workbook.worksheets:
        workbook.create_sheet("Sheet")
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    return handle


def chunks(handle) -> Iterator[bytes]:
    """The file's bytes in chunks, closing it at the end (or when the response is abandoned)."""
    try:
        while block := handle.read(CHUNK):
            yield block
    finally:
        handle.close()


def xlsx_stream(sheets: Iterable[tuple]) -> Iterator[bytes]:
    """The XLSX workbook as chunks of bytes.  The workbook is written before the first chunk (a zip file
    cannot be sent before it is complete), row by row through write-only mode, so memory stays flat."""
    return chunks(xlsx_file(sheets))


def xlsx_bytes(sheets: Iterable[tuple]) -> bytes:
    """The whole workbook in memory, for small files (an import's passwords)."""
    return b"".join(xlsx_stream(sheets))


def csv_value(value: object) -> str:
    cell = safe_cell(value)
    if cell is None:
        return ""
    if isinstance(cell, float):
        return f"{cell:.2f}".rstrip("0").rstrip(".")
    if isinstance(cell, datetime):
        return cell.strftime("%Y-%m-%d %H:%M")
    return str(cell)


def csv_stream(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """RFC 4180 lines (CRLF), UTF-8 with a byte-order mark first, one row at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values: Iterable) -> str:
        writer.writerow([csv_value(value) for value in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line(header)
    for row in rows:
        yield line(row)
