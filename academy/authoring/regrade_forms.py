"""The regrade form: which earlier versions, and why (required to confirm)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, SubmitField, TextAreaField, widgets
from wtforms.validators import DataRequired, Length, ValidationError


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RegradeForm(FlaskForm):
    versions = MultiCheckboxField(_l("重新评分哪些版本的作答"), coerce=int,
                                  validators=[DataRequired(_l("请至少选择一个要重新评分的版本。"))])
    reason = TextAreaField(_l("原因（学员会在成绩页和消息中看到）"),
                           validators=[Length(max=2000, message=_l("原因最多 2000 个字符。"))])
    against = HiddenField()  # the version the page showed as current: a confirm regrades against that one only
    preview = SubmitField(_l("预览变化"))
    confirm = SubmitField(_l("确认重新评分"))

    def validate_reason(self, field) -> None:
        if self.confirm.data and not (field.data or "").strip():
            raise ValidationError(_l("请填写重新评分的原因。"))
