"""Putting one item block into a quiz source: replace the item's lines (its heading to the next `##` heading,
as the parser splits them) or append a new item, and tell which errors the change brings."""
import hashlib
from collections import Counter

from academy.learning.questions import parse_quiz_text
from academy.learning.questions.quizmd.items import split_subheadings
from academy.learning.questions.quizmd.parser import Block, item_blocks
from academy.learning.questions.quizmd.syntax import parse_heading
from academy.platform.problems import Problem, ProblemSink


def normalize(source: str) -> str:
    return source.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def find(source: str, item_id: str) -> Block | None:
    """The first top-level item with this id (the one the parser keeps when an id is duplicated)."""
    return next((b for b in item_blocks(normalize(source)) or () if b.item_id == item_id), None)


def parts(source: str, item_id: str) -> list[Block]:
    """The `###` sub-questions of item `item_id` (a scenario), each from its heading to the next `###` heading or
    the end of the item, split as the parser splits a scenario (items.split_subheadings)."""
    block = find(source, item_id)
    if block is None:
        return []
    _intro, found = split_subheadings(list(block.lines))
    ends = [no for no, _heading, _body in found[1:]] + [block.end]
    lines = normalize(source).split("\n")
    return [Block(no, end, heading, tuple(body), "\n".join(lines[no - 1:end - 1]))
            for (no, heading, body), end in zip(found, ends)]


def find_part(source: str, item_id: str, part_id: str) -> Block | None:
    return next((b for b in parts(source, item_id) if part_id_of(b) == part_id), None)


def part_id_of(block: Block) -> str | None:
    return parse_heading(block.heading, block.line, 3, ProblemSink("")).item_id


def fingerprint(block: Block | None) -> str:
    """Which version of the item a form was opened on (to refuse saving over someone else's change)."""
    return hashlib.sha256((block.text if block else "").encode()).hexdigest()[:16]


def replace_item(source: str, block: Block, new_block: str) -> str:
    """The source with `block`'s lines replaced by `new_block` (one blank line before the next item)."""
    lines = normalize(source).split("\n")
    after = lines[block.end - 1:]
    return "\n".join([*lines[:block.line - 1], *new_block.rstrip("\n").split("\n"), "", *after]).rstrip("\n") + "\n"


def remove_item(source: str, block: Block) -> str:
    """The source without `block`'s lines (its heading up to the next `##` heading); the rest as it was."""
    lines = normalize(source).split("\n")
    return "\n".join([*lines[:block.line - 1], *lines[block.end - 1:]]).rstrip("\n") + "\n"


def append_item(source: str, new_block: str) -> str:
    return normalize(source).rstrip("\n") + "\n\n" + new_block.rstrip("\n") + "\n"


def new_errors(path: str, before: str, after: str) -> list[Problem]:
    """Errors of `after` that `before` did not have (compared by code and message: lines move).  A draft may
    already have errors elsewhere; saving one item is refused only for errors the item brings."""
    old = Counter((p.code, p.message) for p in parse_quiz_text(normalize(before), path)[1].problems if p.is_error)
    found = []
    for problem in parse_quiz_text(after, path)[1].problems:
        key = (problem.code, problem.message)
        if problem.is_error and not old[key]:
            found.append(problem)
        elif problem.is_error:
            old[key] -= 1
    return found


def errors(path: str, source: str) -> list[Problem]:
    return [p for p in parse_quiz_text(normalize(source), path)[1].problems if p.is_error]
