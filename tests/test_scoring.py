"""Property tests: every scorer stays within 0..points, is deterministic, and follows its type's rules."""
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from academy.learning.questions import TYPES, parse_quiz_text, score_item
from academy.learning.questions.quizmd.dialogue import all_outcomes, replay

ROOT = Path(__file__).resolve().parent.parent
SAMPLE, _ = parse_quiz_text((ROOT / "quizzes/sample-all-types.md").read_bytes(), "quizzes/sample-all-types.md")
DIALOGUE, _ = parse_quiz_text((ROOT / "quizzes/clients-dialogue.md").read_bytes(), "quizzes/clients-dialogue.md")
ITEMS = [p for i in SAMPLE.items for p in (i, *i.parts)] + list(DIALOGUE.items)

junk = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 20) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
    max_leaves=10,
)


def test_every_type_has_a_scorer():
    assert {i.type for i in ITEMS} <= set(TYPES)


@settings(max_examples=300, deadline=None)
@given(index=st.integers(0, len(ITEMS) - 1), response=junk)
def test_any_response_scores_within_bounds_and_deterministically(index, response):
    item = ITEMS[index]
    first, second = score_item(item, response), score_item(item, response)
    assert first == second
    assert 0 <= first.score <= first.points + 1e-9


@given(st.lists(st.sampled_from([o.key for o in SAMPLE.item("sample-multiple").options]), unique=True))
def test_multiple_partial_credit(keys):
    item = SAMPLE.item("sample-multiple")
    result = score_item(item, keys)
    correct = {o.key for o in item.options if o.correct}
    assert result.correct == (set(keys) == correct)
    if set(keys) <= correct:
        assert abs(result.score - item.points * len(keys) / len(correct)) < 1e-3


@given(st.permutations(range(4)))
def test_ordering_pairs_rule(order):
    item = SAMPLE.item("sample-ordering")
    result = score_item(item, list(order))
    pairs = sum(order[i + 1] == order[i] + 1 for i in range(3))
    assert abs(result.score - item.points * pairs / 3) < 1e-3
    assert result.correct == (list(order) == [0, 1, 2, 3])


def test_single_partial_and_redline():
    item = SAMPLE.item("sample-single")
    by_text = {o.text[:4]: o for o in item.options}
    partial = next(o for o in item.options if 0 < o.weight < 1)
    assert score_item(item, partial.key).score == item.points * partial.weight
    redline = next(o for o in item.options if o.redline)
    assert score_item(item, redline.key).redline and by_text


@given(st.lists(st.integers(0, 4), max_size=12))
def test_dialogue_replay_never_exceeds_best_path(path):
    item = DIALOGUE.items[0]
    outcome = replay(item, path)
    best = max(o.raw for o in all_outcomes(item))
    assert outcome.raw <= best + 1e-9
    for name, _index in outcome.steps:
        assert item.node(name) is not None


def test_dialogue_redline_choice_fails():
    item = DIALOGUE.items[0]
    redline_paths = [o for o in all_outcomes(item) if o.redline]
    assert redline_paths
    for outcome in redline_paths:
        result = score_item(item, [i for _, i in outcome.steps])
        assert result.redline and not result.correct


def test_matching_and_classify_share_of_right():
    item = SAMPLE.item("sample-classify")
    half = {str(i): p.right if i % 2 == 0 else "使用者" if p.right != "使用者" else "决策者" for i, p in enumerate(item.pairs)}
    assert score_item(item, half).score == item.points / 2


def test_short_and_numeric_answers():
    assert score_item(SAMPLE.item("sample-short"), " 30 ").correct
    assert score_item(SAMPLE.item("sample-short"), "三十").score == SAMPLE.item("sample-short").points / 2
    assert score_item(SAMPLE.item("sample-numeric"), "20").correct
    assert not score_item(SAMPLE.item("sample-numeric"), "abc").correct
