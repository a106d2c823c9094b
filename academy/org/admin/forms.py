"""Admin forms: they check the shape of the input; services check the rules."""
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from academy.org.admin.services import MIN_PASSWORD, ROLE_NAMES, UserData
from academy.org.models import ROLES, Region, User

NO_TEAM = 0
NEW_REGION, NEW_TEAM = "new-region", "new-team"  # prefixes keep ids unique on the org page
PASSWORD_LENGTH = Length(min=MIN_PASSWORD, max=256, message=_l("密码至少 %(n)d 个字符，最多 256 个字符。", n=MIN_PASSWORD))


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), [DataRequired(_l("请输入用户名。")), Length(max=64, message=_l("用户名最多 64 个字符。"))])
    display_name = StringField(_l("姓名"), [DataRequired(_l("请输入姓名。")), Length(max=80, message=_l("姓名最多 80 个字符。"))])
    password = PasswordField(_l("新密码"), [Optional(strip_whitespace=False), PASSWORD_LENGTH])
    roles = MultiCheckboxField(_l("角色"), choices=[SelectChoice(r, ROLE_NAMES[r]) for r in ROLES],
                               validators=[DataRequired(_l("请至少选择一个角色。"))])
    team_id = SelectField(_l("所属团队"), coerce=int, default=NO_TEAM)
    scopes = SelectMultipleField(_l("经理可查看的范围"), validators=[Optional()])
    active = BooleanField(_l("账号启用"), default=True)

    def set_choices(self, teams: list[tuple[int, str, str]], scopes: list[tuple[str, str, str]]) -> None:
        """Teams and manager scopes come from services, grouped by 片区."""
        self.team_id.choices = [SelectChoice(NO_TEAM, _l("（不属于任何团队）")),
                                *(SelectChoice(i, name, optgroup=region) for i, name, region in teams)]
        self.scopes.choices = [SelectChoice(v, _scope_label(v, name), optgroup=region) for v, name, region in scopes]

    def to_data(self) -> UserData:
        scopes = self.scopes.data or []
        return UserData(
            username=self.username.data.strip(), display_name=self.display_name.data.strip(),
            roles=set(self.roles.data), team_id=self.team_id.data or None,
            password=self.password.data or None, active=self.active.data,
            scope_region_ids={int(s[2:]) for s in scopes if s.startswith("r:")},
            scope_team_ids={int(s[2:]) for s in scopes if s.startswith("t:")},
        )


class NewUserForm(UserForm):
    password = PasswordField(_l("初始密码"), [DataRequired(_l("请设置初始密码。")), PASSWORD_LENGTH])


def user_form_data(user: User) -> dict:
    """Initial values of the edit form (the password stays empty)."""
    scopes = [f"r:{s.region_id}" if s.region_id else f"t:{s.team_id}" for s in user.scopes]
    return {"username": user.username, "display_name": user.display_name, "roles": sorted(user.roles),
            "team_id": user.team_id or NO_TEAM, "scopes": scopes, "active": user.active}


class RegionForm(FlaskForm):
    name = StringField(_l("片区名称"), [DataRequired(_l("请输入片区名称。")), Length(max=80, message=_l("最多 80 个字符。"))])


class RegionEditForm(RegionForm):
    active = BooleanField(_l("启用"))


def region_choices(regions: list[Region]) -> list[SelectChoice]:
    return [SelectChoice(r.id, r.name) for r in regions]


class TeamForm(FlaskForm):
    region_id = SelectField(_l("所属片区"), coerce=int)
    name = StringField(_l("团队名称"), [DataRequired(_l("请输入团队名称。")), Length(max=80, message=_l("最多 80 个字符。"))])


class TeamEditForm(FlaskForm):
    name = StringField(_l("团队名称"), [DataRequired(_l("请输入团队名称。")), Length(max=80, message=_l("最多 80 个字符。"))])
    active = BooleanField(_l("启用"))


class ImportForm(FlaskForm):
    file = FileField(_l("用户名单（.csv 或 .xlsx）"), validators=[
        FileRequired(_l("请选择要上传的文件。")),
        FileAllowed(["csv", "xlsx"], _l("只支持 .csv 或 .xlsx 文件。")),
    ])


def _scope_label(value: str, name: str) -> str:
    """Plain text (WTForms escapes it; the names are typed by admins)."""
    return gettext("整个片区：%(name)s", name=name) if value.startswith("r:") else gettext("团队：%(name)s", name=name)
