"""对话 dialogue: a branching role-play played step by step; choices move stakeholders' stances, some are
offered only in some states, and endings score the path.  Each decision enters the 错题本 on its own, judged
against the choices that were offered in that state."""
import random

from flask_babel import lazy_gettext as _l

from academy.learning.questions.quizmd.dialogue import (
    DialogueChecker,
    all_outcomes,
    build_node,
    dialogue_passed,
    offered_choices,
    parse_stakeholders,
    replay,
)
from academy.learning.questions.quizmd.model import Item, Option
from academy.learning.questions.quizmd.syntax import parse_heading
from academy.learning.questions.registry import ItemScore, QuestionType, from_fraction, register


def build(parts, ctx) -> dict:
    nodes = tuple(build_node(parse_heading(text, no, 3, ctx.sink), body, ctx) for no, text, body in parts)
    stakeholders = parse_stakeholders(ctx)
    start = ctx.head.attrs.get("start", "")
    usable = DialogueChecker(nodes, start, stakeholders, ctx).check(ctx.head.line)
    fields = {"nodes": nodes, "start": start, "stakeholders": stakeholders, "debrief_html": ctx.key_html("debrief")}
    if not usable:
        return fields
    probe = Item(id="probe", type="dialogue", title="", points=1, line=0, **fields)
    raws = [o.raw for o in all_outcomes(probe)]
    return fields | {"max_raw": max(raws, default=0.0), "pass_raw": _pass_mark(ctx, raws)}


def _pass_mark(ctx, raws: list[float]) -> float | None:
    if "pass" not in ctx.head.attrs:
        return None
    try:
        mark = float(ctx.head.attrs["pass"])
    except ValueError:
        ctx.sink.add(ctx.head.line, "E709", "pass= 必须是数字 (pass must be a number)")
        return None
    if raws and mark > max(raws):
        ctx.sink.add(ctx.head.line, "E709", f"pass={mark:g} 高于可达到的最高分 {max(raws):g} (pass mark above best score)")
    elif raws and mark <= min(raws):
        ctx.sink.add(ctx.head.line, "W709", f"pass={mark:g} 不高于最低分 {min(raws):g}，任何路径都能通过 (pass mark below worst score)")
    return mark


def score(item, response):
    outcome = replay(item, response)
    if not outcome.finished:
        return from_fraction(item, 0.0, outcome.redline, finished=False)
    fraction = outcome.raw / item.max_raw if item.max_raw > 0 else (1.0 if outcome.ending == "success" else 0.0)
    result = from_fraction(item, fraction, outcome.redline, ending=outcome.node)
    return ItemScore(result.score, result.points, dialogue_passed(item, outcome), outcome.redline,
                     detail={"ending": outcome.node, "raw": outcome.raw, "stances": dict(outcome.stances)})


def is_best(node, indices: list[int], index: int) -> bool:
    """A decision is right when it is one of the best-scoring choices offered that cross no red line."""
    choice = node.choices[index]
    safe = [node.choices[i].delta for i in indices if not node.choices[i].redline]
    return not choice.redline and choice.delta >= max(safe, default=choice.delta)


def outcomes(item, answer, _score) -> dict[str, bool]:
    outcome = replay(item, answer)
    return {f"{item.id}@{name}": is_best(item.node(name), list(offered), index)
            for (name, index), offered in zip(outcome.steps, outcome.offered)}


def sample(item, rng, skill):
    path: list[int] = []
    for _ in range(50):
        outcome = replay(item, path)
        if outcome.finished:
            return path
        node = item.node(outcome.node)
        choices = [(i, node.choices[i]) for i in offered_choices(node, outcome.stances)]
        safe = [(i, c) for i, c in choices if not c.redline] or choices
        best = max(safe, key=lambda pair: pair[1].delta)
        pool = choices if rng.random() < 0.04 else safe
        path.append(best[0] if rng.random() < skill else rng.choice(pool)[0])
    return path


def practice_question(item, node_name: str):
    """One decision of the dialogue as an unscored single-choice question for the 错题本.  Practice has no
    state, so it offers the choices that every state offers (none hidden by a condition), and the best of those is
    the answer: never a choice the learner was not offered."""
    node = item.node(node_name)
    always = [i for i, c in enumerate(node.choices) if not c.conditions] if node else []
    if not always:
        return None
    options = tuple(Option(chr(97 + n), node.choices[i].text, node.choices[i].text, is_best(node, always, i),
                           float(is_best(node, always, i)), node.choices[i].feedback_html, node.choices[i].redline,
                           node.choices[i].line) for n, i in enumerate(always))
    return Item(id=f"{item.id}@{node.name}", type="single", title=f"{item.title} · {node.name}", points=1,
                line=node.line, stem_html=node.html, options=options, lesson=item.lesson,
                explanation_html=item.debrief_html)


def display_order(item, node_name: str, indices: list[int], seed: int | None) -> list[int]:
    """The offered choices in the order an attempt shows them: shuffled per attempt and node (stable within the
    attempt), unless the dialogue says shuffle=false."""
    shown = list(indices)
    if item.shuffle and seed is not None:
        random.Random(f"{seed}:{item.id}:{node_name}").shuffle(shown)
    return shown


def response_key(item, answer) -> str:
    """The decision path: the indices of the choices taken (as far as they were valid), comma-joined."""
    return ",".join(str(index) for _name, index in replay(item, answer).steps)


def response_tokens(item, key: str) -> list[str]:
    """The decisions a stored path made, as "node#index" (replayed: an index means nothing without its node)."""
    path = [int(part) for part in key.split(",") if part.isdigit()]
    return [f"{name}#{index}" for name, index in replay(item, path).steps]


def response_choices(item) -> list[tuple[str, str, str]]:
    return [(f"{node.name}#{index}", node.name, choice.text) for node in item.nodes for index, choice in enumerate(node.choices)]


def wrong_choices(item) -> frozenset[str]:
    """The choices that are not the best even among those every state offers, and every red-line choice; a choice
    behind a condition is judged by the state it is offered in, so it is never counted here."""
    wrong = set()
    for node in item.nodes:
        always = [i for i, c in enumerate(node.choices) if not c.conditions]
        wrong.update(f"{node.name}#{i}" for i, c in enumerate(node.choices)
                     if c.redline or (not c.conditions and not is_best(node, always, i)))
    return frozenset(wrong)


def passed_or_not(result: dict) -> tuple[str, str]:
    if not (result.get("detail") or {}).get("ending"):
        return "bad", _l("未走完")
    return ("ok", _l("通过")) if result.get("correct") else ("bad", _l("未通过"))


TYPE = register(QuestionType(
    name="dialogue", aliases=("对话",), build=build, composite=True, attrs=frozenset({"start", "pass"}), score=score,
    stepwise=True, must_pass=True, practice=practice_question, outcomes=outcomes, verdict=passed_or_not,
    sample=sample, shuffled=lambda quiz, item: item.shuffle, result_macro="dialogue",
    response_key=response_key, response_tokens=response_tokens, response_choices=response_choices,
    wrong_choices=wrong_choices,
))
