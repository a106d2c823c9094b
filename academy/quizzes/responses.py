"""Turn posted form fields into typed responses; anything that does not belong to the item is refused."""
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from academy.quizmd import Item, Quiz
from academy.quizzes.layout import mapping_choices

MAX_TEXT = 3000


class BadAnswer(ValueError):
    """A posted answer that cannot belong to the item (tampered form).

    Raised with a lazy translation; `str(exc)` gives the message in the current language.
    """


def _field(item: Item) -> str:
    return f"q-{item.id}"


def parse_single(item: Item, form: MultiDict):
    value = form.get(_field(item))
    if value and value not in {o.key for o in item.options}:
        raise BadAnswer(_l("题目“%(title)s”的选项无效", title=item.title or item.id))
    return value or None


def parse_multiple(item: Item, form: MultiDict):
    values = form.getlist(_field(item))
    if set(values) - {o.key for o in item.options}:
        raise BadAnswer(_l("题目“%(title)s”的选项无效", title=item.title or item.id))
    return sorted(set(values)) or None


def parse_truefalse(item: Item, form: MultiDict):
    value = form.get(_field(item))
    if value not in (None, "", "true", "false"):
        raise BadAnswer(_l("判断题只能选“对”或“错”"))
    return None if not value else value == "true"


def parse_ordering(item: Item, form: MultiDict):
    positions = {}
    for index in range(len(item.sequence)):
        value = form.get(f"{_field(item)}-{index}", "")
        if value:
            if not value.isdigit() or not 1 <= int(value) <= len(item.sequence):
                raise BadAnswer(_l("排序位置无效"))
            positions[index] = int(value)
    if not positions:
        return None
    return [i for i, _ in sorted(positions.items(), key=lambda kv: (kv[1], kv[0]))] if len(positions) == len(item.sequence) else None


def parse_mapping(item: Item, form: MultiDict):
    """Each row's drop-down sends its choice's index in `mapping_choices` (short to post and parse); the answer
    keeps the choice's text per row."""
    choices = mapping_choices(item)
    answer = {}
    for index in range(sum(1 for p in item.pairs if p.left)):
        value = form.get(f"{_field(item)}-{index}", "")
        if not value:
            continue
        if not value.isdecimal() or int(value) >= len(choices):
            raise BadAnswer(_l("题目“%(title)s”的配对选项无效", title=item.title or item.id))
        answer[str(index)] = choices[int(value)]
    return answer or None


def parse_text(item: Item, form: MultiDict):
    value = form.get(_field(item), "")
    if len(value) > MAX_TEXT:
        raise BadAnswer(_l("回答不能超过 %(limit)s 字（当前 %(n)s 字）", limit=MAX_TEXT, n=len(value)))
    return value.strip() or None


def parse_roleplay(item: Item, form: MultiDict):
    text = parse_text(item, form)
    allowed = {str(int(p)) if p == int(p) else str(p) for _, p in item.levels}
    self_rating = {}
    for index in range(len(item.criteria)):
        value = form.get(f"{_field(item)}-self-{index}", "")
        if value and value not in allowed:
            raise BadAnswer(_l("自评等级无效"))
        if value:
            self_rating[str(index)] = float(value)
    return {"text": text or "", "self": self_rating} if text or self_rating else None


def parse_essay(item: Item, form: MultiDict):
    text = parse_text(item, form)
    return {"text": text} if text else None


def parse_scenario(item: Item, form: MultiDict):
    answer = {part.id: PARSERS[part.type](part, form) for part in item.parts}
    return {k: v for k, v in answer.items() if v is not None} or None


PARSERS = {
    "single": parse_single, "multiple": parse_multiple, "truefalse": parse_truefalse,
    "ordering": parse_ordering, "matching": parse_mapping, "classify": parse_mapping,
    "short": parse_text, "numeric": parse_text, "roleplay": parse_roleplay, "essay": parse_essay,
    "scenario": parse_scenario, "info": lambda item, form: None,
}


def parse_responses(quiz: Quiz, form: MultiDict) -> dict:
    """Responses for every non-dialogue item present in the form (dialogues are played step by step)."""
    answers = {}
    for item in quiz.items:
        if item.type == "dialogue":
            continue
        value = PARSERS[item.type](item, form)
        if value is not None:
            answers[item.id] = value
    return answers
