"""The coaching notes about the learners in a report's scope, for the export: one statement per scope shape,
streamed in batches.  The notes' days are compared with the filter's days, not its instants: a note is held on a
day, and SQLite compares a date's text with a timestamp's text character by character."""
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from academy.org.coaching.services import followed_up
from academy.org.models import CoachingNote, Region, Team, User
from academy.reports.people_sql import ReportScope


def note_stream(session: Session, scope: ReportScope):
    """(held_on, username, display_name, region_name, team_name, coach_name, topic, summary, next_step, follow_up_on,
    followed_up) for every note about a learner in scope held in the filtered days, newest first."""
    def build():
        coach = aliased(User)
        answered = followed_up(CoachingNote)
        query = (select(CoachingNote.held_on, User.username, User.display_name, Region.name.label("region_name"),
                        Team.name.label("team_name"), coach.display_name.label("coach_name"), CoachingNote.topic,
                        CoachingNote.summary, CoachingNote.next_step, CoachingNote.follow_up_on,
                        answered.label("followed_up"))
                 .join(User, User.id == CoachingNote.learner_id).outerjoin(coach, coach.id == CoachingNote.coach_id)
                 .outerjoin(Team, Team.id == User.team_id).outerjoin(Region, Region.id == Team.region_id)
                 .where(*scope.learner_conditions()))
        if scope.filters.since is not None:
            query = query.where(CoachingNote.held_on >= bindparam("since_day"))
        if scope.filters.until is not None:
            query = query.where(CoachingNote.held_on <= bindparam("until_day"))
        return query.order_by(CoachingNote.held_on.desc(), CoachingNote.id.desc()).execution_options(yield_per=1000)

    yield from scope.execute(session, "coaching_notes", build, since_day=scope.filters.since, until_day=scope.filters.until)
