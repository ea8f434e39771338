"""Errors that carry what a person or operator needs to fix a problem."""

from __future__ import annotations

from dataclasses import dataclass


class YiwangError(Exception):
    """Base class for errors the platform raises on purpose."""


class PermissionDenied(YiwangError):
    """The actor may not do this. Views turn it into a 404 so that existence does not leak."""


@dataclass(frozen=True)
class LoadProblem:
    """One mistake in a definition file: which file, where inside it, and why."""

    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.reason}"


class LoadError(YiwangError):
    """A definition file (or set of files) failed to load; nothing was written."""

    def __init__(self, problems: list[LoadProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
