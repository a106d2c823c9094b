"""Per-process memo for values that are pure functions of their key (rendered fragments, derived data;
never for state that the database owns)."""
from collections.abc import Callable

from flask import current_app

_MISSING = object()


def remember(name: str, key: tuple, render: Callable, max_entries: int):
    """render() once per key; the cache `name` lives in the app and is simply emptied when it is full."""
    return memoised(current_app.extensions.setdefault(name, {}), key, render, max_entries)


def memoised(cache: dict, key: tuple, render: Callable, max_entries: int):
    """render() once per key in `cache`, which is simply emptied when it is full."""
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        if len(cache) >= max_entries:
            cache.clear()  # atomic, also under threaded workers
        value = cache[key] = render()
    return value
