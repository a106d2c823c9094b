"""E-mail copies of reminders, only when SMTP is configured (MAIL_SERVER).  Plain smtplib: STARTTLS when
MAIL_USE_TLS is set, a login when MAIL_USERNAME is set.  Users have no e-mail column: the address is
<username>@MAIL_RECIPIENT_DOMAIN (the intranet's account convention), so without that domain nothing is sent."""
import re
import smtplib
from email.message import EmailMessage
from email.utils import formataddr

LOCAL_PART = re.compile(r"[A-Za-z0-9._+-]{1,64}")


def configured(config) -> bool:
    return bool(config.get("MAIL_SERVER") and config.get("MAIL_RECIPIENT_DOMAIN"))


def send_all(config, mails: list[tuple[str, str, str]]) -> int:
    """Send (username, subject, body) mails over one connection; returns how many were accepted."""
    if not configured(config) or not mails:
        return 0
    sender = config.get("MAIL_FROM") or f"academy@{config['MAIL_RECIPIENT_DOMAIN']}"
    with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=20) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        sent = 0
        for username, subject, body in mails:
            if not LOCAL_PART.fullmatch(username):  # no address can be made from this account name
                continue
            message = EmailMessage()  # headers with Chinese text are encoded as UTF-8 (RFC 2047)
            message["From"] = formataddr(("政企销售学院", sender))
            message["To"] = f"{username}@{config['MAIL_RECIPIENT_DOMAIN']}"
            message["Subject"] = subject
            message.set_content(body)
            smtp.send_message(message)
            sent += 1
    return sent
