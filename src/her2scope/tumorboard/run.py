"""Patient reports for a whole study, one file per sample: match, then hand to the views.

:func:`write_patient_reports` is what ``report --study S --all --per-sample`` and
``hs.report.write_patient_reports`` call: the samples are read from the study
(:mod:`her2scope.tumorboard.from_study`), matched one by one by the patient
report's own :class:`~her2scope.tumorboard.match.Matcher`, and each report is
rendered by :mod:`her2scope.tumorboard.views`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from her2scope.tumorboard.views import (
    SUFFIX,
    index_row,
    render,
    render_index_html,
    render_index_tsv,
)

if TYPE_CHECKING:
    from her2scope.kb.schema import KnowledgeBase
    from her2scope.study.model import Study


@dataclass(frozen=True)
class BatchResult:
    """What :func:`write_patient_reports` wrote: one file per sample and the index."""

    out_dir: Path
    files: list[Path]
    index: list[dict[str, Any]]
    study_id: str


def write_patient_reports(
    study: Study, out_dir: str | Path, *, fmt: str = "html", kb: KnowledgeBase | None = None
) -> BatchResult:
    """One tumor-board report per sample of a study, and an index (``index.tsv``, ``.html``).

    Parameters
    ----------
    study : Study
        A loaded study (:func:`her2scope.load_study`).
    out_dir : str or Path
        Output folder (created).
    fmt : {"md", "html", "json"}
        Report format.
    kb : KnowledgeBase, optional
        Knowledge base (default: the packaged one).

    Returns
    -------
    BatchResult
        Files written and the index rows.

    Examples
    --------
    >>> hs.report.write_patient_reports(study, "reports", fmt="md")  # doctest: +SKIP
    """
    from her2scope.choices import check_choice
    from her2scope.outputs import ensure_dir, write_text_atomic
    from her2scope.tumorboard.from_study import profiles_from_study
    from her2scope.tumorboard.her2_calls import prefill_her2_calls
    from her2scope.tumorboard.match import Matcher

    check_choice("fmt", fmt, SUFFIX)
    out = ensure_dir(out_dir)
    matcher = Matcher() if kb is None else Matcher(kb)
    rows: list[dict[str, Any]] = []
    files: list[Path] = []
    taken: set[str] = {"index"}
    from her2scope.study.conventions import harmonised

    profiles = profiles_from_study(harmonised(study))
    prefill_her2_calls(profiles.values())  # every HER2 call of the batch in one engine pass
    for sid, prof in profiles.items():
        fname = safe_file_name(sid, taken) + SUFFIX[fmt]
        rep = matcher.match(prof)
        files.append(write_text_atomic(out / fname, render(rep, fmt)))
        rows.append(index_row(rep, fname))
    files.append(write_text_atomic(out / "index.tsv", render_index_tsv(rows)))
    if fmt == "html":
        title = f"her2scope reports: {study.study_id}"
        files.append(write_text_atomic(out / "index.html", render_index_html(rows, title)))
    return BatchResult(out, files, rows, study.study_id)


def safe_file_name(sample_id: str, taken: set[str]) -> str:
    """A file name for a sample id: safe characters only, unique within one batch."""
    import hashlib
    import re

    base = re.sub(r"[^A-Za-z0-9._-]+", "_", sample_id).strip("._")[:100] or "sample"
    # an id that had to be changed, or that collides (case-insensitively), gets a hash of
    # the original id: "A/B" and "A_B" never share a file
    if base != sample_id or base.lower() in taken:
        base = f"{base}_{hashlib.sha1(sample_id.encode('utf-8')).hexdigest()[:10]}"
    taken.add(base.lower())
    return base
