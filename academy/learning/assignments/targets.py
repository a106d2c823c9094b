"""What can be assigned and what finishing it means, from the learners' catalog (the trainee view: what a
trainee can open).

- a module is finished when every lesson is completed and every required quiz passed (the learning map's
  rule, academy.learning.courses.services._module_progress, without the prerequisite lock);
- a quiz is finished when it is passed by its grading method;
- a 商机阶段 drill is finished when every quiz holding an item of that stage is passed.  Its page lists those
  quizzes and the lessons their stage items link to (lesson=).

`requirements` lists, per target, the lessons to complete and the quizzes to pass; the status SQL
(academy.learning.assignments.status) counts them, so the rule is written once here.
"""
from dataclasses import dataclass

from academy.learning.content.catalog import Catalog
from academy.learning.content.courses import Lesson
from academy.learning.questions import STAGES, Quiz

KINDS = ("module", "quiz", "stage")


@dataclass(frozen=True)
class Requirement:
    kind: str
    target_id: str
    req_type: str  # lesson | quiz
    req_id: str
    grading: str = ""
    pass_score: float = 0.0


def stage_quizzes(catalog: Catalog, stage: str) -> tuple[Quiz, ...]:
    return tuple(q for q in catalog.quizzes if any(item.stage == stage for item in q.all_items()))


def stage_lessons(catalog: Catalog, stage: str) -> tuple[Lesson, ...]:
    """The lessons that the stage's items link to, in course order."""
    linked = {item.lesson.partition("#")[0] for q in stage_quizzes(catalog, stage) for item in q.all_items()
              if item.stage == stage and item.lesson}
    return tuple(lesson for m in catalog.modules for lesson in m.lessons if lesson.id in linked)


def stages_with_content(catalog: Catalog) -> tuple[str, ...]:
    return tuple(s for s in STAGES if stage_quizzes(catalog, s))


def requirements(catalog: Catalog) -> tuple[Requirement, ...]:
    def quiz(kind: str, target: str, q: Quiz) -> Requirement:
        return Requirement(kind, target, "quiz", q.id, q.grading, float(q.pass_score))

    rows = []
    for module in catalog.modules:
        rows += [Requirement("module", module.id, "lesson", lesson.id) for lesson in module.lessons]
        rows += [quiz("module", module.id, q) for q in catalog.quizzes_for(module.id) if q.required]
    rows += [quiz("quiz", q.id, q) for q in catalog.quizzes]
    for stage in STAGES:
        rows += [quiz("stage", stage, q) for q in stage_quizzes(catalog, stage)]
    return tuple(rows)


def exists(catalog: Catalog, kind: str, target_id: str) -> bool:
    if kind == "module":
        return catalog.module(target_id) is not None
    if kind == "quiz":
        return catalog.quiz(target_id) is not None
    return kind == "stage" and target_id in stages_with_content(catalog)


def title(catalog: Catalog, kind: str, target_id: str) -> str:
    """The target's title as learners read it (the id when the content is gone)."""
    if kind == "module":
        module = catalog.module(target_id)
        return module.title if module else target_id
    if kind == "quiz":
        quiz = catalog.quiz(target_id)
        return quiz.title if quiz else target_id
    return target_id


def choices(catalog: Catalog) -> list[tuple[str, str, str]]:
    """(value, label, group key) for the target select: modules, quizzes, stage drills."""
    return ([(f"module:{m.id}", m.title, "module") for m in catalog.modules]
            + [(f"quiz:{q.id}", q.title, "quiz") for q in catalog.quizzes]
            + [(f"stage:{s}", s, "stage") for s in stages_with_content(catalog)])
