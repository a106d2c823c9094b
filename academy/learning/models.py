"""Learning records: lesson progress, pinned quiz versions, attempts, reviews, mistake book, xAPI."""
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.org.models import User, utcnow
from academy.platform.db import Base


class LessonProgress(Base):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))  # indexed by the unique key
    module_id: Mapped[str] = mapped_column(String(80), index=True)
    lesson_id: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_viewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class QuizTally(Base):
    """Per learner and quiz, what every grading method needs, rewritten in the transaction that changes one of
    the learner's attempts (academy.learning.quizzes.tally).  Pages read these few rows instead of every attempt."""

    __tablename__ = "quiz_tally"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    quiz_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    attempts: Mapped[int]
    graded: Mapped[int]
    in_review: Mapped[int]
    in_progress_id: Mapped[int | None]
    best_percent: Mapped[float | None] = mapped_column(Float)  # the graded attempt with (passed, percent) highest
    best_passed: Mapped[bool] = mapped_column(default=False)
    best_redline: Mapped[bool] = mapped_column(default=False)
    latest_percent: Mapped[float | None] = mapped_column(Float)  # the graded attempt with the highest number
    latest_passed: Mapped[bool] = mapped_column(default=False)
    latest_redline: Mapped[bool] = mapped_column(default=False)
    average_percent: Mapped[float | None] = mapped_column(Float)  # over graded attempts
    any_redline: Mapped[bool] = mapped_column(default=False)  # among graded attempts


class QuizVersion(Base):
    """A quiz exactly as an attempt saw it: content hash plus the parsed snapshot."""

    __tablename__ = "quiz_version"
    __table_args__ = (UniqueConstraint("quiz_id", "content_hash"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[str] = mapped_column(String(80), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict] = mapped_column(JSON, deferred=True)  # read only when not parsed yet
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attempt(Base):
    __tablename__ = "attempt"
    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id", "number"),
        Index("ix_attempt_user_submitted", "user_id", "submitted_at", "id"),  # recent results, in index order
        Index("ix_attempt_state_submitted", "state", "submitted_at"),  # the review queue: awaiting review, oldest first
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= max_score + 0.0001)", name="score_in_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))  # indexed by the unique
    quiz_id: Mapped[str] = mapped_column(String(80), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("quiz_version.id"))
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(16), default="in_progress")  # in_progress|submitted|review|graded
    seed: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    graded_at: Mapped[datetime | None]
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    checked: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")  # frozen after 检查本题
    result: Mapped[dict | None] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float, default=0)
    percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None]
    redline: Mapped[bool] = mapped_column(default=False)
    # Once graded: mistake-book key → answered right (items, scenario parts, dialogue decisions); the 错题本 is
    # folded from these and the practice rounds (academy.learning.quizzes.mistakes).  NULL before revision 0007.
    outcomes: Mapped[dict | None] = mapped_column(JSON)
    # After a regrade (academy.learning.quizzes.services.regrade_attempts): the quiz version whose items re-scored
    # the attempt (academy.learning.quizzes.versions.graded_quiz) and the note its learner sees: reason, when, score
    # before and after, the items kept as they were.  NULL when never regraded; version_id stays what was taken.
    regraded_version_id: Mapped[int | None]
    regrade: Mapped[dict | None] = mapped_column(JSON)
    version: Mapped[QuizVersion] = relationship()
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Attempt {self.quiz_id}#{self.number} {self.state}>"


class AttemptItem(Base):
    """One row per graded attempt × top-level scored item (contract C3): what item analysis and the manager
    reports aggregate in plain SQL on every database, as Moodle's question attempts do.  Derived from the
    attempt and its quiz version only, rewritten by academy.learning.quizzes.item_rows.refresh in the
    transaction that grades or changes a grade; an attempt that is not graded has no rows.

    user_id, quiz_id and version_id repeat the attempt's (no foreign keys of their own: the attempt's cascade
    removes the rows).  response: the type's response_key (option keys chosen, sorted, comma-joined; "true" or
    "false" for 判断; a dialogue's decision path as choice indices; '' otherwise)."""

    __tablename__ = "attempt_item"
    __table_args__ = (
        Index("ix_attempt_item_quiz_item", "quiz_id", "item_id"),
        Index("ix_attempt_item_user_quiz", "user_id", "quiz_id"),
        Index("ix_attempt_item_concept", "concept"),
    )
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    user_id: Mapped[int]
    quiz_id: Mapped[str] = mapped_column(String(80))
    version_id: Mapped[int]
    item_type: Mapped[str] = mapped_column(String(16))
    concept: Mapped[str] = mapped_column(String(80), default="")  # the item's first concept
    stage: Mapped[str] = mapped_column(String(16), default="")
    score: Mapped[float] = mapped_column(Float)
    points: Mapped[float] = mapped_column(Float)
    correct: Mapped[bool]
    redline: Mapped[bool]
    response: Mapped[str] = mapped_column(String(400), default="")
    graded_at: Mapped[datetime]


class RoleplayReview(Base):
    """One rater's rubric levels for one review round of a role-play attempt.  The first rater grades it; the
    learner's manager may add a second rating (academy.learning.roleplay.rules holds the final-score rule).
    Reopening an attempt closes its round (reopened_at) and the next review starts round + 1, so past rounds
    stay readable in the history."""

    __tablename__ = "roleplay_review"
    __table_args__ = (
        UniqueConstraint("attempt_id", "review_round", "rater", name="uq_roleplay_review_rater"),
        Index("ix_roleplay_review_reviewer", "reviewer_id", "created_at"),  # history by reviewer, reviews given
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))  # indexed by the unique
    review_round: Mapped[int] = mapped_column(default=1, server_default="1")
    rater: Mapped[str] = mapped_column(String(8), default="first", server_default="first")  # first | second
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    levels: Mapped[dict] = mapped_column(JSON)
    comments: Mapped[dict] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reopened_at: Mapped[datetime | None]
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    reviewer: Mapped[User] = relationship()


class MistakeEntry(Base):
    """An item of a learner's 错题本 as the book stood at revision 0007, where each learner's book starts.
    Nothing writes these any more: the book is folded from them, then from graded attempts' outcomes and
    practice rounds (academy.learning.quizzes.mistakes)."""

    __tablename__ = "mistake_entry"
    __table_args__ = (UniqueConstraint("user_id", "quiz_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))  # indexed by the unique
    quiz_id: Mapped[str] = mapped_column(String(80))
    item_id: Mapped[str] = mapped_column(String(120))
    version_id: Mapped[int] = mapped_column(ForeignKey("quiz_version.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    streak: Mapped[int] = mapped_column(default=0)
    misses: Mapped[int] = mapped_column(default=1)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    cleared_at: Mapped[datetime | None]


class PracticeRound(Base):
    """One unscored 错题本 practice round: quiz id → {mistake-book key → answered right}.  `token` comes with
    the practice form, so the same form posted twice is one round."""

    __tablename__ = "practice_round"
    __table_args__ = (UniqueConstraint("user_id", "token"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))  # indexed by the unique
    token: Mapped[str] = mapped_column(String(32))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcomes: Mapped[dict] = mapped_column(JSON)


class XapiStatement(Base):
    __tablename__ = "xapi_statement"
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    verb: Mapped[str] = mapped_column(String(20))
    timestamp: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    statement: Mapped[dict] = mapped_column(JSON)


ONE_ASSIGNEE = ("(CASE WHEN region_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN team_id IS NULL THEN 0 ELSE 1 END)"
                " + (CASE WHEN user_id IS NULL THEN 0 ELSE 1 END) = 1")


class Assignment(Base):
    """A module, quiz or 商机阶段 drill a manager or admin gave a region, a team or one person, due on a date.

    Exactly one of region_id, team_id and user_id is set.  Who it applies to is worked out when it is read
    (academy.learning.assignments.status): a learner joining the team later inherits it and one who moves away
    loses it; no rows are copied per person."""

    __tablename__ = "assignment"
    __table_args__ = (
        CheckConstraint(ONE_ASSIGNEE, name="one_assignee"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # module | quiz | stage
    target_id: Mapped[str] = mapped_column(String(80))  # module id, quiz id or one of STAGES
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date]
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]


class ReminderSent(Base):
    """One reminder already sent (its key names the assignment, the learner or manager, and the occasion), so
    that `flask send-reminders` run twice sends nothing new."""

    __tablename__ = "reminder_sent"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class Certificate(Base):
    """Issued once per learner and module (kind "module") or for the whole course (kind "course", target "")
    by academy.learning.certificates.refresh; the holder's name and the title are kept as printed."""

    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("user_id", "kind", "target_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))  # indexed by the unique
    kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str] = mapped_column(String(80), default="")
    holder_name: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    # Revoked because a corrected grade (a reopened review, a second rating, a regrade) took back its condition:
    # issued again when the learner meets it again (certificates.services.grade_corrected).
    lapsed: Mapped[bool] = mapped_column(default=False, server_default=false())


class LearnerSummary(Base):
    """Per learner, the figures of the manager reports' roll-up: lessons completed and last opened, quizzes graded and passed,
    the average and highest of their best scores, red-line quizzes.  Rewritten from lesson_progress and
    quiz_tally by academy.learning.progress_rows.refresh in the transaction that changes either, so a report
    over 10,000 learners reads 10,000 rows instead of every attempt."""

    __tablename__ = "learner_summary"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    lessons_done: Mapped[int] = mapped_column(default=0)
    last_lesson_at: Mapped[datetime | None]
    quizzes_graded: Mapped[int] = mapped_column(default=0)
    quizzes_passed: Mapped[int] = mapped_column(default=0)
    average_best: Mapped[float | None] = mapped_column(Float)
    best: Mapped[float | None] = mapped_column(Float)
    redline_quizzes: Mapped[int] = mapped_column(default=0)


class LearnerSkill(Base):
    """Per learner and concept (kind "concept") or 商机阶段 (kind "stage"): items answered right and answered over
    all graded attempts, summed from attempt_item by academy.learning.progress_rows.refresh.  The heat map and
    stage readiness read these instead of every per-item row."""

    __tablename__ = "learner_skill"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    skill: Mapped[str] = mapped_column(String(80), primary_key=True)
    right: Mapped[int]
    answered: Mapped[int]


class LearnerModule(Base):
    """Per learner and module: lessons completed, counted from lesson_progress by
    academy.learning.progress_rows.refresh.  The report's completion per module reads these instead of every
    lesson row."""

    __tablename__ = "learner_module"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    module_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    lessons_done: Mapped[int]


class LearnerWeek(Base):
    """Per learner and week (its Monday, UTC): lessons completed and quizzes graded (by the day submitted),
    counted by academy.learning.progress_rows.refresh.  Progress by week reads these."""

    __tablename__ = "learner_week"
    __table_args__ = (Index("ix_learner_week_week", "week"),)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    week: Mapped[date] = mapped_column(primary_key=True)
    lessons: Mapped[int] = mapped_column(default=0)
    quizzes: Mapped[int] = mapped_column(default=0)


class LearnerTarget(Base):
    """Per learner and assignable target (module, quiz or 商机阶段 drill, academy.learning.assignments.targets):
    how many of its requirements they have met and touched, counted by academy.learning.target_rows.refresh
    from lesson_progress and quiz_tally.  Only targets touched have a row.  An assignment's status reads one row
    per (assignment, learner) instead of one per requirement."""

    __tablename__ = "learner_target"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    target_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    met: Mapped[int]
    touched: Mapped[int]


class LearnerTargetStamp(Base):
    """Which requirements a learner's learner_target rows were counted against (a digest of them): rows of
    another version are not read, and that learner's status is counted from the records until their rows are
    counted again (at their next start, grade or lesson, or by `flask refresh-targets`)."""

    __tablename__ = "learner_target_stamp"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[str] = mapped_column(String(16))


# Sums per team of the rows above (academy.org.team_sums, declared in academy.learning.team_rows): the reports
# over a whole organisation read these, a few rows per team.


class TeamSkill(Base):
    """Per team and concept or 商机阶段: the learner_skill rows of its active trainees, summed."""

    __tablename__ = "team_skill"
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    skill: Mapped[str] = mapped_column(String(80), primary_key=True)
    right: Mapped[int]
    answered: Mapped[int]


class TeamModule(Base):
    """Per team and module: the lessons its active trainees completed (learner_module), summed."""

    __tablename__ = "team_module"
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    module_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    lessons_done: Mapped[int]


class TeamWeek(Base):
    """Per team and week: the lessons its active trainees completed and the quizzes they had graded
    (learner_week), summed."""

    __tablename__ = "team_week"
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    week: Mapped[date] = mapped_column(primary_key=True)
    lessons: Mapped[int]
    quizzes: Mapped[int]


class TeamQuiz(Base):
    """Per team and quiz, over its active trainees' tallies with a graded attempt: how many there are and how
    many passed (by their best attempt)."""

    __tablename__ = "team_quiz"
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), primary_key=True)
    quiz_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    graded: Mapped[int]
    passed: Mapped[int]
