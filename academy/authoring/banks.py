"""What the bank pages show: a bank's category tree with counts, its items filtered by category, tag, concept or
stage, and which quizzes include or draw each item.  Pure functions of the content catalog (no request, no
database)."""
from collections import Counter
from dataclasses import dataclass, field

from academy.learning.questions import STAGES, Item, Quiz
from academy.learning.questions.quizmd.banks import in_category


@dataclass
class CategoryNode:
    name: str
    path: str
    count: int = 0  # items in this category and below
    children: list["CategoryNode"] = field(default_factory=list)


def category_tree(items: tuple[Item, ...]) -> list[CategoryNode]:
    """The categories the items name, as a tree in name order; each node counts the items in it and below."""
    root = CategoryNode("", "")
    for item in items:
        node = root
        for level in item.category.split("/") if item.category else ():
            child = next((c for c in node.children if c.name == level), None)
            if child is None:
                child = CategoryNode(level, f"{node.path}/{level}" if node.path else level)
                node.children.append(child)
            child.count += 1
            node = child
    return _sorted(root.children)


def _sorted(nodes: list[CategoryNode]) -> list[CategoryNode]:
    for node in nodes:
        node.children = _sorted(node.children)
    return sorted(nodes, key=lambda n: n.name)


@dataclass(frozen=True)
class Filters:
    category: str = ""
    tag: str = ""
    concept: str = ""
    stage: str = ""

    @property
    def active(self) -> bool:
        return any((self.category, self.tag, self.concept, self.stage))


@dataclass(frozen=True)
class Choices:
    """The values a bank's items use, for the filter form (and to refuse any other value)."""

    categories: tuple[str, ...]
    tags: tuple[tuple[str, int], ...]  # (tag, items with it)
    concepts: tuple[str, ...]
    stages: tuple[str, ...]


def choices(bank: Quiz) -> Choices:
    categories = set()
    for item in bank.items:
        levels = item.category.split("/") if item.category else []
        categories.update("/".join(levels[:n]) for n in range(1, len(levels) + 1))
    tags = Counter(tag for item in bank.items for tag in item.tags)
    concepts = {c for item in bank.items for c in item.concepts}
    stages = {item.stage for item in bank.items if item.stage}
    return Choices(tuple(sorted(categories)), tuple(sorted(tags.items())), tuple(sorted(concepts)),
                   tuple(s for s in STAGES if s in stages))


def unknown_filters(bank: Quiz, filters: Filters) -> list[str]:
    """The filter values this bank's items never use (a hand-edited or stale link)."""
    known = choices(bank)
    checks = ((filters.category, known.categories), (filters.tag, [t for t, _ in known.tags]),
              (filters.concept, known.concepts), (filters.stage, known.stages))
    return [value for value, allowed in checks if value and value not in allowed]


def filtered(bank: Quiz, filters: Filters) -> list[Item]:
    return [item for item in bank.items
            if in_category(item, filters.category) and (not filters.tag or filters.tag in item.tags)
            and (not filters.concept or filters.concept in item.concepts) and (not filters.stage or filters.stage == item.stage)]


@dataclass(frozen=True)
class Use:
    quiz: Quiz
    how: str  # "include" | "draw"
    count: int = 0  # draw: how many it draws from a pool holding the item
    pool: int = 0  # draw: the pool's size


def uses(quizzes: tuple[Quiz, ...], name: str) -> dict[str, list[Use]]:
    """Item id → the quizzes that include it, or draw from a pool holding it."""
    found: dict[str, list[Use]] = {}
    for quiz in quizzes:
        for item in quiz.items:
            if item.bank == name:
                found.setdefault(item.id, []).append(Use(quiz, "include"))
        for draw in quiz.draws:
            if draw.bank == name:
                for item in draw.pool:
                    found.setdefault(item.id, []).append(Use(quiz, "draw", draw.count, len(draw.pool)))
    return found


def using_quizzes(quizzes: tuple[Quiz, ...], name: str) -> list[Quiz]:
    """The quizzes that include items of the bank or draw from it."""
    return [q for q in quizzes if any(i.bank == name for i in q.items) or any(d.bank == name for d in q.draws)]
