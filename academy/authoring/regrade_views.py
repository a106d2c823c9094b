"""Regrade after a key fix: choose earlier versions, preview the score changes, give a reason, confirm.
Only on a quiz the user may edit in the workspace (academy.authoring.access: the one rule)."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from academy.authoring import regrade as pages
from academy.authoring.access import require_editable
from academy.authoring.regrade_forms import RegradeForm
from academy.learning.content.catalog import get_catalog
from academy.learning.quizzes import services
from academy.learning.quizzes.refusals import refusals
from academy.org.models import utcnow
from academy.platform import clock
from academy.platform.access import requires
from academy.platform.db import get_session, writes

bp = Blueprint("regrade", __name__, url_prefix="/authoring/regrade")


@bp.route("/<quiz_id>", methods=["GET", "POST"])
@requires("trainer", "admin")
@writes
@refusals
def regrade(quiz_id: str):
    db = get_session()
    quiz = get_catalog().quiz(quiz_id)
    if quiz is None:
        abort(404)
    require_editable(quiz.path, _("你不能重新评分这个测验：培训师只能处理自己创建的、被授权的，或来自内容文件的测验。"))
    versions = pages.versions(db, quiz)
    form = RegradeForm()
    form.versions.choices = [(row.version.id, _("版本 %(n)s（%(date)s），已评分作答 %(count)s 份", n=row.number,
                                                 date=clock.shown(row.version.created_at, "%Y-%m-%d"), count=row.graded))
                             for row in versions if not row.current]
    preview = None
    shown_against, form.against.data = form.against.data, quiz.content_hash  # the page always names today's version
    if form.is_submitted():
        if not form.validate():
            return render_template("authoring/regrade.html", quiz=quiz, form=form, versions=versions, preview=None), 422
        if form.confirm.data and shown_against != quiz.content_hash:
            # published again since the page was shown: its preview (or its list of versions) was for another key
            form.form_errors.append(_("这个测验在你打开本页之后又发布了新版本，重新评分会按新版本的答案计分。请先看一下下面按新版本的预览，再确认。"))
            preview = pages.preview(db, quiz, form.versions.data)
            return render_template("authoring/regrade.html", quiz=quiz, form=form, versions=versions, preview=preview), 409
        if form.confirm.data:
            changed = services.regrade_attempts(db, current_user.id, quiz, form.versions.data, form.reason.data, utcnow())
            db.commit()
            flash(_("已重新评分 %(n)s 份作答，学员已收到通知。", n=len(changed)) if changed else _("没有作答需要改变，未做任何修改。"),
                  "success")
            return redirect(url_for("regrade.regrade", quiz_id=quiz.id))
        preview = pages.preview(db, quiz, form.versions.data)
    return render_template("authoring/regrade.html", quiz=quiz, form=form, versions=versions, preview=preview)
