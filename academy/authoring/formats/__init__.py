"""Question interchange: Moodle GIFT, Moodle XML, the Excel template, JSON and Quiz Markdown.

Every reader turns a whole file into `Parsed` (interchange dicts, each with its own problems, plus the file's
problems) without touching the database; `academy.authoring.question_import` turns that into a bank document
and saves it only when nothing is an error. The interchange shape is documented in docs/question-formats.md.
"""
from dataclasses import dataclass, field

MAX_BYTES = 5 * 1024 * 1024  # the app's MAX_CONTENT_LENGTH too; a question bank of thousands of items is far smaller


@dataclass(frozen=True)
class Problem:
    line: int | None  # the file's line (GIFT, XML, Markdown) or the sheet's row as Excel numbers it
    message: str
    error: bool = True

    def __str__(self) -> str:
        where = f"第 {self.line} 行：" if self.line else ""
        return f"{where}{'错误' if self.error else '警告'}：{self.message}"


@dataclass
class Question:
    data: dict
    problems: list[Problem] = field(default_factory=list)

    @property
    def line(self) -> int | None:
        return self.data.get("source_line")

    def warn(self, message: str, error: bool = False, line: int | None = None) -> None:
        self.problems.append(Problem(line or self.line, message, error))

    @property
    def has_errors(self) -> bool:
        return any(p.error for p in self.problems)


@dataclass
class Parsed:
    questions: list[Question] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # about the file as a whole

    @property
    def has_errors(self) -> bool:
        return any(p.error for p in self.problems) or any(q.has_errors for q in self.questions)

    def all_problems(self) -> list[Problem]:
        found = list(self.problems) + [p for q in self.questions for p in q.problems]
        return sorted(found, key=lambda p: (p.line or 0, not p.error))

    def fail(self, message: str, line: int | None = None) -> "Parsed":
        self.problems.append(Problem(line, message))
        return self


class FileRefused(ValueError):
    """The file cannot be read at all (too big, wrong kind, undecodable); the message says why, in Chinese."""


def decode_text(raw: bytes) -> str:
    """UTF-8 with or without a BOM; anything else is refused with the line of the first bad byte, naming the
    GB18030/GBK encoding Chinese Windows editors save in when the bytes read as that."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        try:
            raw.decode("gb18030")
            guess = "看起来是 GB18030/GBK（简体中文 Windows 的默认编码）"
        except UnicodeDecodeError:
            guess = "编码无法识别"
        raise FileRefused(f"文件不是 UTF-8 编码（第 {line} 行起），{guess}。请用记事本或 WPS“另存为”UTF-8 编码后重新上传。"
                          " (the file is not UTF-8)") from exc
    if "\n" not in text and "\r" in text:  # an old Mac file, as Moodle reads it
        return text.replace("\r", "\n")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
