"""Passwords (argon2id) and server-side login sessions."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from academy.org.models import LoginSession, User, UserRole, utcnow

hasher = PasswordHasher()  # argon2id with the library's recommended parameters
DUMMY_HASH = hasher.hash("timing-equaliser")


def hash_password(password: str) -> str:
    return hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same work either way)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    try:
        hasher.verify(user.password_hash if user else DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def open_login_session(session: Session, user: User) -> str:
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(user_id=user.id, token_hash=_token_hash(token)))
    session.flush()
    return token


# Runs on every request: built once.
SESSION_USER_QUERY = (
    select(User.id, User.username, User.display_name, User.team_id, User.locale, UserRole.role)
    .join(LoginSession, LoginSession.user_id == User.id).outerjoin(UserRole, UserRole.user_id == User.id)
    .where(User.id == bindparam("user_id"), User.active.is_(True), LoginSession.token_hash == bindparam("token_hash"),
           LoginSession.revoked_at.is_(None), LoginSession.created_at > bindparam("oldest"))
)


@dataclass(frozen=True)
class SessionUser:
    """The signed-in user as every request sees it: plain values, read with one SQL statement."""

    id: int
    username: str
    display_name: str
    team_id: int | None
    locale: str | None
    roles: frozenset[str]
    is_active = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


def user_for_token(session: Session, user_id: str, token: str | None, lifetime: timedelta) -> SessionUser | None:
    """The active user behind a live login session (not revoked, younger than `lifetime`), with its roles."""
    if not token or not user_id.isdigit():
        return None
    rows = session.execute(SESSION_USER_QUERY, {"user_id": int(user_id), "token_hash": _token_hash(token),
                                                "oldest": utcnow() - lifetime}).all()
    if not rows:
        return None
    first = rows[0]
    return SessionUser(first.id, first.username, first.display_name, first.team_id, first.locale,
                       frozenset(row.role for row in rows if row.role))


STAFF_ROLES = frozenset({"trainer", "manager", "admin"})
ACTIVITY_MARK_STEP = 300  # seconds: the activity mark in the cookie is rewritten at most this often


def idle_limit(user: SessionUser, learner_minutes: float, staff_minutes: float) -> float:
    """Seconds without a request after which this user is signed out."""
    return 60 * (staff_minutes if user.roles & STAFF_ROLES else learner_minutes)


def idle_too_long(last_seen, now: float, limit: float) -> bool:
    """The cookie's activity mark is missing, not a number, or older than the limit allows."""
    return not isinstance(last_seen, int | float) or now - last_seen > limit


def activity_mark_due(last_seen: float, now: float) -> bool:
    """Rewrite the mark (a new cookie) only when it is a few minutes old, not on every request."""
    return now - last_seen >= ACTIVITY_MARK_STEP


def revoke_login_session(session: Session, token: str | None) -> None:
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token or "")))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()


def revoke_all_sessions(session: Session, user: User) -> None:
    for row in session.scalars(select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))):
        row.revoked_at = utcnow()
    session.flush()
