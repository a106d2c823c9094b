"""Scorers for items with a key: choices, true/false, arrangement, short and numeric answers."""
import re
import unicodedata

from academy.quizmd.model import Item
from academy.scoring.registry import ItemScore, from_fraction, scorer


@scorer("info")
def score_info(item: Item, _response) -> ItemScore:
    return ItemScore(0.0, 0.0, True)


@scorer("single")
def score_single(item: Item, response) -> ItemScore:
    option = next((o for o in item.options if o.key == response), None)
    if option is None:
        return from_fraction(item, 0.0)
    return from_fraction(item, option.weight, option.redline, selected=[option.key])


@scorer("multiple")
def score_multiple(item: Item, response) -> ItemScore:
    keys = {k for k in response if isinstance(k, str)} if isinstance(response, (list, tuple, set)) else set()
    chosen = [o for o in item.options if o.key in keys]
    redline = any(o.redline for o in chosen)
    if item.scoring == "all_or_nothing":
        exact = {o.key for o in chosen} == {o.key for o in item.options if o.correct}
        return from_fraction(item, 1.0 if exact else 0.0, redline, selected=[o.key for o in chosen])
    return from_fraction(item, sum(o.weight for o in chosen), redline, selected=[o.key for o in chosen])


@scorer("truefalse")
def score_truefalse(item: Item, response) -> ItemScore:
    right = isinstance(response, bool) and response == item.answer
    return from_fraction(item, 1.0 if right else 0.0, item.redline and not right)


def _permutation(response, size: int) -> list[int] | None:
    if not isinstance(response, (list, tuple)) or not all(type(i) is int for i in response):
        return None
    if sorted(response) != list(range(size)):
        return None
    return list(response)


@scorer("ordering")
def score_ordering(item: Item, response) -> ItemScore:
    size = len(item.sequence)
    order = _permutation(response, size)
    if order is None or size < 2:
        return from_fraction(item, 0.0)
    if item.scoring == "all_or_nothing":
        return from_fraction(item, 1.0 if order == list(range(size)) else 0.0)
    if item.scoring == "positions":
        return from_fraction(item, sum(a == b for a, b in zip(order, range(size))) / size)
    following = {order[i]: order[i + 1] for i in range(size - 1)}
    return from_fraction(item, sum(following.get(i) == i + 1 for i in range(size - 1)) / (size - 1))


def _share_right(expected: list[str], response) -> float:
    if not isinstance(response, dict) or not expected:
        return 0.0
    return sum(response.get(str(i)) == right for i, right in enumerate(expected)) / len(expected)


@scorer("matching")
def score_matching(item: Item, response) -> ItemScore:
    return from_fraction(item, _share_right([p.right for p in item.pairs if p.left], response))


@scorer("classify")
def score_classify(item: Item, response) -> ItemScore:
    return from_fraction(item, _share_right([p.right for p in item.pairs], response))


def normalise_text(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text))).strip().lower()


@scorer("short")
def score_short(item: Item, response) -> ItemScore:
    given = normalise_text(response or "")
    credits = [credit for text, credit in item.accepted if _wildcard(normalise_text(text)).fullmatch(given)]
    return from_fraction(item, max(credits, default=0.0))


def _wildcard(pattern: str) -> re.Pattern:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


@scorer("numeric")
def score_numeric(item: Item, response) -> ItemScore:
    try:
        value = float(str(response).strip())
    except ValueError:
        return from_fraction(item, 0.0)
    credits = [credit for text, credit in item.accepted if _numeric_accepts(text, value)]
    return from_fraction(item, max(credits, default=0.0))


def _numeric_accepts(text: str, value: float) -> bool:
    try:
        if ".." in text:
            low, high = (float(p) for p in text.split("..", 1))
            return low <= value <= high
        centre, _, tolerance = text.replace("±", "+-").partition("+-")
        return abs(value - float(centre)) <= float(tolerance or 0) + 1e-9
    except ValueError:
        return False
