"""Markdown → sanitised HTML, cached by the hash of the source."""
import hashlib
import re
from functools import lru_cache

import markdown
import nh3

EXTENSIONS = ["tables", "toc", "admonition", "attr_list", "fenced_code", "sane_lists"]
TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark", "ol", "p", "pre", "s",
    "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul",
}
ATTRIBUTES = {
    "*": {"id", "class", "title", "lang"},
    "a": {"href"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}


# A wide table scrolls inside its own box, not the page: on a phone the text beside it keeps the screen's width.
# The box is focusable so that a keyboard can scroll it too (axe: scrollable-region-focusable).
TABLE_BOX = ('<div class="table-scroll" tabindex="0">', "</div>")
_TABLE_OPEN = re.compile(r"<table\b[^>]*>")


def sanitise(html: str) -> str:
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer")


def box_tables(html: str) -> str:
    """Put every table of sanitised HTML in a scrolling box (sanitised: every <table> is a real element)."""
    return _TABLE_OPEN.sub(lambda m: TABLE_BOX[0] + m.group(0), html).replace("</table>", "</table>" + TABLE_BOX[1])


@lru_cache(maxsize=4096)
def _render_cached(digest: str, source: str) -> tuple[str, str]:
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs={"toc": {"toc_depth": "2-3"}})
    html = box_tables(sanitise(md.convert(source)))
    return html, sanitise(md.toc)


def render_with_toc(source: str) -> tuple[str, str]:
    """Return (html, toc_html) for a Markdown source."""
    return _render_cached(hashlib.sha256(source.encode()).hexdigest(), source)


def render(source: str) -> str:
    return render_with_toc(source)[0] if source.strip() else ""


def render_inline(source: str) -> str:
    """Render a one-line fragment without the surrounding <p>."""
    html = render(source)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html
