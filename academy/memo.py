"""Per-process memo for rendered fragments that are pure functions of their key (never for state)."""
from collections.abc import Callable

from flask import current_app


def remember(name: str, key: tuple, render: Callable, max_entries: int):
    """render() once per key; the cache `name` lives in the app and is simply emptied when it is full."""
    cache = current_app.extensions.setdefault(name, {})
    if key not in cache:
        if len(cache) >= max_entries:
            cache.clear()  # atomic, also under threaded workers
        cache[key] = render()
    return cache[key]
