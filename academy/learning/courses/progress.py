"""The signed-in learner's progress as a request needs it: read once per request, and the state that a shared
learner page is keyed on (academy.platform.cache.shared_page)."""
from dataclasses import astuple

from flask import g
from flask_login import current_user

from academy.learning.assignments.status import my_assignments
from academy.learning.content.catalog import Catalog, catalog_for, get_catalog
from academy.learning.courses import services
from academy.learning.questions import Quiz
from academy.learning.quizzes.results import QuizStanding, quiz_standing, recent_results
from academy.learning.quizzes.services import schedule_state
from academy.learning.quizzes.views_support import ScheduledQuiz, used_up
from academy.org.models import utcnow
from academy.platform import clock
from academy.platform.db import get_session


def learner_catalog() -> Catalog:
    """The content the signed-in user may see (trainees: nothing marked for staff only)."""
    return catalog_for(current_user)


def current_progress() -> services.LearnerProgress:
    """The signed-in learner's progress, read once per request."""
    if "progress" not in g:
        g.progress = services.learner_progress(get_session(), current_user.id, learner_catalog())
    return g.progress


def progress_state(**_view_args):
    """What a learner page shows of the learner: their progress (academy.platform.cache.shared_page)."""
    return current_progress().key


def locked_module(module_id: str | None) -> services.ModuleProgress | None:
    """The module's progress while it is locked for this learner, else None.  Only a module with prerequisites can
    be locked: for any other (or a quiz outside the modules, an exam everyone starts at once) no progress is read."""
    if not services.lockable(learner_catalog(), module_id):
        return None
    return services.locked_for(current_progress(), module_id, current_user)


def standing_on(quiz: Quiz) -> QuizStanding:
    """The learner's standing on the quiz: from their progress when this request has read it, else from the
    quiz's tally row alone (read once per request)."""
    if "progress" in g:
        return g.progress.quiz_standings[quiz.id]
    if g.get("standing") is None or g.standing.quiz_id != quiz.id:
        g.standing = quiz_standing(get_session(), current_user.id, quiz)
    return g.standing


def quiz_state(quiz: Quiz) -> tuple:
    """What a page about one quiz shows of the learner (shared_page): whether its module is locked, and their
    standing on it; not the rest of their progress, so learners who stand alike on the quiz share the page."""
    return locked_module(quiz.course) is not None, astuple(standing_on(quiz))


def recent() -> tuple:
    if "recent" not in g:
        g.recent = recent_results(get_session(), current_user.id, hidden=learner_catalog().hidden_quizzes)
    return g.recent


def assignments() -> tuple:
    """(today, the learner's open assignments with their status): one statement, read once per request."""
    if "assignments" not in g:
        today = clock.today()
        g.assignments = today.isoformat(), my_assignments(get_session(), current_user, get_catalog().trainee_view, today)
    return g.assignments


def quiz_schedule(quiz_id: str) -> str:
    """"not open", "closed" or "open": where the quiz's opens_at and closes_at put it now.  Read once per request:
    a shared page's key and the page itself must agree at the minute the quiz opens or closes."""
    known = g.setdefault("schedules", {})
    if quiz_id not in known:
        quiz = learner_catalog().quiz(quiz_id)
        known[quiz_id] = schedule_state(quiz, utcnow()) if quiz is not None else "open"
    return known[quiz_id]


def quiz_schedules() -> tuple:
    """(quiz id, schedule) of each quiz that opens or closes at a set time: the pages that list quizzes say which
    are not open yet or have closed, and their shared pages change when one of them opens or closes."""
    return tuple((quiz.id, quiz_schedule(quiz.id)) for quiz in learner_catalog().quizzes if quiz.opens_at or quiz.closes_at)


def listing_state(**_view_args):
    """What a page that lists quizzes shows of the learner: their progress, and where the scheduled quizzes stand."""
    return progress_state(), quiz_schedules()


def scheduled_ahead() -> list[ScheduledQuiz]:
    """The scheduled quizzes the learner still has to take, for the dashboard: those open now that close at a set
    time, closing soonest first, then those not open yet, opening soonest first.  A quiz closed, passed, waiting for
    review or with every attempt used is left out: there is nothing to do about it now."""
    catalog, standings = learner_catalog(), current_progress().quiz_standings
    ahead = []
    for quiz_id, schedule in quiz_schedules():
        quiz, standing = catalog.quiz(quiz_id), standings[quiz_id]
        if schedule == "closed" or (schedule == "open" and not quiz.closes_at):
            continue
        if standing.passed or standing.pending or used_up(quiz, standing):
            continue
        ahead.append(ScheduledQuiz(quiz, schedule))
    return sorted(ahead, key=lambda entry: (0, clock.closes(entry.quiz.closes_at)) if entry.schedule == "open"
                  else (1, clock.opens(entry.quiz.opens_at)))


def dashboard_state():
    return progress_state(), recent(), assignments(), quiz_schedules()


def lesson_progress(lesson) -> tuple:
    """(the locked module's progress or None, whether the lesson is done), read once per request."""
    if "lesson_progress" not in g:
        g.lesson_progress = services.lesson_state(get_session(), current_user, learner_catalog(), lesson)
    return g.lesson_progress


def lesson_state(lesson_id: str):
    lesson = learner_catalog().lesson(lesson_id)
    if lesson is None:
        return None
    locked, done = lesson_progress(lesson)
    return locked is not None, done
