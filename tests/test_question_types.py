"""The question-type registry (academy.learning.questions) and the type bugs found by a new user."""
import re

from academy.learning.questions import TYPES, parse_quiz_text
from academy.learning.questions.quizmd.dialogue import replay
from tests.conftest import ROOT
from tests.factories import login, make_user, start_quiz

DIALOGUE = """---
id: dlg-test
title: 对话
shuffle: none
---
## 对话：条件选项 {#d start=甲 concepts=x}
情境。

干系人：主任 0

### 甲
开场。

- 先建立信任 -> 乙 {+1 主任+1}
- 直接报价 -> 乙 {+0}

### 乙
主任问方案。

- 只有主任支持时才有的最佳回应 -> 成 {+3} [if 主任>=1]
- 给出公开的方案说明 -> 成 {+1}
- 私下请吃饭 -> 败 {redline}

### 结局：成 {ending=success}
好。

### 结局：败 {ending=fail redline}
不好。
"""


def dialogue():
    quiz, sink = parse_quiz_text(DIALOGUE.encode(), "quizzes/dlg-test.md")
    assert sink.problems == [], [str(p) for p in sink.problems]
    return quiz.items[0]


def test_every_type_has_its_rules_in_one_module_and_its_macros_exist(app):
    assert set(TYPES) == {"single", "multiple", "truefalse", "ordering", "matching", "classify", "scenario", "dialogue",
                          "roleplay", "info", "short", "numeric", "essay"}
    with app.app_context():
        forms = app.jinja_env.get_template("quizzes/_items.html").module
        results = app.jinja_env.get_template("quizzes/_results.html").module
        for question_type in TYPES.values():
            assert not question_type.form_macro or hasattr(forms, question_type.form_macro), question_type.name
            assert not question_type.result_macro or hasattr(results, question_type.result_macro), question_type.name
            assert question_type.scored == bool(question_type.result_macro), question_type.name


def test_nothing_outside_the_registry_branches_on_a_type_name():
    """Adding a type means one module: no other Python code compares an item's type with a name."""
    pattern = re.compile(r"\.type\s*(==|!=|in|not in)\s*[\(\"']")
    offenders = [f"{path.relative_to(ROOT)}:{number}" for path in (ROOT / "academy").rglob("*.py")
                 if "learning/questions/types" not in str(path)
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []


def test_a_decision_is_judged_against_the_choices_offered_in_that_state():
    item = dialogue()
    outcomes = TYPES["dialogue"].outcomes
    # The learner chose 直接报价 (主任 stays 0): the hidden best choice was not offered, so 公开方案 was the best.
    assert outcomes(item, [1, 1], None) == {"d@甲": False, "d@乙": True}
    # With 主任 at +1 the best choice was offered, and 公开方案 is then a mistake.
    assert outcomes(item, [0, 1], None) == {"d@甲": True, "d@乙": False}


def test_practice_never_shows_a_hidden_choice_as_the_answer():
    from academy.learning.quizzes.mistakes import practice_item

    quiz, _sink = parse_quiz_text(DIALOGUE.encode(), "quizzes/dlg-test.md")
    practice = practice_item(quiz, "d@乙")
    assert [o.text for o in practice.options if o.correct] == ["给出公开的方案说明"]
    assert "只有主任支持时才有的最佳回应" not in [o.text for o in practice.options]


def test_dialogue_choices_are_shuffled_per_attempt_and_stable_within_it():
    from academy.learning.questions.types.dialogue import display_order

    item = dialogue()
    orders = {tuple(display_order(item, "乙", [0, 1, 2], seed)) for seed in range(30)}
    assert len(orders) > 1 and all(sorted(order) == [0, 1, 2] for order in orders)
    assert display_order(item, "乙", [0, 1, 2], 7) == display_order(item, "乙", [0, 1, 2], 7)
    fixed, _sink = parse_quiz_text(DIALOGUE.replace("{#d start=甲", "{#d shuffle=false start=甲").encode(), "q.md")
    assert {tuple(display_order(fixed.items[0], "乙", [0, 1, 2], seed)) for seed in range(30)} == {(0, 1, 2)}


def test_the_course_dialogues_no_longer_list_the_best_choice_first_on_the_page(app, client, db):
    """Per attempt, the first choice shown is the best one at only about a third of decision points or fewer."""
    from academy.learning.content.catalog import get_catalog
    from academy.learning.quizzes.views_support import dialogue_state

    with app.app_context():
        dialogues = [i for q in get_catalog().quizzes for i in q.items if i.type == "dialogue"]
    first_best = total = 0
    for item in dialogues:
        for node in (n for n in item.nodes if n.choices):
            state = dialogue_state(item, [], seed=12345) if node.name == item.start else None
            if state is None:
                continue
            best = max((c.delta for _i, c in state.offered if not c.redline), default=None)
            first_best += state.offered[0][1].delta == best
            total += 1
    assert total and first_best / total < 0.7, (first_best, total)


def test_the_remediation_of_a_red_line_sub_question_is_shown_on_the_result_page(client, db, app):
    make_user(db, "t1", roles=("trainer",))  # the sample quiz (every item type) is for staff only
    login(client, "t1")
    with app.app_context():
        from academy.learning.content.catalog import get_catalog

        quiz = get_catalog().quiz("sample-all-types")
    scenario = next(i for i in quiz.items if i.type == "scenario")
    part = next(p for p in scenario.parts if p.redline or any(o.redline for o in p.options))
    assert part.remediation_html, "the sample scenario's red-line sub-question needs a 红线说明"
    wrong = {}
    if part.options:
        wrong[f"q-{part.id}"] = next(o.key for o in part.options if o.redline)
    else:
        wrong[f"q-{part.id}"] = "false" if part.answer else "true"
    attempt_id = start_quiz(client, "sample-all-types")
    client.post(f"/attempts/{attempt_id}/submit", data=wrong)
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    banner = page.split('class="alert alert-error"', 1)[1].split("</div>\n", 1)[0]
    assert re.sub(r"<[^>]+>", "", part.remediation_html).strip()[:10] in re.sub(r"<[^>]+>", "", banner)


def test_replay_stops_at_a_choice_not_offered():
    item = dialogue()
    assert len(replay(item, [1, 0]).steps) == 1  # the conditional choice was hidden after 直接报价


def test_options_are_shown_in_one_of_a_few_orders_per_attempt(app):
    """Shuffled options: stable within an attempt, varied between attempts, and at most SHUFFLE_VARIANTS orders
    per item, so that learners with the same order share one rendering."""
    from academy.learning.content.catalog import get_catalog
    from academy.learning.quizzes.layout import SHUFFLE_VARIANTS, option_order

    with app.app_context():
        quiz = get_catalog().quiz("final-exam")
    item = next(i for i in quiz.items if len(i.options) >= 4)
    orders = [tuple(o.key for o in option_order(quiz, item, seed)) for seed in range(200)]
    assert 1 < len(set(orders)) <= SHUFFLE_VARIANTS
    assert option_order(quiz, item, 12345) == option_order(quiz, item, 12345)
