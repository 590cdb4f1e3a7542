"""Finding a study folder: a path, a local studies folder, the user cache, or the datahub.

cBioPortal publishes every datahub study as ``{study_id}.tar.gz`` holding the
folder ``{study_id}/`` (meta_study.txt, meta_*/data_* files, case_lists/).
A download is checked before anything is written where a later run would
trust it: the archive is fetched to a temporary file, read to the end (gzip
CRC, tar structure), its member names checked, extracted into a temporary
folder inside the cache, and renamed into place only when all of that
succeeded. Any failure leaves the cache as it was.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import zlib
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from her2scope.errors import ConfigError, DownloadError, StudyError

if TYPE_CHECKING:  # http, urllib, ssl and tarfile load only for a download (~30 ms otherwise)
    import tarfile

DATAHUB_URL = "https://cbioportal-datahub.s3.amazonaws.com"
#: Whole-download deadline in seconds (``$HER2SCOPE_DOWNLOAD_DEADLINE``): the per-read
#: timeout alone let a server that drips a byte every few seconds hold a run forever.
#: The largest datahub archives are a few GB; an hour covers them on a slow line.
DEFAULT_DEADLINE_S = 3600.0
#: Seconds one read may wait for any byte.
READ_TIMEOUT_S = 60.0
_STUDY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_CHUNK = 1 << 16


def cache_dir() -> Path:
    """``$HER2SCOPE_CACHE`` or ``~/.cache/her2scope/studies`` (not created here)."""
    raw = os.environ.get("HER2SCOPE_CACHE")
    return Path(raw).expanduser() if raw else Path.home() / ".cache" / "her2scope" / "studies"


def _studies_dirs() -> list[Path]:
    raw = os.environ.get("HER2SCOPE_STUDIES", "")
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]


def _looks_like_path(text: str) -> bool:
    return os.sep in text or "/" in text or text.startswith(".") or text.startswith("~")


def resolve_study(path_or_id: str | os.PathLike[str]) -> Path:
    """Folder of a cBioPortal study, downloading it if needed.

    In: a folder path, or a study id such as ``breast_msk_2018``. An id is
    looked up as ``{dir}/{id}/meta_study.txt`` in every folder of
    ``$HER2SCOPE_STUDIES`` (``os.pathsep``-separated), then in the cache
    (:func:`cache_dir`), then downloaded from the cBioPortal datahub
    (``$HER2SCOPE_DATAHUB_URL/{id}.tar.gz``, default :data:`DATAHUB_URL`).
    Out: the study folder. Raises :class:`StudyError` for a folder without
    ``meta_study.txt`` or a malformed id, :class:`DownloadError` when the
    download fails.
    """
    text = os.fspath(path_or_id)
    candidate = Path(text).expanduser()
    if candidate.is_dir():
        if not (candidate / "meta_study.txt").is_file():
            raise StudyError(
                "not a cBioPortal study folder: meta_study.txt is missing", file=str(candidate)
            )
        return candidate
    if isinstance(path_or_id, Path) or _looks_like_path(text):
        raise StudyError("study folder does not exist", file=text)
    if not _STUDY_ID.match(text):
        raise StudyError(f"{text!r} is neither a folder nor a cBioPortal study id")
    for root in _studies_dirs():
        if (root / text / "meta_study.txt").is_file():
            return root / text
    cached = cache_dir() / text
    if (cached / "meta_study.txt").is_file():
        return cached
    try:
        return download_study(text)
    except DownloadError as exc:
        # Say where the id was looked for and which local studies it resembles (a typo?).
        import difflib

        roots = [*_studies_dirs(), cache_dir()]
        local = sorted(
            {p.parent.name for r in roots if r.is_dir() for p in r.glob("*/meta_study.txt")}
        )
        near = difflib.get_close_matches(text, local, n=3, cutoff=0.6)
        shown = os.environ.get("HER2SCOPE_STUDIES") or "(HER2SCOPE_STUDIES not set)"
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        raise DownloadError(
            f"study {text!r} not found in HER2SCOPE_STUDIES={shown} nor in the cache "
            f"{cache_dir()}, and the datahub download failed: {exc.message}{hint}",
            file=exc.file,
        ) from None


def _verify_gzip(archive: Path) -> None:
    """Decompress the whole file once: gzip checks CRC and length only at its end.

    tarfile stops at the first zero block (end-of-archive marker), so damage
    that zeroes bytes mid-stream can look like a short, valid archive unless
    the gzip trailer is read too.
    """
    import gzip

    with gzip.open(archive, "rb") as fh:
        while fh.read(1 << 20):
            pass


def _check_members(tar: tarfile.TarFile, study_id: str, url: str) -> None:
    found_meta = False
    for member in tar.getmembers():  # reads the whole stream: CRC and truncation show here
        name = PurePosixPath(member.name)
        if name.is_absolute() or ".." in name.parts:
            raise DownloadError(f"archive member {member.name!r} would escape the folder", file=url)
        if member.issym() or member.islnk() or member.isdev():
            raise DownloadError(f"archive member {member.name!r} is a link or device", file=url)
        parts = [p for p in name.parts if p != "."]
        if not parts or parts[0] != study_id:
            raise DownloadError(
                f"archive member {member.name!r} is outside the folder {study_id}/", file=url
            )
        if parts == [study_id, "meta_study.txt"] and member.isfile():
            found_meta = True
    if not found_meta:
        raise DownloadError(f"archive has no {study_id}/meta_study.txt", file=url)


def _fetch(url: str, target: Path, study_id: str) -> None:
    import http.client
    import urllib.error
    import urllib.request

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    deadline_s = download_deadline()
    start = time.monotonic()
    try:
        response = urllib.request.urlopen(url, timeout=min(READ_TIMEOUT_S, deadline_s))
    except urllib.error.HTTPError as exc:
        raise DownloadError(
            f"study {study_id!r} not found on the datahub (HTTP {exc.code} {exc.reason})", file=url
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"cannot reach the datahub: {reason}", file=url) from None
    with response:
        length_header = response.headers.get("Content-Length")
        expected = int(length_header) if length_header and length_header.isdigit() else None
        received = 0
        progress = Progress(
            TextColumn(f"downloading {study_id}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        with progress, open(target, "wb") as out:
            task = progress.add_task("download", total=expected)
            while True:
                if time.monotonic() - start > deadline_s:
                    raise DownloadError(
                        f"download too slow: {received:,} bytes"
                        + (f" of {expected:,}" if expected is not None else "")
                        + f" after the {deadline_s:g} s deadline (HER2SCOPE_DOWNLOAD_DEADLINE "
                        "sets it; or download the archive yourself and give its folder)",
                        file=url,
                    )
                try:
                    # read1: return what one receive brings; read(n) would wait for all
                    # n bytes, so a dripping server could never reach the deadline check
                    chunk = response.read1(_CHUNK)
                except (OSError, ValueError, http.client.HTTPException) as exc:  # reset, short read
                    raise DownloadError(f"download interrupted: {exc}", file=url) from None
                if not chunk:
                    break
                out.write(chunk)
                received += len(chunk)
                progress.update(task, advance=len(chunk))
    if expected is not None and received != expected:
        raise DownloadError(
            f"download truncated: received {received} of {expected} bytes", file=url
        )


def download_deadline() -> float:
    """The whole-download deadline in seconds: ``$HER2SCOPE_DOWNLOAD_DEADLINE`` or
    :data:`DEFAULT_DEADLINE_S`; a value that is not a positive number is refused."""
    raw = os.environ.get("HER2SCOPE_DOWNLOAD_DEADLINE", "").strip()
    if not raw:
        return DEFAULT_DEADLINE_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (value > 0 and value < float("inf")):
        raise ConfigError(
            f"HER2SCOPE_DOWNLOAD_DEADLINE must be a positive number of seconds, got {raw!r}"
        )
    return value


def download_study(study_id: str) -> Path:
    """Download ``{study_id}.tar.gz`` from the datahub into the cache; return the folder.

    Atomic: on any failure (HTTP error, truncated or corrupt archive, unsafe
    member names, no ``{study_id}/meta_study.txt``) nothing is left in the
    cache and :class:`DownloadError` says what went wrong.
    """
    import tarfile

    base = os.environ.get("HER2SCOPE_DATAHUB_URL", DATAHUB_URL).rstrip("/")
    url = f"{base}/{study_id}.tar.gz"
    cache = cache_dir()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(f"cannot create the study cache: {exc}", file=str(cache)) from None
    final = cache / study_id
    fd, archive_name = tempfile.mkstemp(prefix=f".{study_id}.", suffix=".tar.gz.part", dir=cache)
    os.close(fd)
    archive = Path(archive_name)
    staging = Path(tempfile.mkdtemp(prefix=f".{study_id}.", suffix=".unpack", dir=cache))
    try:
        _fetch(url, archive, study_id)
        try:
            _verify_gzip(archive)
            with tarfile.open(archive, mode="r:gz") as tar:
                _check_members(tar, study_id, url)
                tar.extractall(staging, filter="data")
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            raise DownloadError(
                f"archive is corrupt or truncated ({type(exc).__name__}: {exc})", file=url
            ) from None
        unpacked = staging / study_id
        try:
            unpacked.rename(final)
        except OSError as exc:
            # Another process finished the same download first: use theirs.
            if (final / "meta_study.txt").is_file():
                return final
            raise DownloadError(f"cannot move the study into the cache: {exc}") from None
        return final
    finally:
        archive.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
