"""The coaching note form (on a learner's page in the reports): its fields and their shapes; the rules are the
service's (academy.org.coaching.services)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from academy.org.coaching.services import MAX_NEXT_STEP, MAX_SUMMARY, MAX_TOPIC, NoteData
from academy.platform.clock import parse_day


class CoachingNoteForm(FlaskForm):
    held_on = StringField(_l("谈话日期"), render_kw={"type": "date", "required": True})
    topic = StringField(_l("话题（可选：课程里的概念，或你自己的话）"),
                        render_kw={"maxlength": MAX_TOPIC, "list": "coaching-topics", "autocomplete": "off"})
    summary = TextAreaField(_l("谈了什么"), render_kw={"maxlength": MAX_SUMMARY, "rows": 4, "required": True})
    next_step = TextAreaField(_l("约定的下一步（可选）"), render_kw={"maxlength": MAX_NEXT_STEP, "rows": 2})
    follow_up_on = StringField(_l("跟进日期（可选）"), render_kw={"type": "date"})

    def data_for_service(self) -> NoteData:
        return NoteData(held_on=parse_day(self.held_on.data), topic=self.topic.data or "", summary=self.summary.data or "",
                        next_step=self.next_step.data or "", follow_up_on=parse_day(self.follow_up_on.data),
                        follow_up_text=self.follow_up_on.data or "")
