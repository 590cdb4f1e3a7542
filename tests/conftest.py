"""Shared fixtures.

``shared_study`` finds the real cBioPortal study through ``HER2SCOPE_STUDIES``
(never a path written into the product). Without it, tests that need it skip
with a reason, except under ``CI=true``, where its absence is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

STUDY_ID = "breast_msk_2018"


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
