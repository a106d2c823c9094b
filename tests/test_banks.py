"""Question banks: bank documents, item categories and tags, include: and draw: with their validation, the draw of
an attempt (stable for its seed, pinned with its version), and the trainers' bank pages."""
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from academy.learning.content.catalog import load_full_catalog
from academy.learning.models import Attempt, QuizVersion
from academy.learning.questions import parse_quiz_text
from academy.learning.quizzes.layout import drawn, drawn_ids
from tests.conftest import _empty_tables, make_app
from tests.factories import login, make_user, start_quiz

FIXTURE = Path(__file__).parent / "content-banks"
BANK = (FIXTURE / "quizzes" / "banks" / "bidding.md").read_text(encoding="utf-8")


def bank_of(text: str = BANK, rel: str = "quizzes/banks/bidding.md"):
    bank, sink = parse_quiz_text(text, rel)
    assert bank is not None, [str(p) for p in sink.problems]
    return bank


def problems(text: str, banks=None, rel: str = "quizzes/q.md") -> list[str]:
    _quiz, sink = parse_quiz_text(text, rel, banks if banks is not None else {"bidding": bank_of()})
    return [str(p) for p in sink.problems]


def quiz_text(front: str, body: str = "## 判断：自己的 {#own}\n依法采购。\n答案：对\n") -> str:
    return f"---\nid: q\ntitle: 测验\n{front}---\n\n{body}"


# --- parsing and validation -------------------------------------------------------------------------------

def test_a_bank_parses_with_categories_tags_concepts_and_stages():
    bank = bank_of()
    assert bank.bank and bank.id == "bidding" and len(bank.items) == 7
    split = bank.item("bd-split")
    assert (split.category, split.tags, split.stage) == ("法规/采购方式", ("招标", "红线"), "招标采购")
    assert bank.item("bd-budget").concepts == ("预算",)


@pytest.mark.parametrize("attrs, code", [
    ("category=法规//预算", "E111"), ("category=/法规", "E111"), ("category=法规/", "E111"), (f"category={'长' * 121}", "E111"),
    ("tags=a,,b", "E112"), ("tags=a,", "E112"), (f"tags={'长' * 41}", "E112"), ("tags=招标,招标", "W113"),
])
def test_bad_categories_and_tags_are_reported_on_the_heading_line(attrs, code):
    found = problems(f"---\nid: q\ntitle: t\n---\n\n## 判断：x {{#x {attrs}}}\n文字\n答案：对\n")
    assert any(p.startswith(f"quizzes/q.md:6: {code} ") for p in found), found


def test_category_levels_are_trimmed_and_tags_may_use_the_chinese_comma():
    quiz, _sink = parse_quiz_text('---\nid: q\ntitle: t\n---\n## 判断：x {#x category="法规 / 预算" tags=甲，乙}\n文字\n答案：对\n', "q.md")
    assert quiz.items[0].category == "法规/预算" and quiz.items[0].tags == ("甲", "乙")


@pytest.mark.parametrize("rel, text, needle", [
    ("quizzes/q.md", BANK.replace("id: bidding", "id: q"), "题库必须放在 quizzes/banks/ 目录下"),
    ("quizzes/banks/bidding.md", BANK.replace("bank: true\n", ""), "必须写 bank: true"),
    ("quizzes/banks/other.md", BANK, "题库的 id 必须与文件名一致"),
    ("quizzes/banks/bidding.md", BANK.replace("bank: true", "bank: yes"), "bank 只能是 true 或 false"),
    ("quizzes/banks/bidding.md", BANK.replace("bank: true", "bank: true\ninclude: [x#y]"), "题库不能再引用"),
])
def test_a_bank_must_live_in_the_banks_folder_and_say_so(rel, text, needle):
    _bank, sink = parse_quiz_text(text, rel)
    assert any(p.code == "E020" and needle in p.message for p in sink.problems), [str(p) for p in sink.problems]


def test_include_adds_the_bank_items_after_the_quizs_own():
    quiz, sink = parse_quiz_text(quiz_text("include: [bidding#bd-open, bidding#bd-visit]\n"), "quizzes/q.md",
                                 {"bidding": bank_of()})
    assert sink.problems == [] and [(i.id, i.bank) for i in quiz.items] == [("own", ""), ("bd-open", "bidding"), ("bd-visit", "bidding")]
    assert quiz.total_points == 3 and not quiz.draws


@pytest.mark.parametrize("front, line, code, needle", [
    ("include: bidding#bd-open\n", 4, "E021", "include 必须是列表"),
    ("include:\n  - bidding-bd-open\n", 5, "E021", "题库名#题目id"),
    ("include:\n  - bidding#bd-open\n  - biding#bd-open\n", 6, "E021", "是否应为“bidding”"),
    ("include:\n  - bidding#bd-opem\n", 5, "E021", "没有题目“bd-opem”，是否应为“bd-open”"),
    ("include:\n  - bidding#bd-open\n  - bidding#bd-open\n", 6, "E021", "已经引用过"),
    ("draw: [x]\n", 4, "E022", "应写成"),
    ("draw:\n  - {bank: bidding, category: 法规}\n", 5, "E022", "count 必须是正整数"),
    ("draw:\n  - {bank: bidding, category: 法规, count: 0}\n", 5, "E022", "count 必须是正整数"),
    ("draw:\n  - {bank: bidding, categroy: 法规, count: 1}\n", 5, "E022", "未知字段 categroy"),
    ("draw:\n  - {category: 法规, count: 1}\n", 5, "E022", "缺少 bank"),
    ("draw:\n  - {bank: nobank, count: 1}\n", 5, "E023", "题库“nobank”不存在或有错误"),
    ("draw:\n  - {bank: bidding, category: 法规/合同, count: 1}\n", 5, "E023", "现有类别"),
    ("draw:\n  - {bank: bidding, tag: 无此, count: 1}\n", 5, "E023", "现有标签"),
    ("draw:\n  - {bank: bidding, category: 法规, count: 5}\n", 5, "E024", "要抽 5 道题"),
    ("draw:\n  - {bank: bidding, tag: 招标, count: 2}\n  - {bank: bidding, category: 法规/采购方式, count: 2}\n", 6, "E024",
     "可能已被前面的抽题抽走"),
    ("include: [bidding#bd-open]\ndraw:\n  - {bank: bidding, category: 法规/采购方式, count: 3}\n", 6, "E024", "只有 2 道可抽"),
    ("draw:\n  - {bank: bidding, category: 实务, count: 1}\n", 5, "W025", "分值不同"),
])
def test_bad_references_are_reported_with_their_line(front, line, code, needle):
    if code == "W025":
        bank = bank_of(BANK.replace("{#bd-visit ", "{#bd-visit points=2 "))
        found = problems(quiz_text(front), {"bidding": bank})
    else:
        found = problems(quiz_text(front))
    assert any(p.startswith(f"quizzes/q.md:{line}: {code} ") and needle in p for p in found), found


def test_ids_from_a_bank_may_not_clash_with_the_quizs_own():
    found = problems(quiz_text("include: [bidding#bd-open]\n", "## 判断：同名 {#bd-open}\n文字\n答案：对\n"))
    assert any(" E104 " in p and "与本测验第" in p for p in found), found
    other = bank_of(BANK.replace("id: bidding", "id: other"), "quizzes/banks/other.md")
    found = problems(quiz_text("include: [bidding#bd-open]\ndraw:\n  - {bank: other, category: 法规, count: 1}\n"),
                     {"bidding": bank_of(), "other": other})
    assert any(" E104 " in p and "题库 bidding" in p for p in found), found


def test_a_quiz_with_references_but_no_banks_given_reports_the_unknown_bank():
    _quiz, sink = parse_quiz_text(quiz_text("include: [bidding#bd-open]\n"), "quizzes/q.md")
    assert [p.code for p in sink.problems] == ["E021"]


def test_the_content_hash_covers_the_banks_it_uses():
    text = quiz_text("draw:\n  - {bank: bidding, category: 法规, count: 2}\n")
    plain, _sink = parse_quiz_text(quiz_text(""), "quizzes/q.md")
    import hashlib

    assert plain.content_hash == hashlib.sha256(quiz_text("").encode()).hexdigest()  # no bank: as before banks existed
    before, _sink = parse_quiz_text(text, "quizzes/q.md", {"bidding": bank_of()})
    after, _sink = parse_quiz_text(text, "quizzes/q.md", {"bidding": bank_of(BANK.replace("答案：对", "答案：错", 1))})
    assert before.content_hash != after.content_hash and [b.name for b in before.banks] == ["bidding"]


def test_the_catalog_keeps_banks_apart_and_check_content_reads_them(tmp_path):
    catalog = load_full_catalog(FIXTURE)
    assert [q.id for q in catalog.quizzes] == ["bank-drill"] and [b.id for b in catalog.banks] == ["bidding"]
    assert catalog.quiz("bidding") is None and catalog.trainee_view.banks == ()
    content = copy_fixture(tmp_path)
    bank = content / "quizzes" / "banks" / "bidding.md"
    bank.write_text(bank.read_text(encoding="utf-8").replace("category=法规/预算", "category=法规//预算"), encoding="utf-8")
    lines = [str(p) for p in load_full_catalog(content).problems]
    assert any(re.match(r"quizzes/banks/bidding.md:\d+: E111 ", line) for line in lines), lines
    assert any(re.match(r"quizzes/bank-drill.md:\d+: E023 题库“bidding”不存在", line) for line in lines), lines  # a broken bank is no bank


# --- the draw ----------------------------------------------------------------------------------------------

def drill():
    return load_full_catalog(FIXTURE).quiz("bank-drill")


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_a_draw_is_stable_for_a_seed_and_takes_exactly_count_distinct_items_of_its_pool(seed):
    quiz = drill()
    taken = drawn(quiz, seed)
    assert drawn(quiz, seed) is taken and drawn_ids(quiz, seed) == drawn_ids(quiz, seed)
    ids = [i.id for i in taken.items]
    assert len(ids) == len(set(ids)) == 5 and ids[:2] == ["drill-own", "bd-budget"] and not taken.draws
    law = [i for i in taken.items[2:] if i.category.startswith("法规")]
    visits = [i for i in taken.items[2:] if "拜访" in i.tags]
    assert len(law) == 2 and len(visits) == 1 and "bd-budget" not in ids[2:]
    assert taken.total_points == 5 and all(i.scored for i in taken.items)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pool=st.integers(2, 12), data=st.data())
def test_draws_differ_across_seeds_and_respect_the_count(pool, data):
    count = data.draw(st.integers(1, pool - 1))
    items = "".join(f"## 判断：题{n} {{#p{n} category=甲/乙 tags=t{n % 2}}}\n文字{n}\n答案：对\n\n" for n in range(pool))
    bank = bank_of(f"---\nid: pool\ntitle: 池\nbank: true\n---\n\n{items}", "quizzes/banks/pool.md")
    quiz, sink = parse_quiz_text(f"---\nid: q\ntitle: t\ndraw:\n  - {{bank: pool, category: 甲, count: {count}}}\n---\n",
                                 "quizzes/q.md", {"pool": bank})
    assert quiz is not None, [str(p) for p in sink.problems]
    seeds = data.draw(st.lists(st.integers(0, 2**31 - 1), min_size=40, max_size=40, unique=True))
    draws = {drawn_ids(quiz, seed) for seed in seeds}
    assert all(len(d) == len(set(d)) == count and set(d) <= {f"p{n}" for n in range(pool)} for d in draws)
    assert len(draws) > 1  # at least 2 possible sets (count < pool): 40 seeds agreeing by chance has p <= 2 ** -39


def test_grading_refuses_a_quiz_that_has_not_drawn():
    from academy.learning.quizzes.grading import grade_answers

    with pytest.raises(ValueError, match="attempt_quiz"):
        grade_answers(drill(), {})


# --- through HTTP ------------------------------------------------------------------------------------------

def copy_fixture(tmp_path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    return content


@pytest.fixture
def bank_app(database_url, tmp_path):
    app = make_app(database_url, tmp_path, CONTENT_DIR=str(copy_fixture(tmp_path)), CONTENT_RECHECK_SECONDS=0)
    yield app
    _empty_tables(app)
    from academy.platform.db import dispose

    dispose(app)


def signed_in(app, username: str, roles=("trainee",)):
    from academy.platform.db import get_session

    with app.app_context():
        make_user(get_session(), username, roles=roles)
    client = app.test_client()
    login(client, username)
    return client


def attempt_items(app, attempt_id: int) -> dict:
    """item id → the right form value, for the attempt's own items (as its pinned version has them)."""
    from academy.learning.quizzes.versions import attempt_quiz
    from academy.platform.db import get_session

    with app.app_context():
        quiz = attempt_quiz(get_session().get(Attempt, attempt_id))
        return {i.id: (next(o.key for o in i.options if o.correct) if i.options else str(i.answer).lower()) for i in quiz.items}


def wrong(value: str) -> str:
    return {"true": "false", "false": "true"}.get(value, "zz")


def test_a_learner_takes_a_drawing_quiz_and_is_graded_on_the_items_drawn(bank_app):
    client = signed_in(bank_app, "t1")
    assert "招投标抽题练习" in client.get("/quizzes/").get_data(as_text=True)
    intro = client.get("/quizzes/bank-drill").get_data(as_text=True)
    assert "5 道，满分 5" in intro and "有 3 道从题库中随机抽取" in intro
    attempt_id = start_quiz(client, "bank-drill")
    key = attempt_items(bank_app, attempt_id)
    assert len(key) == 5 and {"drill-own", "bd-budget"} <= set(key)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    shown = set(re.findall(r'name="q-([a-z-]+)"', page))
    assert shown == set(key)  # exactly the drawn items, nothing else of the bank
    answers = {f"q-{item_id}": value for item_id, value in key.items()}
    answers["q-bd-budget"] = wrong(key["bd-budget"])
    assert client.post(f"/attempts/{attempt_id}/submit", data=answers).status_code == 302
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "80" in result
    with bank_app.app_context():
        from academy.platform.db import get_session

        attempt = get_session().get(Attempt, attempt_id)
        assert (attempt.state, attempt.score, attempt.max_score, attempt.percent) == ("graded", 4, 5, 80)
        assert set(attempt.result) == set(key) and attempt.outcomes == {k: k != "bd-budget" for k in key}
        from academy.learning.models import AttemptItem

        rows = get_session().scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)).all()
        assert {(r.item_id, r.correct) for r in rows} == {(k, k != "bd-budget") for k in key}  # per-item rows (reports)
    from tests.factories import exported

    answered = {s["object"]["id"].rsplit("/", 1)[-1] for s in exported(bank_app) if s["verb"]["id"].endswith("/answered")}
    assert answered == set(key)  # xAPI: one "answered" per item the attempt drew
    assert "首次拜访" in result or "拜访要预约" in result  # the drawn 拜访 item is on the result page
    book = client.get("/mistakes").get_data(as_text=True)
    assert "预算先行" in book  # the 错题本 holds the missed bank item
    practice = client.get("/mistakes/practice").get_data(as_text=True)
    assert 'name="q-bd-budget"' in practice
    assert re.search(r"招投标抽题练习</a>\s*<span class=\"badge badge-done\">已通过", client.get("/quizzes/").get_data(as_text=True))
    with bank_app.app_context():
        from academy.learning.models import QuizTally
        from academy.platform.db import get_session

        tally = get_session().scalar(select(QuizTally).where(QuizTally.quiz_id == "bank-drill"))
        assert (tally.graded, tally.best_percent, tally.best_passed) == (1, 80, True)


def test_a_bank_edit_after_the_attempt_started_changes_neither_its_items_nor_its_score(bank_app, tmp_path):
    client = signed_in(bank_app, "t1")
    attempt_id = start_quiz(client, "bank-drill")
    key = attempt_items(bank_app, attempt_id)
    before = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    bank = Path(bank_app.config["CONTENT_DIR"]) / "quizzes" / "banks" / "bidding.md"
    text = bank.read_text(encoding="utf-8")
    # flip every answer key and drop two items: the running attempt must not notice
    flipped = text.replace("答案：对", "答案：X").replace("答案：错", "答案：对").replace("答案：X", "答案：错")
    flipped = re.sub(r"## 判断：意向公开.*?答案：..\n", "", flipped, flags=re.S)
    flipped = re.sub(r"## 判断：拜访要预约.*?答案：..\n", "", flipped, flags=re.S)
    bank.write_text(flipped.replace("{#bd-open category=法规/采购方式 tags=招标}", "{#bd-open category=法规/采购方式 tags=招标 points=3}"),
                    encoding="utf-8")
    from academy.learning.content.catalog import load_full_catalog

    assert load_full_catalog(Path(bank_app.config["CONTENT_DIR"])).errors == ()  # W025: bd-open is now worth 3
    after = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert set(re.findall(r'name="q-([a-z-]+)"', after)) == set(re.findall(r'name="q-([a-z-]+)"', before)) == set(key)
    client.post(f"/attempts/{attempt_id}/submit", data={f"q-{k}": v for k, v in key.items()})
    with bank_app.app_context():
        from academy.platform.db import get_session

        session = get_session()
        attempt = session.get(Attempt, attempt_id)
        assert (attempt.score, attempt.max_score, attempt.percent) == (5, 5, 100)  # graded on the key it was shown
        first_version = attempt.version_id
    second = start_quiz(client, "bank-drill")
    with bank_app.app_context():
        session = get_session()
        assert session.get(Attempt, second).version_id != first_version  # the changed bank is a new version
        snapshot = session.get(QuizVersion, first_version).snapshot
        assert snapshot["banks"][0]["name"] == "bidding" and "意向公开" in snapshot["banks"][0]["source"]
        assert session.scalar(select(QuizVersion.quiz_id).where(QuizVersion.id == first_version)) == "bank-drill"
    assert client.get(f"/attempts/{attempt_id}/result").status_code == 200  # still shown from its own version


def test_answers_for_bank_items_the_attempt_did_not_draw_are_not_kept(bank_app):
    client = signed_in(bank_app, "t1")
    attempt_id = start_quiz(client, "bank-drill")
    key = attempt_items(bank_app, attempt_id)
    others = {"bd-open", "bd-split", "bd-intent", "bd-visit", "bd-appoint"} - set(key)
    assert others
    client.post(f"/attempts/{attempt_id}/save", data={f"q-{item_id}": "true" for item_id in [*others, "drill-own"]})
    with bank_app.app_context():
        from academy.platform.db import get_session

        assert set(get_session().get(Attempt, attempt_id).answers) == {"drill-own"}


def test_a_bank_is_never_listed_for_nor_startable_by_anyone(bank_app):
    for name, roles in (("t1", ("trainee",)), ("coach", ("trainer",))):
        client = signed_in(bank_app, name, roles)
        assert "招投标题库" not in client.get("/quizzes/").get_data(as_text=True)
        assert client.get("/quizzes/bidding").status_code == 404
        assert client.post("/quizzes/bidding/start").status_code == 404


def test_bank_pages_are_for_trainers_and_admins_only(bank_app):
    trainee = signed_in(bank_app, "t1")
    assert trainee.get("/authoring/banks/").status_code == 403
    assert trainee.get("/authoring/banks/bidding").status_code == 403
    manager = signed_in(bank_app, "m1", ("manager",))
    assert manager.get("/authoring/banks/").status_code == 403
    admin = signed_in(bank_app, "a1", ("admin",))
    assert admin.get("/authoring/banks/bidding").status_code == 200


def test_a_trainer_browses_a_bank_by_category_tag_concept_and_stage(bank_app):
    client = signed_in(bank_app, "coach", ("trainer",))
    index = client.get("/authoring/banks/").get_data(as_text=True)
    assert "招投标题库（测试）" in index and "法规 (4)" in index and "实务 (3)" in index and "招投标抽题练习" in index
    page = client.get("/authoring/banks/bidding").get_data(as_text=True)
    assert "显示 7 / 7 道题" in page and page.count('class="card item"') == 7
    assert re.search(r"采购方式</a> <span class=\"points\">\(3\)", page)  # the tree counts items below a node
    assert "固定引用" in page and "随机抽取：每次从 3 道中抽 2 道" in page  # who uses which item, and how
    assert 'name="q-bd-visit"' in page and "先了解对方今年的重点工作" in page  # the take page's own item macros
    for query, expected in (("category=法规", 4), ("category=法规/采购方式", 3), ("tag=拜访", 2), ("concept=预算", 1),
                            ("stage=招标采购", 1), ("category=法规&tag=红线", 1)):
        filtered = client.get(f"/authoring/banks/bidding?{query}").get_data(as_text=True)
        assert f"显示 {expected} / 7 道题" in filtered and filtered.count('class="card item"') == expected, query


def test_bad_bank_page_requests_get_a_clear_4xx(bank_app):
    client = signed_in(bank_app, "coach", ("trainer",))
    assert client.get("/authoring/banks/nobank").status_code == 404
    response = client.get("/authoring/banks/bidding?category=<script>alert(1)</script>")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "这个题库中没有" in page and "<script>alert(1)" not in page
    assert client.get("/authoring/banks/bidding?stage=" + "x" * 5000).status_code == 400


def test_a_bank_with_errors_is_listed_with_its_problems(bank_app):
    bank = Path(bank_app.config["CONTENT_DIR"]) / "quizzes" / "banks" / "bidding.md"
    bank.write_text(bank.read_text(encoding="utf-8").replace("tags=拜访}", "tags=拜访,}", 1), encoding="utf-8")
    client = signed_in(bank_app, "coach", ("trainer",))
    page = client.get("/authoring/banks/").get_data(as_text=True)
    assert "E112" in page and "还没有题库" in page


def test_a_bank_edit_that_would_break_a_quiz_using_it_is_refused_e026():
    """check_source (what publishing and the live preview run) re-checks the quizzes that include or draw from a
    bank: deleting the item bank-drill includes is E026, naming the quiz; an edit that keeps them valid is not."""
    from academy.learning.content.catalog import check_source

    catalog = load_full_catalog(FIXTURE)
    source = (FIXTURE / "quizzes" / "banks" / "bidding.md").read_text(encoding="utf-8")
    kept = check_source(catalog, "quizzes/banks/bidding.md", source)
    assert not [p for p in kept.problems if p.code == "E026"]
    start = source.index("{#bd-budget")
    heading = source.rindex("\n## ", 0, start) + 1
    following = source.find("\n## ", start)
    without = source[:heading] + (source[following + 1:] if following != -1 else "")
    broken = check_source(catalog, "quizzes/banks/bidding.md", without)
    problems = [p for p in broken.problems if p.code == "E026"]
    assert problems and "quizzes/bank-drill.md" in problems[0].message and broken.parsed is None
