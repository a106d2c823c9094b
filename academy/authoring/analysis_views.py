"""Item analysis pages for trainers: which quizzes have results, a quiz's item analysis (all versions or one),
and the per-question answer export (XLSX or CSV).  A trainer sees the quizzes they may edit in the workspace
(academy.authoring.access: the one rule), admins all of them."""
import re

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from academy.authoring import analysis, store
from academy.authoring.access import require_editable
from academy.learning.content.catalog import get_catalog
from academy.learning.models import Attempt
from academy.learning.quizzes.versions import pinned_quiz, quiz_versions
from academy.platform import exports
from academy.platform.access import requires
from academy.platform.db import get_session, streams

bp = Blueprint("analysis", __name__, url_prefix="/authoring/analysis")
ANALYSTS = ("trainer", "admin")


@bp.route("/")
@requires(*ANALYSTS)
def index():
    db = get_session()
    counts = dict(db.execute(select(Attempt.quiz_id, func.count()).where(Attempt.state == "graded")
                             .group_by(Attempt.quiz_id)).all())
    quizzes = get_catalog().quizzes
    mine = store.editable_paths(db, current_user, [q.path for q in quizzes])
    return render_template("authoring/analysis_index.html", quizzes=[q for q in quizzes if q.path in mine], counts=counts,
                           all_shown=len(mine) == len(quizzes))


def _scope(quiz_id: str):
    """The quiz, the listed quiz version and the scope from the URL; 404 for an unknown quiz, version or basis,
    403 for a quiz this user may not edit."""
    quiz = get_catalog().quiz(quiz_id)
    if quiz is None:
        abort(404)
    require_editable(quiz.path, _("你不能查看这个测验的题目分析：培训师只能分析自己创建的、被授权的，或来自内容文件的测验。"))
    basis = request.args.get("basis", "first")
    if basis not in analysis.BASES:
        abort(404)
    versions = quiz_versions(get_session(), quiz_id)
    number = request.args.get("version", "")
    if not number:
        return quiz, analysis.Scope(quiz_id, None, basis), versions, None
    if not number.isdigit() or not (version := dict(versions).get(int(number))):
        abort(404)
    return pinned_quiz(version), analysis.Scope(quiz_id, version.id, basis), versions, int(number)


@bp.route("/<quiz_id>")
@requires(*ANALYSTS)
def quiz_analysis(quiz_id: str):
    quiz, scope, versions, number = _scope(quiz_id)
    result = analysis.analyse(get_session(), quiz, scope)
    return render_template("authoring/analysis.html", quiz=quiz, result=result, versions=versions, number=number,
                           min_sample=analysis.MIN_SAMPLE, too_easy=analysis.TOO_EASY, too_hard=analysis.TOO_HARD,
                           region_min=analysis.REGION_MIN)


@bp.route("/<quiz_id>/answers")
@requires(*ANALYSTS)
@streams
def export(quiz_id: str):
    """A form on the analysis page asks for it (format, one question or all), so crawlers and prefetchers do not
    build a workbook per link."""
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        abort(404)
    quiz, scope, _versions, number = _scope(quiz_id)
    item_id = request.args.get("item") or None  # one question's answers; all questions' otherwise
    if item_id is not None and quiz.item(item_id) is None:
        abort(404)
    header = [str(title) for title in analysis.EXPORT_HEADER]
    rows = list(analysis.export_rows(get_session(), scope, quiz, item_id))  # read now, while the request's session is open
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"answers-{quiz.id}" + (f"-v{number}" if number else "") + (f"-{item_id}" if item_id else ""))
    name += f".{fmt}"
    if fmt == "xlsx":
        body, mimetype = exports.xlsx_stream([(quiz.title, header, rows)]), exports.XLSX_MIMETYPE
    else:
        body, mimetype = exports.csv_stream(header, rows), exports.CSV_MIMETYPE
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                     "Cache-Control": "no-store"})
