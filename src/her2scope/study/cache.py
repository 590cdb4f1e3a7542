"""The parsed-study cache: a loaded :class:`~her2scope.study.model.Study` kept as Parquet.

Parsing a 250,000-sample study means reading ~700 MB of text (seconds);
reading the same tables back from Parquet takes a fraction of a second.
:func:`~her2scope.study.load_study` asks this module first and stores what it
parsed afterwards. Only clean loads are kept (``on_error="raise"`` and no
error in the audit); ``her2scope validate`` (``on_error="record"``) always
re-reads the files.

Where: ``<cache root>/parsed/<study_id>-<key[:16]>/`` with the cache root of
the study download cache (``$HER2SCOPE_CACHE``, else
``~/.cache/her2scope/studies``; :func:`~her2scope.study.fetch.cache_dir`).
An entry holds one Parquet file per table of the Study (lz4: the fastest to
read back of lz4 / zstd-1 / snappy / uncompressed on the 250k benchmark study),
the case lists as Parquet (identical lists stored once) and ``manifest.json``
with everything else (meta files, audit entries, panels without genes) and
the size and CRC-32 of every Parquet file; ``manifest.sha256`` checksums the
manifest itself (with the key), so an edited manifest is never trusted: the
entry is discarded and the study parsed again.

The key (sha256) changes whenever the result of a parse could change: cache
format, her2scope / polars / numpy versions, the bytes of the reader source
(``her2scope/study/**/*.py``, ``her2scope/audit.py``), the study folder as given
and resolved, ``panels_dir`` and the panel folders searched, and path, size,
mtime, ctime, inode, device and (for a symlink) real path of every file under
the study folder and of every panel file in the other panel folders: every
file the loader reads, wherever it lives (the loader refuses data files named
outside the study folder). It is built from ``stat`` calls only
(a few ms).

Safety: an entry is written into a temporary folder and renamed into place;
it is stored only when the files did not change while they were parsed and
none had been modified less than :data:`RACY_WINDOW_NS` before they were
stat'ed (a rewrite within the same file-system timestamp tick would otherwise
keep its old key; the window also covers coarse 1-2 s timestamps). Failing
to write (read-only or full disk) never fails the load. An entry that cannot
be read back exactly (missing file, size or CRC mismatch, other schema) is
discarded and the study parsed again. A Study served from the cache has
the audit of the parse that stored it plus one last info entry
(:data:`CACHE_AUDIT_CODE`) naming the entry. At most :data:`ENTRIES_PER_FOLDER`
entries are kept per study folder (least recently used go first); entries of
study folders that no longer exist go when another entry is written.

Switch: ``load_study(..., cache=False)``, or ``HER2SCOPE_PARSED_CACHE=0``
(also ``off``/``false``/``no``) for the whole process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import logging
import os
import re
import secrets
import shutil
import stat
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import polars as pl

import her2scope
from her2scope.audit import Audit, AuditEntry
from her2scope.study.fetch import cache_dir
from her2scope.study.model import Study

log = logging.getLogger(__name__)

#: Bump when the layout of an entry changes.
CACHE_FORMAT = 2
ENV_SWITCH = "HER2SCOPE_PARSED_CACHE"
#: Audit code of the one info entry a Study served from the cache carries (last entry).
CACHE_AUDIT_CODE = "study.parsed_cache"
#: Entries kept per study folder (e.g. one per ``panels_dir`` in use).
ENTRIES_PER_FOLDER = 2
#: A load is not stored when a file it read was this young when it was stat'ed.
RACY_WINDOW_NS = 2_000_000_000
#: Abandoned temporary folders (a killed writer) older than this are removed.
STALE_TMP_SECONDS = 3600
COMPRESSION: Final = "lz4"

_MANIFEST = "manifest.json"
#: sha256 of the manifest's bytes, keyed with the entry's cache key: an edited
#: manifest no longer matches and the entry is discarded and parsed again.
_MANIFEST_SUM = "manifest.sha256"
_CASE_LISTS = "case_lists.parquet"
_OFF = {"0", "off", "false", "no"}
# Study fields that are not DataFrames and how this module stores them; a new
# field in the model that is neither makes the study uncacheable (not wrong).
_OTHER_FIELDS = {
    "study_id",
    "path",
    "meta",
    "panels_without_genes",
    "case_lists",
    "audit",
}
# dtypes known to round-trip exactly through Parquet
_PLAIN_DTYPES = (
    pl.String,
    pl.Boolean,
    pl.Int8,
    pl.Int16,
    pl.Int32,
    pl.Int64,
    pl.UInt8,
    pl.UInt16,
    pl.UInt32,
    pl.UInt64,
    pl.Float32,
    pl.Float64,
    pl.Date,
    pl.Null,
)


def enabled(cache: bool | None = None) -> bool:
    """``cache`` if given, else ``$HER2SCOPE_PARSED_CACHE`` (on unless 0/off/false/no)."""
    if cache is not None:
        return cache
    return os.environ.get(ENV_SWITCH, "").strip().lower() not in _OFF


def parsed_dir() -> Path:
    """``<cache root>/parsed`` (not created here)."""
    return cache_dir() / "parsed"


@dataclasses.dataclass(frozen=True)
class Fingerprint:
    """Cache key of one load, the newest mtime among its input files, and when it was taken."""

    key: str
    newest_mtime_ns: int
    taken_ns: int


def _code_sources() -> list[Path]:
    """The reader source whose bytes are in the key: ``study/`` and its sub-packages
    (``readers/`` among them) and ``audit.py``."""
    study_pkg = Path(__file__).resolve().parent
    return [*sorted(study_pkg.rglob("*.py")), study_pkg.parent / "audit.py"]


@functools.cache
def _code_digest() -> str:
    """sha256 of the reader source (:func:`_code_sources`): any change to it invalidates
    every entry."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in _code_sources():
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _stat_row(name: str, st: os.stat_result, target: str | None = None) -> list[Any]:
    """Size, times and inode of the file itself (symlinks followed); ``target``: where a
    symlink leads, so a re-pointed link changes the key even to a look-alike file."""
    return [name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, target]


def _walk(folder: Path) -> list[list[Any]]:
    """``stat`` of every file under ``folder`` (symlinks followed, cycles skipped)."""
    rows: list[list[Any]] = []
    seen: set[tuple[int, int]] = set()
    stack = [(folder, "")]
    while stack:
        directory, prefix = stack.pop()
        st = directory.stat()
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        with os.scandir(directory) as entries:
            for entry in entries:
                name = prefix + entry.name
                try:
                    entry_st = entry.stat()
                except FileNotFoundError:  # dangling symlink
                    rows.append([name, None])
                    continue
                if stat.S_ISDIR(entry_st.st_mode):
                    stack.append((Path(entry.path), name + "/"))
                else:
                    target = os.path.realpath(entry.path) if entry.is_symlink() else None
                    rows.append(_stat_row(name, entry_st, target))
    rows.sort(key=lambda row: str(row[0]))
    return rows


def fingerprint(
    folder: Path,
    *,
    panels_dir: str | os.PathLike[str] | None,
    panel_dirs: Sequence[Path],
    panel_files: Sequence[Path],
) -> Fingerprint:
    """The cache key of loading ``folder`` (stat calls only). Raises ``OSError``.

    ``panel_dirs``: the panel folders the loader searches, as it names them;
    ``panel_files``: the panel files it may read outside the study folder.
    """
    taken = time.time_ns()
    files = _walk(folder)
    panels = [_stat_row(str(p), p.stat(), os.path.realpath(p)) for p in panel_files]
    material = [
        "her2scope-parsed-cache",
        CACHE_FORMAT,
        her2scope.__version__,
        pl.__version__,
        np.__version__,
        _code_digest(),
        str(folder),
        str(folder.resolve()),
        None if panels_dir is None else os.fspath(panels_dir),
        [[str(d), str(d.resolve()), d.is_dir()] for d in panel_dirs],
        files,
        panels,
    ]
    key = hashlib.sha256(json.dumps(material).encode()).hexdigest()
    newest = max((row[2] for row in files + panels if len(row) > 2), default=0)
    return Fingerprint(key, newest, taken)


def _frame_fields(study: Study) -> dict[str, pl.DataFrame] | None:
    frames: dict[str, pl.DataFrame] = {}
    for f in dataclasses.fields(study):
        value = getattr(study, f.name)
        if isinstance(value, pl.DataFrame):
            frames[f.name] = value
        elif f.name not in _OTHER_FIELDS:
            return None
    return frames


def _schema(frame: pl.DataFrame) -> list[list[str]]:
    return [[name, str(dtype)] for name, dtype in frame.schema.items()]


def _entries(root: Path) -> list[Path]:
    try:
        return [p for p in root.iterdir() if not p.name.startswith(".") and p.is_dir()]
    except OSError:
        return []


def _discard(entry: Path) -> None:
    """Remove an entry: renamed first, so no reader ever sees half of one."""
    trash = entry.with_name(f".{entry.name}.{os.getpid()}.{time.monotonic_ns()}.trash")
    try:
        entry.rename(trash)
    except OSError:
        return
    shutil.rmtree(trash, ignore_errors=True)


def read(fp: Fingerprint, folder: Path) -> Study | None:
    """The cached Study for this key, or None (absent or unreadable: then discarded)."""
    matches = list(parsed_dir().glob(f"*-{fp.key[:16]}"))
    if not matches:
        return None
    entry = matches[0]
    try:
        study = _read_entry(entry, fp, folder)
    except Exception as exc:  # any failure means: not usable, parse again
        log.info("parsed cache entry %s unreadable (%s); parsing again", entry, exc)
        _discard(entry)
        return None
    with contextlib.suppress(OSError):
        os.utime(entry / _MANIFEST)  # last use, for pruning
    return study


def _read_parquet(entry: Path, info: dict[str, Any]) -> pl.DataFrame:
    data = (entry / info["file"]).read_bytes()
    if len(data) != info["size"] or zlib.crc32(data) != info["crc32"]:
        raise ValueError(f"{info['file']}: size or checksum differs from the manifest")
    frame = pl.read_parquet(data)
    if "schema" in info and _schema(frame) != info["schema"]:
        raise ValueError(f"{info['file']}: schema differs from the manifest")
    return frame


def _manifest_sum(key: str, data: bytes) -> str:
    return hashlib.sha256(key.encode() + b"\0" + data).hexdigest()


def _read_entry(entry: Path, fp: Fingerprint, folder: Path) -> Study:
    raw = (entry / _MANIFEST).read_bytes()
    expected = (entry / _MANIFEST_SUM).read_text(encoding="ascii").strip()
    if _manifest_sum(fp.key, raw) != expected:
        raise ValueError("manifest checksum does not match (edited or damaged manifest)")
    manifest = json.loads(raw.decode("utf-8"))
    if manifest["format"] != CACHE_FORMAT or manifest["key"] != fp.key:
        raise ValueError("manifest is for another key or format")
    frames = {name: _read_parquet(entry, info) for name, info in manifest["frames"].items()}
    lists = manifest["case_lists"]
    ids = _read_parquet(entry, lists["parquet"])["sample_id"].to_list()
    unique: list[list[str]] = []
    start = 0
    for n in lists["lengths"]:
        unique.append(ids[start : start + n])
        start += n
    if start != len(ids):
        raise ValueError("case list lengths do not add up")
    case_lists = {
        name: list(unique[i]) for name, i in zip(lists["names"], lists["index"], strict=True)
    }
    audit = Audit([AuditEntry(**e) for e in manifest["audit"]])
    audit.add(
        "info",
        CACHE_AUDIT_CODE,
        f"tables read from the parsed cache {entry} (no input file changed since it was "
        f"written; {ENV_SWITCH}=0 or cache=False reads the files again)",
        file=str(entry),
    )
    return Study(
        study_id=manifest["study_id"],
        path=folder,
        meta=manifest["meta"],
        panels_without_genes=tuple(manifest["panels_without_genes"]),
        case_lists=case_lists,
        audit=audit,
        **frames,
    )


def _write_parquet(frame: pl.DataFrame, path: Path) -> dict[str, Any]:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression=COMPRESSION, statistics=False)
    data = buffer.getvalue()
    path.write_bytes(data)
    return {"file": path.name, "size": len(data), "crc32": zlib.crc32(data)}


def store(study: Study, fp: Fingerprint, folder: Path, after: Fingerprint) -> Path | None:
    """Write ``study`` under its key; ``after`` is the fingerprint taken after parsing.

    Returns the entry, or None when not stored (files changed while parsing or
    too recently, unusual table types, or the cache could not be written).
    Never raises for I/O problems.
    """
    if after.key != fp.key:
        log.info("study files changed while being read; not cached")
        return None
    # A file modified in the same timestamp tick as our stat could change again,
    # after we read it, without changing its stat: do not trust such a key.
    if fp.taken_ns - fp.newest_mtime_ns < RACY_WINDOW_NS:
        log.info("study files modified in the last seconds; not cached this time")
        return None
    if not study.audit.ok:
        return None
    frames = _frame_fields(study)
    if frames is None or any(
        not isinstance(dtype, _PLAIN_DTYPES) for f in frames.values() for dtype in f.dtypes
    ):
        log.info("study has tables the parsed cache cannot keep exactly; not cached")
        return None
    root = parsed_dir()
    # the study id comes from the study's own meta file: keep it a plain name
    safe_id = re.sub(r"[^A-Za-z0-9_.-]", "_", study.study_id).lstrip(".")[:80] or "study"
    final = root / f"{safe_id}-{fp.key[:16]}"
    tmp: Path | None = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        # mkdir (not mkdtemp, always 0700) so the entry gets the umask's permissions,
        # as the study folders beside it do
        tmp = root / f".{final.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        tmp.mkdir()
        manifest: dict[str, Any] = {
            "format": CACHE_FORMAT,
            "key": fp.key,
            "folder": str(folder.resolve()),
            "study_id": study.study_id,
            "her2scope": her2scope.__version__,
            "created": time.time(),
            "meta": {name: dict(values) for name, values in study.meta.items()},
            "panels_without_genes": list(study.panels_without_genes),
            "audit": [dataclasses.asdict(e) for e in study.audit],
            "frames": {},
        }
        for name, frame in frames.items():
            info = _write_parquet(frame, tmp / f"{name}.parquet")
            manifest["frames"][name] = {**info, "schema": _schema(frame)}
        unique: dict[tuple[str, ...], int] = {}
        index = [unique.setdefault(tuple(ids), len(unique)) for ids in study.case_lists.values()]
        ids = pl.DataFrame(
            {"sample_id": [s for ids in unique for s in ids]}, schema={"sample_id": pl.String()}
        )
        manifest["case_lists"] = {
            "names": list(study.case_lists),
            "index": index,
            "lengths": [len(ids) for ids in unique],
            "parquet": _write_parquet(ids, tmp / _CASE_LISTS),
        }
        manifest_bytes = json.dumps(manifest).encode("utf-8")
        (tmp / _MANIFEST).write_bytes(manifest_bytes)
        (tmp / _MANIFEST_SUM).write_text(
            _manifest_sum(fp.key, manifest_bytes) + "\n", encoding="ascii"
        )
        try:
            tmp.rename(final)
        except OSError:
            if not (final / _MANIFEST).is_file():
                raise
            # another process stored the same key first: theirs is as good
            return final
        tmp = None
    except Exception as exc:  # a cache that cannot be written never fails the load
        log.info("parsed cache not written to %s: %s", root, exc)
        return None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    _prune(root, keep=final, folder=str(folder.resolve()))
    return final


def _prune(root: Path, *, keep: Path, folder: str) -> None:
    """Drop older entries of this study folder, entries of study folders that no
    longer exist, and abandoned temporary folders."""
    same_folder: list[tuple[float, Path]] = []
    for entry in _entries(root):
        if entry == keep:
            continue
        try:
            manifest_path = entry / _MANIFEST
            entry_folder = json.loads(manifest_path.read_text(encoding="utf-8"))["folder"]
            if entry_folder == folder:
                same_folder.append((manifest_path.stat().st_mtime, entry))
            elif not Path(entry_folder).is_dir():
                _discard(entry)
        except (OSError, ValueError, KeyError, TypeError):
            continue  # being written or removed by another process, or not ours
    same_folder.sort(reverse=True)
    for _mtime, entry in same_folder[ENTRIES_PER_FOLDER - 1 :]:
        _discard(entry)
    now = time.time()
    try:
        leftovers = [p for p in root.iterdir() if p.name.startswith(".")]
    except OSError:
        return
    for path in leftovers:
        try:
            old = now - path.stat().st_mtime > STALE_TMP_SECONDS
        except OSError:
            continue
        if old and (path.name.endswith(".tmp") or path.name.endswith(".trash")):
            shutil.rmtree(path, ignore_errors=True)


def clear() -> int:
    """Remove every parsed-cache entry; return how many were removed."""
    removed = 0
    for entry in _entries(parsed_dir()):
        _discard(entry)
        removed += not entry.exists()
    return removed
