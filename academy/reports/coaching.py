"""The reports' coaching tab (/reports/coaching): the viewer's review queue and reviews given (contract C6), their
coaching notes and the follow-ups due, and for an admin each manager's coaching.  Split from academy.reports.services,
whose Context and scope it uses."""
from academy.learning.roleplay import queue as roleplay
from academy.org.coaching import services as coaching_notes
from academy.platform import clock
from academy.reports.services import Context


def coaching(ctx: Context) -> dict:
    """The viewer's people's role-plays awaiting review (oldest first, with how long they have waited), the reviews
    the viewer has given (since the "from" date, contract C6), their coaching notes and the follow-ups now due; for
    an admin, each manager's reviews, notes and due follow-ups too.  Five statements for a manager (the review
    queue reads their teams once more), seven for an admin."""
    titles = {q.id: q.title for q in ctx.catalog.quizzes}
    waiting = [{"attempt_id": w.attempt_id, "quiz": titles.get(w.quiz_id, w.quiz_id), "submitted_at": w.submitted_at,
                "name": w.learner, "team": w.team or "", "user_id": w.user_id,
                "hours": int(w.waited.total_seconds() // 3600), "overdue": w.overdue}
               for w in roleplay.waiting_for(ctx.session, ctx.viewer, ctx.now)]
    given = roleplay.reviews_given(ctx.session, [ctx.viewer.id], ctx.filters.since_at).get(ctx.viewer.id, 0)
    today = clock.local_date(ctx.now)
    notes = coaching_notes.coaching_given(ctx.session, [ctx.viewer.id], ctx.filters.since, today)[ctx.viewer.id]
    follow_ups = [{"note": row, "name": row.learner_name, "team": row.team_name or "", "days": (today - row.follow_up_on).days}
                  for row in coaching_notes.follow_ups_due(ctx.session, ctx.viewer.id, ctx.scope.visible, today)]
    return {"waiting": waiting, "given": given, "notes": notes, "follow_ups": follow_ups,
            "coaches": coaching_report_rows(ctx, today) if ctx.viewer.has_role("admin") else None}


def coaching_report_rows(ctx: Context, today) -> list[dict]:
    """Every active manager's coaching since the "from" date: reviews given, notes recorded, learners coached and
    follow-ups due (an admin's view of who coaches; managers see their own figures only)."""
    people = coaching_notes.coaches(ctx.session)
    ids = [person.id for person in people]
    reviews = roleplay.reviews_given(ctx.session, ids, ctx.filters.since_at)
    notes = coaching_notes.coaching_given(ctx.session, ids, ctx.filters.since, today)
    return [{"name": person.display_name, "reviews": reviews[person.id], **notes[person.id]} for person in people]
