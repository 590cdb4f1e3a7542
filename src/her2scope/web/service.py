"""What the pages show, computed through the library and cached per options.

Every function here calls :mod:`her2scope.analysis`, :mod:`her2scope.kb` and
:mod:`her2scope.report`; nothing computes a statistic of its own. Results are
kept in the registry's :class:`~her2scope.web.registry.Memo`, keyed by the
study id and the validated options, so a control that goes back to an earlier
setting costs nothing and two requests never compute the same thing twice.

matplotlib is not thread-safe (``km_figure`` and the switching heatmap use
pyplot's global state), so every figure is drawn under :data:`FIGURE_LOCK`.
"""

from __future__ import annotations

import math
import shlex
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from her2scope.vocab import (
    AMBIGUITY_POLICIES,
    CATEGORY_DISPLAY_ORDER,
    DEFAULT_PROFILE,
    her2_colour,
    profile_names,
)
from her2scope.web.registry import LoadedStudy, Registry

if TYPE_CHECKING:
    from her2scope.analysis.cohort import AnalysisOptions, IntersectionResult
    from her2scope.analysis.survival import SurvivalResult
    from her2scope.analysis.switching import SwitchingResult
    from her2scope.kb.match import Matcher, PatientReport
    from her2scope.kb.patient import PatientProfile

#: Choices of the cohort page, the default first (profiles discovered from the data folder).
PROFILES = tuple(sorted(profile_names(), key=lambda name: name != DEFAULT_PROFILE))
POLICIES = tuple(sorted(AMBIGUITY_POLICIES, key=lambda policy: policy != "exclude"))
SAMPLE_TYPES = ("all", "primary", "metastasis")
HR_FILTERS = ("all", "positive")
_COHORT_FIGURES = ("forest", "stacked", "oncoprint")
FIGURES = (*_COHORT_FIGURES, "switching", "km")
#: table downloads: name -> (media type, what)
DOWNLOADS = {
    "table.tsv": "text/tab-separated-values; charset=utf-8",
    "table.json": "application/json",
    "table.parquet": "application/vnd.apache.parquet",
    "audit.tsv": "text/tab-separated-values; charset=utf-8",
    "switching.tsv": "text/tab-separated-values; charset=utf-8",
    "survival.tsv": "text/tab-separated-values; charset=utf-8",
    "report.html": "text/html; charset=utf-8",
}
CATEGORY_ORDER = CATEGORY_DISPLAY_ORDER

FIGURE_LOCK = threading.Lock()
_MATCH_LOCK = threading.Lock()


class BadOption(ValueError):
    """A query parameter outside its allowed values (HTTP 400)."""


@dataclass(frozen=True)
class CohortOptions:
    """The cohort page's controls, validated against fixed choices."""

    profile: str = "asco-cap-2023"
    ambiguous: str = "exclude"
    sample_type: str = "all"
    hr: str = "all"

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> CohortOptions:
        """Options from query parameters; unknown values raise :class:`BadOption`."""
        values: dict[str, str] = {}
        for name, allowed in (
            ("profile", PROFILES),
            ("ambiguous", POLICIES),
            ("sample_type", SAMPLE_TYPES),
            ("hr", HR_FILTERS),
        ):
            raw = params.get(name)
            if raw is None or raw == "":
                continue
            if raw not in allowed:
                raise BadOption(f"{name} must be one of {', '.join(allowed)}")
            values[name] = raw
        return cls(**values)

    def analysis_options(self) -> AnalysisOptions:
        from her2scope.analysis.cohort import AnalysisOptions

        return AnalysisOptions(
            profile=self.profile,
            ambiguous=self.ambiguous,
            sample_type=self.sample_type,  # type: ignore[arg-type]
            hr=self.hr,  # type: ignore[arg-type]
        )

    def query(self) -> str:
        return urlencode(
            {
                "profile": self.profile,
                "ambiguous": self.ambiguous,
                "sample_type": self.sample_type,
                "hr": self.hr,
            }
        )

    def command(self, study_id: str) -> str:
        """The equivalent ``her2scope analyze`` call (printed in the HTML report)."""
        args = ["her2scope", "analyze", study_id, "--profile", self.profile]
        args += ["--ambiguous", self.ambiguous, "--sample-type", self.sample_type, "--hr", self.hr]
        return " ".join(shlex.quote(a) for a in args)


def _num(value: Any) -> Any:
    """JSON-safe number: NaN/inf become None."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def _fmt(value: Any, digits: int = 1) -> str:
    value = _num(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _fmt_p(value: Any) -> str:
    value = _num(value)
    if value is None:
        return ""
    return f"{value:.2g}" if value < 0.01 else f"{value:.3f}"


class Service:
    """The computations behind the pages, over one :class:`Registry`."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._results = registry.results

    # -- cohort -------------------------------------------------------------------------------

    def analysis(self, study_id: str, opts: CohortOptions) -> IntersectionResult:
        """HER2 calls + cohort selection + table, reusing the study's alteration calls."""
        loaded = self.registry.load(study_id)

        def compute() -> IntersectionResult:
            from her2scope.analysis.cohort import analyze

            return analyze(
                loaded.study,
                opts.analysis_options(),
                catalog=loaded.catalog,
                calls=loaded.calls,
            )

        return self._results.get(("analysis", study_id, opts), compute)

    def analysis_payload(self, study_id: str, opts: CohortOptions) -> dict[str, Any]:
        """Everything the cohort table and the distribution show, JSON-ready."""

        def compute() -> dict[str, Any]:
            result = self.analysis(study_id, opts)
            return {
                "study_id": study_id,
                "options": {
                    "profile": opts.profile,
                    "ambiguous": opts.ambiguous,
                    "sample_type": opts.sample_type,
                    "hr": opts.hr,
                },
                "query": opts.query(),
                "n_samples": result.n_samples,
                "n_analysed": result.n_included,
                "summary": result.summary().split("\n"),
                "distribution": distribution(result),
                "rows": table_rows(result),
            }

        return self._results.get(("payload", study_id, opts), compute)

    def switching(self, study_id: str, opts: CohortOptions) -> SwitchingResult:
        loaded = self.registry.load(study_id)

        def compute() -> SwitchingResult:
            from her2scope.analysis.switching import switching

            return switching(loaded.study, profile=opts.profile, ambiguous=opts.ambiguous)

        key = ("switching", study_id, opts.profile, opts.ambiguous)
        return self._results.get(key, compute)

    def survival(self, study_id: str, opts: CohortOptions) -> SurvivalResult:
        loaded = self.registry.load(study_id)

        def compute() -> SurvivalResult:
            from her2scope.analysis.survival import survival

            return survival(loaded.study, profile=opts.profile, ambiguous=opts.ambiguous)

        key = ("survival", study_id, opts.profile, opts.ambiguous)
        return self._results.get(key, compute)

    def figure(self, study_id: str, opts: CohortOptions, name: str) -> bytes:
        """PNG of one figure (``name`` in :data:`FIGURES`), drawn by report/."""

        def compute() -> bytes:
            from her2scope.report.figures import encode

            if name in _COHORT_FIGURES:
                return self._cohort_figures(study_id, opts)[_COHORT_FIGURES.index(name)]
            if name == "switching":
                from her2scope.report.switching import switching_figure

                sw = self.switching(study_id, opts)
                with FIGURE_LOCK:
                    return encode(switching_figure(sw), fmt="png", dpi=100)
            if name == "km":
                from her2scope.report.survival import km_figure

                sv = self.survival(study_id, opts)
                with FIGURE_LOCK:
                    return encode(km_figure(sv), fmt="png", dpi=100)
            raise BadOption(f"unknown figure {name!r}")

        if name in ("switching", "km"):
            key: tuple[Any, ...] = ("figure", study_id, opts.profile, opts.ambiguous, name)
        else:
            key = ("figure", study_id, opts, name)
        return self._results.get(key, compute)

    def _cohort_figures(self, study_id: str, opts: CohortOptions) -> tuple[bytes, ...]:
        """Forest plot, stacked bar and oncoprint: report/ draws the three together."""

        def compute() -> tuple[bytes, ...]:
            from her2scope.report.cohort import cohort_figures

            result = self.analysis(study_id, opts)
            with FIGURE_LOCK:
                return tuple(f.data for f in cohort_figures(result, fmt="png"))

        return self._results.get(("cohort_figures", study_id, opts), compute)

    def download(self, study_id: str, opts: CohortOptions, name: str) -> bytes:
        """File contents for ``name`` in :data:`DOWNLOADS`."""

        def compute() -> bytes:
            from her2scope.report import cohort as report
            from her2scope.report.writers import table_bytes

            if name == "report.html":
                result = self.analysis(study_id, opts)
                with FIGURE_LOCK:
                    html = report.html_report(result, command=opts.command(study_id))
                return html.encode("utf-8")
            if name == "table.tsv":
                return table_bytes(self.analysis(study_id, opts).table, format="tsv")
            if name == "table.json":
                return report.table_json(self.analysis(study_id, opts)).encode("utf-8")
            if name == "table.parquet":
                return table_bytes(self.analysis(study_id, opts).table, format="parquet")
            if name == "audit.tsv":
                return table_bytes(self.analysis(study_id, opts).samples, format="tsv")
            if name == "switching.tsv":
                return table_bytes(self.switching(study_id, opts).table, format="tsv")
            if name == "survival.tsv":
                return table_bytes(self.survival(study_id, opts).table, format="tsv")
            raise BadOption(f"unknown download {name!r}")

        return self._results.get(("download", study_id, opts, name), compute)

    # -- patients -----------------------------------------------------------------------------

    def matcher(self) -> Matcher:
        """The knowledge-base matcher, built once per process (~2 s)."""

        def compute() -> Matcher:
            from her2scope.kb.match import Matcher

            return Matcher()

        return self._results.get(("matcher",), compute)

    def match(self, profile: PatientProfile) -> PatientReport:
        matcher = self.matcher()
        # the matcher's caches are not documented as thread-safe: one match at a time
        with _MATCH_LOCK:
            return matcher.match(profile)

    def sample_report(self, loaded: LoadedStudy, sample_id: str) -> PatientReport:
        """The tumor-board report of one sample of a loaded study."""

        def compute() -> PatientReport:
            from her2scope.kb.from_study import profile_from_study

            return self.match(profile_from_study(loaded.study, sample_id))

        key = ("sample", loaded.entry.study_id, sample_id)
        return self._results.get(key, compute)


def distribution(result: IntersectionResult) -> list[dict[str, Any]]:
    """HER2 categories of the analysed tumors: category, n, percent."""
    import polars as pl

    counts = (
        result.samples.filter(pl.col("included"))
        .group_by("her2_category")
        .agg(pl.len().alias("n"))
        .to_dicts()
    )
    total = sum(int(c["n"]) for c in counts) or 1
    rank = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    counts.sort(key=lambda c: (rank.get(str(c["her2_category"]), 99), str(c["her2_category"])))
    return [
        {
            "category": str(c["her2_category"]),
            "n": int(c["n"]),
            "pct": round(100.0 * int(c["n"]) / total, 1),
            "colour": her2_colour(str(c["her2_category"])),
        }
        for c in counts
    ]


def table_rows(result: IntersectionResult) -> list[dict[str, Any]]:
    """The HER2-low x alteration table, raw numbers (for sorting) and display text."""
    rows = []
    for r in result.table.iter_rows(named=True):
        rows.append(
            {
                "alteration": r["alteration"],
                "label": r["label"],
                "mechanism_class": r["mechanism_class"],
                "level": r["level"],
                "n_altered": r["n_altered"],
                "n_her2_known": r["n_her2_known"],
                "n_her2_low": r["n_her2_low"],
                "fraction": f"{r['n_her2_low']}/{r['n_her2_known']}",
                "pct_her2_low": _num(r["pct_her2_low"]),
                "pct_text": (
                    f"{_fmt(r['pct_her2_low'])} ({_fmt(r['ci_low'])}-{_fmt(r['ci_high'])})"
                    if _num(r["pct_her2_low"]) is not None
                    else ""
                ),
                "baseline_pct": _num(r["baseline_pct_her2_low"]),
                "baseline_text": _fmt(r["baseline_pct_her2_low"]),
                "odds_ratio": _num(r["odds_ratio"]),
                "or_text": _fmt(r["odds_ratio"], 2),
                "q_fisher": _num(r["q_fisher"]),
                "q_text": _fmt_p(r["q_fisher"]),
                "n_not_profiled": r["n_not_profiled"],
                "seed": (
                    f"{r['seed_n_her2_low']}/{r['seed_n_her2_known']}"
                    if r.get("seed_n_her2_known") is not None
                    else ""
                ),
            }
        )
    return rows


def switching_view(result: SwitchingResult) -> dict[str, Any]:
    """Accounting and the headline rates of a switching result, for a template."""
    from her2scope.report.switching import SAME_TUMOUR_NOTE, rates_display

    rates = rates_display(result).to_dicts()
    return {
        "accounting": result.accounting.to_dicts(),
        "rates": rates,
        "note": SAME_TUMOUR_NOTE,
    }


def survival_view(result: SurvivalResult) -> dict[str, Any]:
    """Groups, tests and Cox rows of a survival result with numbers as text."""

    def text_rows(frame: Any) -> list[dict[str, str]]:
        out = []
        for row in frame.to_dicts():
            out.append(
                {
                    k: (_fmt_p(v) if k.startswith("p") else _fmt(v, 2))
                    if isinstance(v, float)
                    else ("" if v is None else str(v))
                    for k, v in row.items()
                }
            )
        return out

    return {
        "summary": result.summary().split("\n"),
        "groups": text_rows(result.table),
        "tests": text_rows(result.logrank),
        "cox": text_rows(result.cox),
        "bias_note": result.bias_note,
    }
