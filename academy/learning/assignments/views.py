"""/assignments: managers (within their scope) and admins assign modules, quizzes and 商机阶段 drills with due
dates, follow each learner's status, change the due date or cancel; /drills/<id>: a learner's stage drill."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from academy.learning.assignments import services, targets
from academy.learning.assignments.status import (
    STATUS_LABELS,
    STATUSES,
    assignment_status_rows,
    status_counts,
)
from academy.learning.content.catalog import get_catalog
from academy.learning.courses.services import learner_progress
from academy.platform import clock
from academy.platform.access import ANY_USER, requires
from academy.platform.db import get_session, writes
from academy.platform.web import render_error

bp = Blueprint("assignments", __name__)

MANAGERS = ("manager", "admin")
KIND_LABELS = {"module": _l("模块"), "quiz": _l("测验"), "stage": _l("商机阶段演练")}
GROUP_LABELS = {"region": _l("片区"), "team": _l("团队"), "user": _l("人员")}


def today() -> date:
    """Due dates are the organisation's days: an assignment is overdue from midnight on its clock."""
    return clock.today()


class DueForm(FlaskForm):
    due_on = StringField(_l("截止日期"), render_kw={"type": "date"})
    note = TextAreaField(_l("备注（可选，如“客户项目已进入招标阶段”）"), render_kw={"maxlength": services.MAX_NOTE, "rows": 2})

    def check_date(self) -> date | None:
        due = clock.parse_day(self.due_on.data)
        if due is None:
            self.due_on.errors = [*self.due_on.errors, _("日期格式应为 YYYY-MM-DD，例如 2027-01-31。")]
        return due


class AssignForm(DueForm):
    target = SelectField(_l("学习内容"), validate_choice=False)
    assignee = SelectField(_l("分配给"), validate_choice=False)

    def set_choices(self, catalog, assignees: services.AssigneeChoices) -> None:
        self.target.choices = [SelectChoice(v, label, optgroup=str(KIND_LABELS[group]))
                               for v, label, group in targets.choices(catalog)]
        self.assignee.choices = [SelectChoice(v, label, optgroup=str(GROUP_LABELS[group]))
                                 for group, options in assignees.groups.items() for v, label in options]


def _assignee_choices() -> services.AssigneeChoices:
    """The picker's choices; people by the search `q` in the URL (a plain GET form: no script needed)."""
    return services.assignee_choices(get_session(), current_user, request.args.get("q", ""))


def _catalog():
    return get_catalog().trainee_view


def _form_error(form, exc: services.AssignmentRejected) -> None:
    get_session().rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors = [*form.form_errors, exc.message]


def _index_page(form: AssignForm, people: services.AssigneeChoices, status_code: int = 200):
    session, catalog = get_session(), _catalog()
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    assignments = services.visible_assignments(session, current_user, include_cancelled=bool(request.args.get("cancelled")))
    counts = status_counts(session, current_user, catalog, today(),
                           [a.id for a in assignments if a.cancelled_at is None])
    overdue = assignment_status_rows(session, current_user, catalog, today(), status="overdue", limit=500) if status == "overdue" else []
    return render_template("assignments/index.html", form=form, assignments=assignments, counts=counts,
                           names=services.assignee_names(session, assignments), catalog=catalog, title=targets.title,
                           kind_labels=KIND_LABELS, status_labels=STATUS_LABELS, statuses=STATUSES, overdue=overdue,
                           status=status, today=today(), people=people, max_query=services.MAX_QUERY), status_code


@bp.route("/assignments")
@requires(*MANAGERS)
def index():
    form, people = AssignForm(), _assignee_choices()
    form.set_choices(_catalog(), people)
    if len(people.groups["user"]) == 1:  # the one person searched for is chosen (a posted form is never changed)
        form.assignee.data = people.groups["user"][0][0]
    return _index_page(form, people)


@bp.route("/assignments", methods=["POST"])
@requires(*MANAGERS)
@writes
def create():
    session, catalog = get_session(), _catalog()
    form, people = AssignForm(), _assignee_choices()
    form.set_choices(catalog, people)
    due = form.check_date() if form.validate_on_submit() else None
    if due is None:
        return _index_page(form, people, 422)
    data = services.AssignmentData(form.target.data or "", form.assignee.data or "", due, form.note.data or "")
    try:
        services.create_assignment(session, current_user, catalog, data, today())
    except services.AssignmentRejected as exc:
        _form_error(form, exc)
        if exc.status in (403, 404):
            return render_error(exc.status, exc.message)
        return _index_page(form, people, exc.status)
    session.commit()
    flash(_("已分配：%(title)s，截止 %(due)s。", title=targets.title(catalog, *data.target.split(":", 1)), due=due.isoformat()),
          "success")
    return redirect(url_for("assignments.index"))


def _visible_or_404(assignment_id: int):
    return services.visible_assignment(get_session(), current_user, assignment_id) or abort(404)


def _detail_page(assignment, form: DueForm, status_code: int = 200):
    session, catalog = get_session(), _catalog()
    status = request.args.get("status", "")
    rows = assignment_status_rows(session, current_user, catalog, today(), assignment_ids=[assignment.id],
                                  status=status if status in STATUSES else None)
    counts = status_counts(session, current_user, catalog, today(), [assignment.id]) if assignment.cancelled_at is None else {}
    return render_template("assignments/detail.html", assignment=assignment, rows=rows, form=form,
                           counts=counts.get(assignment.id), assignee=services.assignee_names(session, [assignment])[assignment.id],
                           title=targets.title(catalog, assignment.kind, assignment.target_id), kind_labels=KIND_LABELS,
                           status_labels=STATUS_LABELS, statuses=STATUSES, status=status), status_code


@bp.route("/assignments/<int:assignment_id>")
@requires(*MANAGERS)
def detail(assignment_id: int):
    assignment = _visible_or_404(assignment_id)
    form = DueForm(data={"due_on": assignment.due_on.isoformat(), "note": assignment.note})
    return _detail_page(assignment, form)


@bp.route("/assignments/<int:assignment_id>/edit", methods=["POST"])
@requires(*MANAGERS)
@writes
def edit(assignment_id: int):
    assignment = _visible_or_404(assignment_id)
    form = DueForm()
    due = form.check_date() if form.validate_on_submit() else None
    if due is None:
        return _detail_page(assignment, form, 422)
    try:
        services.update_assignment(get_session(), current_user, assignment, due, form.note.data or "", today())
    except services.AssignmentRejected as exc:
        _form_error(form, exc)
        return _detail_page(_visible_or_404(assignment_id), form, exc.status)
    get_session().commit()
    flash(_("已修改截止日期：%(due)s。", due=due.isoformat()), "success")
    return redirect(url_for("assignments.detail", assignment_id=assignment_id))


@bp.route("/assignments/<int:assignment_id>/cancel", methods=["POST"])
@requires(*MANAGERS)
@writes
def cancel(assignment_id: int):
    assignment = _visible_or_404(assignment_id)
    try:
        services.cancel_assignment(get_session(), current_user, assignment)
    except services.AssignmentRejected as exc:
        get_session().rollback()
        return render_error(exc.status, exc.message)
    get_session().commit()
    flash(_("已取消该分配。"), "success")
    return redirect(url_for("assignments.index"))


@bp.route("/drills/<int:assignment_id>")
@requires(ANY_USER)
def drill(assignment_id: int):
    """A learner's 商机阶段 drill: the stage's quizzes and the lessons its items link to, with their status."""
    session, catalog = get_session(), _catalog()
    rows = assignment_status_rows(session, current_user, catalog, today(), assignment_ids=[assignment_id], mine=True, limit=1)
    if not rows or rows[0].kind != "stage":
        abort(404)
    row = rows[0]
    progress = learner_progress(session, current_user.id, catalog)
    return render_template("assignments/drill.html", row=row, lessons=targets.stage_lessons(catalog, row.target_id),
                           quizzes=targets.stage_quizzes(catalog, row.target_id), standings=progress.quiz_standings,
                           done=progress.completed)


@bp.app_template_global()
def assignment_status_label(status: str) -> str:
    """未开始 / 学习中 / 已完成 / 已逾期 in the current language (the dashboard shows them too)."""
    return str(STATUS_LABELS.get(status, status))
