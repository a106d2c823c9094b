"""错题本: every missed item and wrong dialogue decision; an entry leaves after two correct answers in a row."""
from datetime import datetime

from sqlalchemy import DateTime, bindparam, case, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from academy.db import per_dialect
from academy.models import MistakeEntry
from academy.quizmd import Choice, Item, Node, Option, Quiz
from academy.scoring.composite import replay
from academy.writes import Bound, Written, run_all

CLEAR_AFTER = 2


def is_best_choice(node: Node, choice: Choice) -> bool:
    """A decision is right when it is one of the best-scoring choices that cross no red line."""
    safe = [c.delta for c in node.choices if not c.redline]
    return not choice.redline and choice.delta >= max(safe, default=choice.delta)


def outcomes(item: Item, answer, score) -> dict[str, bool]:
    """Entry key → answered correctly, for one scored item of an attempt."""
    if item.type == "scenario":
        return {part_id: detail["correct"] for part_id, detail in score.detail.get("parts", {}).items()}
    if item.type == "dialogue":
        steps = replay(item, answer).steps
        return {f"{item.id}@{name}": is_best_choice(item.node(name), item.node(name).choices[index]) for name, index in steps}
    if item.manual:
        return {}
    return {item.id: score.correct}


TABLE = MistakeEntry.__table__
ENTRY = (TABLE.c.user_id == bindparam("learner"), TABLE.c.quiz_id == bindparam("quiz"))


def _missed(insert):
    """Missed items: a new entry, or an entry's streak reset and one more miss (one statement for all)."""
    given = {column: bindparam(column) for column in ("user_id", "quiz_id", "item_id", "version_id", "added_at")}
    statement, entries = insert(TABLE).values(given | {"note": "", "streak": 0, "misses": 1}), TABLE.c
    return Written(statement.on_conflict_do_update(
        index_elements=["user_id", "quiz_id", "item_id"],
        set_={"streak": 0, "misses": entries.misses + 1, "cleared_at": None, "version_id": statement.excluded.version_id}))


MISSED = per_dialect(_missed)
ANSWERED_RIGHT = Written(update(TABLE).where(*ENTRY, TABLE.c.item_id == bindparam("key"), TABLE.c.cleared_at.is_(None)).values(
    streak=TABLE.c.streak + 1, cleared_at=case((TABLE.c.streak + 1 >= CLEAR_AFTER, bindparam("now", type_=DateTime)), else_=None)))


def result_writes(dialect: Dialect, user_id: int, quiz_id: str, version_id: int, results: dict[str, bool],
                  now: datetime) -> list[Bound]:
    """Wrong answers enter (or re-enter) the book; right answers of open entries count towards leaving it: at
    most one executemany each, bound before the transaction that runs them."""
    missed = [{"user_id": user_id, "quiz_id": quiz_id, "item_id": key, "version_id": version_id, "added_at": now}
              for key, right in results.items() if not right]
    right = [{"learner": user_id, "quiz": quiz_id, "key": key, "now": now} for key, ok in results.items() if ok]
    writes = (MISSED[dialect.name].bind_many(dialect, missed), ANSWERED_RIGHT.bind_many(dialect, right))
    return [write for write in writes if write is not None]


def record_results(session: Session, user_id: int, quiz_id: str, version_id: int, results: dict[str, bool], now: datetime) -> None:
    connection = session.connection()  # write-only rows: they need nothing from the ORM
    run_all(connection, result_writes(connection.dialect, user_id, quiz_id, version_id, results, now))


def reload_entries(session: Session, entries: list[MistakeEntry]) -> None:
    """Bring loaded entries up to date after record_results (its statements bypass loaded objects)."""
    ids = [entry.id for entry in entries]
    session.scalars(select(MistakeEntry).where(MistakeEntry.id.in_(ids)).execution_options(populate_existing=True)).all()


def open_entries(session: Session, user_id: int) -> list[MistakeEntry]:
    return list(session.scalars(select(MistakeEntry).where(MistakeEntry.user_id == user_id, MistakeEntry.cleared_at.is_(None))
                                .order_by(MistakeEntry.added_at.desc())))


def practice_item(quiz: Quiz, key: str) -> Item | None:
    """The item behind a book entry; a dialogue decision becomes a single-choice question."""
    if "@" not in key:
        item = quiz.item(key)
        return item if item is not None and not item.manual and item.type not in ("dialogue", "info") else None
    dialogue_id, _, node_name = key.partition("@")
    dialogue = quiz.item(dialogue_id)
    node = dialogue.node(node_name) if dialogue else None
    if node is None or not node.choices:
        return None
    options = tuple(Option(chr(97 + i), c.text, c.text, is_best_choice(node, c), float(is_best_choice(node, c)),
                           c.feedback_html, c.redline, c.line) for i, c in enumerate(node.choices))
    return Item(id=key, type="single", title=f"{dialogue.title} · {node.name}", points=1, line=node.line,
                stem_html=node.html, options=options, lesson=dialogue.lesson, explanation_html=dialogue.debrief_html)
