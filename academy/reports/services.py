"""Manager reports: turn the report SQL (one module per area) into what the pages and exports show.

Everything is scoped by academy.reports.people_sql.ReportScope (academy.org.scope, the one rule): a manager
sees the learners of their regions and teams, admins everyone.  A region or team id in the URL that the viewer
cannot see is refused (NotInScope → 404), never answered.  Python here only folds already aggregated rows
(teams × modules, days → weeks, teams × concepts); nothing loops over learners.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from academy.learning.assignments import status, targets
from academy.learning.questions import TYPES
from academy.learning.questions.quizmd.model import STAGES
from academy.learning.quizzes import mistakes
from academy.org.coaching import services as coaching_notes
from academy.platform import clock
from academy.reports import competency_sql, learner_sql, progress_sql
from academy.reports.filters import PAGE_SIZE, Filters
from academy.reports.people_sql import ReportScope, visible_teams

WEEKS_SHOWN = 12
OVERDUE_SHOWN = 50
MISTAKE_CONCEPTS = 8  # a learner's drill-down: the concepts most of their open 错题本 entries train


class NotInScope(Exception):
    """A region, team or learner the viewer may not see (or that does not exist): the page is a 404."""

    def __str__(self) -> str:
        return str(_l("没有找到：它不存在，或不在你的查看范围内。"))


@dataclass
class Context:
    """One report request: the viewer's scope under the filters, the content it is measured against."""

    session: Session
    viewer: object
    filters: Filters
    catalog: object  # the trainee view of the content: what learners can complete
    now: datetime
    scope: ReportScope = None
    teams: list = field(default_factory=list)

    @property
    def modules(self):
        return [m for m in self.catalog.modules if not self.filters.module_id or m.id == self.filters.module_id]

    @property
    def lesson_ids(self) -> list[str]:
        return [lesson.id for m in self.modules for lesson in m.lessons]

    @property
    def quizzes(self):
        """The quizzes measured: the module's, or all of them (those of no module too) without a module filter."""
        if self.filters.module_id:
            return list(self.catalog.quizzes_for(self.filters.module_id))
        return list(self.catalog.quizzes)

    @property
    def quiz_ids(self) -> list[str]:
        return [q.id for q in self.quizzes]

    @property
    def regions(self) -> list[tuple[int, str]]:
        seen = {}
        for team in self.teams:
            seen.setdefault(team.region_id, team.region_name)
        return list(seen.items())


def context(session: Session, viewer, filters: Filters, catalog, now: datetime) -> Context:
    """The request's scope; refuses a region or team filter the viewer cannot see.  Two statements."""
    ctx = Context(session, viewer, filters, catalog, now)
    ctx.scope = ReportScope.of(session, viewer, filters, catalog)
    ctx.teams = visible_teams(session, ctx.scope)
    team_ids = {t.team_id for t in ctx.teams}
    region_ids = {t.region_id for t in ctx.teams}
    if filters.team_id is not None and filters.team_id not in team_ids:
        raise NotInScope()
    if filters.region_id is not None and filters.region_id not in region_ids:
        raise NotInScope()
    if filters.team_id is not None and filters.region_id is not None and \
            not any(t.team_id == filters.team_id and t.region_id == filters.region_id for t in ctx.teams):
        raise NotInScope()
    return ctx


def _percent(part, whole) -> float | None:
    """part / whole in per cent, at most 100: the kept rows count every lesson a learner completed, also one
    archived since, while `whole` counts the lessons learners get now.  (PostgreSQL sums are Decimal.)"""
    return min(100.0, round(100.0 * float(part or 0) / float(whole), 1)) if whole else None


def _round(value) -> float | None:
    return None if value is None else round(float(value), 1)


# ---- overview ----------------------------------------------------------------------------------------------

def team_rows(ctx: Context) -> list[dict]:
    """The roll-up per team (片区 → team), with completion and pass rates and how many of its learners' average
    best scores fall in each bin of 10 (`bins`, for the histogram): one statement, folding its rows per team and
    score bin."""
    lessons, quizzes = len(ctx.lesson_ids), len(ctx.quiz_ids)
    folded: dict = {}
    for row in progress_sql.team_rollup(ctx.session, ctx.scope, ctx.lesson_ids, ctx.quiz_ids, ctx.now):
        team = folded.setdefault(row.team_id, {
            "region_id": row.region_id, "region": row.region_name or str(_l("未分组")), "team_id": row.team_id,
            "team": row.team_name or str(_l("未分组")), "learners": 0, "lessons_done": 0, "attempted": 0, "passed": 0,
            "average_sum": 0.0, "scored": 0, "best": None, "redline_learners": 0, "behind": 0, "inactive": 0,
            "bins": [0] * 10})
        for name in ("learners", "lessons_done", "attempted", "passed", "redline_learners", "behind", "inactive", "scored"):
            team[name] += int(getattr(row, "lessons" if name == "lessons_done" else name) or 0)
        team["average_sum"] += float(row.average_sum or 0)
        if row.best is not None:
            team["best"] = max(float(row.best), team["best"] if team["best"] is not None else float(row.best))
        if row.bin is not None:
            team["bins"][int(row.bin)] += int(row.scored)
    rows = []
    for team in folded.values():
        n = team["learners"]
        rows.append({**team, "completion": _percent(team["lessons_done"], n * lessons),
                     "quiz_completion": _percent(team["passed"], n * quizzes),
                     "pass_rate": _percent(team["passed"], team["attempted"]),
                     "average": _round(team["average_sum"] / team["scored"]) if team["scored"] else None,
                     "best": _round(team["best"])})
    return rows


def summary(teams: list[dict], lessons: int, quizzes: int) -> dict:
    learners = sum(t["learners"] for t in teams)
    scored = [(t["average"], t["learners"]) for t in teams if t["average"] is not None]
    return {
        "learners": learners,
        "completion": _percent(sum(t["lessons_done"] for t in teams), learners * lessons),
        "pass_rate": _percent(sum(t["passed"] for t in teams), sum(t["attempted"] for t in teams)),
        "average": round(sum(a * n for a, n in scored) / sum(n for _, n in scored), 1) if scored else None,
        "redline_learners": sum(t["redline_learners"] for t in teams),
        "behind": sum(t["behind"] for t in teams), "inactive": sum(t["inactive"] for t in teams),
    }


def module_matrix(ctx: Context, teams: list[dict]) -> dict:
    """Completion per module for each team: lessons done / (learners × lessons) and quizzes passed /
    (learners × quizzes).  Two statements (teams × modules and teams × quizzes rows)."""
    learners = {t["team_id"]: t["learners"] for t in teams}
    done = defaultdict(int)
    for row in progress_sql.module_lessons(ctx.session, ctx.scope, ctx.lesson_ids):
        done[(row.team_id, row.module_id)] += row.done
    passed = defaultdict(int)
    quiz_module = {q.id: q.course for q in ctx.quizzes}
    for row in progress_sql.quiz_passes(ctx.session, ctx.scope, ctx.quiz_ids):
        passed[(row.team_id, quiz_module.get(row.quiz_id))] += int(row.passed or 0)
    modules = [{"id": m.id, "title": m.title, "lessons": len(m.lessons),
                "quizzes": sum(1 for q in ctx.quizzes if q.course == m.id)} for m in ctx.modules]
    rows = []
    for team in teams:
        n = learners[team["team_id"]]
        cells = [{"lessons": _percent(done[(team["team_id"], m["id"])], n * m["lessons"]),
                  "quizzes": _percent(passed[(team["team_id"], m["id"])], n * m["quizzes"])} for m in modules]
        rows.append({"team": team["team"], "region": team["region"], "team_id": team["team_id"], "cells": cells})
    return {"modules": modules, "rows": rows}


def histogram(teams: list[dict]) -> dict:
    """Learners by their average best score in bins of 10, summed from the teams' bins (team_rows)."""
    counts = [sum(t["bins"][i] for t in teams) for i in range(10)]
    labels = [f"{i * 10}–{i * 10 + 9}" for i in range(9)] + ["90–100"]
    bins = list(zip(labels, counts))
    total = sum(counts)
    below = sum(counts[:6])
    top = counts[9]
    desc = str(_l("共 %(total)s 名学员有成绩；平均分 60 分以下 %(below)s 人，90 分以上 %(top)s 人。",
                  total=total, below=below, top=top)) if total else str(_l("还没有学员完成测验。"))
    return {"bins": bins, "total": total, "desc": desc, "edges": list(range(0, 101, 10))}


def weekly(ctx: Context) -> dict:
    """Lessons completed and quizzes graded per week (Monday first), over the weeks of the date range or the
    last 12 weeks: one statement, over the per-learner week rows (learner_week), or for one module over the
    records by day."""
    f = ctx.filters
    end = f.until or clock.local_date(ctx.now)  # the organisation's weeks, as learner_week keeps them
    start = f.since or end - timedelta(weeks=WEEKS_SHOWN) + timedelta(days=1)
    first_monday = start - timedelta(days=start.weekday())
    weeks = [first_monday + timedelta(weeks=i) for i in range((end - first_monday).days // 7 + 1)][-156:]
    lessons = {week: 0 for week in weeks}
    quizzes = {week: 0 for week in weeks}
    if f.module_id:
        rows = progress_sql.activity_by_day(ctx.session, ctx.scope, ctx.lesson_ids, ctx.quiz_ids,
                                            clock.day_starts(first_monday), clock.day_after_starts(end))
    else:
        rows = progress_sql.activity_by_week(ctx.session, ctx.scope, first_monday, end)
    for day, lesson_count, quiz_count in rows:
        week = day - timedelta(days=day.weekday())
        if week in lessons:
            lessons[week] += lesson_count
            quizzes[week] += quiz_count
    points = [{"week": week, "label": f"{week.month}/{week.day}", "lessons": lessons[week], "quizzes": quizzes[week]}
              for week in weeks]
    busiest = max(points, key=lambda p: p["lessons"] + p["quizzes"], default=None)
    desc = (str(_l("%(weeks)s 周内共完成课时 %(lessons)s 个、测验 %(quizzes)s 次；最活跃的是 %(week)s 那一周。",
                   weeks=len(points), lessons=sum(p["lessons"] for p in points), quizzes=sum(p["quizzes"] for p in points),
                   week=busiest["label"]))
            if busiest and (busiest["lessons"] or busiest["quizzes"]) else str(_l("这段时间没有学习记录。")))
    return {"points": points, "desc": desc}


def overview(ctx: Context) -> dict:
    teams = team_rows(ctx)
    return {"teams": teams, "summary": summary(teams, len(ctx.lesson_ids), len(ctx.quiz_ids)),
            "modules": module_matrix(ctx, teams), "histogram": histogram(teams), "weekly": weekly(ctx),
            "competency": competency(ctx), "overdue": overdue(ctx)}


# ---- learners ----------------------------------------------------------------------------------------------

def learner_row(row, lessons: int, quizzes: int) -> dict:
    return {"user_id": row.user_id, "username": row.username, "name": row.display_name,
            "team": row.team_name or str(_l("未分组")), "region": row.region_name or "", "lessons": int(row.lessons),
            "completion": _percent(row.lessons, lessons), "attempted": int(row.attempted), "passed": int(row.passed),
            "quiz_completion": _percent(row.passed, quizzes), "average": _round(row.average), "best": _round(row.best),
            "redlines": int(row.redlines), "last": row.last, "behind": bool(row.behind), "inactive": bool(row.inactive)}


def learners(ctx: Context) -> dict:
    """One page of learners (sorted, filtered): one statement."""
    rows, total = progress_sql.learner_page(ctx.session, ctx.scope, ctx.lesson_ids, ctx.quiz_ids, ctx.now)
    lessons, quizzes = len(ctx.lesson_ids), len(ctx.quiz_ids)
    pages = max(1, -(-total // PAGE_SIZE))
    return {"rows": [learner_row(row, lessons, quizzes) for row in rows], "total": total, "pages": pages,
            "lessons": lessons, "quizzes": quizzes}


# ---- competency and stages ---------------------------------------------------------------------------------

SHOWN_CONCEPTS = 20  # the heat map on the page: the weakest ones (the export has every concept)


def scoped_teams(ctx: Context) -> list[dict]:
    """The teams of the viewer's scope under the filters, as the heat maps label their rows, from the team list
    the request already has (no statement); the learners in no team are one more row where the scope has them.
    A team with no answer in the sums gets no row (_matrix)."""
    f = ctx.filters
    rows = [{"region_id": t.region_id, "region": t.region_name, "team_id": t.team_id, "team": t.team_name}
            for t in ctx.teams
            if (f.team_id is None or t.team_id == f.team_id) and (f.region_id is None or t.region_id == f.region_id)]
    if ctx.scope.includes_unteamed:
        rows.append({"region_id": None, "region": str(_l("未分组")), "team_id": None, "team": str(_l("未分组"))})
    return rows


def competency(ctx: Context, limit: int | None = SHOWN_CONCEPTS) -> dict:
    """The heat map team × concept (share of items answered right, 0–100) and the weakest concept of each
    team and overall: one statement (competency_sql)."""
    teams = scoped_teams(ctx)
    cells = {(row.team_id, row.skill): (100.0 * float(row.right), float(row.answered))
             for row in competency_sql.team_skills(ctx.session, ctx.scope, ctx.quiz_ids, "concept")}
    basis = str(_l("按题目统计：答对的题目占比（所有已评分的作答）。"))
    result = _matrix(teams, cells, [c for c in dict.fromkeys(tag for _, tag in cells)], basis, "concept")
    result["all_tags"] = len(result["tags"])
    if limit is not None and len(result["tags"]) > limit:  # concepts are sorted weakest first
        result["tags"] = result["tags"][:limit]
        result["overall"] = result["overall"][:limit]
        for row in result["rows"]:
            row["values"] = row["values"][:limit]
    return result


def _matrix(teams: list[dict], cells: dict, tags: list[str], basis: str, kind: str) -> dict:
    if kind == "stage":
        tags = [s for s in STAGES if s in tags]
    else:
        totals = defaultdict(lambda: [0.0, 0.0])
        for (_, tag), (score, weight) in cells.items():
            totals[tag][0] += score
            totals[tag][1] += weight
        # weakest first; concepts answered as well as each other by name, so the columns shown (the first 20) are
        # the same whichever order the database returned the rows in (the kept sums, or the records of a date range)
        tags = sorted(tags, key=lambda t: ((totals[t][0] / totals[t][1]) if totals[t][1] else 101, t))
    rows = []
    for team in teams:
        values = []
        for tag in tags:
            score, weight = cells.get((team["team_id"], tag), (0.0, 0.0))
            values.append(round(score / weight, 1) if weight else None)
        if any(v is not None for v in values):
            rows.append({"team": team["team"], "region": team["region"], "team_id": team["team_id"], "values": values,
                         "weakest": min(((v, t) for v, t in zip(values, tags) if v is not None), default=(None, ""))[1]})
    overall = []
    for index, tag in enumerate(tags):
        score = sum(cells.get((t["team_id"], tag), (0.0, 0.0))[0] for t in teams)
        weight = sum(cells.get((t["team_id"], tag), (0.0, 0.0))[1] for t in teams)
        overall.append({"tag": tag, "value": round(score / weight, 1) if weight else None, "index": index})
    scored = [o for o in overall if o["value"] is not None]
    weakest = min(scored, key=lambda o: o["value"]) if scored else None
    return {"tags": tags, "rows": rows, "overall": overall, "weakest": weakest, "basis": basis}


def stages(ctx: Context, people: list[dict] | None = None) -> dict:
    """商机阶段 readiness per team and for a page of people, by stage in pipeline order: two statements."""
    teams = scoped_teams(ctx)
    user_ids = [p["user_id"] for p in people or []]
    cells = {(r.team_id, r.skill): (100.0 * float(r.right), float(r.answered))
             for r in competency_sql.team_skills(ctx.session, ctx.scope, ctx.quiz_ids, "stage")}
    person_cells = {(r.user_id, r.skill): (100.0 * float(r.right), float(r.answered))
                    for r in competency_sql.person_skills(ctx.session, ctx.scope, user_ids, ctx.quiz_ids, "stage")}
    basis = str(_l("按题目统计：标注了该阶段的题目中答对的占比。"))
    result = _matrix(teams, cells, list(STAGES), basis, "stage")
    result["people"] = []
    for person in people or []:
        values = []
        for tag in result["tags"]:
            score, weight = person_cells.get((person["user_id"], tag), (0.0, 0.0))
            values.append(round(score / weight, 1) if weight else None)
        result["people"].append({"user_id": person["user_id"], "name": person["name"], "team": person["team"], "values": values})
    return result


# ---- one learner -------------------------------------------------------------------------------------------

def learner_detail(ctx: Context, user_id: int) -> dict:
    """One learner the viewer may see (NotInScope otherwise): progress per module, attempts, reviews received, what
    their 错题本 still holds, by concept (what to coach them on), and the coaching notes about them.  Nine statements."""
    person = learner_sql.learner(ctx.session, ctx.scope, user_id)
    if person is None:
        raise NotInScope()
    done = learner_sql.lessons_by_module(ctx.session, user_id)
    tallies = learner_sql.tallies(ctx.session, user_id)
    titles = {q.id: q.title for q in ctx.catalog.quizzes}
    modules = []
    for module in ctx.catalog.modules:
        quizzes = ctx.catalog.quizzes_for(module.id)
        module_tallies = [tallies[q.id] for q in quizzes if q.id in tallies and tallies[q.id].graded]
        modules.append({"id": module.id, "title": module.title, "lessons": len(module.lessons),
                        "done": min(done.get(module.id, 0), len(module.lessons)), "quizzes": len(quizzes),
                        "passed": sum(1 for t in module_tallies if t.best_passed),
                        "best": max((t.best_percent for t in module_tallies if t.best_percent is not None), default=None),
                        "redline": any(t.any_redline for t in module_tallies)})
    attempts = [{"id": a.id, "quiz": titles.get(a.quiz_id, a.quiz_id), "quiz_id": a.quiz_id, "number": a.number,
                 "state": a.state, "submitted_at": a.submitted_at, "percent": _round(a.percent), "passed": a.passed,
                 "redline": a.redline, "dialogue": _is_dialogue(ctx.catalog.quiz(a.quiz_id))}
                for a in learner_sql.attempts(ctx.session, user_id)]
    reviews = [{"attempt_id": r.attempt_id, "quiz": titles.get(r.quiz_id, r.quiz_id), "reviewer": r.reviewer,
                "summary": r.summary, "created_at": r.created_at, "percent": _round(r.percent)}
               for r in learner_sql.reviews(ctx.session, user_id)]
    open_rows = mistakes.shown_entries(ctx.session, user_id, ctx.catalog.hidden_quizzes)
    book = {"open": len(open_rows), "due": sum(1 for entry, _quiz, _item in open_rows if entry.due(ctx.now)),
            "concepts": mistakes.concept_counts(open_rows)[:MISTAKE_CONCEPTS]}
    return {"person": person, "modules": modules, "attempts": attempts, "reviews": reviews, "mistakes": book,
            "notes": coaching_notes.notes_about(ctx.session, user_id), "may_coach": user_id != ctx.viewer.id,
            "topics": topic_suggestions(ctx.catalog, [concept for concept, _count in book["concepts"]])}


def topic_suggestions(catalog, first: list[str]) -> list[str]:
    """The coaching note's topic suggestions: the learner's 错题本 concepts first, then every concept the course's
    questions train (worked out once per content version)."""
    every = catalog.derived("coaching-topics", (), lambda: sorted({c for q in catalog.quizzes for item in q.every_item()
                                                                    for c in item.concepts}), 4)
    return first + [concept for concept in every if concept not in first]


def _is_dialogue(quiz) -> bool:
    """Whether the quiz has an item played step by step (a dialogue), whose path the drill-down links to."""
    return bool(quiz) and any(TYPES[item.type].stepwise for item in quiz.items)


# ---- overdue assignments ---------------------------------------------------------------------------------------

def overdue(ctx: Context) -> dict:
    """Assignments past their due date and not done, for the viewer's people in the filtered region/team: the
    first OVERDUE_SHOWN and how many there are (academy.learning.assignments.status, one statement)."""
    f = ctx.filters
    rows = status.assignment_status_rows(ctx.session, ctx.viewer, ctx.catalog, clock.local_date(ctx.now), status="overdue",
                                         team_id=f.team_id, region_id=f.region_id, limit=OVERDUE_SHOWN,
                                         visible=ctx.scope.visible)
    total = rows[0].total if rows else 0
    return {"rows": [{"learner_id": r.learner_id, "name": r.display_name, "team": r.team_name or "",
                      "title": targets.title(ctx.catalog, r.kind, r.target_id), "due_on": r.due_on,
                      "days": (clock.local_date(ctx.now) - r.due_on).days, "met": r.met, "needed": r.needed}
                     for r in rows],
            "total": total, "cut": total > len(rows)}


def waited_label(hours: int) -> str:
    if hours < 24:
        return str(_l("%(n)s 小时", n=hours))
    return str(_l("%(days)s 天 %(hours)s 小时", days=hours // 24, hours=hours % 24))

