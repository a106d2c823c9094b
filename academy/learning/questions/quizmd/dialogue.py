"""Branching dialogues: nodes, choices with score and stance changes, conditions, endings; graph checks."""
import difflib
import re
from dataclasses import dataclass

from academy.learning.questions.quizmd.model import Choice, Condition, Item, Node
from academy.learning.questions.quizmd.syntax import arrow_entry, block_text, segment
from academy.platform.render import render, render_inline

ENDING_PREFIXES = ("结局", "ending")
ENDING_KINDS = ("success", "partial", "fail")
DELTA_RE = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
STANCE_RE = re.compile(r"^(.+?)([+-]\d+)$")
COND_RE = re.compile(r"^\s*([^\s,，<>=!]+)\s*(>=|<=|==|!=|>|<)\s*([+-]?\d+)\s*$")
TAIL_RE = re.compile(r"\s*(\{[^{}]*\}|\[if\s[^\]]*\])\s*$")
STANCE_MIN, STANCE_MAX = -2, 2
MAX_STEPS = 200


def parse_conditions(text: str, line: int, ctx) -> tuple[Condition, ...]:
    conditions = []
    for part in re.split(r"[,，]|\s且\s|\sand\s", text):
        match = COND_RE.match(part)
        if not match:
            ctx.sink.add(line, "E713", f"条件格式错误“{part.strip()}”：应为 干系人>=1 (bad condition)")
            continue
        conditions.append(Condition(match.group(1), match.group(2), int(match.group(3))))
    return tuple(conditions)


def parse_stakeholders(ctx) -> tuple[tuple[str, int], ...]:
    line, lines = ctx.seg.keys.get("stakeholders", (0, []))
    people = []
    for part in filter(None, (p.strip() for p in re.split(r"[|｜]", block_text(lines)))):
        name, _, stance = part.rpartition(" ")
        if not name or not re.match(r"^[+-]?\d$", stance) or not STANCE_MIN <= int(stance) <= STANCE_MAX:
            ctx.sink.add(line, "E712", f"干系人格式错误“{part}”：应为 名称 立场（-2 到 +2）(bad stakeholder)")
            continue
        people.append((name.strip(), int(stance)))
    return tuple(people)


def parse_choice(entry, ctx) -> Choice | None:
    text, _, rest = entry.text.rpartition("->")
    braces, conditions = "", ()
    while (tail := TAIL_RE.search(rest)) is not None:
        token = tail.group(1)
        if token.startswith("{"):
            braces = token[1:-1]
        else:
            conditions = parse_conditions(token[3:-1], entry.line, ctx)
        rest = rest[: tail.start()]
    if entry.kind == "bad" or not text.strip() or not rest.strip():
        ctx.sink.add(entry.line, "E711", "选择行格式错误：应为 “- 文本 -> 节点名” (choice needs text and -> target)")
        return None
    delta, stances, redline = _parse_effects(braces, entry.line, ctx)
    return Choice(text.strip(), rest.strip(), delta, stances, conditions, redline,
                  render(block_text(entry.feedback)), entry.line)


def _parse_effects(braces: str, line: int, ctx) -> tuple[float, tuple, bool]:
    delta, stances, redline = 0.0, [], False
    for token in braces.split():
        if token.lower() == "redline":
            redline = True
        elif DELTA_RE.match(token):
            delta += float(token)
        elif (match := STANCE_RE.match(token)) is not None:
            stances.append((match.group(1), int(match.group(2))))
        else:
            ctx.sink.add(line, "E708", f"分值或立场变化格式错误“{token}”：应为 +2 或 王主任+1 (bad delta)")
    return delta, tuple(stances), redline


def build_node(head, lines, ctx) -> Node:
    is_ending = head.has_colon and head.kind.lower() in ENDING_PREFIXES
    name = head.title if is_ending else (head.kind + ("：" + head.title if head.has_colon else "")).strip()
    seg = segment(lines, arrow_entry("->"))
    choices = tuple(c for c in (parse_choice(e, ctx) for e in seg.entries) if c)
    kind = head.attrs.get("ending") or ("fail" if is_ending else None)
    if kind is not None and kind not in ENDING_KINDS:
        ctx.sink.add(head.line, "E708", f"结局类型“{kind}”无效：应为 success / partial / fail (bad ending kind)")
    score = head.attrs.get("score")
    if score is not None and not DELTA_RE.match(score):
        ctx.sink.add(head.line, "E708", "结局 score= 必须是数字 (ending score must be a number)")
        score = None
    conditions = parse_conditions(head.attrs["if"], head.line, ctx) if "if" in head.attrs else ()
    return Node(name, render(block_text(seg.stem)), choices, kind, float(score) if score is not None else None,
                "redline" in head.flags, conditions, head.attrs.get("else"), head.line)


def choice_label(choice: Choice) -> str:
    return render_inline(choice.text)


class DialogueChecker:
    """Graph checks over (node, stances) states: targets, reachability, dead ends, scores."""

    def __init__(self, nodes: tuple[Node, ...], start: str, stakeholders, ctx) -> None:
        self.nodes = {n.name: n for n in nodes}
        self.start, self.ctx = start, ctx
        self.people = dict(stakeholders)
        self.ordered = nodes

    def check(self, head_line: int) -> bool:
        """Run every check; False when the graph is too broken to score."""
        before = sum(p.is_error for p in self.ctx.sink.problems)
        self._check_names(head_line)
        if sum(p.is_error for p in self.ctx.sink.problems) > before:
            return False
        self._check_positive_cycles(head_line)
        reached = self._explore()
        for node in self.ordered:
            if node.name not in reached:
                self.ctx.sink.add(node.line, "W706", f"节点“{node.name}”从开场无法到达 (unreachable node)")
        return True

    def _check_names(self, head_line: int) -> None:
        sink, names = self.ctx.sink, [n.name for n in self.ordered]
        for dup in {n for n in names if names.count(n) > 1}:
            sink.add(head_line, "E703", f"节点名重复：“{dup}” (duplicate node)")
        if not self.start or self.start not in self.nodes:
            sink.add(head_line, "E701", f"对话缺少 start= 或开场节点“{self.start}”不存在 (start node missing)")
        if not any(n.ending for n in self.ordered):
            sink.add(head_line, "E710", "对话没有任何结局 (no ending)")
        for node in self.ordered:
            self._check_node(node)

    def _check_node(self, node: Node) -> None:
        sink = self.ctx.sink
        if node.ending and node.choices:
            sink.add(node.line, "E705", f"结局“{node.name}”不能有选择 (ending with choices)")
        if not node.ending and not node.choices:
            sink.add(node.line, "E704", f"节点“{node.name}”没有选择，也不是结局 (dead end)")
        if node.else_target and (self.nodes.get(node.else_target) is None or not self.nodes[node.else_target].ending):
            sink.add(node.line, "E713", f"else=“{node.else_target}”必须是一个结局 (else must name an ending)")
        for choice in node.choices:
            if choice.target not in self.nodes:
                near = difflib.get_close_matches(choice.target, list(self.nodes), n=1, cutoff=0.3)
                hint = f"，是否应为“{near[0]}”？" if near else ""
                sink.add(choice.line, "E702", f"目标节点“{choice.target}”不存在{hint} (unknown target)")
        for name in self._names_used(node):
            if name not in self.people:
                sink.add(node.line, "E712", f"“{name}”不在 干系人： 列表中 (unknown stakeholder)")

    def _names_used(self, node: Node) -> set[str]:
        used = {c.name for c in node.conditions}
        for choice in node.choices:
            used |= {c.name for c in choice.conditions} | {name for name, _ in choice.stances}
        return used

    def _check_positive_cycles(self, head_line: int) -> None:
        best = {name: float("-inf") for name in self.nodes}
        best[self.start] = 0.0
        for _ in range(len(self.nodes) + 1):
            changed = self._relax(best)
            if not changed:
                return
        self.ctx.sink.add(head_line, "E707", "对话中有可以反复加分的循环 (cycle with a positive score)")

    def _relax(self, best: dict) -> bool:
        changed = False
        for node in self.ordered:
            for choice in node.choices:
                if best[node.name] + choice.delta > best[choice.target] + 1e-9:
                    best[choice.target], changed = best[node.name] + choice.delta, True
        return changed

    def _explore(self) -> set[str]:
        """Walk every reachable (node, stances) state; report states with no way forward."""
        start = (self.start, tuple(sorted(self.people.items())))
        seen, stack, reached, reported = {start}, [start], set(), set()
        while stack:
            name, stances = stack.pop()
            reached.add(name)
            node = self.nodes[name]
            if node.ending:
                if node.else_target:
                    reached.add(node.else_target)
                continue
            offered = [c for c in node.choices if c.available(dict(stances))]
            if not offered and name not in reported:
                reported.add(name)
                self.ctx.sink.add(node.line, "E714", f"节点“{name}”在某些立场下没有可选项 (no choice available)")
            for choice in offered:
                state = (choice.target, apply_stances(stances, choice.stances))
                if state not in seen:
                    seen.add(state)
                    stack.append(state)
        return reached


def apply_stances(stances: tuple, changes: tuple) -> tuple:
    current = dict(stances)
    for name, change in changes:
        current[name] = max(STANCE_MIN, min(STANCE_MAX, current.get(name, 0) + change))
    return tuple(sorted(current.items()))


# The dialogue engine: a learner's path of choice indices replayed from the start node.

@dataclass(frozen=True)
class Outcome:
    steps: tuple[tuple[str, int], ...]  # (node name, choice index)
    offered: tuple[tuple[int, ...], ...]  # per step, the choices offered in the state the learner decided in
    node: str
    stances: tuple[tuple[str, int], ...]
    raw: float
    redline: bool
    finished: bool
    ending: str | None


def offered_choices(node: Node, stances) -> list[int]:
    """Indices of the node's choices offered in this state (choices with conditions appear only when they hold)."""
    return [i for i, c in enumerate(node.choices) if c.available(dict(stances))]


def replay(item: Item, path) -> Outcome:
    """Follow a learner's choice indices from the start node; stop at the first invalid choice."""
    name, stances = item.start, tuple(sorted(item.stakeholders))
    raw, redline, steps, offered_at = 0.0, False, [], []
    for index in (path if isinstance(path, (list, tuple)) else [])[:MAX_STEPS]:
        if type(index) is not int:
            break
        node = item.node(name)
        offered = offered_choices(node, stances) if node else []
        if node is None or node.ending or index not in offered:
            break
        choice = node.choices[index]
        steps.append((name, index))
        offered_at.append(tuple(offered))
        raw, redline = raw + choice.delta, redline or choice.redline
        stances = apply_stances(stances, choice.stances)
        name = choice.target
    return _finish(item, name, stances, raw, redline, tuple(steps), tuple(offered_at))


def resolve_ending(item: Item, node: Node, stances: tuple) -> Node:
    seen = set()
    while node.conditions and node.else_target and node.name not in seen:
        if all(c.holds(dict(stances)) for c in node.conditions):
            break
        seen.add(node.name)
        node = item.node(node.else_target) or node
    return node


def _finish(item: Item, name: str, stances: tuple, raw: float, redline: bool, steps: tuple, offered: tuple) -> Outcome:
    node = item.node(name)
    if node is None or not node.ending:
        return Outcome(steps, offered, name, stances, raw, redline, False, None)
    node = resolve_ending(item, node, stances)
    raw = node.score if node.score is not None else raw
    return Outcome(steps, offered, node.name, stances, raw, redline or node.redline, True, node.ending)


def dialogue_passed(item: Item, outcome: Outcome) -> bool:
    if not outcome.finished or outcome.redline:
        return False
    return outcome.raw >= item.pass_raw if item.pass_raw is not None else outcome.ending == "success"


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
