"""What an attempt shows, from its seed (stable within the attempt): the items it draws from question banks, and
the display order of items, options, entries and rows; what each type shuffles is said by its question type."""
import random

from academy.learning.questions import TYPES, Item, Quiz
from academy.learning.questions.registry import options_shuffled
from academy.platform import cache

# Options, entries and rows are shown in one of this many orders per item, picked by the attempt's seed.  Eight
# orders still keep neighbours' screens apart, and learners with the same order share one rendering of each
# question (academy.learning.quizzes.item_html) instead of each take page rendering every question anew.
SHUFFLE_VARIANTS = 8


def variant(seed: int) -> int:
    """Which of the SHUFFLE_VARIANTS orders an attempt sees (stable within the attempt)."""
    return seed % SHUFFLE_VARIANTS


MAX_DRAWN = 1024


def drawn(quiz: Quiz, seed: int) -> Quiz:
    """The quiz an attempt with this seed takes: the fixed items, then per `draw:` entry `count` items of its pool
    (bank order), none twice.  Like the question order, the draw uses the whole seed, not one of the
    SHUFFLE_VARIANTS: eight different sets per quiz would soon be known.  Attempts with the same draw share one
    Quiz (and so its memoised lookups)."""
    if not quiz.draws:
        return quiz
    picked = drawn_ids(quiz, seed)
    return cache.memo("drawn_quizzes", (quiz.content_hash, picked), lambda: _with(quiz, picked), MAX_DRAWN)


def drawn_ids(quiz: Quiz, seed: int) -> tuple[str, ...]:
    """The ids of the items the seed draws, in the order they are added to the quiz."""
    taken, picked = {item.id for item in quiz.items}, []
    for index, draw in enumerate(quiz.draws):
        pool = [item for item in draw.pool if item.id not in taken]
        chosen = set(random.Random(f"{seed}:draw:{index}").sample(range(len(pool)), min(draw.count, len(pool))))
        for position, item in enumerate(pool):
            if position in chosen:
                taken.add(item.id)
                picked.append(item.id)
    return tuple(picked)


def _with(quiz: Quiz, picked: tuple[str, ...]) -> Quiz:
    pool = {item.id: item for draw in quiz.draws for item in draw.pool}
    return quiz.with_drawn(tuple(pool[item_id] for item_id in picked))


def item_order(quiz: Quiz, seed: int) -> list[Item]:
    items = list(quiz.items)
    if quiz.shuffle in ("questions", "both"):
        random.Random(seed).shuffle(items)
    return items


def shown_by_seed(quiz: Quiz, item: Item) -> bool:
    """Whether the attempt's seed changes how the item is shown."""
    return TYPES[item.type].shuffled(quiz, item)


def option_order(quiz: Quiz, item: Item, seed: int) -> list:
    options = list(item.options)
    if options_shuffled(quiz, item):
        random.Random(f"{variant(seed)}:{item.id}").shuffle(options)
    return options


def sequence_order(item: Item, seed: int) -> list[tuple[int, str]]:
    """Ordering items are always shown scrambled (their source order is the answer)."""
    indexed = list(enumerate(item.sequence))
    rng = random.Random(f"{variant(seed)}:{item.id}:seq")
    for _ in range(5):
        rng.shuffle(indexed)
        if [i for i, _ in indexed] != list(range(len(indexed))):
            break
    return indexed


def right_order(item: Item, seed: int | None) -> list[tuple[str, str]]:
    """(form value, text) of each row choice: shuffled in an attempt (a seed) where the type says so, in their
    order otherwise (and in practice, without a seed)."""
    question_type = TYPES[item.type]
    choices = list(enumerate(question_type.row_choices(item)))
    if question_type.rows_shuffled and seed is not None:
        random.Random(f"{variant(seed)}:{item.id}:right").shuffle(choices)
    return [(str(index), text) for index, text in choices]
