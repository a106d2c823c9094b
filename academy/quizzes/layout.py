"""Display order of items and options, shuffled from the attempt's seed (stable within an attempt)."""
import random

from academy.quizmd import Item, Quiz


def item_order(quiz: Quiz, seed: int) -> list[Item]:
    items = list(quiz.items)
    if quiz.shuffle in ("questions", "both"):
        random.Random(seed).shuffle(items)
    return items


def shown_by_seed(quiz: Quiz, item: Item) -> bool:
    """Whether the attempt's seed changes how the item is shown by the functions below."""
    if item.type in ("ordering", "matching"):
        return True
    return bool(item.options) and quiz.shuffle in ("options", "both") and item.shuffle


def option_order(quiz: Quiz, item: Item, seed: int) -> list:
    options = list(item.options)
    if quiz.shuffle in ("options", "both") and item.shuffle:
        random.Random(f"{seed}:{item.id}").shuffle(options)
    return options


def sequence_order(item: Item, seed: int) -> list[tuple[int, str]]:
    """Ordering items are always shown scrambled (their source order is the answer)."""
    indexed = list(enumerate(item.sequence))
    rng = random.Random(f"{seed}:{item.id}:seq")
    for _ in range(5):
        rng.shuffle(indexed)
        if [i for i, _ in indexed] != list(range(len(indexed))):
            break
    return indexed


def mapping_choices(item: Item) -> tuple[str, ...]:
    """What each row of a matching or classify item can be given; a form sends a choice's index in this tuple."""
    return item.right_choices if item.type == "matching" else item.categories


def right_order(item: Item, seed: int | None) -> list[tuple[str, str]]:
    """(form value, text) of each choice: in an attempt (a seed) matching answers are shuffled (they would give
    the pairs away); categories, and practice without a seed, keep their order."""
    choices = list(enumerate(mapping_choices(item)))
    if item.type == "matching" and seed is not None:
        random.Random(f"{seed}:{item.id}:right").shuffle(choices)
    return [(str(index), text) for index, text in choices]
