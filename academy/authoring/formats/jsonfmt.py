"""The JSON export (and import) of the interchange shape: {"format": "academy-questions", "version": 1,
"bank": …, "questions": [...]} (docs/question-formats.md)."""
import json

from academy.authoring.formats import Parsed, Question, decode_text

FORMAT = "academy-questions"


def write(questions: list[dict], bank: str = "") -> str:
    return json.dumps({"format": FORMAT, "version": 1, "bank": bank, "questions": questions}, ensure_ascii=False, indent=2) + "\n"


def read(raw: bytes) -> Parsed:
    parsed = Parsed()
    try:
        document = json.loads(decode_text(raw))
    except json.JSONDecodeError as exc:
        return parsed.fail(f"JSON 格式错误：{exc.msg} (invalid JSON)", exc.lineno)
    questions = document.get("questions") if isinstance(document, dict) else document
    if not isinstance(questions, list):
        return parsed.fail("JSON 中没有 questions 列表 (no questions list)")
    for number, data in enumerate(questions, 1):
        if not isinstance(data, dict):
            parsed.fail(f"第 {number} 道题不是对象 (question is not an object)")
            continue
        data = dict(data)
        data.setdefault("source_line", None)
        question = Question(data)
        if not isinstance(data.get("text", ""), str) or not isinstance(data.get("type", ""), str):
            question.warn(f"第 {number} 道题的 type/text 必须是字符串 (type/text must be strings)", error=True)
        parsed.questions.append(question)
    return parsed
