"""Quiz Markdown as an import source (another quiz or bank file) and as the form every import is saved in:
a bank document "quizzes/banks/<name>.md" (contract C2) with the imported items appended."""
import re
from dataclasses import dataclass

from academy.authoring.formats import Parsed, Problem, Question
from academy.authoring.formats.interchange import dict_to_block, quiz_to_dicts
from academy.learning.questions import parse_quiz_text

BANK_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
_HEADING_ID_RE = re.compile(r"^##\s.*\{[^{}]*#([A-Za-z0-9][A-Za-z0-9_-]*)", re.M)


def bank_path(name: str) -> str:
    return f"quizzes/banks/{name}.md"


def read(raw: bytes, filename: str = "import.md") -> Parsed:
    """Items of a Quiz Markdown file, checked by the real parser first (its problems keep their lines)."""
    parsed = Parsed()
    quiz, sink = parse_quiz_text(raw, filename)
    for problem in sink.problems:
        parsed.problems.append(Problem(problem.line, f"{problem.code} {problem.message}", problem.is_error))
    if quiz is None:
        if not parsed.has_errors:
            parsed.fail("无法读取这个 Quiz Markdown 文件 (unreadable Quiz Markdown)")
        return parsed
    dicts, left_out = quiz_to_dicts(quiz)
    for item, reason in left_out:
        parsed.problems.append(Problem(item.line, reason, False))
    parsed.questions = [Question(d) for d in dicts]
    return parsed


@dataclass
class Composed:
    source: str
    spans: list[tuple[int, int, Question]]  # the lines each imported question occupies in `source`


def existing_ids(source: str) -> set[str]:
    return set(_HEADING_ID_RE.findall(source or ""))


def compose_bank(name: str, title: str, existing: str | None, questions: list[Question]) -> Composed:
    """The bank's new source: its current text (or a new front matter) with one block per question appended.
    Problems found while writing a block are added to that question."""
    taken = existing_ids(existing or "")
    if existing and existing.strip():
        head = existing.rstrip("\n") + "\n"
    else:
        safe_title = (title or name).replace('"', "＂").replace("\n", " ")
        head = f'---\nid: {name}\ntitle: "{safe_title}"\nbank: true\n---\n'
    lines = head.split("\n")[:-1]
    spans = []
    for question in questions:
        block = dict_to_block(question.data, name, taken, question.warn)
        if not block:
            continue
        lines.append("")
        start = len(lines) + 1
        lines += block
        spans.append((start, len(lines), question))
    return Composed("\n".join(lines) + "\n", spans)


def validate(composed: Composed, path: str, parsed: Parsed) -> None:
    """Run the real parser on the composed bank; each problem goes to the question whose lines it is on,
    or to the file when it is in the bank's existing text."""
    _quiz, sink = parse_quiz_text(composed.source.encode(), path)
    for problem in sink.problems:
        owner = next((q for start, end, q in composed.spans if start <= problem.line <= end), None)
        message = f"{problem.code} {problem.message}"
        if owner is not None:
            owner.problems.append(Problem(owner.line, message, problem.is_error))
        elif problem.is_error:
            parsed.problems.append(Problem(None, f"题库现有内容：第 {problem.line} 行 {message} (in the bank's current text)"))
