"""Admin pages: users, 片区/团队 and bulk import."""
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from academy.org import audit
from academy.org.admin import bulk_import, forms, handouts, services
from academy.org.admin.importer import (
    COLUMN_LABELS,
    MAX_ROWS,
    ImportFileError,
    parse_upload,
)
from academy.org.models import Region, Team, User
from academy.platform.access import requires
from academy.platform.db import get_session, writes

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _get_or_404(model, object_id: int):
    return get_session().get(model, object_id) or abort(404)


def _reject(form, exc: services.AdminRejected) -> None:
    """Roll back and copy the service's reasons onto the form fields."""
    get_session().rollback()
    for name, message in exc.reasons:
        field = getattr(form, name, None) if name else None
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors = [*form.form_errors, message]


# ---- users ------------------------------------------------------------------------------

def _users_page(error: str | None = None, status: int = 200):
    q = request.args.get("q", "")
    listing = services.list_users(get_session(), q)
    return render_template("admin/users.html", listing=listing, q=q, error=error,
                           role_labels=services.ROLE_NAMES), status


@bp.route("/users")
@requires("admin")
def users():
    return _users_page()


def _user_form(form_class, user: User | None):
    form = form_class(data=forms.user_form_data(user) if user else None)
    session = get_session()
    form.set_choices(services.team_choices(session, user.team_id if user else None),
                     services.scope_choices(session))
    return form


def _user_page(form, user: User | None):
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user_form.html", form=form, user=user), status


@bp.route("/users/new", methods=["GET", "POST"])
@requires("admin")
@writes
def user_new():
    form = _user_form(forms.NewUserForm, None)
    if not form.validate_on_submit():
        return _user_page(form, None)
    try:
        user = services.create_user(get_session(), form.to_data())
    except services.AdminRejected as exc:
        _reject(form, exc)
        return _user_page(form, None)
    get_session().commit()
    flash(_("已创建用户“%(name)s”。", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires("admin")
@writes
def user_edit(user_id: int):
    user = _get_or_404(User, user_id)
    form = _user_form(forms.UserForm, user)
    if not form.validate_on_submit():
        return _user_page(form, user)
    try:
        services.update_user(get_session(), user, form.to_data(), current_user.id)
    except services.AdminRejected as exc:
        _reject(form, exc)
        return _user_page(form, user)
    get_session().commit()
    flash(_("已保存用户“%(name)s”。", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@requires("admin")
@writes
def user_deactivate(user_id: int):
    user = _get_or_404(User, user_id)
    try:
        services.deactivate_user(get_session(), user, current_user.id)
    except services.AdminRejected as exc:
        get_session().rollback()
        return _users_page(error=str(exc), status=422)
    get_session().commit()
    flash(_("已停用用户“%(name)s”，其所有登录已失效。", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@requires("admin")
@writes
def user_reset_password(user_id: int):
    """Rendered, not redirected: the one-time password is shown this once and stored nowhere in clear."""
    user = _get_or_404(User, user_id)
    try:
        password = services.reset_password(get_session(), user, current_user.id)
    except services.AdminRejected as exc:
        get_session().rollback()
        return _users_page(error=str(exc), status=422)
    get_session().commit()
    return render_template("admin/password_reset.html", user=user, password=password)


# ---- 片区 and 团队 -----------------------------------------------------------------------

def _org_page(status: int = 200, edited: tuple | None = None, region_form=None, team_form=None):
    """The org page; a form that failed validation replaces its fresh counterpart.

    :param edited: (prefix, form) of a rename form that was rejected.
    """
    session = get_session()
    regions = services.org_overview(session)
    region_form = region_form or forms.RegionForm(formdata=None, prefix=forms.NEW_REGION)
    team_form = team_form or forms.TeamForm(formdata=None, prefix=forms.NEW_TEAM)
    team_form.region_id.choices = forms.region_choices(services.active_regions(session))
    edit_forms = {f"region-{r.id}": forms.RegionEditForm(formdata=None, prefix=f"region-{r.id}", obj=r)
                  for r in regions}
    edit_forms |= {f"team-{t.id}": forms.TeamEditForm(formdata=None, prefix=f"team-{t.id}", obj=t)
                   for r in regions for t in r.teams}
    if edited is not None:
        edit_forms[edited[0]] = edited[1]
    return render_template("admin/org.html", regions=regions, region_form=region_form,
                           team_form=team_form, edit_forms=edit_forms), status


@bp.route("/org")
@requires("admin")
def org():
    return _org_page()


def _org_saved(message: str):
    get_session().commit()
    flash(message, "success")
    return redirect(url_for("admin.org"))


@bp.route("/regions", methods=["POST"])
@requires("admin")
@writes
def region_new():
    form = forms.RegionForm(prefix=forms.NEW_REGION)
    if not form.validate_on_submit():
        return _org_page(422, region_form=form)
    try:
        region = services.create_region(get_session(), form.name.data)
    except services.AdminRejected as exc:
        _reject(form, exc)
        return _org_page(422, region_form=form)
    return _org_saved(_("已创建片区“%(name)s”。", name=region.name))


@bp.route("/teams", methods=["POST"])
@requires("admin")
@writes
def team_new():
    form = forms.TeamForm(prefix=forms.NEW_TEAM)
    form.region_id.choices = forms.region_choices(services.active_regions(get_session()))
    if not form.validate_on_submit():
        return _org_page(422, team_form=form)
    try:
        team = services.create_team(get_session(), form.region_id.data, form.name.data)
    except services.AdminRejected as exc:
        _reject(form, exc)
        return _org_page(422, team_form=form)
    return _org_saved(_("已在片区“%(region)s”创建团队“%(name)s”。", region=team.region.name, name=team.name))


def _edit_org_unit(model, unit_id: int, form_class, update, noun: str):
    """Rename or (de)activate one 片区 or team from its inline form on the org page."""
    unit = _get_or_404(model, unit_id)
    prefix = f"{model.__tablename__}-{unit_id}"
    form = form_class(prefix=prefix)
    if not form.validate_on_submit():
        return _org_page(422, edited=(prefix, form))
    try:
        update(get_session(), unit, form.name.data, form.active.data)
    except services.AdminRejected as exc:
        _reject(form, exc)
        return _org_page(422, edited=(prefix, form))
    return _org_saved(_("已保存%(noun)s“%(name)s”。", noun=noun, name=unit.name))


@bp.route("/regions/<int:region_id>", methods=["POST"])
@requires("admin")
@writes
def region_edit(region_id: int):
    return _edit_org_unit(Region, region_id, forms.RegionEditForm, services.update_region, _l("片区"))


@bp.route("/teams/<int:team_id>", methods=["POST"])
@requires("admin")
@writes
def team_edit(team_id: int):
    return _edit_org_unit(Team, team_id, forms.TeamEditForm, services.update_team, _l("团队"))


# ---- bulk import ------------------------------------------------------------------------

def _import_page(form, status: int = 200, **context):
    return render_template("admin/import.html", form=form, columns=COLUMN_LABELS,
                           max_rows=MAX_ROWS, **context), status


@bp.route("/import", methods=["GET", "POST"])
@requires("admin")
@writes
def user_import():
    """Import all rows or none. The result page offers the generated passwords as one download (an XLSX
    file, kept server-side only until it is downloaded) instead of showing them."""
    form = forms.ImportForm()
    if not form.validate_on_submit():
        return _import_page(form, 422 if form.is_submitted() else 200)
    upload = form.file.data
    try:
        rows = parse_upload(upload.read(), upload.filename or "")
        outcome = bulk_import.import_with_handout(get_session(), rows, current_user.id)
    except ImportFileError as exc:
        return _import_page(form, 422, file_error=str(exc))
    except bulk_import.ImportRejected as exc:
        return _import_page(form, 422, problems=exc.problems)
    except services.AdminRejected as exc:
        get_session().rollback()
        return _import_page(form, 422, file_error=str(exc))
    get_session().commit()
    return render_template("admin/import_result.html", outcome=outcome,
                           lifetime_hours=int(handouts.HANDOUT_LIFETIME.total_seconds() // 3600))


@bp.route("/import/passwords/<token>", methods=["POST"])
@requires("admin")
@writes
def import_passwords(token: str):
    """The import's one-time passwords as an XLSX file, once (a POST: no prefetch or link scanner spends it)."""
    try:
        rows = handouts.take(get_session(), current_user.id, token)
    except handouts.HandoutGone as exc:
        get_session().commit()  # the only change is the purge of expired passwords
        return _import_page(forms.ImportForm(formdata=None), 410, download_error=str(exc))
    data = handouts.spreadsheet(rows)
    get_session().commit()
    response = send_file(io.BytesIO(data), as_attachment=True, download_name=_("初始密码.xlsx"),
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- content ----------------------------------------------------------------------------


# ---- audit log ---------------------------------------------------------------------------

@bp.route("/audit")
@requires("admin")
def audit_log():
    action = request.args.get("action", "")[:40]
    page = request.args.get("page", 1, type=int) or 1
    entries, pages = audit.audit_page(get_session(), action, min(max(page, 1), 10**6))
    return render_template("admin/audit.html", entries=entries, pages=pages, page=min(max(page, 1), pages), action=action)
