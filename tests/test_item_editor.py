"""The form editor over HTTP (/authoring/items, issue 15 item 1): for each of the six simple types a trainer
creates and edits an item, adds and removes rows; bad input is a 422 with a message and nothing saved; hostile
text is stored and shown as text; trainees and trainers without the right to a quiz are refused."""

import pytest
from sqlalchemy import select

from academy.authoring import store
from academy.authoring.models import ContentDocument
from academy.learning.questions import parse_quiz_text
from academy.learning.questions.editing import _without_lines
from academy.learning.questions.quizmd.writer import blank_item
from tests.factories import form_fields, login, make_user

QUIZ = """---
id: fe-quiz
title: 表单测验
attempts: unlimited
---
## 单选：预算 {#fe-single points=2 concepts=预算 category=基础/预算 source=培训部}
哪项最先确认？

- [x] 预算来源
  > 先有预算后有采购。
- [ ] {50%} 分管领导
- [ ] 礼品

解析：先看预算。

## 多选：方式 {#fe-multiple}
哪些是采购方式？

- [x] 公开招标
- [x] 竞争性磋商
- [ ] {-100%} 综合评分法

## 判断：拆分 {#fe-tf redline}
可以拆分项目规避招标。

答案：错
答对：对，化整为零违法。

## 排序：流程 {#fe-order}
按先后排列。

1. 需求
2. 方案
3. 招标

## 匹配：阶段 {#fe-match}
- 需求识别 => 了解重点工作
- 招标 => 如实响应
- => 请专家吃饭

## 分类：角色 {#fe-classify}
类别：决策者 | 使用者

- 分管副局长 => 决策者
- 窗口科长 => 使用者

## 对话：不能用表单 {#fe-dialogue start=甲}
情境。

### 甲
开场。

- 好 -> 成 {+1}

### 结局：成 {ending=success}
好。
"""
PATH = "quizzes/fe-quiz.md"
TYPES = ("single", "multiple", "truefalse", "ordering", "matching", "classify")


def put_quiz(app, owner_id=None, source=QUIZ, path=PATH):
    with app.app_context():
        from academy.platform.db import get_session

        session = get_session()
        doc = store.save_draft(session, owner_id, path, source)
        doc.owner_id = owner_id
        session.commit()


def draft(db, path=PATH) -> str:
    db.rollback()
    return db.scalar(select(ContentDocument.draft_source).where(ContentDocument.path == path))


def parsed(db, path=PATH):
    quiz, sink = parse_quiz_text(draft(db, path), path)
    assert quiz is not None, [str(p) for p in sink.problems]
    return quiz


@pytest.fixture
def trainer(app, client, db):
    user = make_user(db, "t1", roles=("trainer",))
    put_quiz(app, user.id)
    login(client, "t1")
    return user


def page(response) -> str:
    return response.get_data(as_text=True)


def edit_url(item_id, path=PATH):
    return f"/authoring/items/{path}/{item_id}/edit"


def open_form(client, item_id) -> dict:
    response = client.get(edit_url(item_id))
    assert response.status_code == 200, page(response)[:3000]
    return form_fields(page(response))


# --- each type: open, change, save ------------------------------------------------------------------------------

@pytest.mark.parametrize("item_id", [f"fe-{t}" for t in ("single", "multiple", "tf", "order", "match", "classify")])
def test_opening_and_saving_unchanged_keeps_the_item(client, db, trainer, item_id):
    before = parsed(db).item(item_id)
    fields = open_form(client, item_id)
    response = client.post(edit_url(item_id), data=fields)
    assert response.status_code == 302, page(response)[:3000]
    assert _without_lines(parsed(db).item(item_id)) == _without_lines(before)


def test_single_fix_the_key_and_keep_the_other_items_and_unknown_attributes(client, db, trainer):
    fields = open_form(client, "fe-single")
    assert fields["options-0-correct"] == "y" and fields["options-1-weight"] == "50"
    fields.pop("options-0-correct")
    fields["options-2-correct"] = "y"
    fields["options-2-feedback"] = "礼品也要看制度。"
    response = client.post(edit_url("fe-single"), data=fields)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/authoring/doc/{PATH}")
    quiz = parsed(db)
    assert [o.correct for o in quiz.item("fe-single").options] == [False, False, True]
    assert "category=基础/预算 source=培训部}" in draft(db)  # a bank category, and an attribute the form does not know, are kept
    assert [i.id for i in quiz.items] == ["fe-single", "fe-multiple", "fe-tf", "fe-order", "fe-match", "fe-classify", "fe-dialogue"]


def test_multiple_scoring_and_weights(client, db, trainer):
    fields = open_form(client, "fe-multiple") | {"scoring": "all_or_nothing", "options-2-weight": "-50"}
    assert client.post(edit_url("fe-multiple"), data=fields).status_code == 302
    item = parsed(db).item("fe-multiple")
    assert item.scoring == "all_or_nothing" and item.options[2].weight == -0.5


def test_truefalse_answer_and_redline(client, db, trainer):
    fields = open_form(client, "fe-tf")
    assert fields["answer"] == "false" and fields["redline"] == "y"
    fields.pop("redline")
    fields |= {"answer": "true", "incorrect_feedback": "要看法条。"}
    assert client.post(edit_url("fe-tf"), data=fields).status_code == 302
    item = parsed(db).item("fe-tf")
    assert item.answer is True and not item.redline and "要看法条" in item.incorrect_html


def test_ordering_move_a_row_up_then_save(client, db, trainer):
    fields = open_form(client, "fe-order")
    response = client.post(edit_url("fe-order"), data=fields | {"action": "up:sequence:2"})
    assert response.status_code == 200
    moved = form_fields(page(response))
    assert [moved[f"sequence-{i}"] for i in range(3)] == ["需求", "招标", "方案"]
    assert draft(db).count("1. 需求\n2. 方案") == 1  # nothing saved by a row button
    assert client.post(edit_url("fe-order"), data=moved | {"scoring": "positions"}).status_code == 302
    item = parsed(db).item("fe-order")
    assert item.sequence == ("需求", "招标", "方案") and item.scoring == "positions"


def test_matching_add_a_pair_and_remove_the_distractor(client, db, trainer):
    fields = open_form(client, "fe-match")
    added = form_fields(page(client.post(edit_url("fe-match"), data=fields | {"action": "add:pairs"})))
    assert added["pairs-2-left"] == ""
    added |= {"pairs-2-left": "签约", "pairs-2-right": "按中标结果签合同"}
    removed = form_fields(page(client.post(edit_url("fe-match"), data=added | {"action": "remove:distractors:0"})))
    assert "distractors-0" not in removed and removed["pairs-2-left"] == "签约"
    assert client.post(edit_url("fe-match"), data=removed).status_code == 302
    item = parsed(db).item("fe-match")
    assert [(p.left, p.right) for p in item.pairs] == [("需求识别", "了解重点工作"), ("招标", "如实响应"), ("签约", "按中标结果签合同")]


def test_classify_add_a_category_and_file_an_entry_under_it(client, db, trainer):
    fields = open_form(client, "fe-classify")
    shown = page(client.post(edit_url("fe-classify"), data=fields | {"categories-2": "采购员", "action": "add:items"}))
    assert '<option value="采购员">采购员</option>' in shown  # the new category is offered once the form is shown again
    fields = form_fields(shown) | {"items-2-text": "采购办经办人", "items-2-category": "采购员"}
    assert client.post(edit_url("fe-classify"), data=fields).status_code == 302
    item = parsed(db).item("fe-classify")
    assert item.categories == ("决策者", "使用者", "采购员") and item.pairs[2].right == "采购员"


@pytest.mark.parametrize("type_name", TYPES)
def test_a_new_item_of_each_type_is_appended(client, db, trainer, type_name):
    response = client.get(f"/authoring/items/{PATH}/new?type={type_name}")
    assert response.status_code == 200
    fields = form_fields(page(response))
    assert fields["item_id"] == "fe-quiz-1"
    fields |= {"title": "新题", "stem": "新的题干。"}
    fill = {
        "single": {"options-0-text": "甲", "options-1-text": "乙"},
        "multiple": {"options-0-text": "甲", "options-1-text": "乙", "options-2-text": "丙", "options-2-correct": "y"},
        "truefalse": {"answer": "false"},
        "ordering": {"sequence-0": "一", "sequence-1": "二", "sequence-2": "三"},
        "matching": {"pairs-0-left": "左一", "pairs-0-right": "右一", "pairs-1-left": "左二", "pairs-1-right": "右二"},
        "classify": {"categories-0": "甲类", "categories-1": "乙类"},
    }[type_name]
    if type_name == "classify":  # the categories are offered once the form is shown again
        shown = client.post(f"/authoring/items/{PATH}/new?type=classify", data=fields | fill | {"action": "add:categories"})
        fields = form_fields(page(shown))
        fill = {"items-0-text": "条目一", "items-0-category": "甲类", "items-1-text": "条目二", "items-1-category": "乙类"}
    response = client.post(f"/authoring/items/{PATH}/new?type={type_name}", data=fields | fill)
    assert response.status_code == 302, page(response)[:4000]
    quiz = parsed(db)
    assert quiz.items[-1].id == "fe-quiz-1" and quiz.items[-1].type == type_name and quiz.items[-1].title == "新题"
    assert quiz.item("fe-dialogue") is not None


# --- limits and bad input ----------------------------------------------------------------------------------------

def test_at_most_twelve_options_and_at_least_two(client, trainer):
    fields = open_form(client, "fe-single")
    fields |= {f"options-{i}-text": f"选项{i}" for i in range(3, 12)}
    response = client.post(edit_url("fe-single"), data=fields | {"action": "add:options"})
    assert response.status_code == 200 and "最多 12 个选项。" in page(response)
    assert "options-12-text" not in form_fields(page(response))
    fields = open_form(client, "fe-single")
    fields = form_fields(page(client.post(edit_url("fe-single"), data=fields | {"action": "remove:options:2"})))
    response = client.post(edit_url("fe-single"), data=fields | {"action": "remove:options:1"})
    assert "至少要保留 2 个选项。" in page(response)


def test_a_tampered_form_with_thirteen_options_is_refused(client, db, trainer):
    fields = open_form(client, "fe-single") | {f"options-{i}-text": f"选项{i}" for i in range(3, 14)}
    response = client.post(edit_url("fe-single"), data=fields)
    assert response.status_code == 422 and "最多 12 个选项。" in page(response)
    assert draft(db) == QUIZ


@pytest.mark.parametrize("change, message", [
    ({"options-0-correct": None}, "单选题必须恰好有一个 [x]"),
    ({"points": "abc"}, "分值应为 0.01 到 100 之间的数"),
    ({"points": "0"}, "分值应为 0.01 到 100 之间的数"),
    ({"options-1-weight": "150"}, "权重应为 -100 到 100 之间的数"),
    ({"item_id": "坏 id"}, "id 只能用字母"),
    ({"item_id": "fe-tf"}, "E104"),
    ({"stage": "吃饭"}, "请从列表中选择商机阶段。"),
    ({"lesson": "a b"}, "课时链接不能有空格"),
    ({"extra": "points=3"}, "请用表单中的对应栏目设置：points"),
    ({"extra": "a=\"b"}, "其他属性应写成 key=value"),
    ({"title": "两\n行"}, "只能写一行"),
    ({"stem": "题干\n- [x] 偷偷加的正确项"}, "这一栏的内容会被读成别的结构"),
    ({"explanation": "先看预算\n## 单选：另一题 {#x}"}, "这一栏的内容会被读成别的结构"),
    ({"stem": ""}, "题干为空"),
])
def test_bad_input_is_a_422_with_a_message_and_nothing_is_saved(client, db, trainer, change, message):
    fields = open_form(client, "fe-single")
    for key, value in change.items():
        fields.pop(key) if value is None else fields.__setitem__(key, value)
    response = client.post(edit_url("fe-single"), data=fields)
    assert response.status_code == 422 and message in page(response), page(response)[:4000]
    assert draft(db) == QUIZ


def test_classify_entry_without_a_listed_category_and_matching_half_pair(client, db, trainer):
    fields = open_form(client, "fe-classify") | {"items-1-category": "没有的类别"}
    response = client.post(edit_url("fe-classify"), data=fields)
    assert response.status_code == 422 and "请为每个条目选择一个已列出的类别。" in page(response)
    fields = open_form(client, "fe-match") | {"pairs-1-right": ""}
    response = client.post(edit_url("fe-match"), data=fields)
    assert response.status_code == 422 and "左右两侧都要填写" in page(response)
    assert draft(db) == QUIZ


def test_saving_over_a_change_made_since_the_form_was_opened_is_refused(app, client, db, trainer):
    fields = open_form(client, "fe-tf")
    put_quiz(app, trainer.id, QUIZ.replace("答对：对，化整为零违法。", "答对：别人刚改过。"))
    response = client.post(edit_url("fe-tf"), data=fields | {"answer": "true"})
    assert response.status_code == 422 and "已被修改" in page(response)
    assert "别人刚改过" in draft(db)


def test_errors_elsewhere_in_the_draft_do_not_block_fixing_an_item(app, client, db, trainer):
    broken = QUIZ.replace("答案：错", "答案：也许")
    put_quiz(app, trainer.id, broken)
    fields = open_form(client, "fe-order") | {"sequence-0": "需求识别"}
    assert client.post(edit_url("fe-order"), data=fields).status_code == 302
    assert "1. 需求识别" in draft(db) and "答案：也许" in draft(db)


def test_an_item_the_form_cannot_hold_is_warned_about(app, client, trainer):
    put_quiz(app, trainer.id, QUIZ.replace("哪项最先确认？", "哪项最先确认？<!-- 讲师备注 -->"))
    assert "用表单保存会丢失这些内容" in page(client.get(edit_url("fe-single")))
    assert "用表单保存会丢失" not in page(client.get(edit_url("fe-multiple")))


# --- hostile text ------------------------------------------------------------------------------------------------

def test_hostile_text_is_stored_and_shown_as_text(client, db, trainer):
    hostile = '</textarea><img src=x> "引号" & {{ 7*7 }} ${x} \\'
    fields = open_form(client, "fe-single") | {"options-2-text": "礼品 <b>粗</b> {{ 7*7 }}", "options-2-feedback": hostile,
                                                "title": "预算 <i>x</i>", "hint": "& < >"}
    response = client.post(edit_url("fe-single"), data=fields | {"action": "save-stay"})
    assert response.status_code == 302, page(response)[:3000]
    assert "礼品 <b>粗</b> {{ 7*7 }}" in draft(db)
    shown = page(client.get(edit_url("fe-single")))
    assert "<img src=x>" not in shown and "<b>粗</b>" not in shown and "&lt;b&gt;粗&lt;/b&gt;" in shown
    assert "礼品 &lt;b&gt;粗&lt;/b&gt; {{ 7*7 }}" in shown  # not run as a template either
    assert form_fields(shown)["options-2-feedback"] == hostile


def test_script_anywhere_is_refused_by_the_parser_with_its_message(client, db, trainer):
    """Quiz Markdown allows no script, iframe or event attribute (E903): the form says so and saves nothing."""
    fields = open_form(client, "fe-single") | {"options-2-feedback": "反馈 <script>alert(1)</script>"}
    response = client.post(edit_url("fe-single"), data=fields)
    assert response.status_code == 422 and "E903" in page(response) and "<script>alert(1)" not in page(response)
    assert draft(db) == QUIZ


# --- who may ----------------------------------------------------------------------------------------------------

def test_a_trainee_is_refused(app, client, db):
    put_quiz(app)
    make_user(db, "learner")
    login(client, "learner")
    assert client.get(edit_url("fe-single")).status_code == 403
    assert client.post(edit_url("fe-single"), data={"item_id": "x"}).status_code == 403
    assert client.get(f"/authoring/items/{PATH}/new?type=single").status_code == 403


def test_someone_elses_quiz_without_a_grant_is_refused_and_with_one_allowed(app, client, db):
    owner = make_user(db, "owner", roles=("trainer",))
    put_quiz(app, owner.id)
    db.rollback()  # end the read begun by owner.id before writing again (SQLite WAL)
    other = make_user(db, "other", roles=("trainer",))
    login(client, "other")
    assert client.get(edit_url("fe-single")).status_code == 403
    fields = blank_item("truefalse", "x") | {"stem": "s"}
    assert client.post(f"/authoring/items/{PATH}/new?type=truefalse", data={"item_id": fields["id"]}).status_code == 403
    assert draft(db) == QUIZ
    with app.app_context():
        from academy.platform.db import get_session

        session = get_session()
        store.grant(session, owner.id, PATH, session.get(type(other), other.id))
        session.commit()
    assert client.get(edit_url("fe-single")).status_code == 200


def test_an_admin_edits_any_quiz(app, admin_client, db):
    owner = make_user(db, "owner", roles=("trainer",))
    put_quiz(app, owner.id)
    assert admin_client.get(edit_url("fe-single")).status_code == 200


@pytest.mark.parametrize("url", [
    edit_url("no-such-item"), edit_url("fe-dialogue"), edit_url("fe-single", "quizzes/no-such-quiz.md"),
    edit_url("x", "courses/clients/module.md"), f"/authoring/items/{PATH}/new?type=dialogue",
    f"/authoring/items/{PATH}/new?type=../../etc", f"/authoring/items/{PATH}/new",
])
def test_unknown_items_types_and_quizzes_are_404(client, trainer, url):
    assert client.get(url).status_code == 404


def test_a_shipped_quiz_file_is_edited_as_a_draft_and_the_file_is_untouched(client, db, trainer):
    from tests.conftest import ROOT

    path = "quizzes/sample-all-types.md"
    before = (ROOT / path).read_text(encoding="utf-8")
    fields = form_fields(page(client.get(edit_url("sample-tf", path))))
    response = client.post(edit_url("sample-tf", path), data=fields | {"answer": "true"})
    assert response.status_code == 302, page(response)[:3000]
    assert (ROOT / path).read_text(encoding="utf-8") == before
    assert parsed(db, path).item("sample-tf").answer is True


def test_the_quiz_page_links_each_simple_item_to_the_form(client, trainer):
    shown = page(client.get(f"/authoring/doc/{PATH}"))
    for item_id in ("fe-single", "fe-tf", "fe-classify"):
        assert f'href="/authoring/items/{PATH}/{item_id}/edit"' in shown
    assert f"/authoring/items/{PATH}/fe-dialogue/edit" not in shown
    assert f'action="/authoring/items/{PATH}/new"' in shown
