"""/authoring/import: upload a question file → preview every question with its problems → confirm → saved into
a bank (trainers and admins). The file waits server-side between preview and confirmation (import_stash)."""
import io
import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from academy.authoring import import_stash, question_import
from academy.authoring.formats import MAX_BYTES, FileRefused, xlsx
from academy.learning.content.catalog import get_catalog, recheck_now
from academy.learning.questions import TYPES
from academy.platform.access import requires
from academy.platform.db import get_session, writes

bp = Blueprint("question_import", __name__, url_prefix="/authoring/import")
ACCEPT = ".gift,.txt,.xml,.xlsx,.md,.json"


class UploadForm(FlaskForm):
    bank = StringField(_l("题库名"), validators=[DataRequired(_l("请填写题库名。")), Length(max=60)])
    file = FileField(_l("题目文件"), validators=[FileRequired(_l("请选择要上传的文件。"))])


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Length(max=64)])


EXPORT_TYPES = {"json": ("application/json; charset=utf-8", "json"), "md": ("text/markdown; charset=utf-8", "md"),
                "gift": ("text/plain; charset=utf-8", "gift.txt"), "xlsx": (xlsx.MIMETYPE, "xlsx")}


def _page(form, status: int = 200, **context):
    catalog = get_catalog()
    return render_template("authoring/import.html", form=form, max_mb=MAX_BYTES // 1024 // 1024, accept=ACCEPT,
                           banks=catalog.banks, quizzes=catalog.quizzes,
                           type_words={name: (t.aliases or (name,))[0] for name, t in TYPES.items()}, **context), status


def _may_import(session, name: str) -> bool:
    return question_import.may_import(session, current_user, name)


@bp.route("", methods=["GET"])
@requires("trainer", "admin")
def upload():
    return _page(UploadForm(formdata=None))


@bp.route("", methods=["POST"])
@requires("trainer", "admin")
@writes
def preview():
    """Parse and check the whole file; keep it for the confirmation only when it would import cleanly."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    session, name = get_session(), form.bank.data.strip()
    data = form.file.data.read(MAX_BYTES + 1)
    filename = form.file.data.filename or ""
    try:
        if question_import.check_bank_name(name) is None and not _may_import(session, name):
            return _page(form, 403, file_error=_("你没有编辑题库“%(name)s”的权限。", name=name))
        plan = question_import.plan(session, name, data, filename)
    except FileRefused as exc:
        return _page(form, 422, file_error=str(exc))
    token = import_stash.keep(session, current_user.id, name, filename, data) if plan.ok and plan.parsed.questions else None
    session.commit()
    return _page(form, 200 if token else 422, plan=plan, confirm=ConfirmForm(formdata=None, token=token) if token else None)


@bp.route("/confirm", methods=["POST"])
@requires("trainer", "admin")
@writes
def confirm():
    form, session = ConfirmForm(), get_session()
    if not form.validate_on_submit():
        return _page(UploadForm(formdata=None), 422, file_error=_("确认表单无效，请重新上传文件。"))
    try:
        row = import_stash.find(session, current_user.id, form.token.data)
    except import_stash.StashGone:
        return _page(UploadForm(formdata=None), 410, file_error=_("这次导入已完成或已过期（预览后 1 小时内有效），请重新上传文件。"))
    name, filename = row.bank, row.filename
    try:
        if not _may_import(session, name):
            abort(403)
        plan = question_import.plan(session, name, row.data, filename)
        count = question_import.save(session, current_user.id, plan)
    except FileRefused as exc:
        session.rollback()
        return _page(UploadForm(formdata=None), 422, file_error=str(exc))
    except question_import.ImportRejected as exc:
        session.rollback()
        return _page(UploadForm(formdata=None), 422, file_error=_("没有导入任何题目。"), rejected=exc.problems)
    import_stash.drop(session, row)
    session.commit()
    recheck_now()  # this process shows the published bank at once (the others within CONTENT_RECHECK_SECONDS)
    flash(_("已导入 %(n)s 道题到题库“%(name)s”并发布。", n=count, name=name), "success")
    return redirect(url_for("question_import.upload"))


@bp.route("/template.xlsx", methods=["GET"])
@requires("trainer", "admin")
def template():
    response = send_file(io.BytesIO(xlsx.template()), as_attachment=True, download_name=_("题目导入模板.xlsx"),
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/export", methods=["GET"])
@requires("trainer", "admin")
def export():
    """A published quiz or bank as JSON, Quiz Markdown, GIFT (as far as GIFT can say it) or the Excel template. What
    the format cannot say is listed at the top of a GIFT file and under "left_out" in JSON."""
    catalog, fmt = get_catalog(), request.args.get("format", "")
    kind, _sep, name = request.args.get("item", "")[:90].partition(":")
    found = catalog.bank(name) if kind == "bank" else catalog.quiz(name) if kind == "quiz" else None
    if fmt not in EXPORT_TYPES:
        return _page(UploadForm(formdata=None), 400, file_error=_("不支持的导出格式。"))
    if found is None:
        abort(404)
    content, warnings = question_import.export_quiz(found, fmt)
    if fmt == "gift" and warnings:
        content = "".join(f"// 未能导出：{w}\n" for w in warnings) + "\n" + content
    elif fmt == "json" and warnings:
        content = content.rstrip().removesuffix("}") + ',\n  "left_out": ' + json.dumps(warnings, ensure_ascii=False) + "\n}\n"
    mimetype, suffix = EXPORT_TYPES[fmt]
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={found.id}.{suffix}"
    response.headers["Cache-Control"] = "no-store"
    return response
