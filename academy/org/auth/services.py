"""Passwords (argon2id), changing them, and server-side login sessions. Callers commit; these only flush."""
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from academy.org.models import LoginSession, User, UserRole, utcnow

log = logging.getLogger(__name__)

hasher = PasswordHasher()  # argon2id with the library's recommended parameters
DUMMY_HASH = hasher.hash("timing-equaliser")
MIN_OWN_PASSWORD = 10  # a password users choose themselves
MAX_PASSWORD = 256
# One-time passwords: no look-alikes (0/O, 1/l/I) for people who type them from a printout, and no character
# a spreadsheet reads as the start of a formula; 12 characters of 56 are about 70 bits.
ONE_TIME_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
ONE_TIME_LENGTH = 12


def hash_password(password: str) -> str:
    return hasher.hash(password)


def one_time_password() -> str:
    """A password an admin hands over; the user must replace it at the next sign-in."""
    return "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_LENGTH))


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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


# Runs on every request: built once, run as Core on the request's connection (no ORM execution machinery).
SESSION_USER_QUERY = (
    select(User.id, User.username, User.display_name, User.team_id, User.locale, User.must_change_password,
           UserRole.role)
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
    must_change_password: bool = False
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
    rows = session.connection().execute(SESSION_USER_QUERY, {"user_id": int(user_id), "token_hash": _token_hash(token),
                                                "oldest": utcnow() - lifetime}).all()
    if not rows:
        return None
    first = rows[0]
    return SessionUser(first.id, first.username, first.display_name, first.team_id, first.locale,
                       frozenset(row.role for row in rows if row.role), first.must_change_password)


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


def remember_language(session: Session, user_id: int, locale: str) -> None:
    """Keep the language a user chose on their account: their next sign-in elsewhere starts in it, and notices
    and reminder mail written to them outside their requests use it."""
    session.execute(update(User).where(User.id == user_id).values(locale=locale))


def revoke_login_session(session: Session, token: str | None) -> None:
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token or "")))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()


def revoke_all_sessions(session: Session, user: User) -> None:
    for row in session.scalars(select(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))):
        row.revoked_at = utcnow()
    session.flush()


# ---- changing one's own password --------------------------------------------------------

class PasswordRejected(Exception):
    """The change was refused; reasons are (form field name, message), lazy translations until read."""

    def __init__(self, reasons: list[tuple[str, str]]) -> None:
        super().__init__(*(message for _, message in reasons))
        self._reasons = list(reasons)

    @property
    def reasons(self) -> list[tuple[str, str]]:
        """(field name, message in the current language as plain text; templates escape it)."""
        return [(name, str(message)) for name, message in self._reasons]


def weak_password_reasons(password: str, username: str, current: str) -> list[str]:
    """Why a password someone chooses for themselves is not good enough (empty: it is)."""
    reasons = []
    if len(password) < MIN_OWN_PASSWORD:
        reasons.append(_l("新密码至少需要 %(n)s 个字符。", n=MIN_OWN_PASSWORD))
    elif len(password) > MAX_PASSWORD:
        reasons.append(_l("新密码最多 %(n)s 个字符。", n=MAX_PASSWORD))
    if password.isdigit():
        reasons.append(_l("新密码不能全是数字。"))
    if password.strip().casefold() == username.strip().casefold():
        reasons.append(_l("新密码不能与用户名相同。"))
    if password == current:
        reasons.append(_l("新密码不能与当前密码相同。"))
    return reasons


def change_password(session: Session, user_id: int, current: str, new: str) -> str:
    """Replace the user's password after checking the current one and the new one's strength.

    Every login session of the user ends, this one included; the caller continues this one with the token
    returned (a new login session), so a copy of the old cookie taken before the change is dead too.

    :raises PasswordRejected: wrong current password or a weak new one; nothing is changed.
    """
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise PasswordRejected([("current_password", _l("账号不存在或已停用。"))])
    if not password_matches(user.password_hash, current):
        raise PasswordRejected([("current_password", _l("当前密码不正确。"))])
    reasons = weak_password_reasons(new, user.username, current)
    if reasons:
        raise PasswordRejected([("new_password", reason) for reason in reasons])
    user.password_hash = hash_password(new)
    user.must_change_password = False
    revoke_all_sessions(session, user)
    log.info("user %r (id=%s) changed their password; their other logins ended", user.username, user.id)
    return open_login_session(session, user)


def set_one_time_password(session: Session, user: User) -> str:
    """Give the user a new one-time password (returned, never stored in clear) and end their logins."""
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    revoke_all_sessions(session, user)
    return password
