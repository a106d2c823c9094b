"""The import page (/authoring/import) and the import-questions / export-questions commands, as trainers use them:
roles, bad files of every kind (20 MB, XXE, billion laughs, GB18030, bad rows) answered with a message and a 4xx,
nothing saved."""
import pytest
from sqlalchemy import func, select

from academy.authoring.formats import xlsx
from academy.authoring.import_stash import ImportStash
from tests.factories import login, make_user
from tests.question_imports import FIXTURES, upload


def page(response) -> str:
    return response.get_data(as_text=True)


def test_trainers_and_admins_get_the_page_and_the_template(trainer_client):
    response = trainer_client.get("/authoring/import")
    assert response.status_code == 200 and "下载 Excel 导入模板" in page(response)
    template = trainer_client.get("/authoring/import/template.xlsx")
    assert template.status_code == 200 and template.data.startswith(b"PK")
    assert xlsx.read(template.data).problems[0].message.startswith("表中没有任何题目")


def test_a_trainee_is_refused(client, db):
    make_user(db, "learner")
    login(client, "learner")
    assert client.get("/authoring/import").status_code == 403
    assert upload(client, "a.gift", b"q{T}").status_code == 403
    assert client.get("/authoring/import/template.xlsx").status_code == 403


def test_a_clean_gift_file_is_previewed_with_a_confirm_button(trainer_client, db):
    response = upload(trainer_client, "moodle.gift", (FIXTURES / "moodle_export.gift.txt").read_bytes())
    text = page(response)
    assert response.status_code == 200, text
    assert "共 9 道题，没有错误" in text and "确认导入 9 道题" in text and "首次拜访" in text and "<td>单选</td>" in text
    assert db.scalar(select(func.count()).select_from(ImportStash)) == 1


@pytest.mark.parametrize("fixture, words", [
    ("quirks.gift", "花括号不配对"),
    ("xxe.xml", "实体声明"),
    ("billion_laughs.xml", "billion laughs"),
    ("gb18030.gift", "GB18030"),
])
def test_bad_files_are_refused_with_a_message_and_nothing_kept(trainer_client, db, fixture, words):
    response = upload(trainer_client, fixture, (FIXTURES / fixture).read_bytes())
    assert response.status_code == 422 and words in page(response)
    assert "确认导入" not in page(response)
    assert db.scalar(select(func.count()).select_from(ImportStash)) == 0


def test_bad_excel_rows_are_listed_by_row(trainer_client):
    rows = [["单选", "", "题", "甲", "乙", "", "", "", "", "", "", "Z", "", "", "", "", ""],
            ["判断", "", "<script>alert(1)</script>", "", "", "", "", "", "", "", "", "对", "", "", "", "", ""]]
    response = upload(trainer_client, "bank.xlsx", xlsx.template(rows))
    text = page(response)
    assert response.status_code == 422 and "第 2 行" in text and "选项字母" in text
    assert "<script>alert(1)" not in text and "&lt;script&gt;" in text


@pytest.mark.parametrize("name, data, words", [
    ("bank.pdf", b"%PDF-1.4", "只支持"),
    ("bank.xlsx", b"not a zip", "不是有效的 .xlsx"),
    ("bank.gift", b"", "没有任何题目"),
    ("bank.json", b"{nope", "JSON"),
])
def test_unreadable_files_get_a_4xx_never_a_500(trainer_client, name, data, words):
    response = upload(trainer_client, name, data)
    assert response.status_code == 422 and words in page(response)


def test_a_bad_bank_name_is_refused(trainer_client):
    response = upload(trainer_client, "a.gift", b"q{T}", bank="../../etc")
    assert response.status_code == 422 and "题库名只能用" in page(response)


def test_a_20_mb_file_is_refused_with_a_message(trainer_client):
    response = upload(trainer_client, "big.gift", b"q{T}\n\n" * (20 * 1024 * 1024 // 6))
    assert response.status_code == 413 and "太大" in page(response)


def test_a_confirmation_with_a_foreign_or_spent_token_is_refused(trainer_client):
    response = trainer_client.post("/authoring/import/confirm", data={"token": "not-a-token"})
    assert response.status_code == 410 and "重新上传" in page(response)
    assert trainer_client.post("/authoring/import/confirm", data={}).status_code == 422


def test_import_questions_exits_non_zero_naming_the_line(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-questions", str(FIXTURES / "quirks.gift"), "--bank", "quirks"])
    assert result.exit_code == 1
    assert "quirks.gift:第 27 行：错误：花括号不配对" in result.output
    refused = runner.invoke(args=["import-questions", str(FIXTURES / "xxe.xml"), "--bank", "x"])
    assert refused.exit_code == 1 and "实体声明" in refused.output
    gb = runner.invoke(args=["import-questions", str(FIXTURES / "gb18030.gift"), "--bank", "x"])
    assert gb.exit_code == 1 and "GB18030" in gb.output


def test_import_questions_dry_run_checks_a_clean_file(app):
    result = app.test_cli_runner().invoke(
        args=["import-questions", str(FIXTURES / "moodle.xml"), "--bank", "procurement", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "7 道题可以导入" in result.output and "ddwtos" in result.output


def test_export_questions_of_a_missing_bank_exits_non_zero(app):
    result = app.test_cli_runner().invoke(args=["export-questions", "--bank", "nope", "--format", "gift"])
    assert result.exit_code == 1 and "nope" in result.output


def test_a_quiz_exports_to_gift_as_far_as_gift_can_say_it(trainer_client):
    from academy.authoring.formats import gift as gift_format

    response = trainer_client.get("/authoring/import/export?item=quiz:sample-all-types&format=gift")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    header = text.split("\n\n", 1)[0]
    assert header.startswith("// 未能导出：") and "（dialogue）" in header and "（roleplay）" in header
    assert not gift_format.read(text.encode()).has_errors


@pytest.mark.parametrize("fmt", ["json", "md", "xlsx"])
def test_a_quiz_exports_to_every_format(trainer_client, fmt):
    response = trainer_client.get(f"/authoring/import/export?item=quiz:sample-all-types&format={fmt}")
    assert response.status_code == 200 and response.data
    if fmt == "json":
        assert response.get_json()["left_out"]


def test_export_of_an_unknown_quiz_or_format_is_a_4xx(trainer_client, client):
    assert trainer_client.get("/authoring/import/export?item=quiz:nope&format=gift").status_code == 404
    assert trainer_client.get("/authoring/import/export?item=quiz:sample-all-types&format=pdf").status_code == 400
    assert trainer_client.get("/authoring/import/export?item=../etc&format=gift").status_code == 404


def test_a_trainee_cannot_export(client, db):
    make_user(db, "learner2")
    login(client, "learner2")
    assert client.get("/authoring/import/export?item=quiz:sample-all-types&format=gift").status_code == 403
