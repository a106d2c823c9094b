"""Saving an import into a bank through the content store: the whole file or nothing, audited, appended, exported
back; hostile text stays text on the bank page."""
import json

from sqlalchemy import func, select

from academy.authoring import store
from academy.authoring.formats import gift as gift_format
from academy.authoring.import_stash import ImportStash
from academy.org.models import AuditEntry
from tests.question_imports import FIXTURES, upload

PATH = "quizzes/banks/imported.md"


def confirm(client, db):
    token = db.scalar(select(ImportStash.token).order_by(ImportStash.id.desc()))
    response = client.post("/authoring/import/confirm", data={"token": token})
    db.rollback()  # a fresh snapshot: on SQLite this session's read transaction would not see the commit
    return response


def test_a_gift_import_is_previewed_confirmed_published_and_audited(trainer_client, db):
    assert upload(trainer_client, "moodle.gift", (FIXTURES / "moodle_export.gift.txt").read_bytes()).status_code == 200
    response = confirm(trainer_client, db)
    assert response.status_code == 302
    source = store.published_source(db, PATH)
    assert source.startswith("---\nid: imported\n") and "## 单选：首次拜访 {#first-visit" in source
    assert "category=政企销售/采购法规" in source and "tags=开场,基础" in source
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "bank.import")).all()
    assert len(audit) == 1 and audit[0].target_id == PATH and audit[0].detail["questions"] == 9
    assert db.scalar(select(func.count()).select_from(ImportStash)) == 0
    assert trainer_client.post("/authoring/import/confirm", data={"token": "spent"}).status_code == 410
    page = trainer_client.get("/authoring/banks/imported")
    assert page.status_code == 200 and "首次拜访局长时" in page.get_data(as_text=True)


def test_a_second_import_appends_with_fresh_ids(trainer_client, db):
    data = (FIXTURES / "moodle.xml").read_bytes()
    for _ in range(2):
        assert upload(trainer_client, "bank.xml", data).status_code == 200
        assert confirm(trainer_client, db).status_code == 302
    source = store.published_source(db, PATH)
    assert source.count("## 多选：采购方式") == 2 and "{#proc-methods" in source and "{#imported-8" in source


def test_an_excel_import_of_hostile_text_is_stored_and_shown_as_text(trainer_client, db):
    from academy.authoring.formats import xlsx

    rows = [["判断", "<img src=x onerror=alert(1)>", "<script>alert(2)</script> 预算先行？", "", "", "", "", "", "", "", "",
             "错", "=HYPERLINK(\"http://x\")", "", "", "", ""]]
    assert upload(trainer_client, "bank.xlsx", xlsx.template(rows)).status_code == 200
    assert confirm(trainer_client, db).status_code == 302
    page = trainer_client.get("/authoring/banks/imported").get_data(as_text=True)
    assert "<script>alert(2)" not in page and "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_a_bank_with_an_unpublished_draft_is_not_imported_into(trainer_client, db):
    store.save_draft(db, None, PATH, "---\nid: imported\ntitle: t\nbank: true\n---\n\n## 判断：甲 {#a}\n题\n\n答案：对\n")
    db.commit()
    response = upload(trainer_client, "q.gift", b"q{T}")
    assert response.status_code == 422 and "草稿" in response.get_data(as_text=True)


def test_the_cli_imports_then_exports_every_format(app, db, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-questions", str(FIXTURES / "moodle_export.gift.txt"), "--bank", "imported"])
    assert result.exit_code == 0, result.output
    exported = runner.invoke(args=["export-questions", "--bank", "imported", "--format", "json"])
    assert exported.exit_code == 0, exported.output
    data = json.loads(exported.stdout)
    assert data["format"] == "academy-questions" and len(data["questions"]) == 9
    assert data["questions"][0]["options"][0] == {"text": "先了解其年度重点工作", "weight": 100.0, "feedback": "对：先听后说。"}
    text = runner.invoke(args=["export-questions", "--bank", "imported", "--format", "gift"])
    assert text.exit_code == 0 and not gift_format.read(text.stdout.encode()).has_errors
    assert "// [id:first-visit] [tag:开场] [tag:基础]" in text.stdout
    out = tmp_path / "bank.xlsx"
    xlsx = runner.invoke(args=["export-questions", "--bank", "imported", "--format", "xlsx", "--output", str(out)])
    assert xlsx.exit_code == 0 and out.read_bytes().startswith(b"PK")
    markdown = runner.invoke(args=["export-questions", "--bank", "imported", "--format", "md"])
    assert markdown.stdout == store.published_source(db, PATH)
