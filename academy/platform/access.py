"""Deny by default: every endpoint must be public or declare the roles that may use it."""
from collections.abc import Callable

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

# certificates.verify: anyone holding a certificate code checks it (name, title and date only; rate-limited).
PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.set_language", "health.ping", "certificates.verify"}
ANY_USER = "any"


def requires(*roles: str) -> Callable:
    """Declare who may use a view: requires("trainer", "admin") or requires(ANY_USER)."""

    def decorate(view: Callable) -> Callable:
        view.allowed_roles = frozenset(roles)
        return view

    return decorate


def allowed(roles: frozenset, user) -> bool:
    return ANY_USER in roles or user.has_role(*roles)


def enforce_access():
    """before_request hook: anonymous → login; undeclared or wrong role → 403."""
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    view = current_app.view_functions.get(request.endpoint)
    roles = getattr(view, "allowed_roles", None)
    if roles is None or not allowed(roles, user):
        abort(403)
    return None
