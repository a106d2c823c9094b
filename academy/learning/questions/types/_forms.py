"""What the form-reading parts of several types share: the field name and the refusal of a tampered form."""
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from academy.learning.questions.quizmd.model import Item

MAX_TEXT = 3000


class BadAnswer(ValueError):
    """A posted answer that cannot belong to the item (tampered form).

    Raised with a lazy translation; `str(exc)` gives the message in the current language.
    """


def field_name(item: Item) -> str:
    return f"q-{item.id}"


def parse_text(item: Item, form: MultiDict):
    value = form.get(field_name(item), "")
    if len(value) > MAX_TEXT:
        raise BadAnswer(_l("回答不能超过 %(limit)s 字（当前 %(n)s 字）", limit=MAX_TEXT, n=len(value)))
    return value.strip() or None


def invalid_option(item: Item) -> BadAnswer:
    return BadAnswer(_l("题目“%(title)s”的选项无效", title=item.title or item.id))

