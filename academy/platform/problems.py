"""Content problems, printed as `path:line: CODE message`."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    code: str
    message: str

    @property
    def is_error(self) -> bool:
        return not self.code.startswith("W")

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code} {self.message}"


class ProblemSink:
    """Collects problems for one file instead of stopping at the first."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def add(self, line: int, code: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, code, message))

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)
