"""Who may act on a document, as the pages refuse it: one rule, academy.authoring.store.may_edit (admins act on
everything; a trainer on what they created or were granted, and on the file content nobody owns), for editing,
publishing and archiving in the workspace, the form editor, item analysis and regrading."""
from flask import abort, make_response
from flask_login import current_user

from academy.authoring import store
from academy.platform.db import get_session
from academy.platform.web import render_error


def require_editable(path: str, message: str) -> None:
    """A 403 page saying `message` unless the signed-in user may edit the document at `path`."""
    if not store.may_edit(get_session(), current_user, path):
        abort(make_response(render_error(403, message)))
