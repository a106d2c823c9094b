"""The one-time passwords of an import, handed to the importing admin once, as an XLSX file. Callers commit.

The result page of an import offers the file instead of showing thousands of passwords.  The passwords wait
in one password_handout row, readable only by the admin who imported, until that admin downloads the file
(the row is deleted in the same transaction) or HANDOUT_LIFETIME has passed.
"""
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from academy.org.models import PasswordHandout, utcnow
from academy.platform.exports import xlsx_bytes

HANDOUT_LIFETIME = timedelta(hours=1)


class HandoutGone(Exception):
    """Already downloaded, expired, or not this admin's; `str()` is the message in the current language."""

    def __str__(self) -> str:
        hours = int(HANDOUT_LIFETIME.total_seconds() // 3600)
        return str(_l("这份初始密码文件已经下载过或已过期（导入后 %(hours)s 小时内可下载一次），不能再次下载。"
                      "如有用户没有拿到密码，请在该用户的编辑页为其重置密码。", hours=hours))


def keep(session: Session, admin_id: int, rows: list[list[str]]) -> str:
    """Keep [username, display name, 片区 / 团队, one-time password] rows for one download; the download's token."""
    purge_expired(session)
    token = secrets.token_urlsafe(32)
    session.add(PasswordHandout(token=token, admin_id=admin_id, rows=rows))
    session.flush()
    return token


def take(session: Session, admin_id: int, token: str) -> list[list[str]]:
    """The rows, deleted as they are read: a second call (or a concurrent one) raises HandoutGone."""
    purge_expired(session)
    handout = session.scalar(select(PasswordHandout).where(PasswordHandout.token == token,
                                                           PasswordHandout.admin_id == admin_id))
    if handout is None:
        raise HandoutGone()
    rows = handout.rows
    taken = session.execute(delete(PasswordHandout).where(PasswordHandout.id == handout.id)
                            .execution_options(synchronize_session=False))
    if taken.rowcount != 1:  # another request took it first (it waited on this row's lock, then found it gone)
        raise HandoutGone()
    session.expunge(handout)
    return rows


def purge_expired(session: Session) -> None:
    session.execute(delete(PasswordHandout).where(PasswordHandout.created_at < utcnow() - HANDOUT_LIFETIME)
                    .execution_options(synchronize_session=False))


def spreadsheet(rows: list[list[str]]) -> bytes:
    """The handout as an XLSX workbook: a header row, then one row per user (formula-safe cells)."""
    header = [str(_l("用户名")), str(_l("姓名")), str(_l("片区 / 团队")), str(_l("一次性密码（首次登录后必须修改）"))]
    return xlsx_bytes([(str(_l("初始密码")), header, rows, (20, 20, 28, 18))])
