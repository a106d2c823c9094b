"""Content pipeline and Quiz Markdown validation: every problem as path:line: CODE message."""
import re
from pathlib import Path

from academy.learning.content.catalog import load_full_catalog
from academy.learning.questions import parse_quiz_text
from academy.platform.db import dispose
from tests.conftest import ROOT, make_app

FIXTURES = Path(__file__).parent / "content"


def codes(text: str) -> set[str]:
    _quiz, sink = parse_quiz_text(text.encode(), "quizzes/x.md")
    return {p.code for p in sink.problems}


def test_shipped_content_has_no_problems():
    catalog = load_full_catalog(ROOT)
    assert [str(p) for p in catalog.problems] == []
    assert len(catalog.modules) >= 4 and all(4 <= len(m.lessons) <= 6 for m in catalog.modules)


def test_broken_files_are_skipped_and_reported_with_lines():
    catalog = load_full_catalog(FIXTURES)
    assert [m.id for m in catalog.modules] == ["good"]
    assert catalog.quizzes == ()
    lines = [str(p) for p in catalog.problems]
    assert any(re.match(r"courses/broken/module.md:\d+: E003 ", line) for line in lines)
    found = {p.code for p in catalog.problems if p.path == "quizzes/bad-quiz.md"}
    assert {"E004", "E101", "E202", "E205", "E504", "E702", "E802", "E803", "E104"} - found == set(), found


def test_check_content_cli_prints_every_problem_and_fails(database_url, tmp_path):
    app = make_app(database_url, tmp_path, CONTENT_DIR=str(FIXTURES))
    result = app.test_cli_runner().invoke(args=["check-content"])
    assert result.exit_code == 1
    assert re.search(r"^quizzes/bad-quiz.md:\d+: E702 目标节点“开常”不存在，是否应为“开场”？", result.output, re.M)
    assert "个错误" in result.output
    dispose(app)


def test_check_content_passes_on_the_course(runner):
    result = runner.invoke(args=["check-content", "--strict"])
    assert result.exit_code == 0, result.output
    assert "0 个错误，0 个警告" in result.output


def test_lesson_html_is_sanitised_and_anchored():
    lesson = load_full_catalog(FIXTURES).lesson("good-first")
    assert "<script" not in lesson.html and "onclick" not in lesson.html and "javascript:" not in lesson.html
    assert 'id="budget"' in lesson.html and ("budget", "一、预算") in lesson.anchors


def test_validation_codes_for_front_matter():
    assert "E002" in codes("no front matter")
    assert "E003" in codes("---\nid: [x\n---\n")
    assert "W005" in codes("---\nid: a\ntitle: t\npass_scor: 5\n---\n## 说明：x {#i}\n文字\n")
    assert "E007" in codes("---\nid: a\ntitle: t\n---\n<!-- 未结束\n## 说明：x {#i}\n文字\n")


def test_dialogue_checks():
    base = "---\nid: a\ntitle: t\n---\n## 对话：d {#d start=A}\n情境\n干系人：甲 0\n"
    assert "E701" in codes("---\nid: a\ntitle: t\n---\n## 对话：d {#d}\n情境\n### A\n- x -> 结束\n### 结局：结束\n完\n")
    assert "E705" in codes(base + "### A\n- x -> B\n### 结局：B\n- y -> A\n")
    assert "E707" in codes(base + "### A\n- x -> B {+1}\n- z -> C\n### B\n- y -> A {+1}\n### 结局：C\n完\n")
    assert "E712" in codes(base + "### A\n- x -> B {乙+1}\n### 结局：B\n完\n")
    assert "E714" in codes(base + "### A\n- x -> B [if 甲>=1]\n### 结局：B\n完\n")
    assert "E710" in codes(base + "### A\n- x -> A\n")
    assert "E709" in codes(base.replace("start=A", "start=A pass=5") + "### A\n- x -> B {+1}\n### 结局：B\n完\n")
    assert "W706" in codes(base + "### A\n- x -> B\n### C\n- y -> B\n### 结局：B\n完\n")


def test_rubric_checks():
    head = "---\nid: a\ntitle: t\n---\n## 角色扮演：r {#r}\n任务\n"
    assert "E801" in codes(head)
    assert "E804" in codes(head + "评分量规：\n\n| 维度 | 权重 | 好 (2) | 差 (0) |\n|---|---|---|---|\n| a | -1 | x | y |\n")


def test_reloading_changed_content_keeps_progress(client, app, db, tmp_path):
    from academy.learning.models import LessonProgress
    from tests.factories import login, make_user

    make_user(db, "reader")
    login(client, "reader")
    client.post("/lessons/clients-org-traits/complete")
    app.extensions["content"]["checked"] = 0  # force a re-scan on the next request
    assert client.get("/map").status_code == 200
    assert db.query(LessonProgress).filter_by(lesson_id="clients-org-traits").one().completed_at is not None


def test_an_item_names_the_opportunity_stage_it_trains():
    head = "---\nid: x\ntitle: x\n---\n## 判断：a {#a stage=招标采购}\n题干\n答案：对\n"
    quiz, sink = parse_quiz_text((head + "## 判断：b {#b}\n题干\n答案：错\n").encode(), "quizzes/x.md")
    assert sink.problems == [] and [item.stage for item in quiz.items] == ["招标采购", ""]
    _quiz, sink = parse_quiz_text((head + "## 判断：b {#b stage=招标}\n题干\n答案：错\n").encode(), "quizzes/x.md")
    assert [(p.code, "招标采购" in p.message) for p in sink.problems] == [("E110", True)]
