"""Finding a term in the lessons: a learner looks up 采购代理机构 or FABE before a visit and lands on the section that
explains it.

The lessons' text is taken once per content version from their rendered HTML (a derived value of the catalog, so
it is dropped when the content changes) and searched in memory.  The whole course is a few hundred KB of text, so
a scan costs about a millisecond, needs no search server on an intranet, and finds Chinese without word
segmentation: each term is matched as a substring, ignoring case.  Quizzes are not searched, so a search never
shows an answer.
"""
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

from academy.learning.content.catalog import Catalog
from academy.learning.content.courses import Lesson, Module

MAX_QUERY = 60  # characters of the words, with one space between them
MAX_TERMS = 5
MAX_HITS = 30  # lessons listed; more matches are counted
MAX_OTHERS = 3  # further sections named under a lesson's best one
SNIPPET_BEFORE, SNIPPET_AFTER = 24, 72  # characters of context around the first match in a section
SECTION_TAGS = ("h2", "h3")
BLOCK_TAGS = frozenset({"p", "li", "td", "th", "tr", "blockquote", "h2", "h3", "h4", "div", "ul", "ol", "table"})
TITLE_WEIGHT, HEADING_WEIGHT, TEXT_CAP = 8, 4, 5
WORD_BREAKS = re.compile(r"[\s,，、;；]+")
# A line break inside a paragraph between two Chinese characters or marks is no word break (a source wrapped at
# its width): it is dropped, so that a term broken over two lines is found.
CJK_LINE_BREAK = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])[ \t]*\n\s*(?=[\u3000-\u9fff\uff00-\uffef])")


class BadQuery(ValueError):
    """The query cannot be searched as typed: its argument names why ("too_long", "too_many"), and the view says
    so in the interface language."""


@dataclass(frozen=True)
class Section:
    """A lesson's text from one heading (h2/h3 with an anchor) to the next; the part before the first heading has
    no anchor."""

    anchor: str
    heading: str
    text: str
    folded: str  # the text with each character folded alone, so positions in it are positions in `text`
    folded_heading: str


@dataclass(frozen=True)
class Indexed:
    """A lesson as it is searched: its folded title and its sections."""

    lesson: Lesson
    folded_title: str
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Hit:
    """A lesson that contains every term: its best section is linked with a passage, the others only named."""

    lesson: Lesson
    module: Module
    score: int
    section: Section
    snippet: tuple[tuple[str, bool], ...]  # (text, matched): the template marks the matched runs
    others: tuple[Section, ...]  # further sections with a term, in lesson order


@dataclass(frozen=True)
class Results:
    terms: tuple[str, ...]
    hits: tuple[Hit, ...]
    more: int  # lessons that matched beyond MAX_HITS
    locked_lessons: int  # lessons that match in modules the learner has not unlocked yet


def fold(text: str) -> str:
    """Each character on its own in its plain form and lower case: 'ＦＡＢＥ' (typed with a Chinese input method in
    full-width mode), 'FABE' and 'fabe' all match.  The result is as long as the text, so positions in it are
    positions in the text (normalising or lower-casing a whole string may change its length)."""
    return "".join(_fold_char(ch) for ch in text)


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    plain = unicodedata.normalize("NFKC", ch)
    plain = plain if len(plain) == 1 else ch
    low = plain.lower()
    return low if len(low) == 1 else plain


def parse_query(query: str) -> tuple[str, ...]:
    """The distinct terms of a query, folded: words separated by spaces (full-width ones too) or by the commas and
    enumeration marks a Chinese list is written with.  Raises BadQuery."""
    words = [word for word in WORD_BREAKS.split(query) if word]
    if len(" ".join(words)) > MAX_QUERY:
        raise BadQuery("too_long")
    terms = tuple(dict.fromkeys(fold(word) for word in words))
    if len(terms) > MAX_TERMS:
        raise BadQuery("too_many")
    return terms


class _SectionSplitter(HTMLParser):
    """Lesson HTML → (anchor, heading, text) per section.  Block elements end in a space, so that table cells and
    list items do not run together into one word."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[tuple[str, str, list[str]]] = [("", "", [])]
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "br":
            self.handle_data(" ")
        elif tag in SECTION_TAGS:
            anchor = dict(attrs).get("id") or ""
            self._heading = []
            self.sections.append((anchor, "", []))

    def handle_endtag(self, tag: str) -> None:
        if tag in SECTION_TAGS and self._heading is not None:
            anchor, _, parts = self.sections[-1]
            self.sections[-1] = (anchor, " ".join("".join(self._heading).split()), parts)
            self._heading = None
        elif tag in BLOCK_TAGS:
            self.sections[-1][2].append(" ")

    def handle_data(self, data: str) -> None:
        data = CJK_LINE_BREAK.sub("", data)  # within one text: the breaks between blocks stay
        (self._heading if self._heading is not None else self.sections[-1][2]).append(data)


def lesson_sections(lesson: Lesson) -> tuple[Section, ...]:
    splitter = _SectionSplitter()
    splitter.feed(lesson.html)
    splitter.close()
    sections = []
    for anchor, heading, parts in splitter.sections:
        text = " ".join("".join(parts).split())
        if text or heading:
            sections.append(Section(anchor, heading, text, fold(text), fold(heading)))
    return tuple(sections)


def course_lessons(catalog: Catalog) -> tuple[Indexed, ...]:
    """Every lesson of the catalog with its sections, in course order: worked out once per content version."""
    return catalog.derived("search_sections", (), lambda: tuple(
        Indexed(lesson, fold(lesson.title), lesson_sections(lesson)) for module in catalog.modules for lesson in module.lessons), 2)


def search(catalog: Catalog, terms: tuple[str, ...], is_locked: Callable[[str], bool]) -> Results:
    """The lessons that contain every term (in the title, a heading or the text), best first: a term in the title
    or a heading counts more than one in the text, and a lesson that repeats a term counts more, up to a point.
    Each is shown at its section with the most terms.  Lessons of locked modules are left out and counted."""
    if not terms:
        return Results(terms, (), 0, 0)
    modules = {module.id: module for module in catalog.modules}
    found, locked = [], 0
    for order, indexed in enumerate(course_lessons(catalog)):
        score = _lesson_score(indexed, terms)
        if score is None:
            continue
        if is_locked(indexed.lesson.module_id):
            locked += 1
            continue
        found.append((-score, order, indexed))
    found.sort(key=lambda entry: entry[:2])
    pattern = _terms_pattern(terms)
    hits = tuple(_hit(indexed, modules[indexed.lesson.module_id], -negative, terms, pattern)
                 for negative, _, indexed in found[:MAX_HITS])
    return Results(terms, hits, max(0, len(found) - MAX_HITS), locked)


def _lesson_score(indexed: Indexed, terms: tuple[str, ...]) -> int | None:
    title, sections = indexed.folded_title, indexed.sections
    score = 0
    for term in terms:
        in_text = sum(section.folded.count(term) for section in sections)
        in_heading = any(term in section.folded_heading for section in sections)
        if not (in_text or in_heading or term in title):
            return None
        score += TITLE_WEIGHT * (term in title) + HEADING_WEIGHT * in_heading + min(in_text, TEXT_CAP)
    return score


def _section_score(section: Section, terms: tuple[str, ...]) -> tuple[int, int]:
    """(distinct terms in the section, their weight): the section with the most terms is the one to open."""
    heading = section.folded_heading
    present = [term for term in terms if term in heading or term in section.folded]
    return len(present), sum(HEADING_WEIGHT * (term in heading) + min(section.folded.count(term), TEXT_CAP) for term in present)


def _hit(indexed: Indexed, module: Module, score: int, terms: tuple[str, ...], pattern: re.Pattern) -> Hit:
    sections = indexed.sections
    scored = [(_section_score(section, terms), index) for index, section in enumerate(sections)]
    best = max(scored, key=lambda entry: (entry[0], -entry[1]))[1] if sections else None
    others = tuple(sections[index] for (present, _), index in scored
                   if present and index != best and sections[index].anchor and sections[index].heading)[:MAX_OTHERS]
    section = sections[best] if best is not None else Section("", "", "", "", "")
    return Hit(indexed.lesson, module, score, section, snippet(section, terms, pattern), others)


def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern:
    """Any of the terms, the longest first: where two start at one place, the longer one is marked."""
    return re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)))


def snippet(section: Section, terms: tuple[str, ...], pattern: re.Pattern | None = None) -> tuple[tuple[str, bool], ...]:
    """A short passage around the first place a term occurs in the section's text (its start when only the title or
    heading matched), cut into runs of plain and matched text."""
    text, folded = section.text, section.folded
    first = min((at for at in (folded.find(term) for term in terms) if at >= 0), default=0)
    start = max(0, first - SNIPPET_BEFORE)
    end = min(len(text), first + SNIPPET_AFTER)
    runs = _runs(text[start:end], folded[start:end], pattern or _terms_pattern(terms))
    if start > 0:
        runs.insert(0, ("…", False))
    if end < len(text):
        runs.append(("…", False))
    return tuple(runs)


def _runs(text: str, folded: str, pattern: re.Pattern) -> list[tuple[str, bool]]:
    """The text cut into plain and matched runs (found in the folded text, which has the same positions)."""
    runs: list[tuple[str, bool]] = []
    plain_from = 0
    for match in pattern.finditer(folded):
        if plain_from < match.start():
            runs.append((text[plain_from:match.start()], False))
        runs.append((text[match.start():match.end()], True))
        plain_from = match.end()
    if plain_from < len(text):
        runs.append((text[plain_from:], False))
    return runs
