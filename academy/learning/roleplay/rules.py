"""Role-play review rules: what a role-play is (a rubric among its items), how rubric levels read and compare,
and the final-score rule when a second rater adds a rating (docs/roleplay-review.md)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from academy.learning.models import QuizVersion
from academy.learning.questions import TYPES, Quiz
from academy.learning.quizzes.versions import pinned_quiz
from academy.org.auth.services import SessionUser
from academy.org.models import User

Reviewer = SessionUser | User  # the signed-in user, or a User row (demo data)

FIRST, SECOND = "first", "second"

# The final-score rule, shown on the review page and in docs/roleplay-review.md.
FINAL_RULE = _l("最终得分规则：只有一位评阅人时按其等级计分。经理添加第二评分后，每个维度取两位评阅人等级分的平均值；"
                "红线维度取两者中较低的等级（任一人评为最低等级即一票否决）；同一作答中的简答题取两人分数的平均值。两人在任一维度相差超过一个等级时标记"
                "“需要复核”，讲师可以重开评阅。")


def rubric_items(quiz: Quiz) -> list:
    """The items a reviewer scores on a rubric (role-plays)."""
    return [item for item in quiz.items if item.criteria]


def reviewed_items(quiz: Quiz) -> list:
    """What the review page scores: the rubric items, and any other item scored by a reviewer in the same quiz
    (an essay: a score from 0 to its points), so that the attempt can be graded at all."""
    return [item for item in quiz.items if item.criteria or TYPES[item.type].manual]


def rubric_version_ids(session: Session) -> list[int]:
    """The stored quiz versions that have a rubric: only attempts pinned to one of these are role-plays to review
    (an essay-only, dialogue or objective quiz never is).  A small table; each version is parsed once per process."""
    versions = session.scalars(select(QuizVersion))
    return [version.id for version in versions if _has_rubric(pinned_quiz(version))]


def _has_rubric(quiz: Quiz) -> bool:
    """A rubric among its items or among those it may draw from a question bank."""
    return bool(rubric_items(quiz)) or any(item.criteria for draw in quiz.draws for item in draw.pool)


def level_points(item) -> list[float]:
    return sorted(float(points) for _, points in item.levels)


def level_name(item, value) -> str:
    """A level as the rubric names it (优秀 (3)); a final level between two levels as its number (2.5)."""
    if value is None:
        return "—"
    for label, points in item.levels:
        if float(points) == float(value):
            return f"{label} ({points:g})"
    return f"{float(value):g}"


def levels_apart(item, a: float, b: float) -> int:
    """How many rubric levels lie between two raters' levels (0: they agree)."""
    points = level_points(item)
    return abs(points.index(float(a)) - points.index(float(b)))


def final_levels(item, first: dict, second: dict) -> dict[str, float]:
    """The rule (FINAL_RULE): per criterion, the mean of the two raters' levels; on a red-line criterion the lower.
    An essay's score: the mean of the two."""
    if not item.criteria:
        return {"score": round((float(first["score"]) + float(second["score"])) / 2, 4)}
    final = {}
    for index, criterion in enumerate(item.criteria):
        a, b = float(first[str(index)]), float(second[str(index)])
        final[str(index)] = min(a, b) if criterion.redline else round((a + b) / 2, 4)
    return final
