"""YAML front matter with every scalar kept as a string (no yes/no → bool surprises)."""
from dataclasses import dataclass, field

import yaml

from academy.platform.problems import ProblemSink


@dataclass
class Document:
    meta: dict
    key_lines: dict[str, int]
    body: str
    body_line: int  # 1-based line number of the first body line
    entry_lines: dict[str, list[int]] = field(default_factory=dict)  # key → the line of each entry of its list


def decode(raw: bytes, sink: ProblemSink) -> str | None:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        sink.add(raw[: exc.start].count(b"\n") + 1, "E001", "文件不是有效的 UTF-8 编码 (not valid UTF-8)")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split(text: str, sink: ProblemSink) -> Document | None:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        sink.add(1, "E002", "缺少 front matter：文件必须以 --- 开头 (front matter missing)")
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        sink.add(1, "E002", "front matter 没有用 --- 结束 (front matter not closed)")
        return None
    meta, key_lines, entry_lines = _load_yaml("\n".join(lines[1:end]), sink)
    if meta is None:
        return None
    return Document(meta, key_lines, "\n".join(lines[end + 1 :]), end + 2, entry_lines)


def _load_yaml(source: str, sink: ProblemSink) -> tuple[dict | None, dict[str, int], dict[str, list[int]]]:
    try:
        node = yaml.compose(source, Loader=yaml.BaseLoader)
        data = yaml.load(source, Loader=yaml.BaseLoader) if node else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        sink.add(line, "E003", f"YAML 语法错误：{getattr(exc, 'problem', exc)} (YAML syntax error)")
        return None, {}, {}
    if not isinstance(data, dict):
        sink.add(2, "E003", "front matter 必须是 键: 值 形式 (front matter must be a mapping)")
        return None, {}, {}
    key_lines = {k.value: k.start_mark.line + 2 for k, _ in node.value} if node else {}
    entry_lines = {k.value: [e.start_mark.line + 2 for e in v.value]
                   for k, v in (node.value if node else ()) if isinstance(v, yaml.SequenceNode)}
    return data, key_lines, entry_lines
