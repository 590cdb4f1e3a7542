"""Which studies the web app may open, and what it keeps of them in memory.

A study is served only when it is a folder holding ``meta_study.txt`` directly
under one of the configured roots (``--studies``, ``$HER2SCOPE_STUDIES``, the
download cache); its id is the folder name. Ids from a request are looked up
in that list and never joined to a path, so ``..`` or ``%2f`` cannot reach any
other folder. Studies are read with :func:`her2scope.study.load_study` given
the folder itself (never an id, which could start a download).

Everything computed is kept in :class:`Memo` caches: each study is loaded and
annotated once per process, each result once per set of options, and
concurrent requests for the same key wait for the one computation.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from her2scope.alterations import AlterationCalls, Catalog
    from her2scope.study.model import Study

T = TypeVar("T")

#: a study folder name the app serves (cBioPortal ids: letters, digits, _ . -)
STUDY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$")


class Memo(Generic[T]):
    """A bounded, thread-safe cache that computes each key once.

    ``get(key, compute)`` returns the cached value or runs ``compute()``; a
    second thread asking for a key being computed waits for that result
    instead of computing it again. Least recently used values are dropped
    beyond ``maxsize``. A computation that raises caches nothing.
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._pending: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            key_lock = self._pending.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._values:
                    return self._values[key]
            try:
                value = compute()
            except BaseException:
                with self._lock:
                    self._pending.pop(key, None)
                raise
            with self._lock:
                self._values[key] = value
                self._pending.pop(key, None)
                while len(self._values) > self.maxsize:
                    self._values.popitem(last=False)
            return value

    def peek(self, key: Hashable) -> T | None:
        """The cached value, or None (no computation)."""
        with self._lock:
            return self._values.get(key)

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)


@dataclass(frozen=True)
class StudyEntry:
    """A study folder found under a configured root (not read yet)."""

    study_id: str
    folder: Path
    name: str


@dataclass(frozen=True)
class LoadedStudy:
    """A study held in memory with what every analysis of it reuses.

    ``calls``: the alteration annotation (independent of the HER2 options, so
    a control change only recomputes the HER2 calls and the table).
    """

    entry: StudyEntry
    study: Study
    catalog: Catalog
    calls: AlterationCalls
    sample_ids: frozenset[str]
    sample_order: tuple[str, ...]
    #: the study as read, before its layout was harmonised (a column mapping starts here)
    raw: Study | None = None
    #: ``field=column`` overrides it was harmonised with
    mapping: tuple[tuple[str, str], ...] = ()

    def columns(self) -> list[str]:
        """The sample and patient columns of the study as read (for the mapping form)."""
        study = self.raw or self.study
        out = list(study.samples.columns)
        out += [c for c in study.patients.columns if c not in out]
        return out


def default_roots(extra: Sequence[Path | str] = ()) -> list[Path]:
    """``extra`` (``--studies``), then ``$HER2SCOPE_STUDIES``, then the download cache."""
    import os

    from her2scope.study.fetch import cache_dir

    roots = [Path(p).expanduser() for p in extra]
    raw = os.environ.get("HER2SCOPE_STUDIES", "")
    roots += [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]
    roots.append(cache_dir())
    unique: list[Path] = []
    for root in roots:
        if root not in unique:
            unique.append(root)
    return unique


def _study_name(meta: Path) -> str:
    try:
        with meta.open("r", encoding="utf-8", errors="replace") as fh:
            head = fh.read(65536)
    except OSError:
        return ""
    for line in head.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() == "name":
            return value.strip()[:300]
    return ""


def discover(roots: Iterable[Path]) -> dict[str, StudyEntry]:
    """Study folders directly under each root; the first root holding an id wins."""
    return scan(roots)[0]


def scan(roots: Iterable[Path]) -> tuple[dict[str, StudyEntry], list[Path], list[Path]]:
    """Study folders directly under each root (the first root holding an id wins), the
    roots that are not readable folders, and the study folders hidden by a same-named
    one in an earlier root."""
    found: dict[str, StudyEntry] = {}
    missing: list[Path] = []
    hidden: list[Path] = []
    for root in roots:
        try:
            children = sorted(root.iterdir())
        except OSError:
            missing.append(root)
            continue
        for child in children:
            meta = child / "meta_study.txt"
            if not STUDY_ID.match(child.name):
                continue
            if child.is_dir() and meta.is_file():
                if child.name in found:
                    hidden.append(child)
                    continue
                found[child.name] = StudyEntry(child.name, child, _study_name(meta))
    return found, missing, hidden


class Registry:
    """The studies of one server process and the caches of their results."""

    def __init__(self, roots: Sequence[Path], *, cache_root: Path | None = None) -> None:
        self.roots = list(roots)
        self.entries, missing, self.hidden = scan(self.roots)
        # the download cache may not exist yet: only a named root that is missing is news
        self.missing_roots = [r for r in missing if r != cache_root]
        self._studies: Memo[LoadedStudy] = Memo(maxsize=max(8, 2 * len(self.entries)))
        #: results per (kind, study id, options...): small, bounded
        self.results: Memo[Any] = Memo(maxsize=512)
        #: study id -> the one-line reason it could not be read or analysed (set on failure)
        self.broken: dict[str, str] = {}
        #: study id -> why it has no HER2-0/low/positive calls (known once loaded)
        self.limited: dict[str, str] = {}

    def entry(self, study_id: str) -> StudyEntry | None:
        """The study with this id, or None (ids are only ever looked up, never joined)."""
        return self.entries.get(study_id)

    def load(self, study_id: str, mapping: tuple[tuple[str, str], ...] = ()) -> LoadedStudy:
        """The loaded, annotated study (KeyError for an unknown id); once per process and
        column mapping (a mapping re-reads the layout only; the alteration calls are kept)."""
        entry = self.entries[study_id]
        if mapping:
            base = self.load(study_id)
            return self._studies.get((study_id, mapping), lambda: _remap(base, mapping))
        try:
            return self._studies.get(study_id, lambda: _load(entry))
        except Exception as exc:
            from her2scope.errors import Her2scopeError

            if isinstance(exc, Her2scopeError):
                self.broken[study_id] = exc.one_line()
            else:
                self.broken[study_id] = f"{type(exc).__name__}: {exc}"[:300]
            raise

    def is_loaded(self, study_id: str) -> bool:
        return self._studies.peek(study_id) is not None


def _load(entry: StudyEntry) -> LoadedStudy:
    from her2scope.alterations import annotate, load_catalog
    from her2scope.study import load_study
    from her2scope.study.conventions import harmonise

    # the study's HER2 and receptor columns read by its layout, as on the command line
    raw = load_study(entry.folder)
    study = harmonise(raw)
    catalog = load_catalog()
    calls = annotate(study, catalog)
    order = tuple(str(s) for s in study.samples["SAMPLE_ID"].to_list())
    return LoadedStudy(entry, study, catalog, calls, frozenset(order), order, raw=raw)


def _remap(base: LoadedStudy, mapping: tuple[tuple[str, str], ...]) -> LoadedStudy:
    """The study re-harmonised with ``field=column`` overrides (ConfigError names a bad one)."""
    import dataclasses

    from her2scope.study.conventions import harmonise

    study = harmonise(base.raw or base.study, mapping=dict(mapping))
    return dataclasses.replace(base, study=study, mapping=mapping)
