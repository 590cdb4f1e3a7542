"""The audit: every finding about the input, counted, never silent.

An *error* means the structure is broken and the result is not usable; a
*warning* is one bad value inside a good file, kept and marked; *info*
records what was done (e.g. "cna: 902,369 zero cells dropped as not altered").
Each layer returns its audit beside its result; the CLI and report layer
print them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

Level = Literal["error", "warning", "info"]

AUDIT_SCHEMA: dict[str, pl.DataType] = {
    "level": pl.String(),
    "code": pl.String(),
    "message": pl.String(),
    "file": pl.String(),
    "line": pl.Int64(),
    "column": pl.String(),
    "sample_id": pl.String(),
    "count": pl.Int64(),
}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One finding. ``count`` lets one entry stand for many identical values."""

    level: Level
    code: str
    message: str
    file: str | None = None
    line: int | None = None
    column: str | None = None
    sample_id: str | None = None
    count: int = 1


@dataclass
class Audit:
    """An ordered, appendable list of :class:`AuditEntry`."""

    entries: list[AuditEntry] = field(default_factory=list)

    def add(
        self,
        level: Level,
        code: str,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
        sample_id: str | None = None,
        count: int = 1,
    ) -> None:
        self.entries.append(AuditEntry(level, code, message, file, line, column, sample_id, count))

    def extend(self, other: Audit | Iterable[AuditEntry]) -> None:
        self.entries.extend(other.entries if isinstance(other, Audit) else other)

    def __iter__(self) -> Iterator[AuditEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def errors(self) -> list[AuditEntry]:
        return [e for e in self.entries if e.level == "error"]

    @property
    def warnings(self) -> list[AuditEntry]:
        return [e for e in self.entries if e.level == "warning"]

    @property
    def ok(self) -> bool:
        """True when no entry is an error."""
        return not self.errors

    def by_code(self, code: str) -> list[AuditEntry]:
        return [e for e in self.entries if e.code == code]

    def total(self, code: str) -> int:
        """Sum of ``count`` over entries with this code."""
        return sum(e.count for e in self.entries if e.code == code)

    def to_frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            [
                {
                    "level": e.level,
                    "code": e.code,
                    "message": e.message,
                    "file": e.file,
                    "line": e.line,
                    "column": e.column,
                    "sample_id": e.sample_id,
                    "count": e.count,
                }
                for e in self.entries
            ],
            schema=AUDIT_SCHEMA,
        )
