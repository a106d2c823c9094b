"""Read an uploaded user list (CSV or XLSX) into rows keyed by canonical column names.

Pure parsing: no database and no rules. Row numbers are the ones Excel shows (header = 1).
"""
import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass

import openpyxl
from flask_babel import lazy_gettext as _l

MAX_ROWS = 5000
MAX_SCANNED_LINES = 100_000  # blank/formatted rows count here; stops runaway sheets
MAX_XLSX_ENTRIES, MAX_XLSX_UNZIPPED = 1000, 50 * 1024 * 1024  # zip-bomb guard
COLUMNS = ("username", "display_name", "roles", "region", "team", "password")
COLUMN_LABELS = {"username": "用户名", "display_name": "姓名", "roles": "角色",
                 "region": "片区", "team": "团队", "password": "密码"}
HEADER_ALIASES = {
    "username": ("用户名", "账号", "帐号", "登录名", "username", "user", "login"),
    "display_name": ("姓名", "显示名", "display_name", "displayname", "name"),
    "roles": ("角色", "roles", "role"),
    "region": ("片区", "区域", "region"),
    "team": ("团队", "team"),
    "password": ("密码", "初始密码", "password"),
}
ALIASES = {alias: key for key, names in HEADER_ALIASES.items() for alias in names}
HINT = re.compile(r"[（(].*$")  # "角色（多个用顿号分隔）" → "角色"


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is shown to the admin.

    Raised with a lazy translation; `str(exc)` gives the message in the current language.
    """


@dataclass(frozen=True)
class ImportRow:
    line: int
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "")


def parse_upload(data: bytes, filename: str) -> list[ImportRow]:
    """Rows of a .csv or .xlsx user list.

    :raises ImportFileError: unknown type, undecodable text, bad header, no rows or too many.
    """
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "csv":
        return _rows_from_table(_csv_table(data))
    if extension == "xlsx":
        return _rows_from_table(_xlsx_table(data))
    raise ImportFileError(_l("只支持 .csv 或 .xlsx 文件。"))


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 as Chinese Excel saves it."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    else:
        candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_l("无法识别文件编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后重新上传。"))


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    if "," in header:
        return ","
    return next((d for d in ("\t", ";") if d in header), ",")


def _csv_table(data: bytes) -> list[list[str]]:
    text = decode_csv(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        return _capped(reader)
    except csv.Error as exc:
        raise ImportFileError(_l("CSV 格式有误（第 %(line)s 行附近），请检查引号是否成对。", line=reader.line_num)) from exc


def _check_archive(data: bytes) -> None:
    if not data.startswith(b"PK\x03\x04"):
        raise ImportFileError(_l("这不是有效的 .xlsx 文件，请在 Excel 中另存为“Excel 工作簿 (.xlsx)”。"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ImportFileError(_l("无法读取这个 Excel 文件，请确认文件没有损坏。")) from exc
    if len(entries) > MAX_XLSX_ENTRIES or sum(e.file_size for e in entries) > MAX_XLSX_UNZIPPED:
        raise ImportFileError(_l("这个 Excel 文件解压后过大，请只保留用户名单后重新保存。"))


def _xlsx_table(data: bytes) -> list[list[str]]:
    _check_archive(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types for a damaged file
        raise ImportFileError(_l("无法读取这个 Excel 文件，请确认文件没有损坏。")) from exc
    try:
        return _capped(workbook.worksheets[0].iter_rows(values_only=True))
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(_l("无法读取这个 Excel 文件，请确认文件没有损坏。")) from exc
    finally:
        workbook.close()


def _capped(rows) -> list[list[str]]:
    table = []
    for row in rows:
        if len(table) >= MAX_SCANNED_LINES:
            raise ImportFileError(_l("文件行数过多，一次最多导入 %(max)s 个用户。", max=MAX_ROWS))
        table.append([_cell(value) for value in row])
    return table


def _cell(value) -> str:
    """Excel gives numbers for cells like 10086 or 12345678; turn them back into text."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\x00", "").strip()


def _normalise_header(name: str) -> str:
    return HINT.sub("", name).replace("*", "").replace(" ", "").strip().lower()


def _column_map(header: list[str]) -> dict[int, str]:
    columns: dict[int, str] = {}
    for index, name in enumerate(header):
        key = ALIASES.get(_normalise_header(name))
        if key in columns.values():
            raise ImportFileError(_l("表头中“%(column)s”列出现了两次。", column=COLUMN_LABELS[key]))
        if key:
            columns[index] = key
    if "username" not in columns.values():
        raise ImportFileError(_l("第 1 行必须是表头，且包含“用户名”（username）列。"))
    return columns


def _rows_from_table(table: list[list[str]]) -> list[ImportRow]:
    if not table:
        raise ImportFileError(_l("文件是空的。"))
    columns = _column_map(table[0])
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        values = {key: cells[i] if i < len(cells) else "" for i, key in columns.items()}
        if any(values.values()):
            rows.append(ImportRow(line, values))
    if not rows:
        raise ImportFileError(_l("文件中没有数据行。"))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_l("文件有 %(n)s 行数据，一次最多导入 %(max)s 行，请拆分后分批导入。", n=len(rows), max=MAX_ROWS))
    return rows
