"""Importing questions into a bank and exporting a bank: the one service behind the CLI and /authoring/import.

Never half-imports: the whole file is parsed into interchange dicts, written as Quiz Markdown appended to the
bank's published text, and checked by the real parser; only when nothing anywhere is an error is the bank
saved (content store: save_draft, then publish, audited), all in the caller's one transaction.
"""
from dataclasses import dataclass, field

from academy.authoring.formats import MAX_BYTES, FileRefused, Parsed, Problem, extension, gift, jsonfmt, moodle_xml, quizmd, xlsx
from academy.authoring.formats.interchange import quiz_to_dicts
from academy.authoring.formats.quizmd import BANK_NAME_RE, bank_path, compose_bank, validate
from academy.learning.questions import parse_quiz_text
from academy.org import audit

__all__ = ["FileRefused", "bank_path"]

READERS = {"gift": gift.read, "txt": gift.read, "xml": moodle_xml.read, "xlsx": xlsx.read, "md": quizmd.read,
           "json": jsonfmt.read}
EXPORTS = ("json", "md", "gift", "xlsx")


class ImportRejected(ValueError):
    """The import was not saved; `problems` say why, each with its line or row."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


@dataclass
class Plan:
    name: str
    filename: str
    parsed: Parsed
    source: str = ""  # the bank's text after the import
    skipped: list[Problem] = field(default_factory=list)

    @property
    def path(self) -> str:
        return bank_path(self.name)

    @property
    def ok(self) -> bool:
        return not self.parsed.has_errors


def check_bank_name(name: str) -> str | None:
    """Why `name` cannot name a bank, or None."""
    if not BANK_NAME_RE.match(name or ""):
        return "题库名只能用小写字母、数字和连字符，以字母或数字开头，最长 60 个字符 (bank name: a-z, 0-9, -)"
    return None


def read_file(raw: bytes, filename: str) -> Parsed:
    """Parse a whole upload; FileRefused when it is too big, of an unknown kind or undecodable."""
    if len(raw) > MAX_BYTES:
        raise FileRefused(f"文件太大（{len(raw) / 1024 / 1024:.1f} MB），上限为 {MAX_BYTES // 1024 // 1024} MB (file too large)")
    reader = READERS.get(extension(filename))
    if reader is None:
        raise FileRefused("只支持 .gift、.txt（GIFT）、.xml（Moodle XML）、.xlsx（Excel 模板）、.md（Quiz Markdown）和 .json 文件"
                          " (unsupported file type)")
    return reader(raw)


def _store():
    """The content store (contract C1), or None while it is not installed: then a bank reads as new and
    saving is refused with a message."""
    try:
        from academy.authoring import store
    except ImportError:
        return None
    return store


def current_source(session, name: str) -> str | None:
    """The bank's published text (None for a new bank). A bank with an unpublished draft is refused: the
    import would publish someone's unfinished edit along with it."""
    store = _store()
    path = bank_path(name)
    if store is None:
        return None
    if store.draft_source(session, path) is not None:
        raise FileRefused(f"题库“{name}”有尚未发布的草稿，请先发布或放弃该草稿再导入 (the bank has an unpublished draft)")
    return store.published_source(session, path)


def may_import(session, user, name: str) -> bool:
    """Whether `user` may add questions to bank `name` (the store's rule: their own, granted, or a new one)."""
    store = _store()
    return True if store is None else store.may_edit(session, user, bank_path(name))


def plan(session, name: str, raw: bytes, filename: str) -> Plan:
    """Everything the import would do, checked, nothing written."""
    problem = check_bank_name(name)
    if problem:
        raise FileRefused(problem)
    parsed = read_file(raw, filename)
    result = Plan(name, filename, parsed)
    if parsed.questions:
        composed = compose_bank(name, name, current_source(session, name), parsed.questions)
        validate(composed, result.path, parsed)
        result.source = composed.source
    return result


def save(session, actor_id: int | None, result: Plan) -> int:
    """Save a checked plan into the bank (draft, then publish) and audit it; the number of questions saved.
    Raises ImportRejected (nothing written by this call survives: the caller rolls back) on any error."""
    if not result.ok or not result.parsed.questions:
        raise ImportRejected(result.parsed.all_problems() or [Problem(None, "没有可导入的题目 (nothing to import)")])
    store = _store()
    if store is None:
        raise FileRefused("内容库尚未安装，暂时不能保存导入的题目 (the content store is not installed)")
    reason = f"导入 {result.filename}（{len(result.parsed.questions)} 道题）"
    store.save_draft(session, actor_id, result.path, result.source, kind="bank", reason=reason)
    try:
        store.publish(session, actor_id, result.path, reason=reason, origin="import")
    except store.NotPublishable as exc:
        raise ImportRejected([Problem(getattr(p, "line", None), str(p)) for p in exc.problems]) from exc
    audit.record(session, actor_id, "bank.import", "content", result.path, reason=reason,
                 detail={"questions": len(result.parsed.questions), "file": result.filename[:120],
                         "warnings": sum(1 for p in result.parsed.all_problems() if not p.error)})
    return len(result.parsed.questions)


def export_quiz(quiz, fmt: str) -> tuple[str | bytes, list[str]]:
    """A quiz's or bank's questions in `fmt` (json, md, gift, xlsx) and a warning per thing left out or changed."""
    if fmt == "md":
        return quiz.source, []
    questions, left_out = quiz_to_dicts(quiz)
    warnings = [f"第 {item.line} 行：{reason}" for item, reason in left_out]

    def warn(q: dict, message: str) -> None:
        warnings.append(f"第 {q.get('source_line')} 行（{q.get('name')}）：{message}")

    if fmt == "json":
        return jsonfmt.write(questions, quiz.id), warnings
    if fmt == "gift":
        return gift.write(questions, warn), warnings
    if fmt == "xlsx":
        return xlsx.template(xlsx.export_rows(questions, warn)), warnings
    raise FileRefused(f"不支持的导出格式“{fmt}” (unknown export format)")


def export_bank(session, name: str, fmt: str, fallback: str | None = None) -> tuple[str | bytes, list[str]]:
    """The bank's published questions in `fmt`; `fallback` is its text when there is no content store (the file)."""
    if check_bank_name(name):
        raise FileRefused(check_bank_name(name))
    store = _store()
    source = store.published_source(session, bank_path(name)) if store is not None else fallback
    if source is None:
        raise FileRefused(f"没有名为“{name}”的题库 (no such bank)")
    quiz, sink = parse_quiz_text(source.encode(), bank_path(name))
    if quiz is None:
        raise FileRefused("题库内容有错误，无法导出：" + "；".join(str(p) for p in sink.problems if p.is_error)[:500])
    return (source, []) if fmt == "md" else export_quiz(quiz, fmt)
