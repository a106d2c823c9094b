"""The item forms (WTForms): one per form shape a type's Writer names — choices, truefalse, sequence, pairs,
categories.  They check the shape of the input and convert to and from the plain item data that the Quiz Markdown
writer writes (academy.learning.questions.quizmd.writer); Quiz Markdown itself is checked by the parser when the
item is saved.

Rows (options, entries, pairs, distractors, categories) are added, removed and moved with ordinary submit
buttons (`action=add:options`, `remove:options:2`, `up:sequence:3`), so the editor works without JavaScript.
"""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from academy.learning.questions import STAGES
from academy.learning.questions.editing import normal_extra, parse_extra
from academy.learning.questions.quizmd.syntax import ID_RE
from academy.learning.questions.quizmd.writer import clean

NUMBER_RE = re.compile(r"^[+-]?\d{1,3}(\.\d{1,2})?$")
ATTR_VALUE_RE = re.compile(r'^[^"{}\n]*$')
LESSON_RE = re.compile(r'^[^\s"{}]*$')
SINGLE_LINE = 500
LONG_TEXT = 5000
FEEDBACK = 2000

# Limits per list: (most rows, fewest rows kept when removing, the message at the limit)
LIMITS = {
    "options": (12, 2, _l("最多 12 个选项。")),
    "sequence": (12, 2, _l("最多 12 个排序条目。")),
    "pairs": (12, 2, _l("最多 12 组配对。")),
    "distractors": (6, 0, _l("最多 6 个干扰项。")),
    "categories": (8, 2, _l("最多 8 个类别。")),
    "items": (20, 2, _l("最多 20 个待分类条目。")),
}
FEWEST = {
    "options": _l("至少要保留 2 个选项。"), "sequence": _l("至少要保留 2 个排序条目。"), "pairs": _l("至少要保留 2 组配对。"),
    "categories": _l("至少要保留 2 个类别。"), "items": _l("至少要保留 2 个待分类条目。"), "distractors": "",
}
SCORING_LABELS = {
    "partial": _l("按权重得部分分（默认）"), "all_or_nothing": _l("全部选对才得分"),
    "pairs": _l("按相邻顺序正确的比例（默认）"), "positions": _l("按位置正确的比例"),
}
ROW_BLANKS = {  # a row left completely empty is dropped when saving
    "options": {"text": "", "correct": False, "weight": None, "feedback": "", "redline": False},
    "pairs": {"left": "", "right": ""},
    "items": {"text": "", "category": ""},
    "sequence": "", "distractors": "", "categories": "",
}


def one_line(form, field):
    if "\n" in (field.data or "") or "\r" in (field.data or ""):
        raise ValidationError(_l("“%(label)s”只能写一行。", label=field.label.text))


def optional_number(low: float, high: float, message):
    def check(form, field):
        value = (field.data or "").strip().replace("％", "").rstrip("%")
        if value and (not NUMBER_RE.match(value) or not low <= float(value) <= high):
            raise ValidationError(message)

    return check


def text(label, limit=SINGLE_LINE, required=False):
    checks = [Length(max=limit, message=_l("最多 %(n)d 个字符。", n=limit)), one_line]
    if required:
        checks.insert(0, InputRequired(_l("请填写“%(label)s”。", label=label)))
    return StringField(label, checks)


def area(label, limit=LONG_TEXT):
    return TextAreaField(label, [Length(max=limit, message=_l("最多 %(n)d 个字符。", n=limit))])


def rows(field, limit_key):
    return FieldList(field, max_entries=LIMITS[limit_key][0] + 1)  # one more than allowed, so a tampered form is told


class OptionForm(Form):
    text = text(_l("选项文字"))
    correct = BooleanField(_l("正确项"))
    weight = StringField(_l("权重（百分比）"), [optional_number(-100, 100, _l("权重应为 -100 到 100 之间的数，最多两位小数。"))])
    feedback = area(_l("该选项的反馈"), FEEDBACK)
    redline = BooleanField(_l("红线项"))


class PairForm(Form):
    left = text(_l("左侧"))
    right = text(_l("右侧"))


class RowForm(Form):
    text = text(_l("条目"))
    category = SelectField(_l("类别"), choices=[], validate_choice=False)


class ItemForm(FlaskForm):
    """What every item has: id, title, points, concepts, 商机阶段, lesson link, stem, 解析, 提示, 红线说明."""

    item_id = StringField(_l("题目 id"), [InputRequired(_l("请填写题目 id。")), Length(max=120, message=_l("最多 %(n)d 个字符。", n=120))])
    title = text(_l("标题"), 200)
    points = StringField(_l("分值"), [InputRequired(_l("请填写分值。")),
                                      optional_number(0.01, 100, _l("分值应为 0.01 到 100 之间的数，最多两位小数。"))])
    concepts = text(_l("考查概念（逗号分隔）"), 300)
    stage = SelectField(_l("商机阶段"), choices=[SelectChoice("", _l("（不指定）")), *(SelectChoice(s, s) for s in STAGES)],
                        validate_choice=False)
    lesson = text(_l("讲授本题的课时（课时 id#小节）"), 200)
    category = text(_l("题库分类（用 / 分隔层级）"), 120)
    tags = text(_l("标签（逗号分隔）"), 300)
    stem = area(_l("题干"))
    explanation = area(_l("解析（答后显示）"))
    hint = area(_l("提示"), FEEDBACK)
    remediation = area(_l("红线说明（触犯红线后显示）"))
    extra = text(_l("其他属性（原样保留）"), 300)

    shape = ""
    lists: tuple[str, ...] = ()

    def __init__(self, *args, writer=None, **kwargs):
        super().__init__(*args, **kwargs)
        scorings = writer.scorings if writer is not None else ()
        self.type_managed = writer.managed if writer is not None else frozenset()
        if hasattr(self, "scoring"):
            self.scoring.choices = [SelectChoice(s, SCORING_LABELS.get(s, s)) for s in scorings]
        self.show_scoring = bool(scorings)
        self.form_errors = []

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self.validate_lists() and valid

    def validate_item_id(self, field):
        if field.data and not ID_RE.match(field.data.strip()):
            raise ValidationError(_l("id 只能用字母、数字、连字符和下划线，以字母或数字开头。"))

    def validate_stage(self, field):
        if field.data and field.data not in STAGES:
            raise ValidationError(_l("请从列表中选择商机阶段。"))

    def validate_concepts(self, field):
        if not ATTR_VALUE_RE.match(field.data or ""):
            raise ValidationError(_l("概念中不能有双引号或花括号。"))

    def validate_category(self, field):
        if not ATTR_VALUE_RE.match(field.data or ""):
            raise ValidationError(_l("分类中不能有双引号或花括号。"))

    def validate_tags(self, field):
        if not ATTR_VALUE_RE.match(field.data or ""):
            raise ValidationError(_l("标签中不能有双引号或花括号。"))

    def validate_lesson(self, field):
        if not LESSON_RE.match((field.data or "").strip()):
            raise ValidationError(_l("课时链接不能有空格、双引号或花括号，例如 clients-procurement#budget。"))

    def validate_extra(self, field):
        problems, names = parse_extra(field.data or "")
        if problems:
            raise ValidationError(_l("其他属性应写成 key=value，用空格分隔：%(problems)s", problems="；".join(problems)))
        taken = [n for n in names if n in self.managed_names()]
        if taken:
            raise ValidationError(_l("请用表单中的对应栏目设置：%(names)s", names="、".join(taken)))

    def managed_names(self) -> set[str]:
        return {"points", "concepts", "lesson", "stage", "category", "tags", *self.type_managed}

    def validate_lists(self) -> bool:
        """Each list within its limits (a dropped empty row does not count)."""
        ok = True
        for name in self.lists:
            most = LIMITS[name][0]
            if len(self._field(name).entries) > most:
                self._field(name).errors = [*self._field(name).errors, LIMITS[name][2]]
                ok = False
        return ok

    def _field(self, name):
        return self[name]

    def list_messages(self, name: str) -> list[str]:
        """A list's own messages (its rows' errors are shown at the rows)."""
        return [str(e) for e in self[name].errors if not isinstance(e, (list, dict))]

    # ---- plain data ------------------------------------------------------------------------------

    def common_data(self) -> dict:
        return {
            "id": (self.item_id.data or "").strip(), "title": clean(self.title.data),
            "points": float(_number(self.points.data) or 1), "stage": self.stage.data or "",
            "concepts": [c.strip() for c in re.split(r"[,，]", self.concepts.data or "") if c.strip()],
            "lesson": (self.lesson.data or "").strip(), "category": "/".join(p.strip() for p in clean(self.category.data).split("/"))
            if clean(self.category.data) else "",
            "tags": list(dict.fromkeys(t.strip() for t in re.split(r"[,，]", self.tags.data or "") if t.strip())),
            "stem": clean(self.stem.data), "explanation": clean(self.explanation.data),
            "hint": clean(self.hint.data), "remediation": clean(self.remediation.data), "extra": _extra(self.extra.data),
        }

    def to_data(self, drop_blank_rows: bool = True) -> dict:
        data = {**self.common_data(), **self.own_data()}
        if drop_blank_rows:
            for name in self.lists:
                data[name] = [row for row in data[name] if not _blank(row)]
        return data

    def own_data(self) -> dict:
        raise NotImplementedError

    @classmethod
    def values(cls, data: dict) -> dict:
        """The form fields' initial values from plain form data."""
        return {"item_id": data["id"], "title": data["title"], "points": _show(data["points"]),
                "concepts": "，".join(data["concepts"]), "stage": data["stage"], "lesson": data["lesson"],
                "category": data["category"], "tags": "，".join(data["tags"]),
                "stem": data["stem"], "explanation": data["explanation"], "hint": data["hint"],
                "remediation": data["remediation"], "extra": data["extra"], **cls.own_values(data)}

    @classmethod
    def own_values(cls, data: dict) -> dict:
        return {}


class ChoicesForm(ItemForm):
    shape, lists = "choices", ("options",)
    scoring = SelectField(_l("计分方式"), choices=[], validate_choice=False)
    shuffle = BooleanField(_l("作答时打乱选项顺序（测验设置允许时）"))
    options = rows(FormField(OptionForm), "options")

    def own_data(self) -> dict:
        data = {"shuffle": bool(self.shuffle.data), "options": [
            {"text": clean(o.text.data), "correct": bool(o.correct.data), "weight": _number(o.weight.data),
             "feedback": clean(o.feedback.data), "redline": bool(o.redline.data)} for o in (e.form for e in self.options)]}
        if self.show_scoring:
            data["scoring"] = self.scoring.data
        return data

    @classmethod
    def own_values(cls, data: dict) -> dict:
        return {"scoring": data.get("scoring", ""), "shuffle": data["shuffle"],
                "options": [{**o, "weight": _show(o["weight"])} for o in data["options"]]}

    def validate_scoring(self, field):
        if self.show_scoring and field.data not in {c.value for c in field.choices}:
            raise ValidationError(_l("请从列表中选择计分方式。"))


class TrueFalseForm(ItemForm):
    shape = "truefalse"
    answer = RadioField(_l("正确答案"), choices=[SelectChoice("true", _l("对")), SelectChoice("false", _l("错"))], validate_choice=False)
    correct_feedback = area(_l("答对时的反馈"), FEEDBACK)
    incorrect_feedback = area(_l("答错时的反馈"), FEEDBACK)
    redline = BooleanField(_l("答错即触犯红线（整份测验判为不及格）"))

    def validate_answer(self, field):
        if field.data not in ("true", "false"):
            raise ValidationError(_l("请选择“对”或“错”。"))

    def own_data(self) -> dict:
        return {"answer": self.answer.data == "true", "correct_feedback": clean(self.correct_feedback.data),
                "incorrect_feedback": clean(self.incorrect_feedback.data), "redline": bool(self.redline.data)}

    @classmethod
    def own_values(cls, data: dict) -> dict:
        return {"answer": "true" if data["answer"] else "false", "correct_feedback": data["correct_feedback"],
                "incorrect_feedback": data["incorrect_feedback"], "redline": data["redline"]}


class SequenceForm(ItemForm):
    shape, lists = "sequence", ("sequence",)
    scoring = SelectField(_l("计分方式"), choices=[], validate_choice=False)
    sequence = rows(text(_l("条目")), "sequence")

    def own_data(self) -> dict:
        return {"scoring": self.scoring.data, "sequence": [clean(e.data) for e in self.sequence]}

    @classmethod
    def own_values(cls, data: dict) -> dict:
        return {"scoring": data["scoring"], "sequence": list(data["sequence"])}

    validate_scoring = ChoicesForm.validate_scoring


class PairsForm(ItemForm):
    shape, lists = "pairs", ("pairs", "distractors")
    pairs = rows(FormField(PairForm), "pairs")
    distractors = rows(text(_l("干扰项（只在右侧出现）")), "distractors")

    def own_data(self) -> dict:
        return {"pairs": [{"left": clean(p.left.data), "right": clean(p.right.data)} for p in (e.form for e in self.pairs)],
                "distractors": [clean(e.data) for e in self.distractors]}

    @classmethod
    def own_values(cls, data: dict) -> dict:
        return {"pairs": list(data["pairs"]), "distractors": list(data["distractors"])}

    def validate_pairs(self, field):
        for entry in field:
            left, right = clean(entry.form.left.data), clean(entry.form.right.data)
            if bool(left) != bool(right):
                raise ValidationError(_l("每组配对的左右两侧都要填写（只在右侧出现的选项请写在“干扰项”中）。"))


class CategoriesForm(ItemForm):
    shape, lists = "categories", ("categories", "items")
    categories = rows(text(_l("类别")), "categories")
    items = rows(FormField(RowForm), "items")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = [clean(e.data) for e in self.categories if clean(e.data)]
        for entry in self.items:
            chosen = entry.form.category.data or ""
            stale = [SelectChoice(chosen, _l("%(name)s（已不在类别中）", name=chosen))] if chosen and chosen not in names else []
            entry.form.category.choices = [SelectChoice("", _l("（请选择）")), *(SelectChoice(n, n) for n in names), *stale]

    def own_data(self) -> dict:
        return {"categories": [clean(e.data) for e in self.categories],
                "items": [{"text": clean(r.text.data), "category": r.category.data or ""} for r in (e.form for e in self.items)]}

    @classmethod
    def own_values(cls, data: dict) -> dict:
        return {"categories": list(data["categories"]), "items": list(data["items"])}

    def validate_categories(self, field):
        names = [clean(e.data) for e in field if clean(e.data)]
        if any("|" in n or "｜" in n for n in names):
            raise ValidationError(_l("类别名称中不能有竖线 |。"))
        if len(set(names)) != len(names):
            raise ValidationError(_l("类别不能重名。"))

    def validate_items(self, field):
        names = {clean(e.data) for e in self.categories if clean(e.data)}
        for entry in field:
            row = entry.form
            if (clean(row.text.data) or row.category.data) and row.category.data not in names:
                row.category.errors = [*row.category.errors, _l("请为每个条目选择一个已列出的类别。")]
                raise ValidationError(_l("有条目没有选择类别。"))


FORMS = {form.shape: form for form in (ChoicesForm, TrueFalseForm, SequenceForm, PairsForm, CategoriesForm)}


def _number(value) -> float | None:
    value = str(value if value is not None else "").strip().replace("％", "").rstrip("%")
    return round(float(value), 2) if value and NUMBER_RE.match(value) else None


def _show(value) -> str:
    if value is None:
        return ""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _extra(text: str | None) -> str:
    """其他属性 in their usual order; kept as typed while they do not parse (the form says why)."""
    return clean(text) if parse_extra(text or "")[0] else normal_extra(text or "")


def _blank(row) -> bool:
    if isinstance(row, dict):
        return not any(v for k, v in row.items() if k != "correct")  # an unfilled row, even if 正确项 is ticked
    return not row


def apply_action(data: dict, action: str, lists: tuple[str, ...]) -> tuple[dict, str | None]:
    """A row button: `add:<list>`, `remove:<list>:<i>`, `up:<list>:<i>` or `down:<list>:<i>` on the unsaved form
    data (blank rows kept).  Returns the new data and a message when a limit stops it."""
    verb, _, rest = action.partition(":")
    name, _, index = rest.partition(":")
    if name not in lists:
        return data, None
    entries = list(data[name])
    most, fewest, at_most = LIMITS[name]
    position = int(index) if index.isdecimal() and int(index) < len(entries) else None
    if verb == "add":
        if len(entries) >= most:
            return data, at_most
        blank = ROW_BLANKS[name]
        entries.append(dict(blank) if isinstance(blank, dict) else blank)
    elif verb == "remove" and position is not None:
        if len(entries) <= fewest:
            return data, FEWEST[name]
        del entries[position]
    elif verb in ("up", "down") and position is not None:
        other = position - 1 if verb == "up" else position + 1
        if 0 <= other < len(entries):
            entries[position], entries[other] = entries[other], entries[position]
    return {**data, name: entries}, None
