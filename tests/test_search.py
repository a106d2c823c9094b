"""Searching the course (/search): a learner finds the lesson section that explains a term, only in lessons they may
open, and a query that cannot be searched gets a clear 400."""
import itertools
import re
from html import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from academy.learning.content.catalog import Catalog
from academy.learning.content.courses import Lesson, Module
from academy.learning.courses.search import (
    MAX_QUERY,
    MAX_TERMS,
    BadQuery,
    Section,
    _runs,
    _terms_pattern,
    fold,
    lesson_sections,
    parse_query,
    search,
    snippet,
)
from tests.factories import login, make_user
from tests.test_audience import app_on_content, coach_and_learner, write_content

FABE_LESSON = "/lessons/opportunity-fabe"


@pytest.fixture
def trainee(client, db):
    user = make_user(db, "seeker")
    login(client, "seeker")
    return user


def hits(body: str) -> list[str]:
    """The lesson links of the results, in order (with their anchors)."""
    return re.findall(r'<li class="card search-hit">\s*<h3><a href="([^"]+)"', body)


def test_a_term_leads_to_the_section_that_explains_it(client, db):
    make_user(db, "coach", roles=("trainer",))  # trainers may open every module: nothing is locked for them
    login(client, "coach")
    body = client.get("/search?q=FABE").get_data(as_text=True)
    assert hits(body)[0] == FABE_LESSON + "#structure"
    assert "<mark>FABE</mark>" in body
    assert "三、E：证据必须真实、可核验、有授权" in body  # the lesson's other sections with the term are named
    for typed in ("fabe", "ＦＡＢＥ"):  # any case, and full-width as a Chinese input method types it
        assert client.get(f"/search?q={typed}").get_data(as_text=True).count("<mark>FABE</mark>") == body.count("<mark>FABE</mark>")


def test_the_examples_the_page_gives_find_lessons(client, db):
    make_user(db, "coach", roles=("trainer",))
    login(client, "coach")
    help_text = re.search(r'<p class="meta">(在课时正文里查找.*?)</p>', client.get("/search").get_data(as_text=True)).group(1)
    examples = re.findall(r"“([^”]+)”", help_text)
    assert len(examples) == 3, help_text
    for example in examples + ["招标代理"]:  # the agency under the Tendering Law is named as well
        assert hits(client.get("/search", query_string={"q": example}).get_data(as_text=True)), example


def test_every_term_must_be_in_the_lesson(client, db):
    make_user(db, "coach", roles=("trainer",))
    login(client, "coach")
    one = hits(client.get("/search?q=SPIN").get_data(as_text=True))
    both = hits(client.get("/search?q=SPIN  FABE").get_data(as_text=True))
    assert hits(client.get("/search?q=SPIN、FABE").get_data(as_text=True)) == both  # words listed as in Chinese
    assert set(both) < set(one) or len(both) < len(one)
    assert all(link.partition("#")[0] in {h.partition("#")[0] for h in one} for link in both)
    body = client.get("/search?q=FABE 不存在的说法").get_data(as_text=True)
    assert hits(body) == [] and "没有找到包含“FABE 不存在的说法”的课时内容" in body


def test_lessons_of_a_locked_module_are_counted_not_listed(client, trainee):
    body = client.get("/search?q=SPIN").get_data(as_text=True)  # 商机挖掘与引导 needs the first two modules first
    assert "opportunity-spin" not in body
    assert re.search(r"另有 \d+ 节课时也包含这些词，它们所在的模块还没有解锁", body)


def test_an_empty_query_shows_the_form_only(client, trainee):
    response = client.get("/search")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'role="search"' in body and "search-results" not in body
    assert 'action="/search"' in client.get("/map").get_data(as_text=True)  # the learning map has the search box


@pytest.mark.parametrize("query, message", [
    ("采" * (MAX_QUERY + 1), "搜索词太长"),
    (" ".join(f"词{n}" for n in range(MAX_TERMS + 1)), "词太多"),
])
def test_a_query_that_cannot_be_searched_is_refused_with_a_reason(client, trainee, query, message):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body and 'aria-invalid="true"' in body


def test_the_query_is_shown_escaped(client, trainee):
    body = client.get("/search", query_string={"q": '<script>alert(1)</script> "x'}).get_data(as_text=True)
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;x" in body


def test_the_english_interface(client, trainee):
    client.post("/language", data={"lang": "en", "next": "/search"})
    body = client.get("/search?q=预算").get_data(as_text=True)
    assert "Search the course" in body and "<mark>预算</mark>" in body


def test_staff_only_lessons_are_found_by_staff_only(database_url, tmp_path):
    write_content(tmp_path / "content")
    with app_on_content(database_url, tmp_path) as app:
        coach, learner = coach_and_learner(app)
        assert hits(coach.get("/search?q=正文").get_data(as_text=True)) == ["/lessons/open-first#content",
                                                                           "/lessons/inside-notes#points"]
        learner_page = learner.get("/search?q=正文").get_data(as_text=True)
        assert hits(learner_page) == ["/lessons/open-first#content"]
        assert "讲师" not in learner_page and "还没有解锁" not in learner_page  # not even counted


# ---- the parts, for any text --------------------------------------------------------------------------------

WORDS = st.text(alphabet=st.sampled_from("采购预算FABEfabeＦＡＢＥSpinİßΣ㎏ﬁ之的，、 \u3000\n"), max_size=40)


@given(WORDS)
def test_folding_keeps_every_position(text):
    folded = fold(text)
    assert len(folded) == len(text)
    assert fold(folded) == folded


@given(st.text(max_size=80))
def test_a_query_gives_terms_or_a_reason(query):
    try:
        terms = parse_query(query)
    except BadQuery as problem:
        assert str(problem) in ("too_long", "too_many")
        return
    assert len(terms) <= MAX_TERMS and len(set(terms)) == len(terms)
    assert all(term and not any(ch.isspace() or ch in ",，、;；" for ch in term) and fold(term) == term for term in terms)


@given(WORDS, st.lists(st.text(alphabet=st.sampled_from("采购FAbeİ之"), min_size=1, max_size=3), min_size=1, max_size=3))
def test_runs_cover_the_text_and_mark_only_terms(text, terms):
    terms = tuple(dict.fromkeys(fold(t) for t in terms))
    runs = _runs(text, fold(text), _terms_pattern(terms))
    assert "".join(part for part, _ in runs) == text
    assert all(fold(part) in terms for part, matched in runs if matched)
    plain = "".join(part if not matched else "\x00" for part, matched in runs)
    assert not any(term in fold(piece) for piece in plain.split("\x00") for term in terms if len(term) == 1)


@given(WORDS, st.text(alphabet=st.sampled_from("采购FAbe"), min_size=1, max_size=3))
def test_a_snippet_is_a_passage_of_the_section_around_the_term(text, term):
    section = Section("a", "", text, fold(text), "")
    term = fold(term)
    runs = snippet(section, (term,))
    passage = "".join(part for part, _ in runs).strip("…")
    assert passage in text
    if term in section.folded:
        assert any(matched for _, matched in runs)


def test_a_lesson_is_cut_at_its_headings():
    html = ('<p>开头 &amp; 引\n言</p><h2 id="one">一、<strong>预算</strong></h2><table>\n<tr>\n<td>甲</td>\n<td>乙</td>\n</tr>\n</table>'
            '<h3 id="two">小节</h3><ul><li>第一</li><li>第二</li></ul><p>one<br />two</p>')
    lesson = Lesson("l", "m", "课", 1, 10, (), html, "", (), 0, "courses/m/01-l.md", "")
    assert [(s.anchor, s.heading, s.text) for s in lesson_sections(lesson)] == [
        ("", "", "开头 & 引言"), ("one", "一、预算", "甲 乙"), ("two", "小节", "第一 第二 one two")]


FIELD = st.text(alphabet=st.sampled_from("采购预算FABEfabe之的 "), max_size=24)
STAMPS = itertools.count()  # each example's catalog is new content: values derived from it are not shared


@given(st.lists(st.tuples(FIELD, FIELD, FIELD, FIELD), min_size=1, max_size=5),
       st.lists(st.text(alphabet=st.sampled_from("采购FAbe之"), min_size=1, max_size=2), min_size=1, max_size=3),
       st.sets(st.integers(0, 4)))
def test_the_lessons_found_are_those_holding_every_term(fields, words, locked):
    """Any lessons, any terms: a lesson is listed, or counted as locked, exactly when each term is in its title, a
    heading or its text; the passage shown is the text of the section linked."""
    modules = []
    for n, (title, intro, heading, body) in enumerate(fields):
        html = f"<p>{escape(intro)}</p>\n<h2 id=\"part\">{escape(heading)}</h2>\n<p>{escape(body)}</p>"
        lesson = Lesson(f"l{n}", f"m{n}", title, 1, 10, (), html, "", (), 0, f"courses/m{n}/01-l.md", "")
        modules.append(Module(f"m{n}", f"模块{n}", n, "", (), 10, (), "", (lesson,), f"courses/m{n}/module.md"))
    catalog = Catalog(tuple(modules), stamp=(next(STAMPS),), lessons={m.lessons[0].id: m.lessons[0] for m in modules})
    terms = tuple(dict.fromkeys(fold(word) for word in words))
    results = search(catalog, terms, lambda module_id: int(module_id[1:]) in locked)
    holding = {n for n, lesson_fields in enumerate(fields)
               if all(any(term in fold(field) for field in lesson_fields) for term in terms)}
    assert {int(hit.lesson.id[1:]) for hit in results.hits} == holding - locked
    assert results.locked_lessons == len(holding & locked) and results.more == 0
    for hit in results.hits:
        assert "".join(part for part, _ in hit.snippet).strip("…") in hit.section.text
