"""Writing output files so they cannot lie: temporary name, then an atomic rename.

A failed write (full disk, read-only folder, a file where a folder should be)
raises :class:`~her2scope.errors.OutputError` naming the file and the reason,
and leaves nothing under the final name.

Files are created with the user's umask (``0o666 & ~umask``; 0644 under the
usual 022), as ``open()`` would: a results folder is meant to be shared, and a
cBioPortal importer running as another user must be able to read an export.
(``tempfile.mkstemp`` creates 0600 files, and a rename keeps that mode.)

A command's results folder is written as one bundle (:func:`bundle`): every
file goes into a hidden sibling folder first and moves into place only when the
last one is written, so a full disk halfway through leaves the folder as it
was. The bundle also records, beside the files, where each came from
(``provenance.json``: her2scope version, command, HER2 profile, ambiguity
policy, and the notes a table carries) and refuses to replace a file made
under another profile or policy.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shutil
import stat
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from her2scope.errors import OutputError

#: the file in a results folder that says where every other file came from
PROVENANCE_FILE = "provenance.json"
#: provenance keys that must agree before a file may be replaced
_IDENTITY_KEYS = ("profile", "ambiguous")


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` via a temporary file in the same folder."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and rename it.

    Inside an open :func:`bundle` whose folder holds ``path``, the file goes to
    the bundle's staging folder and moves into place when the bundle closes.
    The path returned is always the final one.
    """
    final = Path(path)
    target = _target(final)
    tmp: str | None = None
    try:
        tmp = str(target.parent / f".{target.name}.{secrets.token_hex(4)}.part")
        # 0o666: the kernel applies the umask, as it does for open(); O_EXCL
        # because the name is ours only if nobody made it first
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        with os.fdopen(fd, "wb") as fh:
            _write_all(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", file=str(final)) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return final


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` (staged inside an open :func:`bundle`) that is
    renamed to it when the block ends without error, and removed when it fails.

    For writers that stream a file out in pieces (a long table in chunks), so a
    reader never sees half a file.
    """
    final = Path(path)
    target = _target(final)
    tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.part"
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", file=str(final)) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def _target(final: Path) -> Path:
    """Where a file for ``final`` is renamed to (the bundle's staging copy inside an open
    :func:`bundle`), its folder created; refuses a folder in the way and anything that is
    not a regular file (a device, FIFO or socket)."""
    staged = _staged(final)
    target = staged if staged is not None else final
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create folder {final.parent}: {_why(exc)}", file=str(final)
        ) from exc
    if final.is_dir() or target.is_dir():
        raise OutputError("a folder is in the way of the output file", file=str(final))
    try:
        mode = final.lstat().st_mode
    except OSError:
        mode = None
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        # never rename over a device, FIFO or socket (``--out /dev/full`` as root
        # would otherwise replace the device node itself)
        raise OutputError("not a regular file (a device, FIFO or socket); refused", file=str(final))
    return target


def _write_all(fh: Any, data: bytes) -> None:
    """The one place bytes reach a file (tests make it fail as a full disk would)."""
    fh.write(data)


def _why(exc: OSError) -> str:
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        return "a file (not a folder) is in the way"
    return str(exc.strerror or exc)


def ensure_dir(path: str | Path) -> Path:
    """Create an output folder, or raise :class:`OutputError` naming it and why.

    Inside an open :func:`bundle` the folder is made in the staging area; the
    path returned is the final one (files written under it are staged too).
    """
    p = Path(path)
    staged = _staged(p)
    target = staged if staged is not None else p
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create folder: {_why(exc)}", file=str(p)) from exc
    if not target.is_dir() or (staged is not None and p.exists() and not p.is_dir()):
        raise OutputError("not a folder", file=str(p))
    return p


# ---------------------------------------------------------------- bundles


@dataclass
class _Bundle:
    final: Path
    stage: Path
    provenance: dict[str, Any]
    notes: dict[str, list[str]] = field(default_factory=dict)


_ACTIVE: ContextVar[_Bundle | None] = ContextVar("her2scope_output_bundle", default=None)


def _abs(p: Path) -> Path:
    return Path(os.path.abspath(p))


def _staged(path: Path) -> Path | None:
    """Where ``path`` goes while a bundle covering it is open (None: no bundle)."""
    b = _ACTIVE.get()
    if b is None:
        return None
    try:
        rel = _abs(path).relative_to(_abs(b.final))
    except ValueError:
        return None
    return b.stage / rel


def current_provenance() -> dict[str, Any]:
    """The provenance of the open bundle (version, command, profile, policy), or ``{}``.

    Writers of self-describing formats (Parquet key-value metadata, JSON) add it.
    """
    b = _ACTIVE.get()
    return dict(b.provenance) if b is not None else {}


def add_notes(path: str | Path, notes: Sequence[str]) -> None:
    """Record notes about one output file in the folder's ``provenance.json``.

    Data files stay plain (no ``#`` lines a CSV reader would choke on); what a
    reader must know about a table goes beside it.
    """
    if not notes:
        return
    p = Path(path)
    b = _ACTIVE.get()
    if b is not None and _staged(p) is not None:
        key = _abs(p).relative_to(_abs(b.final)).as_posix()
        b.notes.setdefault(key, []).extend(notes)
        return
    with bundle(p.parent) as _:
        add_notes(p, notes)


def _version() -> str:
    from her2scope import __version__

    return __version__


@contextlib.contextmanager
def bundle(out_dir: str | Path, **provenance: Any) -> Iterator[Path]:
    """Write a results folder all at once: every file or none.

    Every :func:`write_bytes_atomic` / :func:`ensure_dir` under ``out_dir`` made
    while the bundle is open goes to a hidden sibling folder; when the block
    ends without an error the files move into ``out_dir`` (a rename each, or
    one rename of the whole folder when ``out_dir`` did not exist) and
    ``provenance.json`` records them. An error (a full disk, a refused
    value) removes the staging folder and leaves ``out_dir`` untouched.

    Parameters
    ----------
    out_dir : str or Path
        The results folder.
    **provenance
        What made these files: ``command``, ``profile``, ``ambiguous`` (the
        policy for unresolved IHC 2+), and anything else worth recording. The
        her2scope version is added.

    Raises
    ------
    OutputError
        A file to be written exists in ``out_dir`` made under another profile
        or policy (a rerun must not silently replace results of another
        reading: choose another folder), or the folder cannot be written.

    Examples
    --------
    >>> with bundle("results", command="her2scope analyze ...", profile="asco-cap-2023"):
    ...     write_text_atomic("results/table.tsv", "a\\n1\\n")  # doctest: +SKIP
    """
    outer = _ACTIVE.get()
    final = Path(out_dir)
    if outer is not None and _staged(final) is not None:
        # nested (a library writer called from a command): the outer bundle owns it
        yield final
        return
    if final.exists() and not final.is_dir():
        raise OutputError("a file (not a folder) is in the way", file=str(final))
    parent = final.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stage = parent / f".{final.name or 'out'}.{secrets.token_hex(4)}.part"
        os.mkdir(stage)  # 0o777 & ~umask, like the folder it becomes
    except OSError as exc:
        raise OutputError(f"cannot create folder: {_why(exc)}", file=str(final)) from exc
    given = {k: v for k, v in provenance.items() if v is not None}
    prov = {"her2scope_version": _version(), **given}
    b = _Bundle(final=final, stage=stage, provenance=prov)
    token = _ACTIVE.set(b)
    try:
        try:
            yield final
        finally:
            _ACTIVE.reset(token)
        _commit(b)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _staged_files(stage: Path) -> list[str]:
    return sorted(
        p.relative_to(stage).as_posix()
        for p in stage.rglob("*")
        if p.is_file() and not p.name.endswith(".part")
    )


def read_provenance(folder: str | Path) -> dict[str, Any]:
    """The ``provenance.json`` of a results folder as a dict (``{}`` when absent)."""
    p = Path(folder) / PROVENANCE_FILE
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


#: JSON files larger than this keep their content as written (provenance.json has it)
_STAMP_LIMIT = 20_000_000


def _stamp_json(b: _Bundle, files: list[str]) -> None:
    """Add the run's provenance to each JSON document of an analysis (a top-level
    object without one), so the file says how it was made even away from its folder."""
    if "profile" not in b.provenance:
        return  # not an analysis under a HER2 reading (patient reports keep their schema)
    for name in files:
        path = b.stage / name
        if not name.endswith(".json") or path.stat().st_size > _STAMP_LIMIT:
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and "provenance" not in doc:
            doc["provenance"] = b.provenance
            text = json.dumps(doc, indent=2, default=str) + "\n"
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
            with os.fdopen(fd, "wb") as fh:
                _write_all(fh, text.encode("utf-8"))
            os.replace(tmp, path)


def _commit(b: _Bundle) -> None:
    files = _staged_files(b.stage)
    old = read_provenance(b.final) if b.final.is_dir() else {}
    old_files: dict[str, Any] = old.get("files", {}) if isinstance(old.get("files"), dict) else {}
    for name in files:
        before = old_files.get(name)
        if not isinstance(before, dict) or not (b.final / name).exists():
            continue
        for key in _IDENTITY_KEYS:
            if key in b.provenance and key in before and before[key] != b.provenance[key]:
                raise OutputError(
                    f"holds {name} made with {key} {before[key]}; this run uses "
                    f"{b.provenance[key]}: not replaced (give another --out folder, or remove "
                    "the old results)",
                    file=str(b.final),
                )
    try:
        _stamp_json(b, files)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", file=str(b.final)) from exc
    written_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    entries = dict(old_files)
    for name in files:
        entry = {**b.provenance, "written_at": written_at}
        if b.notes.get(name):
            entry["notes"] = b.notes[name]
        entries[name] = entry
    manifest = {
        "about": "where each file in this folder came from (her2scope); "
        "data files carry no comment lines, their notes are here",
        "files": dict(sorted(entries.items())),
    }
    text = json.dumps(manifest, indent=1, default=str) + "\n"
    tmp = b.stage / f".{PROVENANCE_FILE}.{secrets.token_hex(4)}.part"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
        with os.fdopen(fd, "wb") as fh:
            _write_all(fh, text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, b.stage / PROVENANCE_FILE)
        if not b.final.exists():
            # the whole folder in one rename: it appears complete or not at all
            os.rename(b.stage, b.final)
            return
        for name in [*files, PROVENANCE_FILE]:
            dest = b.final / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(b.stage / name, dest)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", file=str(b.final)) from exc
