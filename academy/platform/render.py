"""Markdown → sanitised HTML, cached by the hash of the source."""
import hashlib
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


def sanitise(html: str) -> str:
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer")


@lru_cache(maxsize=4096)
def _render_cached(digest: str, source: str) -> tuple[str, str]:
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs={"toc": {"toc_depth": "2-3"}})
    html = sanitise(md.convert(source))
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
