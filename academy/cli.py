"""Command line: db upgrade, create-user, seed-demo, check-content, import-content, export-xapi, send-reminders,
import-questions, export-questions."""
import json
import secrets
import smtplib
import sys
from datetime import date, datetime
from functools import wraps
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from academy.authoring import question_import, store
from academy.authoring.formats import MAX_BYTES, FileRefused
from academy.learning import xapi_export
from academy.learning.content import check as checking
from academy.learning.content.catalog import overlay as content_overlay
from academy.learning.content.catalog import recheck_now
from academy.org.auth.services import hash_password
from academy.org.models import ROLES, User
from academy.platform import clock, migrate
from academy.platform.db import get_engine, get_session


def prepare_database(app: Flask) -> None:
    """For an app that serves (python app.py, gunicorn, flask run): migrate to the newest schema; a fresh
    database gets one admin with a printed password.

    Under other `flask` commands the app leaves the database alone: the commands that use it migrate it
    first (@uses_database) and create the users they need themselves (create-user, seed-demo), and
    check-content only reads (the content files, and the database's published versions when there is a database:
    none created, no admin password in a CI log).
    """
    command = click.get_current_context(silent=True)
    if command is not None and command.info_name != "run":
        return
    migrate.upgrade(app.extensions["db_engine"])
    with app.app_context():
        session = get_session()
        migrate.take_startup_turn(session.connection())  # workers starting together: one creates the admin
        password = None
        if session.scalar(select(func.count()).select_from(User)) == 0 and not app.config.get("TESTING"):
            password = secrets.token_urlsafe(12)
            add_user(session, "admin", "管理员", password, {"admin"})
        report = store.import_files(session, Path(app.config["CONTENT_DIR"]))  # in the same turn: one worker imports
        session.commit()  # once: committing ends the turn, and another worker would import the same files at once
        if password:
            print(f"已创建管理员账号 admin，初始密码（只显示这一次）：{password}", file=sys.stderr)
        _say_imported(report, lambda line: print(line, file=sys.stderr))
        recheck_now()


def _say_imported(report: store.ImportReport, say) -> None:
    for problem in report.problems:
        say(str(problem))
    for path in report.conflicts:
        say(f"警告：{path} 文件已改动，但浏览器中发布的版本更新；文件内容已另存为冲突版本（未发布），请在内容编辑中处理。")
    if report.added or report.updated or report.conflicts:
        say(f"内容导入：新增 {len(report.added)}，更新 {len(report.updated)}，冲突 {len(report.conflicts)}，未变 {report.unchanged}。")


def add_user(session, username: str, name: str, password: str, roles: set[str]) -> User:
    user = User(username=username, display_name=name, password_hash=hash_password(password))
    user.set_roles(roles)
    session.add(user)
    session.flush()
    return user


def uses_database(command):
    """A `flask` command that works on the database: it is migrated to the newest schema first (AUTO_MIGRATE)."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        if current_app.config["AUTO_MIGRATE"]:
            migrate.upgrade(get_engine())
        return command(*args, **kwargs)

    return wrapper


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    migrate.upgrade(get_engine())
    click.echo("数据库已是最新结构。")


@click.command("create-user")
@click.argument("username")
@click.option("--name", default=None, help="显示名")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), default=("trainee",))
@click.password_option(help="密码（不少于 8 位）")
@with_appcontext
@uses_database
def create_user(username: str, name: str | None, roles: tuple[str, ...], password: str) -> None:
    if len(password) < 8:
        raise click.ClickException("密码不少于 8 位。")
    session = get_session()
    if session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"用户名 {username} 已存在。")
    add_user(session, username, name or username, password, set(roles))
    session.commit()
    click.echo(f"已创建用户 {username}（{', '.join(roles)}）。")


@click.command("seed-demo")
@click.option("--password", default=None, help="演示账号的密码（不填则随机生成并打印）")
@with_appcontext
@uses_database
def seed_demo_command(password: str | None) -> None:
    from academy.demo import seed_demo

    click.echo(seed_demo(password))


@click.command("seed-scale")
@click.option("--learners", type=click.IntRange(1, 200_000), default=10_000, show_default=True)
@click.option("--teams", type=click.IntRange(1, 2_000), default=50, show_default=True)
@click.option("--attempts-per-learner", type=click.IntRange(1, 500), default=60, show_default=True)
@click.option("--password", default=None, help="所有规模测试账号的密码（不填则随机，不打印）")
@with_appcontext
@uses_database
def seed_scale_command(learners: int, teams: int, attempts_per_learner: int, password: str | None) -> None:
    """A synthetic organisation for the report benchmarks (bench/reports.py): learners, teams, progress, attempts."""
    from academy.scale import ScaleRefused, seed_scale

    try:
        counts = seed_scale(get_session(), learners, teams, attempts_per_learner, password=password, echo=click.echo)
    except ScaleRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已创建 {counts['learners']} 名学员、{teams} 个团队、{counts['attempts']} 次作答、"
               f"{counts['items']} 条逐题记录、{counts['lessons']} 条课时完成记录。")


@click.command("refresh-targets")
@with_appcontext
@uses_database
def refresh_targets_command() -> None:
    """Recount what each learner has met of every assignable target, for the learners counted against other
    content (after a content change the assignment status is counted from the records, correct but slower,
    until this runs or the learner next studies: academy.learning.target_rows)."""
    from academy.learning import target_rows
    from academy.learning.content.catalog import get_catalog

    done = target_rows.refresh_all(get_session(), get_catalog(), echo=click.echo)
    click.echo(f"已重新统计 {done} 名学员的指派进度。")


@click.command("rebuild-weeks")
@with_appcontext
@uses_database
def rebuild_weeks_command() -> None:
    """Count every learner's and team's weeks afresh on the organisation's clock: run it after changing TIMEZONE
    (the weekly rows keep the weeks of the zone they were counted in)."""
    from academy.learning import progress_rows

    session = get_session()
    progress_rows.rebuild_weeks(session.connection())
    session.commit()
    click.echo("已按机构时区重新统计每周学习记录。")


@click.command("check-content")
@click.option("--strict", is_flag=True, help="警告也视为失败")
@click.option("--files-only", is_flag=True, help="只检查内容文件，不读数据库中已发布的版本")
@with_appcontext
def check_content(strict: bool, files_only: bool) -> None:
    """Check what learners get: courses/, quizzes/ and quizzes/banks/ overlaid with the versions published in the
    database, and print every problem.  The database is only read, and only when it is there: none is created or
    migrated (a CI checkout without one checks the files)."""
    overlay = None if files_only or not _database_exists(get_engine()) else content_overlay()
    checked = checking.check_content(Path(current_app.config["CONTENT_DIR"]), overlay)
    catalog = checked.catalog
    for problem in catalog.problems:
        click.echo(f"{problem}{checked.origin(problem)}")
    for path, note in checked.conflicts:
        click.echo(f"注意：{path} 文件在浏览器发布的版本之后改动（{note}），学员看到的是数据库中发布的版本。")
    errors = [p for p in catalog.problems if p.is_error]
    warnings = len(catalog.problems) - len(errors)
    lessons = sum(len(m.lessons) for m in catalog.modules)
    if checked.overlaid:
        click.echo(f"检查的是学员看到的内容：内容文件，加上数据库中发布的版本（{len(checked.from_database)} 个文档来自数据库，"
                   f"{len(checked.archived_files)} 个文件已归档）。")
    else:
        click.echo("只检查了内容文件（" + ("按 --files-only）。" if files_only else "没有可读的数据库，或数据库中从未发布过内容）。"))
    click.echo(f"{len(catalog.modules)} 个模块，{lessons} 节课，{len(catalog.quizzes)} 个测验，{len(catalog.banks)} 个题库；"
               f"{len(errors)} 个错误，{warnings} 个警告。")
    if errors or (strict and warnings):
        sys.exit(1)


def _database_exists(engine) -> bool:
    """False for an SQLite file that is not there: connecting would create it."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return True
    return bool(url.database) and url.database != ":memory:" and Path(url.database).exists()


@click.command("import-content")
@with_appcontext
@uses_database
def import_content() -> None:
    """Import changed files from courses/ and quizzes/ into the content store (also done at every start)."""
    session = get_session()
    report = store.import_files(session, Path(current_app.config["CONTENT_DIR"]))
    session.commit()
    _say_imported(report, lambda line: click.echo(line, err=True))
    click.echo(f"新增 {len(report.added)}，更新 {len(report.updated)}，冲突 {len(report.conflicts)}，未变 {report.unchanged}。")
    if report.problems:
        sys.exit(1)


@click.command("export-xapi")
@click.option("--since", default=None, help="只导出该日期（YYYY-MM-DD）之后的语句")
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-")
@with_appcontext
@uses_database
def export_xapi(since: str | None, output) -> None:
    try:
        start = datetime.fromisoformat(since) if since else None
    except ValueError:
        raise click.BadParameter("日期格式应为 YYYY-MM-DD", param_hint="--since") from None
    count = 0
    for statement in xapi_export.export(get_session(), start):
        output.write(json.dumps(statement, ensure_ascii=False) + "\n")
        count += 1
    click.echo(f"已导出 {count} 条 xAPI 语句。", err=True)


@click.command("send-reminders")
@click.option("--today", default=None, help="按这一天计算（YYYY-MM-DD，默认今天）")
@with_appcontext
@uses_database
def send_reminders_command(today: str | None) -> None:
    """Assignment reminders and managers' overdue digests (idempotent; run daily from cron)."""
    from flask_babel import force_locale

    from academy.learning.assignments import mail, reminders
    from academy.learning.content.catalog import get_catalog

    try:
        day = date.fromisoformat(today) if today else clock.today()
    except ValueError:
        raise click.BadParameter("日期格式应为 YYYY-MM-DD", param_hint="--today") from None
    session = get_session()
    with force_locale("zh_CN"):  # stored notices and mails are written in the site's first language
        outcome = reminders.send_reminders(session, get_catalog().trainee_view, day)
    session.commit()
    mailed = 0
    if mail.configured(current_app.config):
        try:
            mailed = mail.send_all(current_app.config, outcome.mails)
        except (OSError, smtplib.SMTPException) as exc:  # the notices are sent; the copies can wait for no one
            click.echo(f"邮件发送失败：{exc}", err=True)
            sys.exit(1)
    click.echo(f"已发送 {outcome.notices} 条站内提醒，{mailed} 封邮件。")


@click.command("import-questions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bank", "bank", required=True, help="题库名（quizzes/banks/<名>.md），不存在时新建")
@click.option("--dry-run", is_flag=True, help="只检查并列出问题，不保存")
@with_appcontext
@uses_database
def import_questions(file: Path, bank: str, dry_run: bool) -> None:
    """Import a GIFT (.gift/.txt), Moodle XML (.xml), Excel template (.xlsx), Quiz Markdown (.md) or JSON file into a
    bank: all questions or none; every problem is printed with its line or row, and any error exits 1."""
    session = get_session()
    try:
        if file.stat().st_size > MAX_BYTES:
            raise FileRefused(f"文件太大，上限为 {MAX_BYTES // 1024 // 1024} MB (file too large)")
        plan = question_import.plan(session, bank, file.read_bytes(), file.name)
        for problem in plan.parsed.all_problems():
            click.echo(f"{file}:{problem}", err=True)
        if not plan.ok:
            click.echo(f"有错误，没有导入任何题目（{len(plan.parsed.questions)} 道题已检查）。", err=True)
            sys.exit(1)
        if dry_run:
            click.echo(f"检查通过：{len(plan.parsed.questions)} 道题可以导入题库 {bank}（未保存）。")
            return
        count = question_import.save(session, None, plan)
    except FileRefused as exc:
        click.echo(f"{file}: {exc}", err=True)
        sys.exit(1)
    except question_import.ImportRejected as exc:
        session.rollback()
        for problem in exc.problems:
            click.echo(f"{file}:{problem}", err=True)
        click.echo("有错误，没有导入任何题目。", err=True)
        sys.exit(1)
    session.commit()
    click.echo(f"已导入 {count} 道题到题库 {bank}（{plan.path}）。")


@click.command("export-questions")
@click.option("--bank", "bank", required=True, help="题库名")
@click.option("--format", "fmt", type=click.Choice(question_import.EXPORTS), default="json")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="输出文件（默认标准输出）")
@with_appcontext
@uses_database
def export_questions(bank: str, fmt: str, output: Path | None) -> None:
    """A bank's published questions as JSON, Quiz Markdown, GIFT or the Excel template; what a format cannot say
    is reported on standard error."""
    try:
        file = Path(current_app.config["CONTENT_DIR"]) / question_import.bank_path(bank)
        fallback = file.read_text(encoding="utf-8") if question_import.check_bank_name(bank) is None and file.is_file() else None
        content, warnings = question_import.export_bank(get_session(), bank, fmt, fallback)
    except FileRefused as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    for warning in warnings:
        click.echo(f"警告：{warning}", err=True)
    if output is not None:
        output.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    elif isinstance(content, bytes):
        click.echo("Excel 文件请用 --output 写入文件 (use --output for xlsx)", err=True)
        sys.exit(1)
    else:
        click.echo(content, nl=False)


def init_app(app: Flask) -> None:
    for command in (db_group, create_user, seed_demo_command, seed_scale_command, check_content, import_content, export_xapi,
                    send_reminders_command, import_questions, export_questions, refresh_targets_command,
                    rebuild_weeks_command):
        app.cli.add_command(command)
