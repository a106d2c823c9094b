"""错题本: every missed item, scenario part and wrong dialogue decision; an entry leaves after two correct
answers in a row, the second on a later day than the first.

The day between them is the spacing: answering again straight after the feedback page shows what is remembered
for a minute, not what is learnt.  A right answer given before the entry is due again counts for nothing (and a
wrong one is still a miss), so the practice page serves only the entries that are due.

The book is folded from what happened, not kept up to date row by row: each graded attempt stores its
outcomes (key → answered right) in its own row, each practice round is one row, and `book` replays them, in
time order, over the entries the book held at revision 0007 (mistake_entry).  A graded submit therefore
writes nothing for the book, and the rules live in one pure function, `fold`.
"""
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from academy.learning.models import Attempt, MistakeEntry, PracticeRound, QuizVersion
from academy.learning.questions import TYPES, Item, Quiz
from academy.learning.quizzes.versions import pinned_quiz_by_hash
from academy.platform.clock import day_after_starts, local_date

CLEAR_AFTER = 2


@dataclass(frozen=True)
class Entry:
    """One key of a learner's book: the quiz version it was last missed on, how often it was missed, the
    right answers since the last miss, when it entered the book, when (if) it left, and from when a right answer
    counts again (None: now; the start of the organisation's next day after a right answer)."""

    quiz_id: str
    key: str
    version_id: int
    content_hash: str
    misses: int
    streak: int
    added_at: datetime
    cleared_at: datetime | None = None
    due_at: datetime | None = None

    @property
    def id(self) -> str:
        return f"{self.quiz_id}:{self.key}"

    def due(self, now: datetime) -> bool:
        return self.due_at is None or self.due_at <= now


@dataclass(frozen=True)
class Answered:
    """What one graded attempt or practice round said about keys of one quiz.  `version` (id, content hash)
    is the attempt's; a practice round keeps each entry's own."""

    at: datetime
    quiz_id: str
    results: dict[str, bool]
    version: tuple[int, str] | None = None


def fold(start: Iterable[Entry], events: Iterable[Answered]) -> dict[tuple[str, str], Entry]:
    """The book after the events, in time order (stable for equal times), starting from `start`."""
    book = {(entry.quiz_id, entry.key): entry for entry in start}
    for event in sorted(events, key=lambda e: e.at):
        for key, right in event.results.items():
            changed = _answered(book.get((event.quiz_id, key)), key, right, event)
            if changed is not None:
                book[(event.quiz_id, key)] = changed
    return book


def _answered(entry: Entry | None, key: str, right: bool, event: Answered) -> Entry | None:
    """The entry after one answer; None when the book does not change."""
    if right:
        if entry is None or entry.cleared_at is not None or not entry.due(event.at):
            return None
        streak = entry.streak + 1
        return replace(entry, streak=streak, cleared_at=event.at if streak >= CLEAR_AFTER else None,
                       due_at=day_after_starts(local_date(event.at)))
    if entry is None:
        return Entry(event.quiz_id, key, *event.version, misses=1, streak=0, added_at=event.at) if event.version else None
    version_id, content_hash = event.version or (entry.version_id, entry.content_hash)
    return replace(entry, version_id=version_id, content_hash=content_hash, misses=entry.misses + 1, streak=0,
                   cleared_at=None, due_at=None)


CARRIED = (select(MistakeEntry.quiz_id, MistakeEntry.item_id, MistakeEntry.version_id, QuizVersion.content_hash,
                  MistakeEntry.misses, MistakeEntry.streak, MistakeEntry.added_at, MistakeEntry.cleared_at)
           .join(QuizVersion, QuizVersion.id == MistakeEntry.version_id))
# A regraded attempt's outcomes were judged against its regrade version: practice uses that version's items.
_JUDGED_ON = func.coalesce(Attempt.regraded_version_id, Attempt.version_id)
GRADED = (select(Attempt.graded_at, Attempt.quiz_id, Attempt.outcomes, _JUDGED_ON, QuizVersion.content_hash)
          .join(QuizVersion, QuizVersion.id == _JUDGED_ON).where(Attempt.state == "graded"))
PRACTISED = select(PracticeRound.answered_at, PracticeRound.outcomes)


def book(session: Session, user_id: int) -> dict[tuple[str, str], Entry]:
    """The learner's whole book (entries that left it included), keyed by (quiz id, key): three reads."""
    start = [Entry(*row) for row in session.execute(CARRIED.where(MistakeEntry.user_id == user_id))]
    events = [Answered(at, quiz_id, outcomes, (version_id, content_hash)) for at, quiz_id, outcomes, version_id, content_hash
              in session.execute(GRADED.where(Attempt.user_id == user_id)) if outcomes]
    for at, by_quiz in session.execute(PRACTISED.where(PracticeRound.user_id == user_id)):
        events.extend(Answered(at, quiz_id, results) for quiz_id, results in by_quiz.items())
    return fold(start, events)


def open_entries(entries: dict[tuple[str, str], Entry]) -> list[Entry]:
    """The entries still in the book, most recently added first."""
    return sorted((e for e in entries.values() if e.cleared_at is None), key=lambda e: (e.added_at, e.id), reverse=True)


def shown_entries(session: Session, user_id: int, hidden: frozenset[str], entries: dict | None = None) -> list[tuple]:
    """(entry, quiz, item) for every open entry of the learner's book (read, unless given) whose item can still be
    shown and whose quiz is not among `hidden` (the staff-only quizzes a trainee's catalogue leaves out): the
    book's pages, and a manager's view of it."""
    rows = []
    for entry in open_entries(entries if entries is not None else book(session, user_id)):
        if entry.quiz_id in hidden:
            continue
        quiz = pinned_quiz_by_hash(entry.content_hash, lambda entry=entry: session.get(QuizVersion, entry.version_id))
        item = practice_item(quiz, entry.key)
        if item is not None:
            rows.append((entry, quiz, item))
    return rows


def concept_counts(rows: list[tuple]) -> list[tuple[str, int]]:
    """Each concept the rows' items train, with how many of them train it: most first, then by name."""
    counts = Counter(concept for _entry, _quiz, item in rows for concept in item.concepts)
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def next_due(entries: Iterable[Entry], now: datetime) -> datetime | None:
    """When the first of these entries that is not due yet becomes due (None: none is waiting)."""
    return min((e.due_at for e in entries if not e.due(now)), default=None)


def practise(session: Session, user_id: int, token: str, answered: list[tuple[Entry, bool]],
             now: datetime) -> dict[tuple[str, str], Entry]:
    """Store one practice round (each entry answered right or not) unless the round with this token is stored
    already (the same form posted twice: a double click, a resent page) or answers nothing (every entry the page
    showed left the book meanwhile); the book after it."""
    outcomes: dict[str, dict[str, bool]] = {}
    for entry, right in answered:
        outcomes.setdefault(entry.quiz_id, {})[entry.key] = right
    stored = select(PracticeRound.id).where(PracticeRound.user_id == user_id, PracticeRound.token == token)
    if outcomes and session.scalar(stored) is None:
        try:
            with session.begin_nested():
                session.add(PracticeRound(user_id=user_id, token=token, answered_at=now, outcomes=outcomes))
        except IntegrityError:  # PostgreSQL: the same form, stored a moment ago by another request
            pass
    return book(session, user_id)


def practice_item(quiz: Quiz, key: str) -> Item | None:
    """The item behind a book entry; an entry keyed "item@part" (a dialogue decision) is the question its type
    makes for that part."""
    if "@" not in key:
        item = quiz.item(key)
        return item if item is not None and not item.manual and item.scored and not TYPES[item.type].stepwise else None
    item_id, _, part = key.partition("@")
    item = quiz.item(item_id)
    practice = TYPES[item.type].practice if item is not None else None
    return practice(item, part) if practice else None
