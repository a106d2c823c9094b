"""Every Quiz Markdown example in the docs is valid Quiz Markdown: what a trainer copies from the docs works."""
import re

import pytest

from academy.learning.questions import parse_quiz_text
from tests.conftest import ROOT

DOCS = [ROOT / "docs" / "quiz-format.md"]
BLOCK = re.compile(r"```markdown\n(.*?)```", re.S)


def examples():
    for path in DOCS:
        for number, block in enumerate(BLOCK.findall(path.read_text(encoding="utf-8")), 1):
            if re.search(r"^## ", block, re.M):  # a whole item or quiz (fragments such as an option list alone are not)
                yield pytest.param(block, id=f"{path.name}#{number}")


def docs_banks() -> dict:
    """The banks the docs show (`bank: true`), by id: the docs' include:/draw: examples refer to them."""
    banks = {}
    for block in (b.values[0] for b in examples()):
        if re.search(r"^bank: true$", block, re.M):
            bank, _sink = parse_quiz_text(block.encode(), "docs/example.md")
            if bank is not None:
                banks[bank.id] = bank
    return banks


@pytest.mark.parametrize("block", list(examples()))
def test_the_docs_example_is_valid(block):
    text = block if block.startswith("---") else f"---\nid: doc-example\ntitle: 文档示例\n---\n{block}"
    quiz, sink = parse_quiz_text(text.encode(), "docs/example.md", docs_banks())
    assert [str(p) for p in sink.problems if p.is_error] == []
    assert quiz is not None and quiz.items


def test_the_docs_show_a_bank_and_a_quiz_that_draws_from_it():
    blocks = [b.values[0] for b in examples()]
    assert docs_banks() and any(re.search(r"^draw:", b, re.M) and re.search(r"^include:", b, re.M) for b in blocks)


def test_there_are_examples_of_matching_and_classify_without_a_stem():
    blocks = [b.values[0] for b in examples()]
    assert any("## 匹配" in b for b in blocks) and any("## 分类" in b for b in blocks)
    quiz, _sink = parse_quiz_text("---\nid: x\ntitle: x\n---\n## 分类：角色 {#c}\n类别：甲 | 乙\n- a => 甲\n- b => 乙\n".encode(), "x.md")
    assert "请把每一项归入正确的类别" in quiz.items[0].stem_html  # the default instruction
