"""The sources a new quiz or lesson starts from in the workspace: a valid document with one example of each
part, for the trainer to overwrite (the editor shows its preview straight away)."""
from academy.authoring.store import yaml_scalar

QUIZ_TEMPLATE = """---
id: {id}
title: {title}
course: {course}
pass_score: 60
attempts: unlimited
---
测验说明（可选）。

## 单选：第一道题 {{#{id}-q1 points=1}}
题干写在这里。

- [x] 正确选项
  > 选对时显示的反馈（可选）
- [ ] 干扰项
- [ ] 另一个干扰项

解析：为什么这样选。
"""

LESSON_TEMPLATE = """---
id: {id}
title: {title}
order: {order}
minutes: 10
concepts: []
---
## 一、第一节 {{#part-1}}

正文。
"""


def quiz(quiz_id: str, title: str, course: str) -> str:
    return QUIZ_TEMPLATE.format(id=quiz_id, title=yaml_scalar(title), course=course)


def lesson(lesson_id: str, title: str, order: int) -> str:
    return LESSON_TEMPLATE.format(id=lesson_id, title=yaml_scalar(title), order=order)
