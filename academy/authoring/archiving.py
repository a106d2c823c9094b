"""Archiving and un-archiving a document without leaving the published content broken.

A module's module.md is refused archiving while learners still get anything that needs the module: its lessons
(they would be lessons without a module, E002), quizzes with `course:` set to it and modules that list it as a
prerequisite (E008).  The refusal lists them; the trainer archives (or moves) them first, then the module.

Why refuse rather than archive the lessons along with it: archiving is one document, one audited and reversible
act, and a trainer reads "归档" on a page as "this page".  Archiving the lessons too would hide documents the
trainer may not be allowed to edit (another trainer's lessons, granted ones), could not decide for the quizzes
that belong to the module (their attempts, certificates and reports live on), and un-archiving the module could
not tell the lessons it hid from the ones archived on purpose before.  Refusing with the list says exactly what
would break, and nothing happens that the trainer did not ask for.

A bank is refused archiving while published quizzes include or draw from it, for the same reason.

The other way round, a lesson or quiz is refused un-archiving while its module is not published (archived, or
module.md broken): it would come back as the same error.  Flushes, never commits: the caller's transaction holds
the change, so a refusal after the flush is rolled back by the caller with everything else.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from academy.authoring import store
from academy.authoring.models import ContentDocument
from academy.learning.content.catalog import Catalog
from academy.platform.frontmatter import split
from academy.platform.problems import ProblemSink


class StillNeeded(store.StoreError):
    """Archiving (or un-archiving) would leave published content without its module: nothing changed."""


def set_archived(session: Session, actor_id: int | None, path: str, archived: bool, catalog: Catalog, *,
                 reason: str = "") -> ContentDocument:
    """store.set_archived, refused (StillNeeded) when it would leave the published content broken."""
    kind = store.kind_of(path)
    if archived and kind == "module":
        needing = needs_module(catalog, path)
        if needing:
            raise StillNeeded(str(_l("模块中还有学员能看到的内容，请先归档它们（测验也可以改到别的模块），再归档模块：%(names)s",
                                     names="、".join(needing))))
    if archived and kind == "bank":
        users = bank_users(catalog, path)
        if users:
            raise StillNeeded(str(_l("还有测验引用或抽取这个题库的题目，请先修改它们，再归档题库：%(names)s", names="、".join(users))))
    doc = store.set_archived(session, actor_id, path, archived, reason=reason)
    if not archived and kind in ("lesson", "quiz"):
        missing = _missing_module(catalog, path, store.published_source(session, path))
        if missing:
            raise StillNeeded(str(_l("所属模块 %(module)s 已归档或有错误，学员看不到它；请先取消归档（或修正）模块，再取消归档这个文档。",
                                     module=missing)))
    return doc


def needs_module(catalog: Catalog, module_path: str) -> list[str]:
    """The published documents that need the module at `module_path`: lessons in its folder (parsed or broken),
    quizzes of the module, modules requiring it first."""
    folder = module_path.rpartition("/")[0] + "/"
    module = next((m for m in catalog.modules if m.path == module_path), None)
    lessons = {lesson.path for lesson in module.lessons} if module is not None else set()
    lessons |= {p.path for p in catalog.problems if p.path.startswith(folder) and p.path != module_path}
    if module is None:
        return sorted(lessons)
    quizzes = [q.path for q in catalog.quizzes if q.course == module.id]
    after = [m.path for m in catalog.modules if module.id in m.prerequisites]
    return sorted(lessons) + sorted(quizzes) + sorted(after)


def bank_users(catalog: Catalog, bank_path: str) -> list[str]:
    """The published quizzes that include or draw from the bank at `bank_path` (as check_source's E026 finds them)."""
    bank = next((b for b in catalog.banks if b.path == bank_path), None)
    return sorted(q.path for q in catalog.quizzes_using_bank(bank.id)) if bank is not None else []


def _missing_module(catalog: Catalog, path: str, source: str | None) -> str | None:
    """The module the lesson or quiz at `path` belongs to, when learners do not get it; else None."""
    if store.kind_of(path) == "lesson":
        module_path = path.rpartition("/")[0] + "/module.md"
        return None if any(m.path == module_path for m in catalog.modules) else module_path
    doc = split(source or "", ProblemSink(path))
    course = str(doc.meta.get("course") or "") if doc is not None else ""
    return course if course and catalog.module(course) is None else None
