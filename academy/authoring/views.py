"""The trainer workspace (/authoring): quizzes, lessons and modules edited in the browser as Quiz Markdown or
Markdown, previewed live, tried as a trainee, published as numbered revisions (academy.authoring.store).

Trainers and admins only.  A trainer edits what they created or were granted, and every document from the files
that has no owner; admins edit everything and grant.  Every change is audited by the store."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from academy.authoring import archiving, forms, starters, store
from academy.authoring.access import require_editable
from academy.authoring.preview import run_trial, trial_attempt
from academy.learning.content.catalog import Checked, check_source, get_catalog, recheck_now
from academy.learning.quizzes import layout
from academy.learning.quizzes.responses import BadAnswer
from academy.learning.quizzes.views_support import TakeView
from academy.learning.roleplay.queue import review_queue
from academy.org.models import User, utcnow
from academy.platform.access import requires
from academy.platform.db import get_session, writes
from academy.platform.web import render_error

bp = Blueprint("authoring", __name__, url_prefix="/authoring")
EDITORS = ("trainer", "admin")
STATUS_LABELS = {"published": "已发布", "draft": "草稿", "conflict": "文件冲突", "archived": "已归档"}

def _known_path(path: str) -> str:
    if store.kind_of(path) is None:
        abort(404)
    return path


def _editable(path: str) -> str:
    """The path, if this user may edit it (403 with the reason otherwise)."""
    _known_path(path)
    require_editable(path, _("你不能编辑这个文档：培训师只能编辑自己创建的、被授权的，或来自内容文件的文档。"))
    return path


def _checked(path: str) -> Checked:
    """The document as the editor would open it, checked: the catalog's already parsed version when there is no
    draft (pages stay fast), else the draft (or an archived version) parsed now."""
    db, catalog = get_session(), get_catalog()
    draft = store.draft_source(db, path)
    if draft is None:
        parsed = _in_catalog(catalog, path)
        if parsed is not None:
            return Checked(store.kind_of(path), parsed, tuple(p for p in catalog.problems if p.path == path))
    return check_source(catalog, path, draft if draft is not None else _existing_source(path))


def _in_catalog(catalog, path: str):
    kind = store.kind_of(path)
    if kind == "quiz":
        return next((q for q in catalog.quizzes if q.path == path), None)
    if kind == "lesson":
        return next((lesson for lesson in catalog.lessons.values() if lesson.path == path), None)
    if kind == "module":
        return next((m.intro_html for m in catalog.modules if m.path == path), None)
    return None


def _existing_source(path: str) -> str:
    source = store.working_source(get_session(), path)
    if source is None:
        abort(404)
    return source


def _refused(exc: store.StoreError, status: int = 422):
    get_session().rollback()
    return render_error(status, str(exc))


@bp.route("/")
@requires(*EDITORS)
def home():
    db = get_session()
    rows = store.listing(db, current_user, get_catalog())
    waiting = len(review_queue(db, current_user))
    return render_template("authoring/home.html", rows=rows, waiting=waiting, labels=STATUS_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@requires(*EDITORS)
@writes
def new_quiz():
    catalog = get_catalog()
    form = forms.NewQuizForm()
    form.course.choices = [SelectChoice("", _("（不属于模块）"))] + [SelectChoice(m.id, m.title) for m in catalog.modules]
    if not form.validate_on_submit():
        return render_template("authoring/new.html", form=form), 422 if form.is_submitted() else 200
    quiz_id = form.quiz_id.data
    source = starters.quiz(quiz_id, form.title.data.strip(), form.course.data or "")
    if not form.course.data:
        source = source.replace("course: \n", "")
    db = get_session()
    try:
        store.create(db, current_user.id, f"quizzes/{quiz_id}.md", source, catalog=catalog)
    except store.StoreError as exc:
        db.rollback()
        form.quiz_id.errors.append(str(exc))
        return render_template("authoring/new.html", form=form), 422
    db.commit()
    flash(_("已创建草稿，学员在发布前看不到它。"), "success")
    return redirect(url_for("authoring.edit", path=f"quizzes/{quiz_id}.md"))


@bp.route("/new-lesson", methods=["GET", "POST"])
@requires(*EDITORS)
@writes
def new_lesson():
    catalog = get_catalog()
    form = forms.NewLessonForm()
    form.module.choices = [SelectChoice(m.path.split("/")[1], m.title) for m in catalog.modules]
    if not form.validate_on_submit():
        return render_template("authoring/new_lesson.html", form=form), 422 if form.is_submitted() else 200
    path = f"courses/{form.module.data}/{form.slug.data}.md"
    source = starters.lesson(form.lesson_id.data, form.title.data.strip(), int(form.slug.data[:2]))
    db = get_session()
    try:
        store.create(db, current_user.id, path, source, catalog=catalog)
    except store.StoreError as exc:
        db.rollback()
        form.slug.errors.append(str(exc))
        return render_template("authoring/new_lesson.html", form=form), 422
    db.commit()
    flash(_("已创建草稿，学员在发布前看不到它。"), "success")
    return redirect(url_for("authoring.edit", path=path))


@bp.route("/doc/<path:path>")
@requires(*EDITORS)
def document(path: str):
    db = get_session()
    _known_path(path)
    doc = store.document(db, path)
    checked = _checked(path)
    return render_template(
        "authoring/document.html", path=path, doc=doc, kind=store.kind_of(path), checked=checked,
        published=store.published_revision(db, doc), conflict=store.in_conflict(db, doc) if doc else None,
        editable=store.may_edit(db, current_user, path), grants=store.grants(db, doc),
        duplicate_form=forms.DuplicateForm(), grant_form=forms.GrantForm(), labels=STATUS_LABELS)


@bp.route("/edit/<path:path>", methods=["GET", "POST"])
@requires(*EDITORS)
@writes
def edit(path: str):
    """The source editor.  Save keeps a draft; 预览 (without JavaScript) renders the preview on this page."""
    _editable(path)
    db = get_session()
    form = forms.SourceForm()
    if request.method == "GET":
        form.source.data = _existing_source(path)
    elif not form.validate_on_submit():
        return _editor(path, form, None, 422)
    elif request.form.get("action") == "preview":
        return _editor(path, form, _preview(path, form.source.data))
    else:
        try:
            store.save_draft(db, current_user.id, path, form.source.data, reason=form.note.data or "")
        except store.StoreError as exc:
            db.rollback()
            form.source.errors.append(str(exc))
            return _editor(path, form, None, 422)
        db.commit()
        flash(_("草稿已保存。学员在发布前看不到它。"), "success")
        return redirect(url_for("authoring.edit", path=path))
    return _editor(path, form, _preview(path, form.source.data))


def _editor(path: str, form, preview, status: int = 200):
    doc = store.document(get_session(), path)
    return render_template("authoring/edit.html", path=path, form=form, preview=preview, doc=doc,
                           kind=store.kind_of(path)), status


def _preview(path: str, source: str) -> dict:
    """What the preview fragment shows: the rendered document and every problem with its line."""
    checked = check_source(get_catalog(), path, source or "")
    quiz = layout.drawn(checked.parsed, 0) if checked.kind == "quiz" and checked.parsed else checked.parsed
    view = TakeView(quiz, trial_attempt(0, {}), utcnow()) if checked.kind in ("quiz", "bank") and quiz else None
    return {"checked": checked, "view": view, "quiz": quiz}


@bp.route("/preview", methods=["POST"])
@requires(*EDITORS)
def preview():
    """The live preview (authoring.js posts the editor's form here): an HTML fragment, nothing saved."""
    path = _known_path(request.form.get("path", ""))
    source = request.form.get("source", "")
    if len(source) > store.MAX_SOURCE_CHARS:
        return render_error(413, _("内容太长。"))
    return render_template("authoring/_preview.html", preview=_preview(path, source), path=path)


@bp.route("/publish/<path:path>", methods=["POST"])
@requires(*EDITORS)
@writes
def publish(path: str):
    _editable(path)
    db = get_session()
    note = request.form.get("note", "")[:400]
    try:
        if "source" in request.form:  # 保存并发布 from the editor
            store.save_draft(db, current_user.id, path, request.form["source"], reason=note)
        rev = store.publish(db, current_user.id, path, reason=note, catalog=get_catalog())
    except store.NotPublishable as exc:
        db.rollback()
        return render_template("authoring/refused.html", path=path, problems=exc.problems), 422
    except store.StoreError as exc:
        return _refused(exc)
    db.commit()
    recheck_now()
    flash(_("已发布为第 %(n)s 版，学员现在看到的是这一版。", n=rev.number), "success")
    return redirect(url_for("authoring.document", path=path))


@bp.route("/discard/<path:path>", methods=["POST"])
@requires(*EDITORS)
@writes
def discard(path: str):
    _editable(path)
    db = get_session()
    store.discard_draft(db, current_user.id, path)
    db.commit()
    flash(_("草稿已放弃。"), "success")
    return redirect(url_for("authoring.document", path=path))


@bp.route("/archive/<path:path>", methods=["POST"])
@requires(*EDITORS)
@writes
def archive(path: str):
    _editable(path)
    db = get_session()
    archived = request.form.get("archived") != "0"
    try:
        archiving.set_archived(db, current_user.id, path, archived, get_catalog(), reason=request.form.get("reason", "")[:400])
    except archiving.StillNeeded as exc:
        return _refused(exc, 409)
    except store.StoreError as exc:
        return _refused(exc, 404)
    db.commit()
    recheck_now()
    flash(_("已归档：学员看不到它了。") if archived else _("已取消归档。"), "success")
    return redirect(url_for("authoring.document", path=path))


@bp.route("/duplicate/<path:path>", methods=["POST"])
@requires(*EDITORS)
@writes
def duplicate(path: str):
    _known_path(path)
    db = get_session()
    form = forms.DuplicateForm()
    if not form.validate_on_submit():
        return render_error(422, "；".join(str(e) for e in form.new_id.errors) or _("请输入新的 id。"))
    if store.working_source(db, path) is None:
        abort(404)
    try:
        doc = store.duplicate(db, current_user.id, path, form.new_id.data, catalog=get_catalog())
    except store.StoreError as exc:
        return _refused(exc)
    db.commit()
    flash(_("已复制为草稿。"), "success")
    return redirect(url_for("authoring.edit", path=doc.path))


@bp.route("/options/<path:path>", methods=["GET", "POST"])
@requires(*EDITORS)
@writes
def options(path: str):
    """The quiz's options as a form; saving rewrites the front matter of the draft, nothing else."""
    _editable(path)
    if store.kind_of(path) != "quiz":
        abort(404)
    db = get_session()
    form = forms.OptionsForm()
    if request.method == "GET":
        checked = _checked(path)
        if checked.parsed is None:
            flash(_("源文本有错误，请先在源文本编辑器中修正。"), "error")
            return redirect(url_for("authoring.edit", path=path))
        form.fill_from(checked.parsed)
        return render_template("authoring/options.html", path=path, form=form)
    if not form.validate_on_submit():
        return render_template("authoring/options.html", path=path, form=form), 422
    try:
        source = store.set_front_matter(_existing_source(path), form.front_matter())
        store.save_draft(db, current_user.id, path, source, reason="选项")
    except store.StoreError as exc:
        return _refused(exc)
    db.commit()
    flash(_("选项已写入草稿。发布后学员才会看到。"), "success")
    return redirect(url_for("authoring.document", path=path))


@bp.route("/try/<path:path>", methods=["GET", "POST"])
@requires(*EDITORS)
def try_quiz(path: str):
    """Take the quiz from its draft as a trainee would; nothing is recorded (this view does not even write)."""
    if store.kind_of(_known_path(path)) != "quiz":
        abort(404)
    checked = _checked(path)
    if checked.parsed is None:
        return render_template("authoring/refused.html", path=path, problems=checked.errors), 422
    try:
        trial = run_trial(checked.parsed, request.form if request.method == "POST" else None)
    except BadAnswer as exc:
        return render_error(422, str(exc))
    if trial.grading is None:
        return render_template("authoring/try.html", path=path, quiz=trial.quiz, view=trial.take_view, trial=trial)
    return render_template("authoring/try_result.html", path=path, quiz=trial.quiz, view=trial.result_view(get_catalog()),
                           grading=trial.grading)


@bp.route("/history/<path:path>")
@requires(*EDITORS)
def history(path: str):
    db = get_session()
    doc = store.document(db, _known_path(path)) or abort(404)
    return render_template("authoring/history.html", path=path, doc=doc, revisions=store.history(db, doc),
                           editable=store.may_edit(db, current_user, path))


@bp.route("/revision/<path:path>/<int:number>")
@requires(*EDITORS)
def revision(path: str, number: int):
    db = get_session()
    doc = store.document(db, _known_path(path)) or abort(404)
    rev = store.revision(db, doc, number) or abort(404)
    return render_template("authoring/revision.html", path=path, doc=doc, rev=rev, editable=store.may_edit(db, current_user, path))


@bp.route("/restore/<path:path>/<int:number>", methods=["POST"])
@requires(*EDITORS)
@writes
def restore(path: str, number: int):
    _editable(path)
    db = get_session()
    try:
        store.restore(db, current_user.id, path, number)
    except store.StoreError as exc:
        return _refused(exc, 404)
    db.commit()
    flash(_("已把第 %(n)s 版放入草稿，检查后发布。", n=number), "success")
    return redirect(url_for("authoring.edit", path=path))


@bp.route("/export/<path:path>")
@requires(*EDITORS)
def export(path: str):
    """The document's Quiz Markdown (or Markdown) as a download: the draft with ?draft=1, else the published one."""
    db = get_session()
    _known_path(path)
    source = store.draft_source(db, path) if request.args.get("draft") == "1" else None
    source = source if source is not None else store.published_source(db, path)
    if source is None:
        source = store.working_source(db, path)
    if source is None:
        abort(404)
    name = path.rpartition("/")[2]
    return Response(source, mimetype="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/grant/<path:path>", methods=["POST"])
@requires("admin")
@writes
def grant(path: str):
    _known_path(path)
    db = get_session()
    form = forms.GrantForm()
    if not form.validate_on_submit():
        return render_error(422, _("请输入培训师用户名。"))
    user = db.scalar(select(User).where(User.username == form.username.data.strip()))
    if user is None:
        return render_error(422, _("没有这个用户。"))
    try:
        if request.form.get("revoke") == "1":
            store.revoke(db, current_user.id, path, user)
        else:
            store.grant(db, current_user.id, path, user)
    except store.StoreError as exc:
        return _refused(exc)
    db.commit()
    flash(_("授权已更新。"), "success")
    return redirect(url_for("authoring.document", path=path))
