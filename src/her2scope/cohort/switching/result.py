"""The outcome of a switching question: :class:`SwitchingResult`, and the notes every
view of it carries (analysis scale, same-tumour, independence, the published figure).

The result holds the numbers (:mod:`her2scope.cohort.switching.compute` makes
them) and describes itself as a :class:`~her2scope.render.summary.Summary`;
the terminal tables, the heatmaps, the HTML page and the output folder are in
:mod:`her2scope.cohort.switching.views`, which this module never imports.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import polars as pl

from her2scope.audit import Audit
from her2scope.cohort.options import SwitchingOptions
from her2scope.errors import ConfigError
from her2scope.render.formats import fmt_ci, fmt_pct
from her2scope.render.summary import Presentable, Summary
from her2scope.vocab import ALL_SAMPLE_TYPES, ANALYSIS_SCALE

if TYPE_CHECKING:
    from her2scope.her2 import AmbiguityPolicy

#: The Front Oncol 2024 perspective's figures (section 2.5, ref 90). Quoted, not re-derived.
PAPER_REFERENCE: dict[str, Any] = {
    "source": (
        "Front Oncol 2024 perspective (doi:10.3389/fonc.2024.1461190), section 2.5, reference 90"
    ),
    "rates": [0.34, 0.25],
    "statement": (
        "a retrospective study of luminal B breast cancer reported switching between "
        "HER2-low and HER2-0 at a rate of 34% or 25% in either direction"
    ),
    "caveat": (
        "a different cohort (a retrospective luminal B series in progressive disease, ref 90), "
        "not this MSK-IMPACT cohort, with its own design and pathology practice; the "
        "perspective does not say which figure belongs to which direction, so it is quoted "
        "beside our rates, not matched to one row"
    ),
}

COMPARISON_TITLES = {
    "primary_vs_sequenced": "Primary-tumour pathology -> sequenced sample",
    "serial": "Serial sequenced samples (consecutive, by collection time)",
}
SCALE_NOTE = (
    "Analysis scale: HER2-0 = HER2-0/null/ultralow; HER2-low; HER2-positive. Calls that are "
    "unknown, equivocal or HER2-negative (no IHC score) are excluded from rates and counted in "
    "the audit."
)
SAME_TUMOUR_NOTE = (
    "For sequenced samples of SAMPLE_TYPE 'Primary', the primary-tumour pathology columns and the "
    "sequenced-sample columns may describe the same tumour, possibly the same specimen; read the "
    "'Metastasis' rows for primary-to-metastasis switching."
)
INDEPENDENCE_NOTE = (
    "Wilson 95% intervals treat pairs as independent; a patient with several samples contributes "
    "several pairs (n_patients is shown), so they are somewhat optimistic. The patient-clustered "
    "95% CI (cluster-robust logit interval) allows for that."
)


def paper_note() -> str:
    """The perspective's figures, quoted with their caveat."""
    return (
        f"Published figure ({PAPER_REFERENCE['source']}): {PAPER_REFERENCE['statement']}. "
        f"Caveat: {PAPER_REFERENCE['caveat']}."
    )


@dataclass
class SwitchingResult(Presentable):
    """Outcome of :func:`her2scope.cohort.switching.compute.switching`.

    ``table``: the rates (one row per comparison x sample type x transition:
    ``k``, ``n``, ``rate``, ``ci_low``, ``ci_high``, ``n_patients``).
    ``pairs``: every candidate pair, included or not, with both categories
    and rationales. ``matrix``: long transition counts (``comparison``,
    ``sample_type``, ``from_category``, ``to_category``, ``n``) over the full
    3 x 3 scale, zeros included. ``accounting``: per comparison, candidates =
    included + excluded. ``audit``: every exclusion, counted by reason.
    """

    table: pl.DataFrame
    pairs: pl.DataFrame
    matrix: pl.DataFrame
    accounting: pl.DataFrame
    audit: Audit = field(default_factory=Audit)
    profile: str | None = None
    ambiguous: str | None = None
    study_id: str | None = None
    options: SwitchingOptions | None = None
    #: comparison -> why it was not made (one source of HER2 pathology, no serial samples)
    not_made: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.options is None and self.profile is not None:
            # calls made elsewhere: options as far as they were told (a profile
            # label that is no built-in profile leaves them unknown)
            with contextlib.suppress(ConfigError):
                self.options = SwitchingOptions(
                    profile=self.profile,
                    # classify() validates the policy and raises ConfigError
                    ambiguous=cast("AmbiguityPolicy", self.ambiguous or "exclude"),
                )

    def rate(
        self, transition: str, comparison: str = "primary_vs_sequenced", sample_type: str = "All"
    ) -> dict[str, Any]:
        """One row of :attr:`table` as a dict (raises KeyError if absent); the sample type
        in any case (``"metastasis"`` as ``"Metastasis"``), as analyze takes it."""
        sample_type = _stratum(self.table, sample_type)
        rows = self.table.filter(
            (pl.col("comparison") == comparison)
            & (pl.col("sample_type") == sample_type)
            & (pl.col("transition") == transition)
        ).to_dicts()
        if not rows:
            raise KeyError((comparison, sample_type, transition))
        return rows[0]

    def matrix_wide(self, comparison: str, sample_type: str = ALL_SAMPLE_TYPES) -> pl.DataFrame:
        """The from x to matrix of one comparison/stratum, rows = from, columns = to."""
        sample_type = _stratum(self.matrix, sample_type)
        sub = self.matrix.filter(
            (pl.col("comparison") == comparison) & (pl.col("sample_type") == sample_type)
        )
        wide = sub.pivot(
            on="to_category", index="from_category", values="n", aggregate_function="sum"
        )
        order = pl.DataFrame({"from_category": list(ANALYSIS_SCALE)})
        wide = order.join(wide, on="from_category", how="left").fill_null(0)
        for cat in ANALYSIS_SCALE:
            if cat not in wide.columns:
                wide = wide.with_columns(pl.lit(0, dtype=pl.UInt32).alias(cat))
        return wide.select("from_category", *ANALYSIS_SCALE)

    def to_pandas(self) -> Any:
        """The rates table (:attr:`table`) as a pandas DataFrame."""
        return self.table.to_pandas()

    def _summary(self) -> Summary:
        """Pairs per comparison, the rates with both intervals, the notes every view carries."""
        facts = [("Profile", str(self.profile)), ("Ambiguous IHC 2+", str(self.ambiguous))]
        for comparison, title in COMPARISON_TITLES.items():
            if comparison in self.not_made:
                facts.append((title, f"not made: {self.not_made[comparison]}"))
                continue
            for a in self.accounting.filter(pl.col("comparison") == comparison).iter_rows(
                named=True
            ):
                facts.append(
                    (
                        title,
                        f"{a['n_included']} pairs used, {a['n_excluded']} excluded "
                        f"(of {a['n_candidates']})",
                    )
                )
        rates = " / ".join(f"{100 * r:.0f}%" for r in PAPER_REFERENCE["rates"])
        title = "HER2 switching" + (f" ({self.study_id})" if self.study_id else "")
        return Summary(
            title,
            facts=facts,
            tables=[("Switch rates (%, Wilson and patient-clustered 95% CI)", _rates(self.table))],
            notes=[
                SCALE_NOTE,
                SAME_TUMOUR_NOTE,
                INDEPENDENCE_NOTE,
                f"Front Oncol 2024 perspective (ref 90, a different retrospective luminal B "
                f"cohort): {rates} HER2-low <-> HER2-0 switching in either direction.",
            ],
            max_rows=40,
        )


def _percent(value: Any) -> Any:
    return None if value is None else 100 * float(value)


def _rates(table: pl.DataFrame) -> pl.DataFrame:
    """The rates for reading: percentages, intervals as text (the table keeps every digit)."""
    columns = ["Comparison", "Sample type", "Transition", "k", "n", "Rate", "95% CI",
               "Patient-clustered 95% CI", "Patients"]  # fmt: skip
    rows = [
        {
            "Comparison": r["comparison"],
            "Sample type": r["sample_type"],
            "Transition": r["transition"],
            "k": r["k"],
            "n": r["n"],
            "Rate": fmt_pct(_percent(r["rate"])),
            "95% CI": fmt_ci(_percent(r["ci_low"]), _percent(r["ci_high"])),
            "Patient-clustered 95% CI": fmt_ci(
                _percent(r.get("ci_low_cluster")), _percent(r.get("ci_high_cluster"))
            ),
            "Patients": r["n_patients"],
        }
        for r in table.iter_rows(named=True)
    ]
    return pl.DataFrame(rows) if rows else pl.DataFrame(schema=dict.fromkeys(columns, pl.String))


def _stratum(frame: pl.DataFrame, sample_type: str) -> str:
    """The stratum label as the table spells it, whatever case the caller used."""
    for label in frame.get_column("sample_type").unique().to_list():
        if isinstance(label, str) and label.lower() == str(sample_type).lower():
            return label
    return sample_type
