"""The form editor (/authoring/items): trainers fix and add single, multiple, truefalse, ordering, matching and
classify items of a quiz draft in forms instead of Quiz Markdown, fix the sub-questions of a 情景 (scenario) the
same way, and delete items.  Saving writes the item's block into the draft (academy.authoring.itemforms.services,
through the content store); publishing stays on the quiz's page."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from academy.authoring import store
from academy.authoring.access import require_editable
from academy.authoring.itemforms import services
from academy.authoring.itemforms.forms import FORMS, apply_action
from academy.learning.questions import TYPES
from academy.platform.access import requires
from academy.platform.db import get_session, writes
from academy.platform.web import render_error

bp = Blueprint("item_editor", __name__, url_prefix="/authoring/items")
EDITORS = ("trainer", "admin")


def _may_edit(path: str) -> None:
    if not services.is_quiz_path(path) or services.quiz_source(get_session(), path) is None:
        abort(404)
    require_editable(path, _("你不能编辑这个测验：培训师只能编辑自己创建的、被授权的，或来自内容文件的测验。"))


def _form(type_name: str, **kwargs):
    writer = TYPES[type_name].writer
    return FORMS[writer.form](writer=writer, **kwargs)


@bp.route("/<path:path>/<item_id>/edit", methods=["GET", "POST"])
@requires(*EDITORS)
@writes
def edit(path: str, item_id: str):
    _may_edit(path)
    opened = services.open_item(get_session(), path, item_id)
    if opened is None:
        abort(404)
    return _handle(opened)


@bp.route("/<path:path>/<item_id>/parts/<part_id>/edit", methods=["GET", "POST"])
@requires(*EDITORS)
@writes
def edit_part(path: str, item_id: str, part_id: str):
    """A sub-question of a 情景 (scenario), in the form of its own type."""
    _may_edit(path)
    opened = services.open_part(get_session(), path, item_id, part_id)
    if opened is None:
        abort(404)
    return _handle(opened)


@bp.route("/<path:path>/new", methods=["GET", "POST"])
@requires(*EDITORS)
@writes
def new(path: str):
    _may_edit(path)
    opened = services.new_item(get_session(), path, request.values.get("type", ""))
    if opened is None:
        return render_error(404, _("表单编辑器只能新建单选、多选、判断、排序、匹配和分类题。"))
    return _handle(opened)


@bp.route("/<path:path>/<item_id>/delete", methods=["GET", "POST"])
@requires(*EDITORS)
@writes
def delete(path: str, item_id: str):
    """GET asks to confirm (the item's title and type); the POST of that page (CSRF) deletes it from the draft."""
    _may_edit(path)
    session = get_session()
    found = services.item_to_delete(session, path, item_id)
    if found is None:
        abort(404)
    if request.method == "GET":
        return render_template("authoring/item_delete.html", path=path, item=found, problems=[])
    try:
        services.delete_item(session, current_user.id, path, item_id, base=request.form.get("base", ""))
    except (services.Rejected, store.StoreError) as exc:
        session.rollback()
        return render_template("authoring/item_delete.html", path=path, item=found,
                               problems=getattr(exc, "problems", [str(exc)])), 422
    session.commit()
    flash(_("题目 %(id)s 已从草稿中删除。发布后学员才会看到变化。", id=item_id), "success")
    return redirect(url_for("authoring.document", path=path))


def _handle(opened: services.Opened):
    """GET shows the item; a row button re-shows the form with the row added, removed or moved; 保存 writes."""
    if request.method == "GET":
        return _page(opened, _form(opened.type, formdata=None, data=FORMS[TYPES[opened.type].writer.form].values(opened.data)))
    form = _form(opened.type)
    action = request.form.get("action", "save")
    if action not in ("save", "save-stay"):
        data, message = apply_action(form.to_data(drop_blank_rows=False), action, form.lists)
        shown = _form(opened.type, formdata=None, data=type(form).values({**opened.data, **data}))
        if message:
            shown.form_errors.append(message)
        return _page(opened, shown, base=request.form.get("base", ""))
    if not form.validate():
        return _page(opened, form, 422, base=request.form.get("base", ""))
    session = get_session()
    try:
        saved = services.save_item(session, current_user.id, opened.path, opened.item_id, opened.type, form.to_data(),
                                   base=request.form.get("base", ""), part_of=opened.part_of)
    except (services.Rejected, store.StoreError) as exc:
        session.rollback()
        problems = getattr(exc, "problems", [str(exc)])
        form.form_errors.extend(problems)
        for name in getattr(exc, "fields", []):
            field = form._fields.get("item_id" if name == "id" else name)
            if field is not None:
                field.errors = [*field.errors, _("这一栏的内容会被读成别的结构，请改写。")]
        return _page(opened, form, 422, base=request.form.get("base", ""))
    session.commit()
    flash(_("题目已保存到草稿。学员在发布前看不到它。"), "success")
    if action == "save-stay":
        return redirect(form_url(opened, saved))
    return redirect(url_for("authoring.document", path=opened.path))


def form_url(opened: services.Opened, item_id: str | None = None) -> str:
    """Where the item's form posts (and, after 保存并继续, opens again under its saved id)."""
    item_id = item_id or opened.item_id
    if opened.part_of:
        return url_for("item_editor.edit_part", path=opened.path, item_id=opened.part_of, part_id=item_id)
    if item_id:
        return url_for("item_editor.edit", path=opened.path, item_id=item_id)
    return url_for("item_editor.new", path=opened.path, type=opened.type)


def _page(opened: services.Opened, form, status: int = 200, base: str | None = None):
    question_type = TYPES[opened.type]
    return render_template("authoring/item_form.html", form=form, opened=opened, path=opened.path, action=form_url(opened),
                           type_word=(question_type.aliases or (question_type.name,))[0],
                           base=opened.base if base is None else base), status


@bp.app_template_global("item_form_links")
def item_form_links(path: str) -> dict:
    """For the quiz page (templates/authoring/_item_forms.html): its items with 用表单编辑 links, and the types a
    new item can have."""
    source = services.quiz_source(get_session(), path) if services.is_quiz_path(path) else None
    return {"items": services.form_items(source), "types": services.form_types(), "quiz": source is not None}
