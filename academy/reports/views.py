"""Manager reports at /reports (issue 16): team overview, learners, competency and 商机阶段 readiness, one
learner's drill-down (where a manager records a 1:1 coaching note), the coaching loop, and every report as XLSX
and CSV.  Managers see their regions and
teams (academy.org.scope), admins everyone.  The page state (filters, sort, page) is in the URL.
"""
from functools import wraps
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from academy.learning.content.catalog import get_catalog
from academy.org.coaching import services as coaching_notes
from academy.org.coaching.forms import CoachingNoteForm
from academy.org.models import utcnow
from academy.platform import clock
from academy.platform.access import requires
from academy.platform.db import get_session, streams, writes
from academy.platform.exports import CSV_MIMETYPE, XLSX_MIMETYPE, csv_stream, xlsx_stream
from academy.platform.web import render_error
from academy.reports import charts, filters, services, sheets
from academy.reports import coaching as coaching_tab

bp = Blueprint("reports", __name__, url_prefix="/reports")
VIEWERS = ("manager", "admin")


def report_context() -> services.Context:
    catalog = get_catalog().trainee_view  # what learners can complete is what they are measured against
    state = filters.parse(request.args, {m.id for m in catalog.modules})
    return services.context(get_session(), current_user, state, catalog, utcnow())


def in_scope(view):
    """A region, team or learner the viewer may not see is a 404 with a message, never their data."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except services.NotInScope as exc:
            return render_error(404, str(exc))

    return wrapper


def page(template: str, ctx: services.Context, **values):
    return render_template(template, ctx=ctx, f=ctx.filters, charts=charts, waited=services.waited_label, **values)


@bp.route("/")
@requires(*VIEWERS)
@in_scope
def overview():
    ctx = report_context()
    return page("reports/overview.html", ctx, data=services.overview(ctx))


@bp.route("/learners")
@requires(*VIEWERS)
@in_scope
def learners():
    ctx = report_context()
    return page("reports/learners.html", ctx, data=services.learners(ctx))


@bp.route("/competency")
@requires(*VIEWERS)
@in_scope
def competency():
    ctx = report_context()
    people = services.learners(ctx)
    return page("reports/competency.html", ctx, competency=services.competency(ctx),
                stages=services.stages(ctx, people=people["rows"]), people=people)


def _learner_page(user_id: int, form: CoachingNoteForm, status: int = 200):
    ctx = report_context()
    return page("reports/learner.html", ctx, data=services.learner_detail(ctx, user_id), form=form), status


@bp.route("/learners/<int:user_id>")
@requires(*VIEWERS)
@in_scope
def learner(user_id: int):
    form = CoachingNoteForm()
    form.held_on.data = clock.today().isoformat()
    return _learner_page(user_id, form)


@bp.route("/learners/<int:user_id>/coaching", methods=["POST"])
@requires(*VIEWERS)
@in_scope
@writes
def record_coaching(user_id: int):
    """A 1:1 coaching note on this learner; refused with the form kept and the reason beside its field."""
    form = CoachingNoteForm()
    try:
        coaching_notes.record_note(get_session(), current_user, user_id, form.data_for_service(), clock.today())
    except coaching_notes.CoachingRejected as exc:
        get_session().rollback()
        if exc.status in (403, 404):
            return render_error(exc.status, exc.message)
        field = getattr(form, exc.field)  # every 422 names the field it is about
        field.errors = [*field.errors, exc.message]
        return _learner_page(user_id, form, exc.status)
    get_session().commit()
    flash(_("已记录这次辅导谈话；学员会在“辅导记录”里看到它。"), "success")
    return redirect(url_for("reports.learner", user_id=user_id, _anchor="coaching-h"))


@bp.route("/coaching-notes/<int:note_id>/delete", methods=["POST"])
@requires(*VIEWERS)
@writes
def delete_coaching(note_id: int):
    try:
        learner_id = coaching_notes.delete_note(get_session(), current_user, note_id)
    except coaching_notes.CoachingRejected as exc:
        get_session().rollback()
        return render_error(exc.status, exc.message)
    get_session().commit()
    flash(_("已删除这条辅导记录。"), "success")
    return redirect(url_for("reports.learner", user_id=learner_id, _anchor="coaching-h"))


@bp.route("/coaching")
@requires(*VIEWERS)
@in_scope
def coaching():
    ctx = report_context()
    return page("reports/coaching.html", ctx, data=coaching_tab.coaching(ctx))


def _closing(body, session):
    """The export's rows are read after the view returned, when the request's own teardown has already closed and
    forgotten its session; the reports' context still holds that session, which reopens a connection to read
    them, so close it when the body ends (else every streamed export kept a pooled connection)."""
    try:
        yield from body
    finally:
        session.close()


def _download(body, mimetype: str, filename: str, session) -> Response:
    response = Response(stream_with_context(_closing(body, session)), mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quoted(filename)}"
    response.headers["Cache-Control"] = "no-store"
    return response


def _quoted(filename: str) -> str:
    return quote(filename, safe="")


@bp.route("/export.xlsx")
@requires(*VIEWERS)
@in_scope
@streams
def export_xlsx():
    """Every report of this view (same filters) as one workbook, one sheet each."""
    ctx = report_context()
    return _download(xlsx_stream(sheets.workbook(ctx)), XLSX_MIMETYPE, _("团队学习报表") + ".xlsx", ctx.session)


@bp.route("/export/<name>.csv")
@requires(*VIEWERS)
@in_scope
@streams
def export_csv(name: str):
    if name not in sheets.REPORTS:
        return render_error(404, _("没有这份报表。"))
    ctx = report_context()
    title, header, rows = sheets.sheet(ctx, name)
    return _download((line.encode() for line in csv_stream(header, rows)), CSV_MIMETYPE, title + ".csv", ctx.session)


def report_url(endpoint: str, f: filters.Filters, **changes) -> str:
    """A report URL keeping this page's state, with changes (filter names: team, region, module, sort,
    descending, status, page; anything else is a URL value of the endpoint, e.g. name= of a CSV)."""
    state = {filters.ALIASES.get(key, key): value for key, value in changes.items() if filters.ALIASES.get(key, key) in filters.FIELDS}
    values = {key: value for key, value in changes.items() if filters.ALIASES.get(key, key) not in filters.FIELDS}
    return url_for(endpoint, **values, **f.args(**state))


bp.add_app_template_global(report_url, "report_url")
bp.add_app_template_filter(charts.percent, "percent")
