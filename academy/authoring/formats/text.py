"""Moodle's text formats (html, moodle, plain, markdown) → the Markdown Quiz Markdown stores, and back.

HTML is cleaned with nh3 first (scripts, styles and event attributes gone), then written as Markdown with a
few marks kept (paragraphs, line breaks, lists, bold, italic, code, links); every piece of text is escaped so
that it shows as text. Images and other embedded files are not imported (we keep no files): they become
[图片] and the caller warns.
"""
import html
import re
from html.parser import HTMLParser

import nh3

from academy.learning.questions.quizmd.guard import guard_markdown, plain_to_markdown

KEPT_TAGS = {"p", "div", "br", "ul", "ol", "li", "strong", "b", "em", "i", "code", "pre", "a", "img", "h1", "h2", "h3",
             "h4", "h5", "h6", "table", "tr", "td", "th", "blockquote", "span", "sub", "sup", "u"}
BLOCKS = {"p", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "blockquote", "pre"}
FORMATS = {"html": "html", "moodle": "moodle", "moodle_auto_format": "moodle", "plain": "plain", "plain_text": "plain",
           "markdown": "markdown"}


class _Markdown(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []  # per open list: [ordered, counter]
        self.pre = 0
        self.images = 0
        self.href: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in BLOCKS and not self.pre:
            self.out.append("\n\n")
        if tag in ("ul", "ol"):
            self.lists.append([tag == "ol", 0])
        elif tag == "li":
            ordered = self.lists[-1] if self.lists else [False, 0]
            ordered[1] += 1
            self.out.append("\n" + "  " * max(0, len(self.lists) - 1) + (f"{ordered[1]}. " if ordered[0] else "- "))
        elif tag == "br":
            self.out.append("  \n" if not self.pre else "\n")
        elif tag in ("strong", "b") or tag.startswith("h") and tag[1:].isdigit():
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag == "code" and not self.pre:
            self.out.append("`")
        elif tag == "pre":
            self.pre += 1
            self.out.append("```\n")
        elif tag == "a":
            href = attrs.get("href") or ""
            self.href.append(href if re.match(r"^(https?|mailto):", href) else None)
            self.out.append("[" if self.href[-1] else "")
        elif tag == "img":
            self.images += 1
            alt = (attrs.get("alt") or "").strip()
            self.out.append(f"[图片：{plain_to_markdown(alt)}]" if alt else "[图片]")
        elif tag in ("td", "th"):
            self.out.append(" | ")

    def handle_endtag(self, tag):
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag in ("strong", "b") or tag.startswith("h") and tag[1:].isdigit():
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag == "code" and not self.pre:
            self.out.append("`")
        elif tag == "pre" and self.pre:
            self.pre -= 1
            self.out.append("\n```")
        elif tag == "a" and self.href:
            href = self.href.pop()
            self.out.append(f"]({href})" if href else "")
        if tag in BLOCKS and not self.pre:
            self.out.append("\n\n")

    def handle_data(self, data):
        if self.pre:
            self.out.append(data.replace("```", "'''"))
        else:
            self.out.append(plain_to_markdown(re.sub(r"\s+", " ", data)))


def html_to_markdown(source: str) -> tuple[str, int]:
    """Sanitised Markdown for an HTML fragment, and how many images it referred to."""
    cleaned = nh3.clean(source, tags=KEPT_TAGS, attributes={"a": {"href"}, "img": {"alt"}},
                        url_schemes={"http", "https", "mailto"}, link_rel=None)
    parser = _Markdown()
    parser.feed(cleaned)
    parser.close()
    text = "".join(parser.out)
    text = "\n".join(line.strip() if not line.startswith("  ") else line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\*\*\s*\*\*|(?<!\*)\*\*(?!\*)\s*(?=\*\*)", "", text)  # empty bold from <b></b>
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip(), parser.images


def to_markdown(text: str, fmt: str, warn=None) -> str:
    """Text in one of Moodle's formats as guarded Markdown (see quizmd.guard.guard_markdown)."""
    fmt = FORMATS.get(fmt, "moodle")
    if fmt == "html":
        body, images = html_to_markdown(text)
        if images and warn:
            warn("图片等嵌入文件没有导入，原处显示为“[图片]” (embedded images are not imported)")
        return guard_markdown(body.replace("@@PLUGINFILE@@/", ""))
    if fmt == "markdown":
        return guard_markdown(text)
    return guard_markdown(re.sub(r"(?<=\S)\n(?=\S)", "  \n", plain_to_markdown(text)))  # a line break stays one


def to_plain(text: str, fmt: str) -> str:
    """Text that is shown escaped (a matching pair, a short answer): HTML tags dropped, entities decoded."""
    if FORMATS.get(fmt, "moodle") == "html":
        text = html.unescape(nh3.clean(re.sub(r"<br\s*/?>", " ", text, flags=re.I), tags=set()))
    return re.sub(r"\s+", " ", text).strip()


def markdown_plain_equivalent(text: str) -> str | None:
    """The plain text a Markdown string shows when it has no marks at all; None when it has some."""
    return None if re.search(r"[\\`*_\[\]#|&<>\n]", text) else text
