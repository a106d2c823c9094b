"""Moodle XML → interchange: multichoice, truefalse, shortanswer, match, numerical, essay, description and
categories. Read with defusedxml's SAX parser (every element keeps its line): a DOCTYPE, entity declarations
(external entities, "billion laughs") and external references are refused before anything is expanded."""
import io
import xml.sax
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.sax import parse as safe_parse

from academy.authoring.formats import Parsed, Problem, Question
from academy.authoring.formats.interchange import import_type
from academy.authoring.formats.text import to_markdown, to_plain

SUPPORTED = {"multichoice", "truefalse", "shortanswer", "match", "numerical", "essay", "description"}


@dataclass
class Node:
    tag: str
    attrs: dict
    line: int
    children: list["Node"] = field(default_factory=list)
    text: str = ""

    def find(self, tag: str) -> "Node | None":
        return next((c for c in self.children if c.tag == tag), None)

    def all(self, tag: str) -> list["Node"]:
        return [c for c in self.children if c.tag == tag]

    def value(self, tag: str, default: str = "") -> str:
        node = self.find(tag)
        return node.text.strip() if node is not None else default

    def formatted(self, tag: str) -> tuple[str, str]:
        """(text, format) of a <tag format=".."><text>..</text></tag> child."""
        node = self.find(tag)
        if node is None:
            return "", "html"
        return node.value("text") if node.find("text") is not None else node.text.strip(), node.attrs.get("format", "html")


class _Builder(xml.sax.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.root: Node | None = None
        self.stack: list[Node] = []
        self.locator = None
        self.count = 0

    def setDocumentLocator(self, locator):  # noqa: N802  (SAX's name)
        self.locator = locator

    def startElement(self, name, attrs):  # noqa: N802
        self.count += 1
        if self.count > 500_000:
            raise ValueError("too many elements")
        node = Node(name, dict(attrs), self.locator.getLineNumber() if self.locator else 0)
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def endElement(self, name):  # noqa: N802
        self.stack.pop()

    def characters(self, content):
        if self.stack:
            self.stack[-1].text += content


def parse_tree(raw: bytes) -> Node | str:
    """The document's root, or the reason (in Chinese) it was refused."""
    builder = _Builder()
    try:
        safe_parse(io.BytesIO(raw), builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        return ("XML 中含有 DOCTYPE、实体声明或外部引用（可能是 XXE 或“billion laughs”攻击），已拒绝；"
                "Moodle 导出的 XML 不含这些内容 (DTD/entities refused)")
    except xml.sax.SAXParseException as exc:
        return f"第 {exc.getLineNumber()} 行：XML 格式错误：{exc.getMessage()} (malformed XML)"
    except ValueError:
        return "XML 元素过多，已拒绝 (too many elements)"
    if builder.root is None:
        return "XML 文件为空 (empty XML)"
    return builder.root


def read(raw: bytes) -> Parsed:
    parsed = Parsed()
    root = parse_tree(raw)
    if isinstance(root, str):
        return parsed.fail(root)
    if root.tag != "quiz":
        return parsed.fail(f"根元素应为 <quiz>，而不是 <{root.tag}>：这不是 Moodle XML 题目文件 (root must be <quiz>)", root.line)
    category = ""
    for node in root.all("question"):
        kind = node.attrs.get("type", "")
        if kind == "category":
            category = _category(node.value("category") if node.find("category") is None else node.find("category").value("text"))
            continue
        if kind not in SUPPORTED:
            parsed.problems.append(_skip(node, kind))
            continue
        question = Question({"source_line": node.line, "category": category})
        parsed.questions.append(question)
        _question(node, kind, question)
    if not parsed.questions and not parsed.has_errors:
        parsed.fail("文件中没有可导入的题目 (no questions to import)")
    return parsed


def _skip(node: Node, kind: str) -> Problem:
    return Problem(node.line, f"不支持的题型“{kind}”，已略过 (unsupported question type skipped)", False)


def _category(path: str) -> str:
    parts = [p.strip() for p in path.replace("//", "／").split("/") if p.strip()]
    while parts and (parts[0].startswith("$") and parts[0].endswith("$") or parts[0] == "top"):
        parts.pop(0)
    return "/".join(parts)


def _fraction(node: Node, q: Question) -> float:
    try:
        return float(node.attrs.get("fraction", "0"))
    except ValueError:
        q.warn(f"fraction=“{node.attrs.get('fraction')}”不是数字 (bad fraction)", error=True, line=node.line)
        return 0.0


def _feedback(answer: Node, q: Question) -> str:
    text, fmt = answer.formatted("feedback")
    return to_markdown(text, fmt, q.warn)


def _question(node: Node, kind: str, q: Question) -> None:
    data = q.data
    text, fmt = node.formatted("questiontext")
    data["name"] = to_plain(node.find("name").value("text") if node.find("name") is not None else "", "html")
    data["text"] = to_markdown(text, fmt, q.warn)
    general, general_fmt = node.formatted("generalfeedback")
    data["general_feedback"] = to_markdown(general, general_fmt, q.warn)
    grade = node.value("defaultgrade")
    if grade:
        try:
            data["points"] = float(grade)
        except ValueError:
            q.warn(f"defaultgrade“{grade}”不是数字 (bad defaultgrade)")
    if node.value("idnumber"):
        data["id"] = node.value("idnumber")
    tags = node.find("tags")
    data["tags"] = [t.value("text") for t in (tags.all("tag") if tags is not None else []) if t.value("text")]
    answers = node.all("answer")
    if kind == "multichoice":
        single = node.value("single", "true").lower() in ("true", "1")
        data["options"] = [{"text": to_markdown(a.value("text"), a.attrs.get("format", "html"), q.warn),
                            "weight": _fraction(a, q), "feedback": _feedback(a, q)} for a in answers]
        if len(answers) < 2:
            q.warn("选择题至少需要 2 个选项 (importminerror)", error=True)
        kind = "multichoice:single" if single else "multichoice:multi"
    elif kind == "truefalse":
        data["options"] = [{"text": a.value("text").lower(), "weight": _fraction(a, q), "feedback": _feedback(a, q)}
                           for a in answers]
    elif kind == "shortanswer":
        data["answers"] = [{"text": to_plain(a.value("text"), a.attrs.get("format", "plain_text")), "weight": _fraction(a, q),
                            "feedback": _feedback(a, q)} for a in answers]
        if node.value("usecase") == "1":
            q.warn("区分大小写的设置没有导入：本系统比较答案时不区分大小写 (case-sensitive matching is not kept)")
    elif kind == "numerical":
        data["answers"] = [_numeric(a, q) for a in answers]
        if node.find("units") is not None and node.find("units").children:
            q.warn("数值题的单位没有导入 (units are not imported)")
    elif kind == "match":
        pairs = []
        for sub in node.all("subquestion"):
            left = to_plain(sub.value("text"), sub.attrs.get("format", "html"))
            right = sub.find("answer").value("text") if sub.find("answer") is not None else ""
            pairs.append({"left": left, "right": to_plain(right, "plain")})
        data["pairs"] = pairs
    elif kind == "essay":
        info, info_fmt = node.formatted("graderinfo")
        data["grader_info"] = to_markdown(info, info_fmt, q.warn)
    data["type"] = import_type(kind)


def _numeric(answer: Node, q: Question) -> dict:
    text = answer.value("text")
    entry = {"weight": _fraction(answer, q), "feedback": _feedback(answer, q)}
    if text == "*":
        return {**entry, "text": "*", "value": None, "tolerance": None}
    try:
        entry["value"] = float(text)
        entry["tolerance"] = float(answer.value("tolerance") or 0)
    except ValueError:
        q.warn(f"数值答案“{text}”不是数字 (not a number)", error=True, line=answer.line)
        entry.update(value=None, tolerance=None)
    return entry
