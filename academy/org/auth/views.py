"""Login, logout (POST, revokes the server-side session), changing one's password, and language switch."""
import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user

from academy.org.auth import services
from academy.org.auth.forms import ChangePasswordForm, LoginForm
from academy.platform.access import ANY_USER, requires
from academy.platform.db import get_session, writes
from academy.platform.i18n import LOCALES
from academy.platform.security import account_at_address, limiter, safe_next

bp = Blueprint("auth", __name__)


# No IP/User-Agent fingerprint: the server-side login session is what a copied cookie runs into (logout and
# deactivation revoke it), and "strong" protection would sign phone users out whenever their network changes.
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = None


@bp.record_once
def _setup(state) -> None:
    login_manager.init_app(state.app)


@login_manager.user_loader
def load_user(user_id: str):
    user = services.user_for_token(get_session(), user_id, session.get("sid"), current_app.permanent_session_lifetime)
    if user is None:
        return None
    now, config = time.time(), current_app.config
    if services.idle_too_long(session.get("seen"), now, services.idle_limit(user, config["IDLE_MINUTES"], config["STAFF_IDLE_MINUTES"])):
        session.clear()  # every copy of this cookie carries the same or an older mark, so none can come back
        flash(_("长时间未操作，已自动退出，请重新登录。"), "info")
        return None
    if services.activity_mark_due(session["seen"], now):
        session["seen"] = int(now)
    return user


def too_many() -> str:
    return _("登录尝试过多，请稍后再试。")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", key_func=account_at_address, methods=["POST"], error_message=too_many)
@limiter.limit("100 per minute; 1000 per hour", methods=["POST"], error_message=too_many)  # per address
@writes
def login():
    if current_user.is_authenticated:
        return redirect(url_for("courses.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        db = get_session()
        user = services.authenticate(db, form.username.data, form.password.data)
        if user is not None:
            token, lang = services.open_login_session(db, user), session.get("lang")
            if lang in LOCALES:  # chosen on the login page: kept, and remembered on the account
                services.remember_language(db, user.id, lang)
            db.commit()
            session.clear()
            session["sid"], session["seen"] = token, int(time.time())
            if lang in LOCALES:
                session["lang"] = lang
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("courses.dashboard")))
        form.password.errors.append(_("用户名或密码错误，或账号已停用。"))
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/logout", methods=["POST"])
@requires(ANY_USER)
@writes
def logout():
    db = get_session()
    services.revoke_login_session(db, session.get("sid"))
    db.commit()
    logout_user()
    session.clear()
    flash(_("你已安全退出。"), "info")
    return redirect(url_for("auth.login"))


# While a user must replace a one-time password, these are the only pages they can reach.
PASSWORD_CHANGE_PAGES = frozenset({"auth.change_password", "auth.logout", "auth.login", "auth.set_language", "static",
                                   "health.ping"})


@bp.before_app_request
def send_to_password_change():
    """Registered after the access check (anonymous users are already on their way to the login page)."""
    if request.endpoint is None or request.endpoint in PASSWORD_CHANGE_PAGES:
        return None
    user = current_user._get_current_object()
    if user.is_authenticated and user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return None


def signed_in_user() -> str:
    return f"password|{current_user.get_id()}"


@bp.route("/account/password", methods=["GET", "POST"])
@requires(ANY_USER)
@limiter.limit("10 per minute; 50 per hour", key_func=signed_in_user, methods=["POST"])  # guessing the current one
@writes
def change_password():
    """Current password, the new one twice; every other login of the user ends, this one goes on."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            token = services.change_password(db, current_user.id, form.current_password.data, form.new_password.data)
        except services.PasswordRejected as exc:
            db.rollback()
            for name, message in exc.reasons:
                getattr(form, name).errors.append(message)
        else:
            db.commit()
            session["sid"] = token
            flash(_("密码已修改。你在其他浏览器和设备上的登录都已退出。"), "success")
            return redirect(url_for("courses.dashboard"))
    return render_template("auth/password.html", form=form, forced=current_user.must_change_password,
                           min_length=services.MIN_OWN_PASSWORD), \
        200 if request.method == "GET" else 422


@bp.route("/language", methods=["POST"])
@writes
def set_language():
    lang = request.form.get("lang")
    if lang in LOCALES:
        session["lang"] = lang
        if current_user.is_authenticated:
            services.remember_language(get_session(), current_user.id, lang)
            get_session().commit()
    return redirect(safe_next(request.form.get("next"), url_for("courses.dashboard")))
