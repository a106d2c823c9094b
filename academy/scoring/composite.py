"""Scorers for scenarios, dialogues and reviewed responses (role-play rubric, essay)."""
from dataclasses import dataclass

from academy.quizmd.dialogue import apply_stances
from academy.quizmd.model import Item, Node
from academy.scoring.registry import ItemScore, from_fraction, score_item, scorer

MAX_STEPS = 200


@scorer("scenario")
def score_scenario(item: Item, response) -> ItemScore:
    answers = response if isinstance(response, dict) else {}
    parts = {p.id: score_item(p, answers.get(p.id)) for p in item.parts}
    total = sum(s.points for s in parts.values()) or 1.0
    fraction = sum(s.score for s in parts.values()) / total
    redline = any(s.redline for s in parts.values())
    result = from_fraction(item, fraction, redline)
    parts_detail = {k: {"score": v.score, "points": v.points, "correct": v.correct, "redline": v.redline} for k, v in parts.items()}
    return ItemScore(result.score, result.points, all(s.correct for s in parts.values()), redline, detail={"parts": parts_detail})


@dataclass(frozen=True)
class Outcome:
    steps: tuple[tuple[str, int], ...]  # (node name, choice index)
    node: str
    stances: tuple[tuple[str, int], ...]
    raw: float
    redline: bool
    finished: bool
    ending: str | None


def replay(item: Item, path) -> Outcome:
    """Follow a learner's choice indices from the start node; stop at the first invalid choice."""
    name, stances = item.start, tuple(sorted(item.stakeholders))
    raw, redline, steps = 0.0, False, []
    for index in (path if isinstance(path, (list, tuple)) else [])[:MAX_STEPS]:
        if type(index) is not int:
            break
        node = item.node(name)
        offered = [i for i, c in enumerate(node.choices) if c.available(dict(stances))] if node else []
        if node is None or node.ending or index not in offered:
            break
        choice = node.choices[index]
        steps.append((name, index))
        raw, redline = raw + choice.delta, redline or choice.redline
        stances = apply_stances(stances, choice.stances)
        name = choice.target
    return _finish(item, name, stances, raw, redline, tuple(steps))


def resolve_ending(item: Item, node: Node, stances: tuple) -> Node:
    seen = set()
    while node.conditions and node.else_target and node.name not in seen:
        if all(c.holds(dict(stances)) for c in node.conditions):
            break
        seen.add(node.name)
        node = item.node(node.else_target) or node
    return node


def _finish(item: Item, name: str, stances: tuple, raw: float, redline: bool, steps: tuple) -> Outcome:
    node = item.node(name)
    if node is None or not node.ending:
        return Outcome(steps, name, stances, raw, redline, False, None)
    node = resolve_ending(item, node, stances)
    raw = node.score if node.score is not None else raw
    return Outcome(steps, node.name, stances, raw, redline or node.redline, True, node.ending)


def dialogue_passed(item: Item, outcome: Outcome) -> bool:
    if not outcome.finished or outcome.redline:
        return False
    return outcome.raw >= item.pass_raw if item.pass_raw is not None else outcome.ending == "success"


@scorer("dialogue")
def score_dialogue(item: Item, response) -> ItemScore:
    outcome = replay(item, response)
    if not outcome.finished:
        return from_fraction(item, 0.0, outcome.redline, finished=False)
    fraction = outcome.raw / item.max_raw if item.max_raw > 0 else (1.0 if outcome.ending == "success" else 0.0)
    result = from_fraction(item, fraction, outcome.redline, ending=outcome.node)
    return ItemScore(result.score, result.points, dialogue_passed(item, outcome), outcome.redline,
                     detail={"ending": outcome.node, "raw": outcome.raw, "stances": dict(outcome.stances)})


def all_outcomes(item: Item, limit: int = 20000) -> list[Outcome]:
    """Every complete path through a dialogue (cycles are cut), for max/min score checks."""
    results: list[Outcome] = []

    def walk(path: list[int], on_path: frozenset) -> None:
        if len(results) >= limit:
            return
        outcome = replay(item, path)
        if outcome.finished:
            results.append(outcome)
            return
        node = item.node(outcome.node)
        if node is None or len(outcome.steps) < len(path) or (outcome.node, outcome.stances) in on_path:
            return
        for index, choice in enumerate(node.choices):
            if choice.available(dict(outcome.stances)):
                walk(path + [index], on_path | {(outcome.node, outcome.stances)})

    walk([], frozenset())
    return results


@scorer("roleplay")
def score_roleplay(item: Item, response) -> ItemScore:
    levels = (response or {}).get("levels") if isinstance(response, dict) else None
    if not isinstance(levels, dict) or len(levels) != len(item.criteria):
        return ItemScore(0.0, item.points, False, pending=True)
    top = max(p for _, p in item.levels)
    low = min(p for _, p in item.levels)
    max_raw = sum(c.weight * top for c in item.criteria) or 1.0
    allowed = {p for _, p in item.levels}
    chosen = [levels.get(str(i)) for i in range(len(item.criteria))]
    if not all(isinstance(p, (int, float)) and p in allowed for p in chosen):
        return ItemScore(0.0, item.points, False, pending=True)
    raw = sum(c.weight * p for c, p in zip(item.criteria, chosen))
    redline = any(c.redline and p <= low for c, p in zip(item.criteria, chosen))
    return from_fraction(item, raw / max_raw, redline, raw=raw, max_raw=max_raw)


@scorer("essay")
def score_essay(item: Item, response) -> ItemScore:
    given = (response or {}).get("score") if isinstance(response, dict) else None
    if not isinstance(given, (int, float)):
        return ItemScore(0.0, item.points, False, pending=True)
    return from_fraction(item, float(given) / item.points if item.points else 0.0)
