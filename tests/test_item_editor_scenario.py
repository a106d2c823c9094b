"""The form editor for a 情景 (scenario)'s sub-questions (/authoring/items/<path>/<scenario>/parts/<id>/edit): each
simple sub-question opens in the form of its type and is saved back as a `###` block inside its scenario, the
rest of the draft untouched; a line that would start another sub-question, a duplicate id, a change made meanwhile,
unknown parts and other trainers are refused with nothing saved."""
import pytest
from sqlalchemy import select

from academy.learning.questions.editing import _without_lines
from academy.org.models import AuditEntry
from tests.factories import form_fields, login, make_user
from tests.test_item_editor import draft, page, parsed, put_quiz

PATH = "quizzes/sc-quiz.md"
QUIZ = """---
id: sc-quiz
title: 情景测验
---
## 判断：独立题 {#sc-alone}
可以拆分项目规避招标。

答案：错

## 情景：视频会议 {#sc-case concepts=决策者}
王主任说上次调度会乡镇掉线。

### 单选：下一步 {#sc-1 points=2 stage=需求调研}

你下一步最应该做什么？

- [x] 了解决策链
  > 对，先弄清采购路径。
- [ ] 先报价
  > 太早了。

解析：先弄清决策链。

### 判断：意向 {#sc-2}

采购意向公开不晚于采购活动开始前 30 日。

答案：对

## 单选：最后 {#sc-last}
哪项最先确认？

- [x] 预算来源
- [ ] 礼品
"""


def part_url(part_id: str, scenario: str = "sc-case", path: str = PATH) -> str:
    return f"/authoring/items/{path}/{scenario}/parts/{part_id}/edit"


@pytest.fixture
def author(app, client, db):
    user = make_user(db, "t1", roles=("trainer",))
    put_quiz(app, user.id, QUIZ, PATH)
    login(client, "t1")
    return user


def open_part(client, part_id: str) -> dict:
    response = client.get(part_url(part_id))
    assert response.status_code == 200, page(response)[:3000]
    return form_fields(page(response))


def scenario(db):
    return parsed(db, PATH).item("sc-case")


def test_the_quiz_page_lists_the_sub_questions_with_form_links(client, author):
    shown = page(client.get(f"/authoring/doc/{PATH}"))
    for part_id in ("sc-1", "sc-2"):
        assert f'href="{part_url(part_id)}"' in shown
    assert "情景子题" in shown


@pytest.mark.parametrize("part_id", ["sc-1", "sc-2"])
def test_opening_and_saving_unchanged_keeps_the_sub_question_and_the_draft(client, db, author, part_id):
    shown = page(client.get(part_url(part_id)))
    assert "编辑情景 sc-case 的子题" in shown and f'action="{part_url(part_id)}"' in shown
    response = client.post(part_url(part_id), data=form_fields(shown))
    assert response.status_code == 302, page(response)[:3000]
    assert draft(db, PATH) == QUIZ


def test_fixing_the_key_of_a_sub_question_writes_it_back_inside_its_scenario(client, db, author):
    before = parsed(db, PATH)
    fields = open_part(client, "sc-1")
    assert fields["points"] == "2" and fields["stage"] == "需求调研"
    fields.pop("options-0-correct")
    fields["options-1-correct"] = "y"
    response = client.post(part_url("sc-1"), data=fields)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/authoring/doc/{PATH}")
    quiz = parsed(db, PATH)
    assert [i.id for i in quiz.items] == ["sc-alone", "sc-case", "sc-last"]
    assert [p.id for p in quiz.item("sc-case").parts] == ["sc-1", "sc-2"]
    assert [o.correct for o in quiz.item("sc-case").parts[0].options] == [False, True]
    assert "\n### 单选：下一步 {#sc-1 points=2 stage=需求调研}\n" in draft(db, PATH)
    for same in ("sc-alone", "sc-last"):
        assert _without_lines(quiz.item(same)) == _without_lines(before.item(same))
    assert _without_lines(quiz.item("sc-case").parts[1]) == _without_lines(before.item("sc-case").parts[1])
    db.rollback()
    assert "表单编辑 sc-1" in db.scalars(select(AuditEntry.reason).where(AuditEntry.action == "content.draft")).all()


def test_the_last_sub_question_is_saved_before_the_next_item(client, db, author):
    fields = open_part(client, "sc-2") | {"answer": "false", "incorrect_feedback": "是 30 日。"}
    assert client.post(part_url("sc-2"), data=fields).status_code == 302
    quiz = parsed(db, PATH)
    assert quiz.item("sc-case").parts[1].answer is False and quiz.item("sc-last").title == "最后"
    assert "答错：是 30 日。\n\n## 单选：最后" in draft(db, PATH)


def test_save_and_stay_reopens_the_sub_question_under_its_new_id(client, db, author):
    fields = open_part(client, "sc-2") | {"item_id": "sc-2b", "action": "save-stay"}
    response = client.post(part_url("sc-2"), data=fields)
    assert response.status_code == 302 and response.headers["Location"].endswith(part_url("sc-2b"))
    assert [p.id for p in scenario(db).parts] == ["sc-1", "sc-2b"]


def test_a_line_that_would_start_another_sub_question_is_refused(client, db, author):
    fields = open_part(client, "sc-2") | {"stem": "采购意向公开不晚于 30 日。\n### 判断：偷偷多一道 {#sc-x}"}
    response = client.post(part_url("sc-2"), data=fields)
    assert response.status_code == 422 and "本题第 4 行：### 只能用在 情景 或 对话 题中" in page(response)
    assert draft(db, PATH) == QUIZ


def test_a_duplicate_id_is_refused(client, db, author):
    response = client.post(part_url("sc-2"), data=open_part(client, "sc-2") | {"item_id": "sc-1"})
    assert response.status_code == 422 and "E104" in page(response)
    assert draft(db, PATH) == QUIZ


def test_a_change_made_since_the_form_was_opened_is_refused(app, client, db, author):
    fields = open_part(client, "sc-2")
    changed = QUIZ.replace("答案：对", "答案：对\n答对：别人刚改过。")
    put_quiz(app, author.id, changed, PATH)
    response = client.post(part_url("sc-2"), data=fields | {"answer": "false"})
    assert response.status_code == 422 and "已被修改" in page(response)
    assert draft(db, PATH) == changed


@pytest.mark.parametrize("url", [part_url("no-such-part"), part_url("sc-1", scenario="sc-alone"),
                                 part_url("sc-1", scenario="no-such-item"), part_url("sc-1", path="quizzes/no-such-quiz.md")])
def test_unknown_sub_questions_and_non_scenarios_are_404(client, author, url):
    assert client.get(url).status_code == 404


def test_another_trainers_quiz_is_refused(app, client, db):
    owner = make_user(db, "owner", roles=("trainer",))
    put_quiz(app, owner.id, QUIZ, PATH)
    db.rollback()
    make_user(db, "other", roles=("trainer",))
    login(client, "other")
    assert client.get(part_url("sc-1")).status_code == 403
    assert client.post(part_url("sc-1"), data={"item_id": "sc-1"}).status_code == 403
    assert draft(db, PATH) == QUIZ


def test_a_shipped_scenario_is_edited_as_a_draft(client, db, author):
    path = "quizzes/sample-all-types.md"
    url = part_url("sample-scenario-2", "sample-scenario", path)
    fields = form_fields(page(client.get(url))) | {"answer": "false"}
    assert client.post(url, data=fields).status_code == 302
    assert parsed(db, path).item("sample-scenario").parts[1].answer is False
