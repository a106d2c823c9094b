"""Item analysis (issue 15 item 6): Moodle's facility and discrimination indices per item of a quiz, the share of
learners choosing each option and dialogue choice per 片区, red-line hits, and the per-question answer export.

Everything is read from attempt_item (one row per graded attempt × item, academy.learning.quizzes.item_rows)
joined to the attempt, with sums, sums of squares and cross-products aggregated per item in SQL; Python only
turns a handful of sums per item into a correlation.  Plain aggregates only, so the same statements run on
SQLite, PostgreSQL and MariaDB.  The formulas and thresholds are in docs/item-analysis.md.
"""
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from academy.learning.models import Attempt, AttemptItem, QuizVersion
from academy.learning.questions import TYPES, Item, Quiz
from academy.learning.quizzes.versions import pinned_quiz, quiz_versions
from academy.org.models import Region, Team, User

MIN_SAMPLE = 20  # fewer attempts than this: "样本太少" instead of indices
TOO_EASY = 90.0  # facility above this
TOO_HARD = 20.0  # facility below this
BASES = ("first", "all")  # each learner's first graded attempt (default), or every graded attempt
NO_REGION = _l("未分配片区")
# A 片区 agreeing on one wrong choice: at least this many of its answers, at least this share of them on that
# choice, and the other 片区 together choosing it at most half as often (with at least as many answers of their own).
# Small teams give small counts, so the rule asks for a plain majority, not a significance test.
REGION_MIN = 5
REGION_SHARE = 50.0


@dataclass(frozen=True)
class Scope:
    """Which attempts are analysed: the quiz's graded attempts, of one stored version (None: all), each learner's
    first one or all of them."""

    quiz_id: str
    version_id: int | None = None
    basis: str = "first"

    def attempts(self):
        """The analysed attempts' ids, as a subquery."""
        graded = [Attempt.quiz_id == self.quiz_id, Attempt.state == "graded"]
        if self.version_id is not None:
            graded.append(Attempt.version_id == self.version_id)
        if self.basis == "first":  # attempt ids grow with the attempt number, so a learner's smallest is the first
            return select(func.min(Attempt.id)).where(*graded).group_by(Attempt.user_id)
        return select(Attempt.id).where(*graded)


@dataclass(frozen=True)
class Sums:
    """What the indices of one item are computed from: x = the item's score, t = the attempt's total score."""

    n: int
    sx: float
    sxx: float
    st: float
    stt: float
    sxt: float
    mean_share: float  # mean of score ÷ points
    correct: int
    redlines: int


def facility(sums: Sums) -> float:
    """Moodle's facility index: the mean score on the item as a percentage of its points (F = 100 · mean(x / max))."""
    return 100.0 * sums.mean_share


def discrimination(sums: Sums) -> float | None:
    """Moodle's discrimination index: 100 × Pearson's r between the item score x and the rest of the test y = t − x,
    from the aggregated sums; None when either varies not at all."""
    n = sums.n
    sy, syy, sxy = sums.st - sums.sx, sums.stt - 2 * sums.sxt + sums.sxx, sums.sxt - sums.sxx
    vx, vy = n * sums.sxx - sums.sx ** 2, n * syy - sy ** 2
    if vx <= 1e-9 or vy <= 1e-9:
        return None
    return 100.0 * (n * sxy - sums.sx * sy) / math.sqrt(vx * vy)


@dataclass
class Share:
    token: str
    group: str  # "" for an option; the node's name for a dialogue choice
    label: str
    by_region: dict[str, tuple[int, int]] = field(default_factory=dict)  # region → (chose, out of)
    wrong: bool = False  # a wrong answer whoever chooses it (the question type's wrong_choices)

    def cell(self, region: str) -> tuple[int, int, float | None]:
        chose, total = self.by_region.get(region, (0, 0))
        return chose, total, (100.0 * chose / total if total else None)

    def outside(self, region: str) -> tuple[int, int, float | None]:
        """The same figures for every answer outside `region`."""
        (chose, total, _share), (here, out_of, _) = self.cell(""), self.cell(region)
        chose, total = chose - here, total - out_of
        return chose, total, (100.0 * chose / total if total else None)


@dataclass(frozen=True)
class RegionalMistake:
    """One 片区 agreeing on a wrong choice that the others seldom make."""

    region: str
    share: Share


@dataclass
class ItemAnalysis:
    item_id: str
    title: str
    type: str
    sums: Sums
    shares: list[Share]

    @property
    def enough(self) -> bool:
        return self.sums.n >= MIN_SAMPLE

    @property
    def facility(self) -> float | None:
        return facility(self.sums) if self.enough else None

    @property
    def discrimination(self) -> float | None:
        return discrimination(self.sums) if self.enough else None

    @property
    def flags(self) -> list[str]:
        """Warnings for the trainer (only with enough attempts): too easy, too hard, negatively discriminating."""
        if not self.enough:
            return []
        found = []
        if self.facility > TOO_EASY:
            found.append(str(_l("太容易")))
        if self.facility < TOO_HARD:
            found.append(str(_l("太难")))
        if self.discrimination is not None and self.discrimination < 0:
            found.append(str(_l("区分度为负")))
        return found

    def regional_mistakes(self, regions: list[str]) -> list[RegionalMistake]:
        """Where one 片区 agrees on the same wrong choice (REGION_MIN, REGION_SHARE): a gap in that 片区's training
        more likely than a flaw in the question, which would mislead the other 片区 as much."""
        found = []
        for share in self.shares:
            for region in regions if share.wrong else ():
                chose, total, percent = share.cell(region)
                _chose, rest, rest_percent = share.outside(region)
                if total >= REGION_MIN and rest >= REGION_MIN and percent >= REGION_SHARE and rest_percent <= percent / 2:
                    found.append(RegionalMistake(region, share))
        return found


@dataclass
class Analysis:
    quiz: Quiz  # the quiz whose items are listed (the chosen version, or the current one)
    scope: Scope
    attempts: int
    learners: int
    mean_percent: float | None
    regions: list[str]
    items: list[ItemAnalysis]

    @property
    def enough(self) -> bool:
        return self.attempts >= MIN_SAMPLE


def version_by_number(session: Session, quiz_id: str, number: int) -> QuizVersion | None:
    return dict(quiz_versions(session, quiz_id)).get(number)


def _counted(flag):
    return func.sum(case((flag, 1), else_=0))


def item_sums(session: Session, scope: Scope) -> dict[str, Sums]:
    """Per item: n, Σx, Σx², Σt, Σt², Σxt, mean score share, right answers and red lines, in one aggregate."""
    x, t = AttemptItem.score, Attempt.score
    query = (select(AttemptItem.item_id, func.count(), func.sum(x), func.sum(x * x), func.sum(t), func.sum(t * t), func.sum(x * t),
                    func.avg(case((AttemptItem.points > 0, x / AttemptItem.points), else_=0.0)),
                    _counted(AttemptItem.correct), _counted(AttemptItem.redline))
             .join(Attempt, Attempt.id == AttemptItem.attempt_id)
             .where(AttemptItem.quiz_id == scope.quiz_id, AttemptItem.attempt_id.in_(scope.attempts()))
             .group_by(AttemptItem.item_id))
    return {row[0]: Sums(int(row[1]), *(float(v or 0) for v in row[2:8]), int(row[8] or 0), int(row[9] or 0))
            for row in session.execute(query)}


def _with_region(query):
    return (query.join(User, User.id == Attempt.user_id).outerjoin(Team, Team.id == User.team_id)
            .outerjoin(Region, Region.id == Team.region_id))


def _responses(session: Session, scope: Scope):
    """(item id, version id, response, region name, attempts) grouped in SQL."""
    query = _with_region(select(AttemptItem.item_id, AttemptItem.version_id, AttemptItem.response, Region.name, func.count())
                         .join(Attempt, Attempt.id == AttemptItem.attempt_id)
                         .where(AttemptItem.quiz_id == scope.quiz_id, AttemptItem.attempt_id.in_(scope.attempts())))
    # grouped by the region's id and name, not an expression: PostgreSQL does not match an expression with a
    # bound parameter in SELECT to the same expression in GROUP BY
    return session.execute(query.group_by(AttemptItem.item_id, AttemptItem.version_id, AttemptItem.response, Region.id,
                                          Region.name)).all()


def _version_quizzes(session: Session, version_ids) -> dict[int, Quiz]:
    versions = session.scalars(select(QuizVersion).where(QuizVersion.id.in_(sorted(set(version_ids)))))
    return {version.id: pinned_quiz(version) for version in versions}


def _region_label(name: str | None) -> str:
    return name or str(NO_REGION)


def shares(session: Session, scope: Scope, quiz: Quiz) -> tuple[dict[str, list[Share]], list[str]]:
    """Per item, the share of the analysed attempts choosing each option or dialogue choice, per 片区 and in all
    ("" is the key for all).  A dialogue choice counts among the attempts that reached its node."""
    rows = _responses(session, scope)
    quizzes = _version_quizzes(session, (row[1] for row in rows))
    chose: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    reached: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    groups: dict[str, dict[str, str]] = defaultdict(dict)  # item → token → group
    regions: set[str] = set()
    for item_id, version_id, response, region, count in rows:
        region = _region_label(region)
        regions.add(region)
        version = quizzes.get(version_id)
        item = version.item(item_id) if version else None
        if item is None:
            continue
        question_type = TYPES[item.type]
        known = {token: group for token, group, _label in question_type.response_choices(item)}
        groups[item_id].update(known)
        tokens = set(question_type.response_tokens(item, response or ""))  # a dialogue may pass a node twice: one count
        for where in (region, ""):
            reached[item_id][""][where] += count
            for group in {known.get(token, "") for token in tokens} - {""}:
                reached[item_id][group][where] += count
            for token in tokens:
                chose[item_id][token][where] += count
    found: dict[str, list[Share]] = {}
    for item in _listed(quiz):
        choices = TYPES[item.type].response_choices(item)
        if not choices:
            continue
        listed = [(token, group, label) for token, group, label in choices]
        listed += [(token, groups[item.id].get(token, ""), token) for token in chose[item.id] if token not in {c[0] for c in choices}]
        wrong = TYPES[item.type].wrong_choices(item)
        found[item.id] = [Share(token, group, label, {where: (chose[item.id][token].get(where, 0), reached[item.id][group].get(where, 0))
                                                       for where in ["", *regions]}, token in wrong)
                          for token, group, label in listed]
    return found, sorted(regions)


def _listed(quiz: Quiz) -> list[Item]:
    seen, items = set(), []
    for item in quiz.scored_items():
        if item.id not in seen:
            seen.add(item.id)
            items.append(item)
    return items


def analyse(session: Session, quiz: Quiz, scope: Scope) -> Analysis:
    """The item analysis of the scope, listing `quiz`'s scored items (those with attempts)."""
    totals = session.execute(select(func.count(), func.count(func.distinct(Attempt.user_id)), func.avg(Attempt.percent))
                             .where(Attempt.id.in_(scope.attempts()))).one()
    sums = item_sums(session, scope)
    by_item, regions = shares(session, scope, quiz)
    items = [ItemAnalysis(item.id, item.title, item.type, sums[item.id], by_item.get(item.id, []))
             for item in _listed(quiz) if item.id in sums]
    return Analysis(quiz, scope, int(totals[0]), int(totals[1]),
                    float(totals[2]) if totals[2] is not None else None, regions, items)


EXPORT_HEADER = (_l("用户名"), _l("姓名"), _l("片区"), _l("团队"), _l("作答次序"), _l("版本"), _l("题目 id"), _l("题目"),
                 _l("题型"), _l("作答"), _l("得分"), _l("满分"), _l("答对"), _l("红线"), _l("评分时间"))


def export_rows(session: Session, scope: Scope, quiz: Quiz, item_id: str | None = None) -> Iterator[tuple]:
    """One row per analysed attempt × item (of one item, when given), in attempt order; the response as the
    learner saw it (option texts, dialogue choices).  Streamed from one query."""
    numbers = {version.id: number for number, version in quiz_versions(session, scope.quiz_id)}
    titles = {item.id: item.title for item in quiz.all_items()}
    query = _with_region(select(User.username, User.display_name, Region.name, Team.name, Attempt.number,
                                AttemptItem.version_id, AttemptItem.item_id, AttemptItem.item_type, AttemptItem.response,
                                AttemptItem.score, AttemptItem.points, AttemptItem.correct, AttemptItem.redline,
                                AttemptItem.graded_at)
                         .join(Attempt, Attempt.id == AttemptItem.attempt_id)
                         .where(AttemptItem.quiz_id == scope.quiz_id, AttemptItem.attempt_id.in_(scope.attempts()))
                         .order_by(Attempt.id, AttemptItem.item_id))
    if item_id is not None:
        query = query.where(AttemptItem.item_id == item_id)
    quizzes: dict[int, Quiz | None] = {}
    yes, no = str(_l("是")), str(_l("否"))
    for (username, name, region, team, number, version_id, item_id, item_type, response, score, points, correct,
         redline, graded_at) in session.execute(query).yield_per(500):
        if version_id not in quizzes:
            quizzes.update(_version_quizzes(session, [version_id]) or {version_id: None})
        version = quizzes.get(version_id)
        item = version.item(item_id) if version else None
        yield (username, name, _region_label(region), team or "", number, numbers.get(version_id, ""), item_id,
               titles.get(item_id) or (item.title if item else ""), item_type, _response_text(item, response),
               score, points, yes if correct else no, yes if redline else no, graded_at)


def _response_text(item: Item | None, response: str) -> str:
    """A stored response key in words: the chosen options' texts, a dialogue's choices; the key itself otherwise."""
    if item is None or not response:
        return response or ""
    question_type = TYPES[item.type]
    labels = {token: (f"{group}：{label}" if group else label) for token, group, label in question_type.response_choices(item)}
    tokens = question_type.response_tokens(item, response)
    return " | ".join(labels.get(token, token) for token in tokens) if tokens else response
