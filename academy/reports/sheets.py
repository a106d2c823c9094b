"""The reports as spreadsheets: one (title, header, rows) per report, for academy.platform.exports (formula-safe
cells; XLSX written in write-only mode; CSV streamed with a BOM).  The learner sheet is a generator over a
batched query, so 10,000 learners are never all in memory.
"""
from collections.abc import Iterator

from flask_babel import lazy_gettext as _l

from academy.platform import clock
from academy.reports import coaching_sql, progress_sql, services
from academy.reports.services import Context

REPORTS = ("teams", "learners", "competency", "stages", "coaching")


def _num(value):
    return "" if value is None else value


def teams(ctx: Context) -> tuple:
    header = [_l("片区"), _l("团队"), _l("学员数"), _l("课时完成率 %"), _l("测验通过率（占应考）%"), _l("及格率 %"),
              _l("平均分"), _l("最高分"), _l("红线未通过人数"), _l("进度落后人数"), _l("14 天未学习人数")]
    rows = ([t["region"], t["team"], t["learners"], _num(t["completion"]), _num(t["quiz_completion"]), _num(t["pass_rate"]),
             _num(t["average"]), _num(t["best"]), t["redline_learners"], t["behind"], t["inactive"]]
            for t in services.team_rows(ctx))
    return _l("团队汇总"), [str(h) for h in header], rows


def learners(ctx: Context) -> tuple:
    header = [_l("用户名"), _l("姓名"), _l("片区"), _l("团队"), _l("完成课时"), _l("课时完成率 %"), _l("已作答测验"),
              _l("已通过测验"), _l("平均分"), _l("最高分"), _l("红线未通过次数"), _l("进度落后"), _l("最近学习")]
    lessons, quizzes = len(ctx.lesson_ids), len(ctx.quiz_ids)

    def rows() -> Iterator[list]:
        yes, no = str(_l("是")), ""
        for row in progress_sql.learner_stream(ctx.session, ctx.scope, ctx.lesson_ids, ctx.quiz_ids, ctx.now):
            r = services.learner_row(row, lessons, quizzes)
            yield [r["username"], r["name"], r["region"], r["team"], r["lessons"], _num(r["completion"]), r["attempted"],
                   r["passed"], _num(r["average"]), _num(r["best"]), r["redlines"], yes if r["behind"] else no,
                   clock.shown(r["last"])]

    return _l("学员明细"), [str(h) for h in header], rows()


def competency(ctx: Context) -> tuple:
    data = services.competency(ctx, limit=None)
    header = [str(_l("团队")), *data["tags"]]
    rows = ([row["team"], *[_num(v) for v in row["values"]]] for row in data["rows"])
    return _l("能力热力图"), header, rows


def stages(ctx: Context) -> tuple:
    data = services.stages(ctx)
    header = [str(_l("团队")), *data["tags"]]
    rows = ([row["team"], *[_num(v) for v in row["values"]]] for row in data["rows"])
    return _l("商机阶段就绪度"), header, rows


def coaching(ctx: Context) -> tuple:
    header = [_l("谈话日期"), _l("用户名"), _l("姓名"), _l("片区"), _l("团队"), _l("辅导人"), _l("话题"), _l("谈了什么"),
              _l("约定的下一步"), _l("跟进日期"), _l("已跟进")]

    def rows() -> Iterator[list]:
        yes, no = str(_l("是")), ""
        for r in coaching_sql.note_stream(ctx.session, ctx.scope):
            yield [r.held_on.isoformat(), r.username, r.display_name, r.region_name or "", r.team_name or "",
                   r.coach_name or "", r.topic, r.summary, r.next_step,
                   r.follow_up_on.isoformat() if r.follow_up_on else "", yes if r.follow_up_on and r.followed_up else no]

    return _l("辅导记录"), [str(h) for h in header], rows()


SHEETS = {"teams": teams, "learners": learners, "competency": competency, "stages": stages, "coaching": coaching}


def sheet(ctx: Context, name: str) -> tuple:
    title, header, rows = SHEETS[name](ctx)
    return str(title), header, rows


def workbook(ctx: Context) -> Iterator[tuple]:
    """Every report as one sheet each (lazily: each sheet's query runs when the writer reaches it)."""
    for name in REPORTS:
        yield sheet(ctx, name)
