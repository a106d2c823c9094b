"""Item analysis (issue 15 item 6): Moodle's facility and discrimination indices against a hand-computed example,
"样本太少" below 20 attempts, flags, option and dialogue-choice shares per 片区, the answer export, and the pages
(trainer/admin only, bad quiz/version/basis → 404)."""
import io
import math

import openpyxl
import pytest

from academy.learning.models import Attempt, AttemptItem
from academy.learning.quizzes.versions import ensure_version
from academy.org.models import Region, Team, utcnow
from tests.factories import login, make_user
from tests.test_quiz_flow import quiz

# Five answer patterns: scores of items q01 (2 points), q02, q03 (1 point each); q04 always right, q05 always wrong.
PATTERNS = [(2, 1, 1), (2, 0, 1), (0, 1, 0), (2, 1, 0), (0, 0, 1)]
RESPONSES_Q01 = ["b", "b", "a", "b", ""]  # b is the key: 2 points
EAST = {0, 1, 2}  # patterns of learners in 华东; 3 and 4 are in 华南

# Worked by hand (docs/item-analysis.md):
# q01: x = 2,2,0,2,0; rest y = t − x = 2,1,1,1,1 (+1 for q04): Σdx·dy = 0.8, Σdx² = 4.8, Σdy² = 0.8 → r = 0.8/√3.84 = 1/√6
# q02: x = 1,0,1,1,0; y = 3,3,0,2,1 (+1): Σdx·dy = −0.4, Σdx² = 1.2, Σdy² = 6.8 → r = −0.4/√8.16
FACILITY = {"clients-q01": 60.0, "clients-q02": 60.0, "clients-q03": 60.0, "clients-q04": 100.0, "clients-q05": 0.0}
DISCRIMINATION = {"clients-q01": 100 / math.sqrt(6), "clients-q02": -40 / math.sqrt(8.16)}


def seed_attempts(app, db, copies: int) -> dict:
    """`copies` × the five patterns, one learner each (learner k has pattern k % 5), in two 片区."""
    q = quiz(app, "clients-quiz")
    version_id = ensure_version(db, q)
    east, south = Region(name="华东"), Region(name="华南")
    teams = {"east": Team(region=east, name="政务一组"), "south": Team(region=south, name="政务二组")}
    db.add_all([east, south, *teams.values()])
    db.commit()
    now = utcnow()
    for k in range(5 * copies):
        pattern = k % 5
        user = make_user(db, f"l{k}", team=teams["east" if pattern in EAST else "south"])
        x1, x2, x3 = PATTERNS[pattern]
        scores = {"clients-q01": (x1, 2.0), "clients-q02": (x2, 1.0), "clients-q03": (x3, 1.0), "clients-q04": (1, 1.0),
                  "clients-q05": (0, 2.0)}
        total = float(sum(score for score, _points in scores.values()))
        attempt = Attempt(user_id=user.id, quiz_id=q.id, version_id=version_id, number=1, seed=1, state="graded", answers={},
                          score=total, max_score=q.total_points, percent=round(100 * total / q.total_points, 2), passed=False,
                          submitted_at=now, graded_at=now, result={})
        db.add(attempt)
        db.flush()
        for item_id, (score, points) in scores.items():
            item = q.item(item_id)
            db.add(AttemptItem(attempt_id=attempt.id, item_id=item_id, user_id=user.id, quiz_id=q.id, version_id=version_id,
                               item_type=item.type, concept="", stage="", score=float(score), points=points,
                               correct=score == points, redline=item_id == "clients-q05" and pattern == 4,
                               response=RESPONSES_Q01[pattern] if item_id == "clients-q01" else "", graded_at=now))
        if k < 3:  # a second attempt of the first learners: counted by basis=all only
            again = Attempt(user_id=user.id, quiz_id=q.id, version_id=version_id, number=2, seed=1, state="graded", answers={},
                            score=0.0, max_score=q.total_points, percent=0.0, passed=False, submitted_at=now, graded_at=now, result={})
            db.add(again)
    db.commit()
    return {"quiz": q, "version_id": version_id}


def analysed(app, db, basis="first", version_id=None):
    from academy.authoring import analysis

    with app.test_request_context():
        return analysis.analyse(db, quiz(app, "clients-quiz"), analysis.Scope("clients-quiz", version_id, basis))


def test_facility_and_discrimination_match_the_hand_computed_example(app, db):
    seed_attempts(app, db, copies=4)  # 20 learners: duplicating the data leaves every mean and correlation as it was
    result = analysed(app, db)
    assert (result.attempts, result.learners) == (20, 20)
    items = {item.item_id: item for item in result.items}
    assert set(items) == set(FACILITY)  # only items with rows are listed
    for item_id, expected in FACILITY.items():
        assert items[item_id].facility == pytest.approx(expected), item_id
    for item_id, expected in DISCRIMINATION.items():
        assert items[item_id].discrimination == pytest.approx(expected), item_id
    assert round(items["clients-q01"].discrimination, 2) == 40.82 and round(items["clients-q02"].discrimination, 2) == -14.0
    assert items["clients-q04"].discrimination is None  # no variation: no correlation
    assert items["clients-q01"].flags == [] and items["clients-q02"].flags == ["区分度为负"]
    assert items["clients-q04"].flags == ["太容易"] and items["clients-q05"].flags == ["太难"]
    assert items["clients-q05"].sums.redlines == 4 and items["clients-q01"].sums.correct == 12


def test_the_pure_formulas_on_five_attempts(app, db):
    from academy.authoring import analysis

    seed_attempts(app, db, copies=1)
    sums = analysis.item_sums(db, analysis.Scope("clients-quiz"))
    assert sums["clients-q01"].n == 5
    assert analysis.facility(sums["clients-q01"]) == pytest.approx(60.0)
    assert analysis.discrimination(sums["clients-q01"]) == pytest.approx(100 / math.sqrt(6))
    assert analysis.discrimination(sums["clients-q02"]) == pytest.approx(-40 / math.sqrt(8.16))


def test_fewer_than_20_attempts_give_no_indices(app, db):
    seed_attempts(app, db, copies=3)  # 15 learners (18 attempts with basis=all)
    for basis in ("first", "all"):
        result = analysed(app, db, basis)
        assert not result.enough
        assert all(item.facility is None and item.discrimination is None and item.flags == [] for item in result.items)
    assert analysed(app, db, "all").attempts == 18


def test_basis_all_counts_every_graded_attempt(app, db):
    seed_attempts(app, db, copies=4)
    assert analysed(app, db, "all").attempts == 23 and analysed(app, db, "first").attempts == 20


def test_option_shares_per_region(app, db):
    seed_attempts(app, db, copies=4)
    result = analysed(app, db)
    assert result.regions == ["华东", "华南"]
    q01 = {share.token: share for share in next(i for i in result.items if i.item_id == "clients-q01").shares}
    assert list(q01) == ["a", "b", "c", "d"]
    assert q01["b"].cell("") == (12, 20, 60.0) and q01["a"].cell("") == (4, 20, 20.0)
    assert q01["b"].cell("华东") == (8, 12, pytest.approx(200 / 3)) and q01["a"].cell("华东") == (4, 12, pytest.approx(100 / 3))
    assert q01["b"].cell("华南") == (4, 8, 50.0) and q01["a"].cell("华南") == (0, 8, 0.0)
    assert q01["b"].label.startswith("道谢")


def test_dialogue_choices_are_counted_among_those_who_reached_the_node(app, db):
    from academy.authoring import analysis

    q = quiz(app, "clients-dialogue")
    item = q.items[0]
    version_id = ensure_version(db, q)
    db.commit()
    now = utcnow()
    for k, path in enumerate(["0", "0", "1", ""]):
        user = make_user(db, f"d{k}")
        attempt = Attempt(user_id=user.id, quiz_id=q.id, version_id=version_id, number=1, seed=1, state="graded", answers={},
                          score=0.0, max_score=q.total_points, percent=0.0, passed=False, graded_at=now, result={})
        db.add(attempt)
        db.flush()
        db.add(AttemptItem(attempt_id=attempt.id, item_id=item.id, user_id=user.id, quiz_id=q.id, version_id=version_id,
                           item_type="dialogue", concept="", stage="", score=0.0, points=item.points, correct=False,
                           redline=False, response=path, graded_at=now))
    db.commit()
    with app.test_request_context():
        result = analysis.analyse(db, q, analysis.Scope(q.id))
    shares = {share.token: share for share in result.items[0].shares}
    start = item.start
    assert shares[f"{start}#0"].group == start and shares[f"{start}#0"].cell("") == (2, 3, pytest.approx(200 / 3))
    assert shares[f"{start}#1"].cell("") == (1, 3, pytest.approx(100 / 3))
    assert result.regions == ["未分配片区"]


def test_the_analysis_page_explains_and_shows_the_figures(app, db, trainer_client):
    seed_attempts(app, db, copies=4)
    page = trainer_client.get("/authoring/analysis/clients-quiz").get_data(as_text=True)
    assert "难度系数" in page and "区分度" in page and "<caption>" in page and 'scope="col"' in page
    assert "40.8" in page and "-14.0" in page and "区分度为负" in page and "太容易" in page and "太难" in page
    assert "华东" in page and "华南" in page and "60% (12/20)" in page
    assert "样本太少" not in page.split("这些数字怎么看")[1].split("</ul>")[1]
    assert trainer_client.get("/authoring/analysis/clients-quiz?version=1&basis=all").status_code == 200
    assert "clients-quiz" in trainer_client.get("/authoring/analysis/").get_data(as_text=True)


def test_too_few_attempts_say_so_on_the_page(app, db, trainer_client):
    seed_attempts(app, db, copies=1)
    page = trainer_client.get("/authoring/analysis/clients-quiz").get_data(as_text=True)
    assert page.count("样本太少") >= 6  # the notice, the explanation and each of the five items
    assert "40.8" not in page


@pytest.mark.parametrize("path", ["/authoring/analysis/nope", "/authoring/analysis/clients-quiz?version=9",
                                  "/authoring/analysis/clients-quiz?version=x", "/authoring/analysis/clients-quiz?version=0",
                                  "/authoring/analysis/clients-quiz?basis=best", "/authoring/analysis/clients-quiz/answers?format=pdf",
                                  "/authoring/analysis/nope/answers?format=csv",
                                  "/authoring/analysis/clients-quiz/answers?format=csv&version=-1"])
def test_bad_quiz_version_or_format_is_404(app, db, trainer_client, path):
    seed_attempts(app, db, copies=1)
    assert trainer_client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/authoring/analysis/", "/authoring/analysis/clients-quiz",
                                  "/authoring/analysis/clients-quiz/answers?format=csv", "/authoring/analysis/clients-quiz/answers"])
def test_trainees_and_managers_are_refused(client, db, path):
    make_user(db, "t1")
    make_user(db, "m1", roles=("manager",))
    for who in ("t1", "m1"):
        login(client, who)
        assert client.get(path).status_code == 403
        client.post("/logout")
    assert client.get(path).status_code == 302  # anonymous: to the login page


def test_admins_may_read_the_analysis(admin_client):
    assert admin_client.get("/authoring/analysis/clients-quiz").status_code == 200


def test_the_answer_export_is_formula_safe(app, db, trainer_client):
    seed_attempts(app, db, copies=1)
    db.query(AttemptItem).filter_by(item_id="clients-q02").update({"response": "=HYPERLINK(1)"})
    from academy.org.models import User

    db.query(User).filter_by(username="l0").update({"display_name": "@SUM(A1)"})
    db.commit()
    response = trainer_client.get("/authoring/analysis/clients-quiz/answers?format=csv")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff用户名") and "'@SUM(A1)" in text and "'=HYPERLINK(1)" in text
    assert "道谢，再请教" in text  # the chosen option in words
    assert text.count("\r\n") == 1 + 5 * 5
    workbook = openpyxl.load_workbook(io.BytesIO(trainer_client.get("/authoring/analysis/clients-quiz/answers?version=1").data))
    values = [cell for row in workbook.active.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    assert "'@SUM(A1)" in values and not any(value.startswith(("=", "@")) for value in values)
    assert workbook.active.max_row == 1 + 25


def test_one_questions_answers_can_be_exported(app, db, trainer_client):
    seed_attempts(app, db, copies=1)
    page = trainer_client.get("/authoring/analysis/clients-quiz").get_data(as_text=True)
    assert 'name="item"' in page and '<option value="clients-q01">' in page
    text = trainer_client.get("/authoring/analysis/clients-quiz/answers?format=csv&item=clients-q01").get_data(as_text=True)
    assert text.count("\r\n") == 1 + 5 and "clients-q02" not in text
    assert trainer_client.get("/authoring/analysis/clients-quiz/answers?format=csv&item=nope").status_code == 404


def seed_q01_answers(app, db, answers: dict[str, str]) -> None:
    """Graded first attempts whose only counted answer is q01's: per 片区 name, one option key per learner."""
    q = quiz(app, "clients-quiz")
    version_id = ensure_version(db, q)
    now, item = utcnow(), q.item("clients-q01")
    for region_name, keys in answers.items():
        team = Team(region=Region(name=region_name), name=f"{region_name}一组")
        db.add(team)
        db.flush()
        for n, key in enumerate(keys):
            user = make_user(db, f"{region_name}-{n}", team=team)
            score = 2.0 if key == "b" else 0.0  # b is the key
            attempt = Attempt(user_id=user.id, quiz_id=q.id, version_id=version_id, number=1, seed=1, state="graded",
                              answers={}, score=score, max_score=q.total_points, percent=0.0, passed=False,
                              submitted_at=now, graded_at=now, result={})
            db.add(attempt)
            db.flush()
            db.add(AttemptItem(attempt_id=attempt.id, item_id=item.id, user_id=user.id, quiz_id=q.id, version_id=version_id,
                               item_type=item.type, concept="", stage="", score=score, points=2.0, correct=score > 0,
                               redline=False, response=key, graded_at=now))
    db.commit()


def regional(result) -> list[tuple[str, str]]:
    q01 = next(i for i in result.items if i.item_id == "clients-q01")
    return [(found.region, found.share.token) for found in q01.regional_mistakes(result.regions)]


def test_wrong_choices_are_each_types_wrong_answers(app):
    from academy.learning.questions import TYPES

    q = quiz(app, "clients-quiz")
    single, truefalse = q.item("clients-q01"), q.item("clients-q08")
    assert TYPES["single"].wrong_choices(single) == {o.key for o in single.options if not o.correct} == {"a", "c", "d"}
    assert TYPES["truefalse"].wrong_choices(truefalse) == {"false" if truefalse.answer else "true"}
    dialogue = quiz(app, "clients-dialogue").items[0]
    wrong = TYPES["dialogue"].wrong_choices(dialogue)
    for node in (n for n in dialogue.nodes if n.choices):  # each keeps a best choice; one behind a condition is never counted
        assert any(f"{node.name}#{i}" not in wrong for i in range(len(node.choices)))
        assert all(f"{node.name}#{i}" not in wrong for i, c in enumerate(node.choices) if c.conditions and not c.redline)
        assert all(f"{node.name}#{i}" in wrong for i, c in enumerate(node.choices) if c.redline)


@pytest.mark.parametrize(("answers", "expected"), [
    ({"华东": "aaaaaabb", "华南": "bbbbbbbba"}, [("华东", "a")]),  # 6/8 against 1/9: a gap in 华东's training
    ({"华东": "aaaaaabb", "华南": "aaaaabbbb"}, []),  # both choose it: the question's problem, not one 片区's
    ({"华东": "aaab", "华南": "bbbbbbbba"}, []),  # 4 answers: too few to say
    ({"华东": "aaaaaabb", "华南": "bbbb"}, []),  # too few answers elsewhere to compare with
    ({"华东": "bbbbbbbb", "华南": "bbbbbbbbb"}, []),  # the key is no mistake
    ({"华东": "aaacccbb", "华南": "bbbbbbbbb"}, []),  # 6 wrong, but not on one choice
])
def test_one_region_agreeing_on_a_wrong_choice_is_flagged(app, db, answers, expected):
    seed_q01_answers(app, db, answers)
    assert regional(analysed(app, db)) == expected


def test_the_page_names_the_region_and_the_choice(app, db, trainer_client):
    seed_q01_answers(app, db, {"华东": "aaaaaabb", "华南": "bbbbbbbba"})
    page = trainer_client.get("/authoring/analysis/clients-quiz").get_data(as_text=True)
    label = quiz(app, "clients-quiz").item("clients-q01").options[0].text
    assert f"华东有 6/8（75%）选了错误的“{label}”，其他片区只有 1/9（11%）" in page
    assert page.count("片区共同错误") == 3  # the explanation, the flag in the table, the alert's lead


def test_every_wrong_choice_in_the_course_is_a_counted_choice_and_every_question_keeps_a_right_one(app):
    from academy.learning.content.catalog import get_catalog
    from academy.learning.questions import TYPES

    with app.app_context():
        items = [item for q in get_catalog().quizzes for item in q.all_items()]
    checked = 0
    for item in items:
        question_type = TYPES[item.type]
        wrong, choices = question_type.wrong_choices(item), {token for token, _g, _l in question_type.response_choices(item)}
        assert wrong <= choices, item.id
        if choices and item.type != "dialogue":
            assert wrong < choices, item.id
            checked += 1
    assert checked > 100


def test_the_demo_shows_a_regional_mistake_to_its_trainer(app, client):
    """The demo's 西南片区 shares a misconception (academy/demo.py REGIONAL_HABITS): a trainer trying the demo finds
    the flag where it belongs, and only there."""
    from academy.demo import seed_demo
    from tests.factories import PASSWORD

    with app.app_context():
        seed_demo(PASSWORD)
    login(client, "trainer1")
    page = client.get("/authoring/analysis/clients-quiz").get_data(as_text=True)
    alerts = page.split('<p class="alert alert-warning">')[1:]
    assert len(alerts) == 1 and alerts[0].startswith("片区共同错误：西南片区有") and "中标公告金额" in alerts[0]
