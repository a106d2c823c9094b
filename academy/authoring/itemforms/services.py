"""The form editor's rules: open an item of a quiz draft as form data, and save form data back into the draft
through the content store (academy.authoring.store, contract C1).  Flushes, never commits; no request here."""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from academy.authoring import store
from academy.authoring.itemforms import source as sources
from academy.learning.questions import TYPES
from academy.learning.questions.editing import check_block, editable, lossless, read_block
from academy.learning.questions.quizmd.writer import blank_item, read_item, write_item
from academy.org import audit

MISREAD = _l("有内容会被 Quiz Markdown 读成别的结构（例如一行以“- [x]”“1.”“解析：”“## ”开头，或选项以花括号开头），请改写标出的栏目。")


class Rejected(Exception):
    """The item was not saved; `problems` are for the page (Chinese), `fields` names form fields that would not
    be read back as typed."""

    def __init__(self, problems: list, fields: list[str] | None = None) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = list(problems)
        self.fields = fields or []


@dataclass
class Opened:
    """An item of a draft, ready for the form."""

    path: str
    type: str
    data: dict
    base: str  # fingerprint of the item's block when the form was opened ("" for a new item)
    lossless: bool = True
    problems: list[str] = field(default_factory=list)  # the item's own problems as it is now
    item_id: str | None = None  # the id the item had when opened (None: a new item)
    part_of: str | None = None  # a scenario's sub-question: the scenario's id (item_id is then the sub-question's)


def is_quiz_path(path: str) -> bool:
    return store.kind_of(path) in ("quiz", "bank")


def quiz_source(session: Session, path: str) -> str | None:
    """What the editor opens and saves into: the draft, else the published version, else the file."""
    return store.working_source(session, path) if is_quiz_path(path) else None


def open_item(session: Session, path: str, item_id: str) -> Opened | None:
    """The item as form data; None when there is no such quiz or top-level item, or its type has no form."""
    source = quiz_source(session, path)
    block = sources.find(source, item_id) if source is not None else None
    if block is None:
        return None
    item, sink = read_block(block, path)
    if item is None or not editable(item.type):
        return None
    return Opened(path, item.type, read_item(item, block), sources.fingerprint(block), lossless(item, block),
                  [f"{p.code} {p.message}" for p in sink.problems], item_id)


def open_part(session: Session, path: str, item_id: str, part_id: str) -> Opened | None:
    """Sub-question `part_id` of scenario `item_id` as form data; None when there is no such scenario or
    sub-question, or its type has no form."""
    source = quiz_source(session, path)
    scenario = sources.find(source, item_id) if source is not None else None
    if scenario is None or getattr(read_block(scenario)[0], "type", None) != "scenario":
        return None
    block = sources.find_part(source, item_id, part_id)
    item, sink = read_block(block, path) if block is not None else (None, None)
    if item is None or not editable(item.type):
        return None
    return Opened(path, item.type, read_item(item, block), sources.fingerprint(block), lossless(item, block),
                  [f"{p.code} {p.message}" for p in sink.problems], part_id, item_id)


def new_item(session: Session, path: str, type_name: str) -> Opened | None:
    source = quiz_source(session, path)
    if source is None or not editable(type_name):
        return None
    taken = {b.item_id for b in sources.item_blocks(sources.normalize(source)) or ()}
    stem = path.rpartition("/")[2].removesuffix(".md")
    number = next(n for n in range(1, 10_000) if f"{stem}-{n}" not in taken)
    return Opened(path, type_name, blank_item(type_name, f"{stem}-{number}"), "")


def save_item(session: Session, actor_id: int, path: str, item_id: str | None, type_name: str, data: dict,
              base: str = "", part_of: str | None = None) -> str:
    """Write the item into the draft (replacing item `item_id`, or appending when None; with `part_of`, replacing
    sub-question `item_id` of that scenario) and return its id.

    Raises Rejected, with nothing saved, when the block does not read back as the data, or the draft would
    gain errors, or the item changed since the form was opened (base)."""
    source = quiz_source(session, path)
    if source is None:
        raise Rejected([_l("没有这个测验。")])
    errors, _warnings, misread = check_block(type_name, {**data, "type": type_name}, path)
    if errors or misread:
        raise Rejected(([MISREAD] if misread else []) + errors, misread)
    block_text = write_item({**data, "type": type_name})
    if item_id is None:
        updated = sources.append_item(source, block_text)
    else:
        block = sources.find(source, item_id) if part_of is None else sources.find_part(source, part_of, item_id)
        if block is None:
            raise Rejected([_l("这道题已不在草稿中（可能已被删除或改了 id），请回到测验重新打开。")])
        if base and sources.fingerprint(block) != base:
            raise Rejected([_l("你打开表单之后，这道题已被修改（可能是其他人或源码编辑器）。请重新打开表单，再做修改。")])
        # a sub-question is the same block one level down; a "### " line in it was refused above (E109)
        updated = sources.replace_item(source, block, block_text if part_of is None else "#" + block_text)
    brought = sources.new_errors(path, source, updated)
    if brought:
        raise Rejected([f"{p.code} {p.message}" for p in brought])
    reason = f"表单编辑 {data['id']}" if item_id is not None else f"表单新增 {data['id']}"
    store.save_draft(session, actor_id, path, updated, reason=reason)
    return data["id"]


@dataclass(frozen=True)
class ToDelete:
    """What the confirmation page shows of an item about to be deleted."""

    item_id: str
    title: str
    word: str  # its type, in Chinese
    base: str  # fingerprint of its block: deleting is refused if it changed meanwhile
    last: bool  # the quiz's only item (deleting is refused)


def item_to_delete(session: Session, path: str, item_id: str) -> ToDelete | None:
    source = quiz_source(session, path)
    block = sources.find(source, item_id) if source is not None else None
    if block is None:
        return None
    item, _sink = read_block(block)
    title = item.title if item is not None else block.heading
    word = _word(item.type) if item is not None else ""
    return ToDelete(item_id, title, word, sources.fingerprint(block), len(sources.item_blocks(sources.normalize(source)) or ()) <= 1)


def delete_item(session: Session, actor_id: int, path: str, item_id: str, base: str = "") -> None:
    """Take item `item_id` (its whole block, sub-questions included) out of the draft: a new draft like any other
    edit, audited as content.item_delete.  Refused (Rejected, nothing saved) for the quiz's last item, an item
    changed since the confirmation was shown (base), or a deletion that would bring errors."""
    source = quiz_source(session, path)
    block = sources.find(source, item_id) if source is not None else None
    if block is None:
        raise Rejected([_l("这道题已不在草稿中（可能已被删除或改了 id），请回到测验重新打开。")])
    if base and sources.fingerprint(block) != base:
        raise Rejected([_l("你打开确认页之后，这道题已被修改（可能是其他人或源码编辑器）。请回到测验重新确认。")])
    if len(sources.item_blocks(sources.normalize(source)) or ()) <= 1:
        raise Rejected([_l("这是测验中唯一的一道题，不能删除：测验至少要有一道题。可以先添加新题，再删除这一道。")])
    updated = sources.remove_item(source, block)
    brought = sources.new_errors(path, source, updated)
    if brought:
        raise Rejected([f"{p.code} {p.message}" for p in brought])
    store.save_draft(session, actor_id, path, updated, reason=f"表单删除 {item_id}")
    audit.record(session, actor_id, "content.item_delete", "content", path, detail={"item": item_id, "title": _title(block)})


def _title(block: sources.Block) -> str:
    item, _sink = read_block(block)
    return item.title[:120] if item is not None else ""


def form_items(source: str | None) -> list[dict]:
    """The quiz's top-level items (id, title, type word), each with whether the form editor can open it, and a
    scenario's sub-questions the same way under "parts"."""
    found = []
    source = sources.normalize(source or "")
    for block in sources.item_blocks(source) or ():
        item, _sink = read_block(block)
        if item is not None:
            parts = [{"id": p.id, "title": p.title, "word": _word(p.type), "editable": editable(p.type)}
                     for p in item.parts]  # only a scenario has parts
            found.append({"id": item.id, "title": item.title, "word": _word(item.type), "editable": editable(item.type),
                          "parts": parts})
    return found


def form_types() -> list[tuple[str, str]]:
    """(type name, its Chinese word) of every type the form editor writes, for "添加题目"."""
    return [(name, _word(name)) for name in TYPES if editable(name)]


def _word(type_name: str) -> str:
    question_type = TYPES[type_name]
    return (question_type.aliases or (type_name,))[0]
