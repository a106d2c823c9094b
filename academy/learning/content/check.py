"""What `flask check-content` checks: the content learners get, that is the files under CONTENT_DIR overlaid with
the versions published in the database (a SourceOverlay, academy.authoring.store.PublishedOverlay), parsed as the
running app parses them.  Each document is told apart by where its text comes from, so a problem in a file is
reported with the file's path and line, and one in a published browser edit is marked as such (the line is then a
line of that version, seen in the workspace's history)."""
from dataclasses import dataclass
from pathlib import Path

from academy.learning.content.catalog import Catalog, SourceOverlay, catalog_from_sources, file_sources, with_link_checks
from academy.platform.problems import Problem


@dataclass(frozen=True)
class ContentCheck:
    catalog: Catalog
    overlaid: bool  # the database's published versions were read (False: the files alone)
    from_database: frozenset[str] = frozenset()  # paths whose text is a published database version, not the file
    archived_files: frozenset[str] = frozenset()  # files learners do not get: their document is archived
    conflicts: tuple[tuple[str, str], ...] = ()  # (path, note): files changed after a newer browser edit

    def origin(self, problem: Problem) -> str:
        """Where the problem's text is: "" for a file, else a note to print after it."""
        if problem.path in self.archived_files:
            return "〔这个文件已在内容编辑中归档〕"
        return "〔数据库中发布的版本，不是文件〕" if problem.path in self.from_database else ""


def check_content(root: Path, overlay: SourceOverlay | None) -> ContentCheck:
    """The catalog learners get (the files alone when there is no overlay or nothing was ever published)."""
    files = file_sources(root)
    token = overlay.token() if overlay is not None else None
    if token is None:
        return ContentCheck(with_link_checks(catalog_from_sources(files)), overlaid=False)
    sources = overlay.apply(files)
    changed = frozenset(path for path, raw in sources.items() if files.get(path) != _bytes(raw))
    return ContentCheck(with_link_checks(catalog_from_sources(sources)), True, changed,
                        frozenset(set(files) - set(sources)), tuple(overlay.conflicts()))


def _bytes(raw: bytes | str) -> bytes:
    return raw.encode() if isinstance(raw, str) else raw
