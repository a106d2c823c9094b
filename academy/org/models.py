"""People and organisation: users, roles, 片区 → team, manager scope, server-side login sessions, coaching notes."""
from datetime import UTC, date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from academy.platform.db import Base

ROLES = ("trainee", "trainer", "manager", "admin")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Region(Base):
    __tablename__ = "region"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    teams: Mapped[list["Team"]] = relationship(back_populates="region", order_by="Team.name")

    def __repr__(self) -> str:
        return f"<Region {self.name}>"


class Team(Base):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("region_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)
    region: Mapped[Region] = relationship(back_populates="teams")

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Set by an admin's reset and by the import: every page but the change-password page sends the user there.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    team: Mapped[Team | None] = relationship()
    role_rows: Mapped[list["UserRole"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    scopes: Mapped[list["ManagerScope"]] = relationship(cascade="all, delete-orphan")  # loaded when a page needs it

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def set_roles(self, roles: set[str]) -> None:
        keep = [row for row in self.role_rows if row.role in roles]
        self.role_rows[:] = keep + [UserRole(role=r) for r in sorted(roles - self.roles)]

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class ManagerScope(Base):
    """One region or one team a manager may see."""

    __tablename__ = "manager_scope"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))


class LoginSession(Base):
    """Server-side record of a login; revoking it kills every copy of the cookie."""

    __tablename__ = "login_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class PasswordHandout(Base):
    """The one-time passwords of one import, kept until the importing admin downloads them once (then deleted)
    or until they expire: the result page offers the download instead of showing thousands of passwords."""

    __tablename__ = "password_handout"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rows: Mapped[list] = mapped_column(JSON)  # [username, display name, one-time password] per user


class AuditEntry(Base):
    """Who did what to which record, when: authoring, import, publish, regrade, review, certificate revocation
    and account actions write one row each, in the transaction that does the thing (academy.org.audit)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_target", "target_type", "target_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)  # e.g. "quiz.publish", "attempt.regrade"
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)  # before/after or what was touched
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[User | None] = relationship()


class Notice(Base):
    """An in-app message to one user (a review came back, an assignment is due); read on /notices."""

    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_user_unread", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="")  # a path inside the app, never an outside URL
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class CoachingNote(Base):
    """A 1:1 coaching conversation a manager (or admin) had with one of their learners: what was discussed, the
    next step agreed and when to follow it up (academy.org.coaching).  The learner reads it too.  A follow-up is
    done when the same coach records a later note for the learner, so the note itself never changes."""

    __tablename__ = "coaching_note"
    __table_args__ = (Index("ix_coaching_note_learner", "learner_id", "held_on"),
                      Index("ix_coaching_note_coach", "coach_id", "held_on"))
    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    held_on: Mapped[date]
    topic: Mapped[str] = mapped_column(String(40), default="")  # a concept of the course, or the coach's own words
    summary: Mapped[str] = mapped_column(Text)
    next_step: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
