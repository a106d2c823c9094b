"""Configuration from the environment, with safe defaults for a local run."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent.parent


class InsecureConfig(RuntimeError):
    """Raised when a production setting would start insecurely."""


def load_config(app: Flask, overrides: dict | None = None) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'academy.db'}",
        REDIS_URL=os.environ.get("REDIS_URL", ""),
        # Where shared learner pages are kept (academy.platform.cache): Redis, so that several app servers share them,
        # or this process when empty.
        PAGE_CACHE_URL=os.environ.get("PAGE_CACHE_URL", os.environ.get("REDIS_URL", "")),
        CONTENT_DIR=os.environ.get("CONTENT_DIR") or str(ROOT),
        # The organisation's time zone (IANA name): times are shown, and days (due dates, a quiz's opening and
        # closing days, report date filters) reckoned, on its clock; the database keeps UTC (academy.platform.clock).
        TIMEZONE=os.environ.get("TIMEZONE") or "Asia/Shanghai",
        PRODUCTION=os.environ.get("ACADEMY_ENV") == "production",
        WEB_CONCURRENCY=int(os.environ.get("WEB_CONCURRENCY", "1")),
        # Host names the app answers to (comma-separated; empty: any). Others get a 400 (Host header attacks).
        TRUSTED_HOSTS=[host.strip() for host in os.environ.get("TRUSTED_HOSTS", "").split(",") if host.strip()] or None,
        # Reverse proxies in front of the app that set X-Forwarded-For/-Proto (0: none; clients cannot fake them).
        PROXY_HOPS=int(os.environ.get("PROXY_HOPS", "0")),
        # E-mail copies of assignment reminders (flask send-reminders): only when MAIL_SERVER and
        # MAIL_RECIPIENT_DOMAIN are set; a user's address is <username>@MAIL_RECIPIENT_DOMAIN.
        MAIL_SERVER=os.environ.get("MAIL_SERVER", ""),
        MAIL_PORT=int(os.environ.get("MAIL_PORT", "25")),
        MAIL_USE_TLS=os.environ.get("MAIL_USE_TLS", "") in ("1", "true", "yes"),
        MAIL_USERNAME=os.environ.get("MAIL_USERNAME", ""),
        MAIL_PASSWORD=os.environ.get("MAIL_PASSWORD", ""),
        MAIL_FROM=os.environ.get("MAIL_FROM", ""),
        MAIL_RECIPIENT_DOMAIN=os.environ.get("MAIL_RECIPIENT_DOMAIN", ""),
        BABEL_DEFAULT_LOCALE="zh_CN",
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("ACADEMY_ENV") == "production",
        # A login lasts this long at most, however active (checked on the server at every request).
        PERMANENT_SESSION_LIFETIME=timedelta(hours=float(os.environ.get("LOGIN_SESSION_HOURS", "12"))),
        # Signed out after this long without a request (checked on the server; stricter for trainers, managers
        # and admins, whose sessions can change other people's records).
        IDLE_MINUTES=float(os.environ.get("IDLE_MINUTES", "120")),
        STAFF_IDLE_MINUTES=float(os.environ.get("STAFF_IDLE_MINUTES", "30")),
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_DEFAULT_ENABLED=True,
        CONTENT_RECHECK_SECONDS=5.0,
        AUTO_MIGRATE=True,
    )
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or _instance_secret(app, instance)
    app.config.from_mapping(overrides or {})
    check_production(app.config)


def _instance_secret(app: Flask, instance: Path) -> str:
    if app.config["PRODUCTION"]:
        return ""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def check_production(config) -> None:
    """Refuse to start a production server that would be insecure."""
    if not config["PRODUCTION"]:
        return
    if len(config.get("SECRET_KEY") or "") < 32:
        raise InsecureConfig("生产环境必须设置至少 32 个字符的 SECRET_KEY")
    if config["WEB_CONCURRENCY"] > 1 and not config["REDIS_URL"]:
        raise InsecureConfig("多个 worker 时必须设置 REDIS_URL（登录限流需要共享存储）")
    # SQLite with several workers on one host is allowed: WAL lets readers run beside the one writer, and
    # writers queue on SQLite's lock (BEGIN IMMEDIATE, busy timeout); tests/test_concurrency.py and bench/ run it
    # so.  Several hosts need PostgreSQL (a SQLite file cannot be shared over a network file system).
