"""Shared fixtures.

``shared_study`` finds the real cBioPortal study through ``HER2SCOPE_STUDIES``
(never a path written into the product). Without it, tests that need it skip
with a reason, except under ``CI=true``, where its absence is a failure.
The her2scope cache root (``HER2SCOPE_CACHE``) is a per-session tmp folder, so
tests never write into the user's ``~/.cache``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

STUDY_ID = "breast_msk_2018"


@pytest.fixture(scope="session", autouse=True)
def _cache_root_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point the her2scope cache root (downloads and parsed studies) at a tmp folder.

    Session-scoped so that module- and session-scoped fixtures that load a
    study are covered too; tests that need their own cache set
    ``HER2SCOPE_CACHE`` themselves (monkeypatch restores this one after).
    """
    root = tmp_path_factory.mktemp("her2scope-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HER2SCOPE_CACHE", str(root))
        yield root


def _studies_root() -> Path | None:
    raw = os.environ.get("HER2SCOPE_STUDIES")
    if not raw:
        return None
    for part in raw.split(os.pathsep):
        if (Path(part) / STUDY_ID / "meta_study.txt").is_file():
            return Path(part)
    return None


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def studies_root() -> Path:
    """Folder holding the shared cBioPortal studies (HER2SCOPE_STUDIES)."""
    root = _studies_root()
    if root is None:
        _missing(f"shared study {STUDY_ID} not found via HER2SCOPE_STUDIES")
    assert root is not None
    return root


@pytest.fixture(scope="session")
def shared_study_dir(studies_root: Path) -> Path:
    """Folder of the real breast_msk_2018 study."""
    return studies_root / STUDY_ID
