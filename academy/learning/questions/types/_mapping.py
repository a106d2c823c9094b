"""What matching and classify share: each row gets one choice from a list, posted as the choice's index; rows are
written as `- left => right` entries."""
from flask_babel import lazy_gettext as _l

from academy.learning.questions.quizmd.writer import clean
from academy.learning.questions.types._forms import BadAnswer, field_name


def parse_rows(item, form, choices: tuple[str, ...]):
    """Each row's drop-down sends its choice's index in `choices`; the answer keeps the choice's text per row."""
    answer = {}
    for index in range(sum(1 for p in item.pairs if p.left)):
        value = form.get(f"{field_name(item)}-{index}", "")
        if not value:
            continue
        if not value.isdecimal() or int(value) >= len(choices):
            raise BadAnswer(_l("题目“%(title)s”的配对选项无效", title=item.title or item.id))
        answer[str(index)] = choices[int(value)]
    return answer or None


def share_right(expected: list[str], response) -> float:
    if not isinstance(response, dict) or not expected:
        return 0.0
    return sum(response.get(str(i)) == right for i, right in enumerate(expected)) / len(expected)


def sample_rows(item, rng, skill, choices: tuple[str, ...]):
    rows = [p for p in item.pairs if p.left]
    return {str(i): p.right if rng.random() < skill else rng.choice(choices) for i, p in enumerate(rows)}


def pair_line(left: str, right: str) -> str:
    """`- left => right`; without a left side, a distractor `- => right`."""
    return f"- {clean(left)} => {clean(right)}" if clean(left) else f"- => {clean(right)}"
