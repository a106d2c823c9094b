"""Cue statistics of the question bank (issue 17, item 3): a learner must not be able to pass on cues alone.

Every quiz in quizzes/ and bank in quizzes/banks/ is measured except sample-all-types (a format demo for
trainers).  The thresholds and the reasons for them are documented in docs/quiz-format.md, section
"题库线索统计（防猜题）".  Each assertion message carries the figures, so a failing run shows where the bank
stands.  Run this file as a script (python -m tests.test_item_cues) to print every figure without asserting.
"""
import html
import re
from collections import Counter
from dataclasses import replace
from difflib import SequenceMatcher

from academy.learning.content.catalog import load_full_catalog
from tests.conftest import ROOT

CATALOG = load_full_catalog(ROOT)
EXCLUDED = {"sample-all-types"}

KEY_LONGEST_MAX = 0.35  # share of single-choice items whose key is the strictly longest option
TRUE_SHARE = (0.40, 0.60)  # share of true/false items keyed 对
SAME_KEY_COUNT_MAX = 0.60  # share of multiple-choice items with the most common number of correct options
COMPLIANCE_WORDS = ("公开", "正式", "合规", "制度", "书面", "授权")
COMPLIANCE_RATIO_MAX = 2.0  # share of keys with a compliance word ÷ share of distractors with one
SIMILARITY_MAX = 0.35  # difflib ratio of two scored items' normalised stem + answer text
# A claim the bank kept re-asking in other words (no lexical measure separates these paraphrases from unrelated
# items): at most CLAIM_REPEATS_MAX true/false items across the bank may test each one.
REPEATED_CLAIMS = {
    "续约扩容可以不走采购程序": (r"续约|续签|续期|到期|扩容", r"采购程序|采购手续|不经|不再走|不必再|直接续|自动续"),
    "做了整体设计还能投标": (r"整体设计|规范编制", r"投标|参加"),
}
CLAIM_REPEATS_MAX = 2
FEEDBACK_MIN_CHARS = 8  # a feedback text shorter than this cannot explain anything
BARE_VERDICT = re.compile(r"^(对|错)[。，,.！!：:；;\s]")  # "对。……" on a true/false item reads as the answer


def quizzes():
    """The quizzes and question banks measured; an item a quiz includes from a bank is measured once, in its bank
    (a drawing quiz's pool is its banks' items)."""
    own = [replace(q, items=tuple(i for i in q.items if not i.bank)) for q in CATALOG.quizzes if q.id not in EXCLUDED]
    return [*own, *CATALOG.banks]


def items_of(types, scope=None):
    """(quiz, item) for every item (scenario sub-items included) of the given types, in scope (default: all)."""
    return [(q, i) for q in (scope or quizzes()) for i in q.all_items() if i.type in types]


def plain(markup: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", markup or ""))).strip()


def normalised(text: str) -> str:
    """Letters, digits and CJK only: punctuation, spacing and markup do not make two items different."""
    return re.sub(r"[^\w]", "", plain(text).lower())


def where(quiz, item) -> str:
    return f"{quiz.id}#{item.id}"


def is_redline_item(item, parent=None) -> bool:
    """An item about red lines may offer more than one red-line option."""
    for it in (item, parent):
        if it is not None and ("红线" in it.title or any("红线" in c for c in it.concepts)):
            return True
    return False


# --------------------------------------------------------------------------- the figures


def key_longest(scope=None):
    singles = items_of({"single"}, scope)
    longest = []
    for quiz, item in singles:
        key = next((o for o in item.options if o.correct), None)
        others = [len(o.text) for o in item.options if o is not key]
        if key is not None and others and len(key.text) > max(others):
            longest.append(where(quiz, item))
    return len(singles), longest


def true_false_split(scope=None):
    tf = items_of({"truefalse"}, scope)
    keyed_true = [where(q, i) for q, i in tf if i.answer]
    return len(tf), keyed_true


def multiple_key_counts(scope=None):
    return Counter(sum(o.correct for o in i.options) for _, i in items_of({"multiple"}, scope))


def compliance_register(scope=None):
    """(keys with a compliance word, keys, distractors with one, distractors) over single and multiple options."""
    keys = distractors = keys_with = distractors_with = 0
    for _, item in items_of({"single", "multiple"}, scope):
        for option in item.options:
            hit = any(w in option.text for w in COMPLIANCE_WORDS)
            if option.correct:
                keys, keys_with = keys + 1, keys_with + hit
            else:
                distractors, distractors_with = distractors + 1, distractors_with + hit
    return keys_with, keys, distractors_with, distractors


def crowded_redlines():
    parents = {p.id: s for q in quizzes() for s in q.items for p in s.parts}
    return [f"{where(q, i)} ({sum(o.redline for o in i.options)})" for q, i in items_of({"single", "multiple"})
            if sum(o.redline for o in i.options) > 1 and not is_redline_item(i, parents.get(i.id))]


def item_text(item) -> str:
    parts = [item.stem_html, *(o.text for o in item.options), *item.sequence,
             *(f"{p.left}{p.right}" for p in item.pairs), *item.categories]
    parts += [n.html + "".join(c.text for c in n.choices) for n in item.nodes]
    parts += [c.name + "".join(d or "" for d in c.descriptors) for c in item.criteria]
    return normalised(" ".join(parts))


def similar_pairs(threshold=SIMILARITY_MAX):
    """Pairs of scored items (scenario sub-items one by one, not the scenario's shared case text) whose
    SequenceMatcher ratio is above the threshold; the cheap upper bounds skip most pairs."""
    texts = [(where(q, i), item_text(i)) for q in quizzes() for i in q.all_items() if i.type not in ("info", "scenario")]
    matcher, found = SequenceMatcher(), []
    for j, (b, text_b) in enumerate(texts):
        matcher.set_seq2(text_b)  # seq2 is the side SequenceMatcher indexes: once per item
        for a, text_a in texts[:j]:
            matcher.set_seq1(text_a)
            if matcher.real_quick_ratio() > threshold and matcher.quick_ratio() > threshold:
                score = matcher.ratio()
                if score > threshold:
                    found.append((round(score, 2), a, b))
    return sorted(found, reverse=True)


def repeated_claims():
    """{claim: [true/false items whose stem tests it]} for claims tested more than CLAIM_REPEATS_MAX times."""
    found = {}
    for claim, patterns in REPEATED_CLAIMS.items():
        hits = [where(q, i) for q, i in items_of({"truefalse"})
                if all(re.search(p, plain(i.stem_html)) for p in patterns)]
        if len(hits) > CLAIM_REPEATS_MAX:
            found[claim] = hits
    return found


def thin_feedback():
    found = []
    for quiz, item in (p for p in items_of({"single", "multiple", "truefalse"})):
        texts = [o.feedback_html for o in item.options]
        if item.type == "truefalse":
            texts += [item.correct_html, item.incorrect_html]
            if not any(len(plain(t)) >= FEEDBACK_MIN_CHARS for t in texts + [item.explanation_html]):
                found.append(f"{where(quiz, item)}: no explanation")
            found += [f"{where(quiz, item)}: starts with a bare verdict “{plain(t)[:12]}”"
                      for t in texts if BARE_VERDICT.match(plain(t))]
        found += [f"{where(quiz, item)}: “{plain(t)}”" for t in texts if t and len(plain(t)) < FEEDBACK_MIN_CHARS]
    return found


# --------------------------------------------------------------------------- the tests


def test_the_bank_is_parsed():
    """Broken quiz files are skipped by the catalog: the figures below would silently cover less."""
    errors = [f"{p.path}:{p.line} {p.code}" for p in CATALOG.errors if "quizzes/" in str(p.path)]
    assert quizzes() and not errors, f"quizzes parsed: {len(quizzes())}; errors: {errors[:10]}"


def test_the_key_is_rarely_the_longest_option():
    total, longest = key_longest()
    assert total, "no single-choice items parsed"
    share = len(longest) / total
    assert share <= KEY_LONGEST_MAX, (f"key is the longest option in {len(longest)} of {total} single-choice items "
                                      f"({share:.0%} > {KEY_LONGEST_MAX:.0%}): {longest}")


def test_true_false_keys_are_balanced():
    total, keyed_true = true_false_split()
    assert total, "no true/false items parsed"
    share = len(keyed_true) / total
    low, high = TRUE_SHARE
    assert low <= share <= high, (f"{len(keyed_true)} of {total} true/false items keyed 对, "
                                  f"{total - len(keyed_true)} keyed 错 ({share:.0%}, allowed {low:.0%}–{high:.0%})")


def test_multiple_choice_key_counts_vary():
    counts = multiple_key_counts()
    total = sum(counts.values())
    assert total, "no multiple-choice items parsed"
    count, most = counts.most_common(1)[0]
    assert most / total <= SAME_KEY_COUNT_MAX, (f"{most} of {total} multiple-choice items have exactly {count} correct "
                                                 f"options ({most / total:.0%}); key counts: {dict(sorted(counts.items()))}")


def test_compliance_words_are_not_a_key_cue():
    keys_with, keys, distractors_with, distractors = compliance_register()
    assert keys and distractors, "no choice items parsed"
    key_rate, distractor_rate = keys_with / keys, distractors_with / distractors
    assert key_rate <= COMPLIANCE_RATIO_MAX * distractor_rate, (
        f"compliance words {'/'.join(COMPLIANCE_WORDS)} in {keys_with} of {keys} keys ({key_rate:.0%}) against "
        f"{distractors_with} of {distractors} distractors ({distractor_rate:.0%}); allowed ratio ≤ {COMPLIANCE_RATIO_MAX}")


def test_at_most_one_redline_option_per_item():
    crowded = crowded_redlines()
    assert not crowded, f"items with more than one red-line option (not about 红线): {crowded}"


def test_no_near_duplicate_items():
    pairs = similar_pairs()
    assert not pairs, f"{len(pairs)} pairs of items above similarity {SIMILARITY_MAX}: {pairs}"


def test_no_claim_is_asked_again_and_again():
    repeated = repeated_claims()
    assert not repeated, f"true/false claims tested more than {CLAIM_REPEATS_MAX} times: {repeated}"


def test_feedback_explains():
    thin = thin_feedback()
    assert not thin, f"{len(thin)} feedback texts that do not explain: {thin}"


def per_quiz() -> list[str]:
    """The same figures for each quiz that has choice or true/false items."""
    lines = []
    for quiz in quizzes():
        total, longest = key_longest([quiz])
        tf_total, keyed_true = true_false_split([quiz])
        counts = dict(sorted(multiple_key_counts([quiz]).items()))
        keys_with, keys, distractors_with, distractors = compliance_register([quiz])
        if total or tf_total or counts:
            lines.append(f"  {quiz.id}: key longest {len(longest)}/{total}, 对/错 {len(keyed_true)}/"
                         f"{tf_total - len(keyed_true)}, multiple key counts {counts}, compliance words in keys "
                         f"{keys_with}/{keys}, in distractors {distractors_with}/{distractors}")
    return lines


def report() -> str:
    if not quizzes():
        return "no quizzes parsed (run flask --app app check-content)"
    total, longest = key_longest()
    tf_total, keyed_true = true_false_split()
    keys_with, keys, distractors_with, distractors = compliance_register()
    pairs = similar_pairs(0.3)
    lines = [
        f"quizzes: {', '.join(q.id for q in quizzes())}",
        f"single choice: key strictly longest in {len(longest)}/{total} ({len(longest) / total:.0%})",
        f"true/false: 对 {len(keyed_true)}, 错 {tf_total - len(keyed_true)} ({len(keyed_true) / tf_total:.0%} 对)",
        f"multiple choice: correct-option counts {dict(sorted(multiple_key_counts().items()))}",
        f"compliance words: keys {keys_with}/{keys} ({keys_with / keys:.0%}), "
        f"distractors {distractors_with}/{distractors} ({distractors_with / distractors:.0%})",
        f"items with >1 red-line option (not about 红线): {crowded_redlines()}",
        f"pairs above similarity 0.3 (limit {SIMILARITY_MAX}): {len(pairs)}",
        *(f"  {score} {a} ~ {b}" for score, a, b in pairs),
        f"repeated true/false claims: {repeated_claims()}",
        f"thin feedback: {thin_feedback()}",
        "per quiz:", *per_quiz(),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
