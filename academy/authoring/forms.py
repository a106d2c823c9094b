"""Authoring forms: they check the shape of the input; the store checks the rules (and the parser the content)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from academy.authoring.store import MAX_SOURCE_CHARS
from academy.platform import clock

ID_PATTERN = Regexp(r"^[a-z0-9][a-z0-9-]{0,79}$", message=_l("id 只能包含小写字母、数字和连字符，最多 80 个字符。"))


class SourceForm(FlaskForm):
    source = TextAreaField(_l("Quiz Markdown 源文本"), [Length(max=MAX_SOURCE_CHARS, message=_l("内容太长。"))])
    note = StringField(_l("说明（可选，写入版本记录）"), [Optional(), Length(max=400, message=_l("说明最多 400 个字符。"))])


class NewQuizForm(FlaskForm):
    quiz_id = StringField(_l("测验 id"), [DataRequired(_l("请输入 id。")), ID_PATTERN])
    title = StringField(_l("标题"), [DataRequired(_l("请输入标题。")), Length(max=120, message=_l("标题最多 120 个字符。"))])
    course = SelectField(_l("所属模块"), validators=[Optional()])


class NewLessonForm(FlaskForm):
    module = SelectField(_l("所属模块"), validators=[DataRequired(_l("请选择模块。"))])
    slug = StringField(_l("文件名（如 05-budget）"), [
        DataRequired(_l("请输入文件名。")),
        Regexp(r"^\d{2}-[a-z0-9][a-z0-9-]{0,60}$", message=_l("文件名应为两位数字-小写字母，如 05-budget。"))])
    lesson_id = StringField(_l("课时 id"), [DataRequired(_l("请输入 id。")), ID_PATTERN])
    title = StringField(_l("标题"), [DataRequired(_l("请输入标题。")), Length(max=120, message=_l("标题最多 120 个字符。"))])


class DuplicateForm(FlaskForm):
    new_id = StringField(_l("新测验的 id"), [DataRequired(_l("请输入 id。")), ID_PATTERN])


class GrantForm(FlaskForm):
    username = StringField(_l("培训师用户名"), [DataRequired(_l("请输入用户名。")), Length(max=64)])


CHOICE_LABELS = {
    "grading": [SelectChoice("highest", _l("取最高分")), SelectChoice("latest", _l("取最后一次")),
                SelectChoice("average", _l("取平均分"))],
    "shuffle": [SelectChoice("none", _l("不打乱")), SelectChoice("questions", _l("打乱题目顺序")),
                SelectChoice("options", _l("打乱选项顺序")), SelectChoice("both", _l("题目和选项都打乱"))],
    "review": [SelectChoice("immediate", _l("作答时即可查看（可逐题检查）")), SelectChoice("after_submit", _l("提交后")),
               SelectChoice("after_close", _l("截止日期后")), SelectChoice("never", _l("不显示答案"))],
}


def a_day_or_time(_form, field) -> None:
    """A real day or time as the parser reads it (it refuses 2027-02-30 at publish; say so here, on the field)."""
    field.data = " ".join(field.data.split())
    if clock.schedule(field.data) is None:
        raise ValidationError(_l("日期格式应为 YYYY-MM-DD，或加上时间：YYYY-MM-DD HH:MM（24 小时制）。"))


DATE_CHECKS = [Optional(), a_day_or_time]


class OptionsForm(FlaskForm):
    """The quiz's front-matter options (docs/quiz-format.md section 1); saving rewrites them in the draft."""

    title = StringField(_l("标题"), [DataRequired(_l("请输入标题。")), Length(max=120, message=_l("标题最多 120 个字符。"))])
    pass_score = DecimalField(_l("及格线（%）"), [Optional(), NumberRange(0, 100, message=_l("及格线应在 0–100 之间。"))],
                              places=None)
    attempts = IntegerField(_l("作答次数上限（留空为不限）"), [Optional(), NumberRange(1, 1000, message=_l("次数应在 1–1000 之间。"))])
    time_limit = IntegerField(_l("限时（分钟，留空为不限时）"),
                              [Optional(), NumberRange(1, 24 * 60, message=_l("限时应在 1–1440 分钟之间。"))])
    grading = SelectField(_l("计分方式"), choices=CHOICE_LABELS["grading"])
    shuffle = SelectField(_l("乱序"), choices=CHOICE_LABELS["shuffle"])
    review = SelectField(_l("何时显示答案与解析"), choices=CHOICE_LABELS["review"])
    opens_at = StringField(_l("开放时间（YYYY-MM-DD 当天零点起，或 YYYY-MM-DD HH:MM；留空为立即开放）"), DATE_CHECKS)
    closes_at = StringField(_l("截止时间（YYYY-MM-DD 当天结束时，或 YYYY-MM-DD HH:MM；留空为不截止）"), DATE_CHECKS)
    required = BooleanField(_l("必修（计入学习进度）"))
    staff_only = BooleanField(_l("仅讲师可见（学员看不到）"))

    def validate_opens_at(self, field) -> None:
        opens, closes = field.data or "", " ".join((self.closes_at.data or "").split())  # closes_at is checked next
        if clock.schedule(opens) and clock.schedule(closes) and clock.opens(opens) >= clock.closes(closes):
            raise ValidationError(_l("开放时间必须早于截止时间。"))

    def front_matter(self) -> dict[str, str | None]:
        """The front-matter lines this form sets (None removes a key, so the default applies)."""
        pass_score = self.pass_score.data
        return {
            "title": self.title.data.strip(),
            "pass_score": None if pass_score is None else f"{pass_score.normalize():f}",
            "attempts": str(self.attempts.data) if self.attempts.data else "unlimited",
            "time_limit": f"{self.time_limit.data}m" if self.time_limit.data else None,
            "grading": self.grading.data, "shuffle": self.shuffle.data, "review": self.review.data,
            "opens_at": self.opens_at.data or None, "closes_at": self.closes_at.data or None,
            "required": "true" if self.required.data else "false",
            "audience": "staff" if self.staff_only.data else None,
        }

    def fill_from(self, quiz) -> None:
        self.title.data = quiz.title
        self.pass_score.data = quiz.pass_score
        self.attempts.data = quiz.attempts
        self.time_limit.data = -(-quiz.time_limit // 60) if quiz.time_limit else None
        self.grading.data, self.shuffle.data, self.review.data = quiz.grading, quiz.shuffle, quiz.review
        self.opens_at.data, self.closes_at.data = quiz.opens_at, quiz.closes_at
        self.required.data = quiz.required
        self.staff_only.data = quiz.audience == "staff"
