"""What every cohort report cites and records: the sources, and the versions that made
the numbers (``report.html``, ``intersection.json``, ``pooled.json``)."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from her2scope import __version__

CITATIONS = [
    "Cerami E, et al. The cBio Cancer Genomics Portal. Cancer Discov 2012;2:401-404.",
    "Gao J, et al. Integrative analysis of complex cancer genomics and clinical profiles "
    "using the cBioPortal. Sci Signal 2013;6:pl1.",
    "de Bruijn I, et al. Analysis and visualization of longitudinal genomic and clinical "
    "data from the AACR Project GENIE Biopharma Collaborative in cBioPortal. "
    "Cancer Res 2023;83:3861-3867.",
    "Razavi P, et al. The genomic landscape of endocrine-resistant advanced breast cancers. "
    "Cancer Cell 2018;34:427-438 (PMID 30205045); data: cBioPortal study breast_msk_2018, "
    "ODC Open Database License.",
    "The intersection of the HER2-low subtype with endocrine resistance (perspective). "
    "Front Oncol 2024; doi:10.3389/fonc.2024.1461190 (Table 1, sections 2.1-2.3).",
    "Schlam I, Tarantino P, Tolaney SM. Overcoming resistance to HER2-directed therapies "
    "in breast cancer. Cancers 2022;14(16):3996; doi:10.3390/cancers14163996.",
    "Wolff AC, et al. HER2 testing in breast cancer: ASCO/CAP clinical practice guideline "
    "focused update. J Clin Oncol 2018;36:2105-2122; and the 2023 guideline update "
    "(J Clin Oncol 2023;41:3867-3872).",
]

VERSIONED_PACKAGES = (
    "polars",
    "scipy",
    "numpy",
    "matplotlib",
    "lifelines",
    "statsmodels",
    "jinja2",
)


def versions() -> dict[str, str]:
    """Versions of her2scope, Python and the libraries that produce the numbers."""
    out = {"her2scope": __version__, "python": sys.version.split()[0]}
    for name in VERSIONED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["platform"] = platform.platform()
    return out
