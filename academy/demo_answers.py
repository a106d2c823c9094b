"""Plausible learner answers for demo data: right with probability `skill`, otherwise a typical mistake."""
import random

from academy.quizmd import Item, Quiz
from academy.scoring.composite import replay


def sample_answers(quiz: Quiz, rng: random.Random, skill: float) -> dict:
    return {item.id: answer for item in quiz.items if (answer := sample(item, rng, skill)) is not None}


def sample(item: Item, rng: random.Random, skill: float):
    right = rng.random() < skill
    kind = item.type
    if kind == "single":
        correct = next(o.key for o in item.options if o.correct)
        wrong = [o.key for o in item.options if not o.correct and not o.redline] or [correct]
        return correct if right else rng.choice(wrong)
    if kind == "multiple":
        keys = sorted(o.key for o in item.options if o.correct)
        return keys if right else keys[:-1] or keys
    if kind == "truefalse":
        return item.answer if right else not item.answer
    if kind == "ordering":
        order = list(range(len(item.sequence)))
        if not right:
            order[0], order[1] = order[1], order[0]
        return order
    if kind in ("matching", "classify"):
        options = list(item.right_choices if kind == "matching" else item.categories)
        return {str(i): p.right if rng.random() < skill else rng.choice(options) for i, p in enumerate(x for x in item.pairs if x.left)}
    if kind == "scenario":
        return {p.id: sample(p, rng, skill) for p in item.parts}
    if kind == "dialogue":
        return _walk(item, rng, skill)
    if kind == "roleplay":
        return {"text": "先复述客户的关切并确认口径，再说明采购路径与各角色的关注点，最后提出三个合规的推进动作。",
                "self": {str(i): max(p for _, p in item.levels) for i in range(len(item.criteria))}}
    return None


def _walk(item: Item, rng: random.Random, skill: float) -> list[int]:
    path: list[int] = []
    for _ in range(50):
        outcome = replay(item, path)
        if outcome.finished:
            return path
        node = item.node(outcome.node)
        offered = [(i, c) for i, c in enumerate(node.choices) if c.available(dict(outcome.stances))]
        safe = [(i, c) for i, c in offered if not c.redline] or offered
        best = max(safe, key=lambda pair: pair[1].delta)
        pool = offered if rng.random() < 0.04 else safe
        path.append(best[0] if rng.random() < skill else rng.choice(pool)[0])
    return path
