"""The shipped course: structure, concept coverage and compliance guards."""
import re
from collections import Counter

import pytest

from academy.learning.content.catalog import load_full_catalog
from tests.conftest import ROOT

CATALOG = load_full_catalog(ROOT)
FORBIDDEN = [r"\d+\s*元以下(可以|可)送", r"可以垫资", r"私下(折扣|返点|返利)"]


def all_items():
    """Every item of the course's quizzes and question banks (an item included from a bank: once, in its bank)."""
    for quiz in (*CATALOG.quizzes, *CATALOG.banks):
        for item in quiz.all_items():
            if not item.bank:
                yield quiz, item


def test_every_lesson_concept_is_assessed_by_two_items():
    tagged = Counter(c for quiz, item in all_items() if quiz.id != "sample-all-types" for c in set(item.concepts))
    lesson_concepts = {c for m in CATALOG.modules for lesson in m.lessons for c in lesson.concepts}
    weak = {c: tagged[c] for c in lesson_concepts if tagged[c] < 2}
    assert weak == {}


def test_lessons_have_the_required_shape():
    for module in CATALOG.modules:
        assert 4 <= len(module.lessons) <= 6, module.id
        for lesson in module.lessons:
            anchors = dict(lesson.anchors)
            assert {"objectives", "example", "takeaways", "self-check"} <= set(anchors), lesson.id
            assert 1500 <= lesson.chars <= 4000, (lesson.id, lesson.chars)
            assert lesson.concepts, lesson.id


@pytest.mark.parametrize("module_id", ["clients", "intel", "opportunity", "account"])
def test_each_module_has_quiz_dialogue_and_roleplay(module_id):
    quiz = CATALOG.quiz(f"{module_id}-quiz")
    types = Counter(i.type for i in quiz.items)
    assert sum(len(i.parts) or 1 for i in quiz.items) >= 12 and types["scenario"] >= 3
    assert {"single", "multiple", "truefalse", "ordering", "matching", "classify"} <= set(types)
    dialogue = CATALOG.quiz(f"{module_id}-dialogue").items[0]
    assert sum(1 for n in dialogue.nodes if not n.ending) >= 6
    assert sum(1 for n in dialogue.nodes if n.ending) >= 3 and any(n.redline for n in dialogue.nodes)
    assert dialogue.stakeholders
    rubric = CATALOG.quiz(f"{module_id}-roleplay").items[0]
    assert len(rubric.criteria) >= 4 and any(c.redline and "合规" in c.name for c in rubric.criteria)


def test_every_item_links_back_and_explains():
    for quiz, item in all_items():
        if item.type in ("info", "scenario") or quiz.id == "sample-all-types":
            continue
        assert item.lesson and item.concepts, (quiz.id, item.id)
        if item.type in ("single", "multiple"):
            assert all(o.feedback_html for o in item.options), (quiz.id, item.id)


def test_final_exam():
    exam = CATALOG.quiz("final-exam")
    assert sum(len(i.parts) or 1 for i in exam.items) >= 30 and exam.time_limit
    assert {i.id.split("-")[1] for i in exam.items} == {"clients", "intel", "opportunity", "account"}


def test_no_lesson_teaches_a_forbidden_practice_as_advice():
    for path in list((ROOT / "courses").rglob("*.md")) + list((ROOT / "quizzes").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        for pattern in FORBIDDEN:
            for match in re.finditer(pattern, text):
                context = text[max(0, match.start() - 30): match.end() + 30]
                assert any(w in context for w in ("不", "禁止", "红线", "错", "违")), f"{path}: {context}"
