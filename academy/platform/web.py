"""What every route shares: database ids in URLs, deny-by-default access, the health check, error pages."""
from urllib.parse import urlsplit

from flask import Blueprint, Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import SecurityError
from werkzeug.routing import IntegerConverter

from academy.platform.access import enforce_access
from academy.platform.security import safe_next

health = Blueprint("health", __name__)

ERROR_MESSAGES = {
    400: _l("请求无效，请返回上一页重试。"),
    403: _l("你没有权限访问这个页面。"),
    404: _l("页面不存在，可能已被移除。"),
    405: _l("不支持这种请求方式。"),
    413: _l("上传的内容太大。"),
    422: _l("提交的内容有误，请检查后重试。"),
    429: _l("尝试次数过多，请稍后再试。"),
    500: _l("服务器出错了，我们已记录该问题。请稍后重试。"),
}


@health.route("/healthz")
def ping():
    return jsonify(status="ok")


class DatabaseId(IntegerConverter):
    """`<int:…>` in our routes is a database id: a number larger than an id column holds is simply not found
    (404) instead of failing in the database (integer out of range) with a 500."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits, min, max, signed)


def init_app(app: Flask) -> None:
    """Database ids in URLs, deny-by-default access on every request, the health check."""
    app.url_map.converters["int"] = DatabaseId
    app.register_blueprint(health)
    app.before_request(enforce_access)


def previous_page() -> str | None:
    """The page of this site the refused request came from (its Referer), as a link back; None if there is none."""
    referrer = urlsplit(request.referrer or "")
    try:
        host = request.host
    except SecurityError:  # the request is refused for its Host header: no way back to offer
        return None
    if referrer.netloc != host or not referrer.path:
        return None
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    back = safe_next(path, "")
    return back if back and back != request.full_path.rstrip("?") else None


def render_error(code: int, message: str | None = None):
    """The styled error page: what went wrong, and a way back (the previous page, and 我的学习)."""
    return render_template("errors/error.html", code=code, message=message or ERROR_MESSAGES[code],
                           back=previous_page()), code


def register_errors(app: Flask) -> None:
    for code in ERROR_MESSAGES:
        app.register_error_handler(code, lambda _exc, code=code: render_error(code))
    app.register_error_handler(CSRFError, lambda exc: render_error(400, _l("表单已过期或无效（CSRF 校验失败），请刷新页面后重新提交。")))
