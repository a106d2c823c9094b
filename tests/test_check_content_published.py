"""`flask check-content` checks what learners get: the files overlaid with the versions published in the database
(academy.learning.content.check), file problems still with the file's path and line, published ones marked; with
no database (or --files-only) it checks the files and creates nothing."""
from pathlib import Path

from academy.authoring import store
from academy.platform.db import dispose
from tests.conftest import make_app

FIXTURES = Path(__file__).parent / "content"
WARNED = "---\nid: db-quiz\ntitle: 只在数据库中\npass_scor: 60\n---\n## 判断：红线 {#db-q1}\n可以拆分项目规避招标。\n答案：错\n"


def publish(db, path, source):
    store.save_draft(db, None, path, source)
    store.publish(db, None, path)
    db.commit()


def test_a_module_archived_in_the_database_is_found_though_the_files_are_fine(runner, db):
    store.set_archived(db, None, "courses/stages/module.md", True)  # the store alone: the workspace would refuse it
    db.commit()
    result = runner.invoke(args=["check-content"])
    assert result.exit_code == 1, result.output
    assert "courses/stages/module.md:1: E002 模块目录缺少 module.md (module.md missing)〔这个文件已在内容编辑中归档〕" in result.output
    assert "quizzes/stages-quiz.md:1: E008" in result.output
    assert "检查的是学员看到的内容" in result.output and "1 个文件已归档" in result.output
    files = runner.invoke(args=["check-content", "--files-only", "--strict"])
    assert files.exit_code == 0 and "0 个错误，0 个警告" in files.output and "只检查了内容文件" in files.output


def test_a_published_browser_version_is_checked_and_marked_and_file_problems_keep_their_lines(database_url, tmp_path):
    from sqlalchemy.orm import Session

    from tests.conftest import _empty_tables

    app = make_app(database_url, tmp_path, CONTENT_DIR=str(FIXTURES))
    db = Session(bind=app.extensions["db_engine"])
    try:
        publish(db, "quizzes/db-quiz.md", WARNED)
        result = app.test_cli_runner().invoke(args=["check-content"])
        lines = result.output.split("\n")
        assert "quizzes/db-quiz.md:4: W005 未知字段 pass_scor，是否应为 pass_score？ (unknown key)〔数据库中发布的版本，不是文件〕" in lines
        bad = [line for line in lines if line.startswith("quizzes/bad-quiz.md:")]
        assert bad and not any("数据库" in line for line in bad)  # a file's problem: its path and line, as before
        assert "1 个文档来自数据库" in result.output and result.exit_code == 1
        alone = app.test_cli_runner().invoke(args=["check-content", "--files-only"])
        assert "db-quiz" not in alone.output
    finally:
        db.close()
        _empty_tables(app)
        dispose(app)


def test_without_a_database_the_files_are_checked_and_no_database_is_created(tmp_path):
    missing = tmp_path / "none.db"
    app = make_app(f"sqlite:///{missing}", tmp_path)
    result = app.test_cli_runner().invoke(args=["check-content", "--strict"])
    assert result.exit_code == 0, result.output
    assert "只检查了内容文件（没有可读的数据库" in result.output and "0 个错误，0 个警告" in result.output
    assert not missing.exists()
    dispose(app)


def test_an_unmigrated_database_is_read_as_none(tmp_path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    app = make_app(f"sqlite:///{empty}", tmp_path)
    result = app.test_cli_runner().invoke(args=["check-content", "--strict"])
    assert result.exit_code == 0 and "只检查了内容文件" in result.output, result.output
    dispose(app)
