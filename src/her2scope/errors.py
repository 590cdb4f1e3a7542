"""One exception family for everything her2scope refuses to do.

A user's mistake (a bad file, a bad option) raises a subclass of
:class:`Her2scopeError`; the CLI turns it into one line on stderr and exit
code 2. Bugs stay ordinary exceptions so they are not mistaken for input
problems.
"""

from __future__ import annotations


class Her2scopeError(Exception):
    """Base class: something the user can fix."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """`file:line: column X: message`, leaving out what is unknown."""
        where = ""
        if self.file:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        col = f"column {self.column!r}: " if self.column else ""
        return f"{where}{col}{self.message}"


class InputFormatError(Her2scopeError):
    """A file is structurally broken (delimiter, header, encoding, missing column)."""


class StudyError(Her2scopeError):
    """A study folder cannot be used (missing meta file, unreadable data file)."""


class SchemaError(Her2scopeError):
    """A YAML data file (profile, catalog, knowledge base, patient) does not validate."""


class ConfigError(Her2scopeError):
    """A bad option or argument (unknown profile, bad --map, bad range)."""


class DownloadError(Her2scopeError):
    """A study could not be downloaded or its archive is corrupt."""


class OutputError(Her2scopeError):
    """An output file or folder cannot be written (full disk, permissions, a file in the way)."""
