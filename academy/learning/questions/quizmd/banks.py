"""Question banks: a bank is a Quiz Markdown document (`quizzes/banks/<id>.md`, `bank: true`) whose items quizzes
reuse.  A quiz's front matter names them:

    include: [bidding-basics#q-budget]                             # these items, fixed
    draw:
      - {bank: bidding-basics, category: 法规/采购方式, count: 2}    # per attempt, 2 items of that category
      - {bank: bidding-basics, tag: 红线, count: 1}                 # and 1 with that tag

Here the references are checked and resolved against the banks read with the quiz: included items join the
quiz's items, each draw keeps its pool (the attempt's draw is academy.learning.quizzes.layout.drawn), and the
quiz's content hash covers the banks it names, so a changed bank is a new quiz version.
"""
import difflib
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from academy.learning.questions.quizmd.model import BankSource, Draw, Item, Quiz
from academy.platform.frontmatter import Document
from academy.platform.problems import ProblemSink

BANK_DIR = "quizzes/banks/"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
DRAW_KEYS = {"bank", "category", "tag", "count"}


@dataclass(frozen=True)
class Include:
    bank: str
    item_id: str
    line: int


@dataclass(frozen=True)
class DrawSpec:
    bank: str
    category: str
    tag: str
    count: int
    line: int


def bank_name(rel: str) -> str | None:
    """The bank a content path names (`quizzes/banks/<name>.md`), None for any other path."""
    if rel.startswith(BANK_DIR) and rel.endswith(".md") and "/" not in rel[len(BANK_DIR):]:
        return rel[len(BANK_DIR):-3]
    return None


def is_bank(doc: Document, rel: str, quiz_id: str, sink: ProblemSink) -> bool:
    """Whether the document is a bank (`bank: true`), checked against where it lives."""
    line = doc.key_lines.get("bank", 1)
    value = str(doc.meta.get("bank", "false")).lower()
    if value not in ("true", "false"):
        sink.add(line, "E020", "bank 只能是 true 或 false (bank must be true or false)")
    bank, name = value == "true", bank_name(rel)
    if rel.startswith("quizzes/"):  # a content file (docs examples and previews may live anywhere)
        if bank and name is None:
            sink.add(line, "E020", f"题库必须放在 {BANK_DIR} 目录下 (a bank belongs in {BANK_DIR})")
        elif name is not None and not bank:
            sink.add(line, "E020", f"{BANK_DIR} 下的文件必须写 bank: true (a file in {BANK_DIR} must say bank: true)")
        elif name is not None and quiz_id and quiz_id != name:
            sink.add(doc.key_lines.get("id", 1), "E020", f"题库的 id 必须与文件名一致：{name} (a bank's id is its file name)")
    if bank and ("include" in doc.meta or "draw" in doc.meta):
        key = "include" if "include" in doc.meta else "draw"
        sink.add(doc.key_lines.get(key, 1), "E020", "题库不能再引用或抽取其他题库的题目 (a bank cannot include or draw)")
    return bank


def read_refs(doc: Document, sink: ProblemSink) -> tuple[list[Include], list[DrawSpec]]:
    """The `include:` and `draw:` entries, each with its line; malformed ones are reported and left out."""
    return _includes(doc, sink), _draws(doc, sink)


def _entries(doc: Document, key: str, sink: ProblemSink, code: str) -> list[tuple[object, int]]:
    if key not in doc.meta:
        return []
    value, line = doc.meta[key], doc.key_lines.get(key, 1)
    if not isinstance(value, list):
        sink.add(line, code, f"{key} 必须是列表，如 {key}: [ ... ] ({key} must be a list)")
        return []
    lines = doc.entry_lines.get(key) or [line] * len(value)
    return list(zip(value, lines, strict=False))


def _includes(doc: Document, sink: ProblemSink) -> list[Include]:
    found = []
    for entry, line in _entries(doc, "include", sink, "E021"):
        bank, sep, item_id = str(entry).strip().partition("#") if isinstance(entry, str) else ("", "", "")
        if not sep or not NAME_RE.match(bank) or not item_id:
            sink.add(line, "E021", f"include 的每一项应写成 题库名#题目id，如 bidding-basics#q-budget：“{entry}” "
                                   "(include entries are bank#item-id)")
            continue
        found.append(Include(bank, item_id, line))
    return found


def _draws(doc: Document, sink: ProblemSink) -> list[DrawSpec]:
    found = []
    for entry, line in _entries(doc, "draw", sink, "E022"):
        if not isinstance(entry, dict):
            sink.add(line, "E022", "draw 的每一项应写成 {bank: 题库名, category: 类别, count: 题数} (draw entries are mappings)")
            continue
        problems = [f"未知字段 {k}" for k in entry if k not in DRAW_KEYS]
        bank, count = str(entry.get("bank", "")).strip(), str(entry.get("count", "")).strip()
        if not bank:
            problems.append("缺少 bank")
        if not count.isdigit() or int(count) < 1:
            problems.append("count 必须是正整数")
        category = "/".join(level.strip() for level in str(entry.get("category", "")).split("/")).strip("/")
        if problems:
            sink.add(line, "E022", f"draw 写法错误：{'；'.join(problems)} (malformed draw entry)")
            continue
        found.append(DrawSpec(bank, category, str(entry.get("tag", "")).strip(), int(count), line))
    return found


def in_category(item: Item, category: str) -> bool:
    """Whether the item is in the category or one of its subcategories (`甲` holds `甲/乙`)."""
    return not category or item.category == category or item.category.startswith(category + "/")


def matches(item: Item, category: str, tag: str) -> bool:
    return item.scored and in_category(item, category) and (not tag or tag in item.tags)


def resolve(items: tuple[Item, ...], includes: list[Include], specs: list[DrawSpec], banks: Mapping[str, Quiz],
            ids: dict[str, int], sink: ProblemSink) -> tuple[tuple[Item, ...], tuple[Draw, ...], tuple[BankSource, ...]]:
    """The quiz's items with the included ones after them, its draws with their pools, and the banks used."""
    owners: dict[str, tuple[str, int]] = {item_id: ("", line) for item_id, line in ids.items()}  # id → (bank, line)
    used: dict[str, Quiz] = {}
    included = []
    fixed: set[tuple[str, str]] = set()
    for ref in includes:
        bank = _bank(ref.bank, ref.line, banks, sink, "E021")
        item = next((i for i in bank.items if i.id == ref.item_id), None) if bank else None
        if bank and item is None:
            near = difflib.get_close_matches(ref.item_id, [i.id for i in bank.items], n=1)
            hint = f"，是否应为“{near[0]}”？" if near else ""
            sink.add(ref.line, "E021", f"题库 {ref.bank} 中没有题目“{ref.item_id}”{hint} (unknown bank item)")
        elif bank and (ref.bank, item.id) in fixed:
            sink.add(ref.line, "E021", f"题目 {ref.bank}#{item.id} 已经引用过 (item included twice)")
        elif bank and _claim(item, ref.bank, ref.line, owners, sink):
            used[ref.bank] = bank
            fixed.add((ref.bank, item.id))
            included.append(replace(item, bank=ref.bank))
    draws = []
    for spec in specs:
        bank = _bank(spec.bank, spec.line, banks, sink, "E023")
        if bank is None:
            continue
        pool = tuple(replace(i, bank=spec.bank) for i in bank.items if matches(i, spec.category, spec.tag))
        if not pool:
            sink.add(spec.line, "E023", f"题库 {spec.bank} 中没有{_filter_words(spec)}的计分题目{_known(bank, spec)} "
                                        "(no item in that category/tag)")
            continue
        if all(_claim(item, spec.bank, spec.line, owners, sink) for item in pool if (spec.bank, item.id) not in fixed):
            used[spec.bank] = bank
            draws.append(Draw(spec.bank, spec.category, spec.tag, spec.count,
                              tuple(i for i in pool if (spec.bank, i.id) not in fixed), spec.line))
    _check_counts(draws, sink)
    sources = tuple(BankSource(name, bank.path, bank.source) for name, bank in sorted(used.items()))
    return items + tuple(included), tuple(draws), sources


def _bank(name: str, line: int, banks: Mapping[str, Quiz], sink: ProblemSink, code: str) -> Quiz | None:
    bank = banks.get(name)
    if bank is None:
        near = difflib.get_close_matches(name, list(banks), n=1)
        hint = f"，是否应为“{near[0]}”？" if near else ""
        sink.add(line, code, f"题库“{name}”不存在或有错误（{BANK_DIR}{name}.md）{hint} (unknown or broken bank)")
    return bank


def _claim(item: Item, bank: str, line: int, owners: dict[str, tuple[str, int]], sink: ProblemSink) -> bool:
    """Give the item's ids (its own and its sub-questions') to this bank's item; False when one is another item's."""
    for item_id in (item.id, *(part.id for part in item.parts)):
        owner = owners.setdefault(item_id, (bank, line))
        if owner[0] != bank:
            where = f"题库 {owner[0]}" if owner[0] else "本测验"
            sink.add(line, "E104", f"题库 {bank} 的题目 id“{item_id}”与{where}第 {owner[1]} 行的题目重复 (duplicate item id)")
            return False
    return True


def _filter_words(spec: DrawSpec | Draw) -> str:
    words = [f"类别“{spec.category}”" if spec.category else "", f"标签“{spec.tag}”" if spec.tag else ""]
    return "、".join(w for w in words if w) or "任何"


def _known(bank: Quiz, spec: DrawSpec) -> str:
    """A hint naming the bank's categories or tags."""
    if spec.category and not any(in_category(i, spec.category) for i in bank.items):
        names = sorted({i.category for i in bank.items if i.category})
        return f"；现有类别：{'、'.join(names) or '无'}"
    if spec.tag and not any(spec.tag in i.tags for i in bank.items):
        names = sorted({t for i in bank.items for t in i.tags})
        return f"；现有标签：{'、'.join(names) or '无'}"
    return ""


def _check_counts(draws: list[Draw], sink: ProblemSink) -> None:
    """Every attempt must be able to draw every count: earlier draws may take items this one could have."""
    for index, draw in enumerate(draws):
        ids = {i.id for i in draw.pool}
        taken = sum(min(d.count, len(ids & {i.id for i in d.pool})) for d in draws[:index])
        available = len(ids) - taken
        if draw.count > available:
            extra = f"（其中 {taken} 道可能已被前面的抽题抽走）" if taken else ""
            sink.add(draw.line, "E024", f"要抽 {draw.count} 道题，但{_filter_words(draw)}只有 {available} 道可抽{extra} "
                                        "(count larger than the items available)")
        if len({i.points for i in draw.pool}) > 1:
            sink.add(draw.line, "W025", "抽题范围内的题目分值不同，每次作答的满分会不一样 (pool items differ in points)")


def content_hash(raw: bytes, sources: tuple[BankSource, ...]) -> str:
    """The quiz's own bytes and, when it uses banks, each bank's text: a changed bank is a new version."""
    own = hashlib.sha256(raw).hexdigest()
    if not sources:
        return own
    parts = [own, *(f"{s.name}:{hashlib.sha256(s.source.encode()).hexdigest()}" for s in sources)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
