"""The one cache: bounded memos of values that are pure functions of their key, and learner pages that are the
same for everyone in the same state.

Memos (`memo`) hold what is derived from the content: parsed quiz versions, rendered navigation and
question controls, a learner's progress worked out from their rows.  They live in this process and are all
cleared when the content changes (`clear`, called by the catalog when it loads new files), so nothing derived
from old content outlives it.

Shared pages (`shared_page`) are opt-in, for learner GET pages only.  The key is the full URL (query string
included), the interface language, the user's roles, the content version and the learner state that the view
names; so two learners in the same state share one rendering.  Templates stay ordinary: they call
`csrf_token()` and show `current_user.display_name`.  While a shared page is rendered those two give
markers, and each request fills in its own token and (escaped) name.  Pages showing flashed messages are
never shared.  With REDIS_URL set the pages are kept in Redis, so several app servers share them; otherwise
in this process.  Staff, trainer, manager, admin and report pages are never shared
(tests/test_cache.py walks every route to prove it).
"""
import hashlib
import re
import threading
from collections.abc import Callable, Hashable
from functools import wraps

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

_MISSING = object()
_memos: dict[str, dict] = {}
_memos_lock = threading.Lock()

NAME_MARK = "\x00user-name\x00"
CSRF_MARK = "\x00csrf-token\x00"
_MARKS = re.compile(f"({NAME_MARK}|{CSRF_MARK})")
MAX_PAGES = 512  # per process, when pages are not kept in Redis; a page is 3-30 KB
PAGE_SECONDS = 3600  # in Redis


def memo(name: str, key: Hashable, compute: Callable, max_entries: int = 4096):
    """compute() once per key in the memo `name`, which is simply emptied when it is full."""
    store = _memos.get(name)
    if store is None:
        with _memos_lock:
            store = _memos.setdefault(name, {})
    value = store.get(key, _MISSING)
    if value is _MISSING:
        if len(store) >= max_entries:
            store.clear()  # atomic, also under threaded workers
        value = store[key] = compute()
    return value


def clear() -> None:
    """Forget every memo and every page kept in this process (the content changed)."""
    for store in list(_memos.values()):
        store.clear()


def memo_sizes() -> dict[str, int]:
    return {name: len(store) for name, store in _memos.items()}


class _Viewer:
    """current_user while a shared page renders: the real user, except the name, which is a marker."""

    display_name = NAME_MARK

    def __init__(self, user) -> None:
        self._user = user

    def __getattr__(self, name: str):
        return getattr(self._user, name)


def _marked_context() -> dict:
    if not g.get("shared_render"):
        return {}
    return {"csrf_token": lambda: CSRF_MARK, "current_user": _Viewer(current_user._get_current_object())}


def shared_page(state: Callable[..., Hashable]):
    """Decorate a learner GET view whose page is a function of the URL, language, roles, content and
    `state(**view_args)` (plain hashable data, e.g. the learner's progress key)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(**view_args):
            if "_flashes" in session:
                return view(**view_args)
            key = _page_key(state(**view_args))
            parts = current_app.extensions["page_store"].get(key)
            if parts is None:
                rendered = _render_marked(view, view_args)
                if not isinstance(rendered, str):  # a redirect, a refusal: not shared
                    return rendered
                parts = _split(rendered)
                current_app.extensions["page_store"].put(key, parts)
            return Response(_fill(parts), mimetype="text/html")

        wrapper.shared_page = True
        return wrapper

    return decorate


def _page_key(state: Hashable) -> str:
    user = current_user._get_current_object()
    raw = repr((request.full_path, request.script_root, str(get_locale()), sorted(user.roles),
                current_app.extensions["content_version"](), state))
    return hashlib.sha256(raw.encode()).hexdigest()


def _render_marked(view: Callable, view_args: dict):
    g.shared_render = True
    try:
        rendered = view(**view_args)
    finally:
        g.shared_render = False
    token = g.get("csrf_token")  # Flask-WTF keeps the token it made for this request here
    if isinstance(rendered, str) and token and token in rendered:
        raise RuntimeError(f"{request.endpoint}: a shared page may show the CSRF token only through csrf_token()")
    return rendered


def _split(html: str) -> list[str]:
    return _MARKS.split(html)


def _fill(parts: list[str]) -> bytes:
    values = {NAME_MARK: str(escape(current_user.display_name)), CSRF_MARK: generate_csrf()}
    return "".join(values.get(part, part) for part in parts).encode()


class ProcessPages:
    def get(self, key: str):
        return _memos.get("pages", {}).get(key)

    def put(self, key: str, parts: list[str]) -> None:
        memo("pages", key, lambda: parts, MAX_PAGES)


class RedisPages:
    """Pages shared by every app server; they expire after an hour, and a content change gives new keys."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)

    def get(self, key: str):
        value = self.client.get("academy:page:" + key)
        return _split(value.decode()) if value is not None else None

    def put(self, key: str, parts: list[str]) -> None:
        self.client.set("academy:page:" + key, "".join(parts).encode(), ex=PAGE_SECONDS)


def init_app(app: Flask) -> None:
    """The app names its content version in app.extensions["content_version"] (a callable), which every page
    key includes."""
    url = app.config.get("PAGE_CACHE_URL", "")
    app.extensions["page_store"] = RedisPages(url) if url.startswith("redis") else ProcessPages()
    app.context_processor(_marked_context)
