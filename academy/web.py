"""Blueprint and error-page registration."""
from flask import Blueprint, Flask, jsonify, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.routing import IntegerConverter

from academy.access import enforce_access

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


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseId
    from academy.admin.views import bp as admin_bp
    from academy.auth.views import bp as auth_bp
    from academy.courses.views import bp as courses_bp
    from academy.quizzes import mistake_views  # noqa: F401  (adds the 错题本 routes)
    from academy.quizzes.views import bp as quizzes_bp
    from academy.roleplay.views import bp as roleplay_bp

    for bp in (health, auth_bp, courses_bp, quizzes_bp, roleplay_bp, admin_bp):
        app.register_blueprint(bp)
    app.before_request(enforce_access)


def render_error(code: int, message: str | None = None):
    return render_template("errors/error.html", code=code, message=message or ERROR_MESSAGES[code]), code


def register_errors(app: Flask) -> None:
    for code in ERROR_MESSAGES:
        app.register_error_handler(code, lambda _exc, code=code: render_error(code))
    app.register_error_handler(CSRFError, lambda exc: render_error(400, _l("表单已过期或无效（CSRF 校验失败），请刷新页面后重新提交。")))
