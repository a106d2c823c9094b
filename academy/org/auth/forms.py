from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from academy.org.auth.services import MAX_PASSWORD


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=256)])


class ChangePasswordForm(FlaskForm):
    """The shape of the input; the strength rules are the service's (weak_password_reasons)."""

    current_password = PasswordField(_l("当前密码"), validators=[
        DataRequired(_l("请输入当前密码。")), Length(max=MAX_PASSWORD, message=_l("当前密码不正确。"))])
    new_password = PasswordField(_l("新密码"), validators=[
        DataRequired(_l("请输入新密码。")),
        Length(max=MAX_PASSWORD, message=_l("新密码最多 %(n)s 个字符。", n=MAX_PASSWORD))])
    confirm_password = PasswordField(_l("再次输入新密码"), validators=[
        DataRequired(_l("请再次输入新密码。")), EqualTo("new_password", _l("两次输入的新密码不一致。"))])
