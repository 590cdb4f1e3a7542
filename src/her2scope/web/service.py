"""What the pages show, computed through the library and cached per options.

Every function here calls :mod:`her2scope.cohort`, :mod:`her2scope.kb` and
:mod:`her2scope.report`; nothing computes a statistic of its own. Results are
kept in the registry's :class:`~her2scope.web.registry.Memo`, keyed by the
study id and the validated options, so a control that goes back to an earlier
setting costs nothing and two requests never compute the same thing twice.

matplotlib is not thread-safe (``km_figure`` and the switching heatmap use
pyplot's global state), so every figure is drawn under :data:`FIGURE_LOCK`.
"""

from __future__ import annotations

import math
import threading
import typing
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from her2scope.cohort.options import AnalysisOptions, HrFilter, SampleType, analyze_command
from her2scope.errors import ConfigError
from her2scope.render.formats import fmt_p
from her2scope.vocab import (
    AMBIGUITY_POLICIES,
    CATEGORY_DISPLAY_ORDER,
    DEFAULT_PROFILE,
    her2_colour,
    profile_names,
)
from her2scope.web.registry import LoadedStudy, Registry

if TYPE_CHECKING:
    from her2scope.cohort.actionability import ActionabilityResult
    from her2scope.cohort.options import AnalysisOptions
    from her2scope.cohort.survival import SurvivalResult
    from her2scope.cohort.switching import SwitchingResult
    from her2scope.cohort.table1.result import IntersectionResult
    from her2scope.study.model import Study
    from her2scope.tumorboard.match import Matcher
    from her2scope.tumorboard.patient_file import PatientProfile
    from her2scope.tumorboard.report import PatientReport

#: Choices of the cohort page, the default first (profiles discovered from the data folder).
PROFILES = tuple(sorted(profile_names(), key=lambda name: name != DEFAULT_PROFILE))
POLICIES = tuple(sorted(AMBIGUITY_POLICIES, key=lambda policy: policy != "exclude"))
SAMPLE_TYPES: tuple[str, ...] = typing.get_args(SampleType)
HR_FILTERS: tuple[str, ...] = typing.get_args(HrFilter)
#: readable words for the ambiguity policies, the same on every page
POLICY_WORDS = {"exclude": "exclude", "low": "as HER2-low", "zero": "as HER2-0"}
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
#: downloads of a study without HER2-0/low/positive calls
LIMITED_DOWNLOADS = {"frequencies.tsv": "text/tab-separated-values; charset=utf-8"}
CATEGORY_ORDER = CATEGORY_DISPLAY_ORDER

FIGURE_LOCK = threading.Lock()
_MATCH_LOCK = threading.Lock()


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


class Superseded(Exception):
    """A figure request whose view has asked for newer settings meanwhile (not drawn)."""


class Service:
    """The computations behind the pages, over one :class:`Registry`."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._results = registry.results
        #: the latest settings each browser view (a random token per page) asked a figure for;
        #: a queued figure of older settings is skipped instead of drawn
        self._latest: OrderedDict[tuple[str, str], AnalysisOptions] = OrderedDict()
        self._latest_lock = threading.Lock()

    def load(self, study_id: str, opts: AnalysisOptions) -> LoadedStudy:
        """The loaded study, read with the options' column mapping."""
        return self.registry.load(study_id, opts.mapping)

    # -- cohort -------------------------------------------------------------------------------

    def analysis(self, study_id: str, opts: AnalysisOptions) -> IntersectionResult:
        """HER2 calls + cohort selection + table, reusing the study's alteration calls."""
        loaded = self.load(study_id, opts)

        def compute() -> IntersectionResult:
            from her2scope.cohort.table1 import run as table1

            return table1.run(loaded.study, opts, catalog=loaded.catalog, calls=loaded.calls).result

        return self._results.get(("analysis", study_id, opts), compute)

    def analysis_payload(self, study_id: str, opts: AnalysisOptions) -> dict[str, Any]:
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
                "reading_query": opts.reading_query(),
                "n_samples": result.n_samples,
                "n_analysed": result.n_included,
                "summary": result.summary_lines(),
                "distribution": distribution(result),
                "rows": table_rows(result),
                "samples": analysed_samples(result),
                "expected": list(result.options.expected),
            }

        return self._results.get(("payload", study_id, opts), compute)

    def altered_samples(
        self, study_id: str, opts: AnalysisOptions, alteration: str
    ) -> list[dict[str, str]]:
        """The analysed samples carrying ``alteration`` (a catalog id, a mechanism class or
        ``ALL``), with their HER2 call and variants; KeyError for an unknown id."""
        from her2scope.vocab import ALL_CLASS

        loaded = self.load(study_id, opts)
        catalog = loaded.catalog
        if alteration == ALL_CLASS:
            ids = list(catalog.ids)
        elif alteration in catalog.ids:
            ids = [alteration]
        else:
            ids = [a.id for a in catalog.by_class(alteration)]
            if not ids:
                raise KeyError(alteration)

        def compute() -> list[dict[str, str]]:
            import polars as pl

            result = self.analysis(study_id, opts)
            analysed = result.samples.filter(pl.col("included")).select(
                "sample_id", "her2_category"
            )
            hits = (
                loaded.calls.altered.filter(pl.col("alteration").is_in(ids))
                .group_by("sample_id", maintain_order=True)
                .agg(pl.col("variants").str.join("; "))
            )
            rows = analysed.join(hits, on="sample_id", how="inner")
            return [
                {"id": str(r[0]), "her2": str(r[1] or ""), "variants": str(r[2] or "")}
                for r in rows.iter_rows()
            ]

        return self._results.get(("altered", study_id, opts, alteration), compute)

    def her2_limitation(self, study_id: str, opts: AnalysisOptions) -> str | None:
        """Why the study (read with the options' mapping) gives no HER2-0/low/positive calls."""
        from her2scope.study.conventions import her2_limitation

        return her2_limitation(self.load(study_id, opts).study)

    def filtered_study(self, study_id: str, opts: AnalysisOptions) -> Study:
        """The study restricted by the sample-type and HR filters, as the cohort table is
        (same columns and rules as :func:`her2scope.cohort.table1.compute.select_cohort`)."""
        loaded = self.load(study_id, opts)
        if not opts.filtered:
            return loaded.study

        def compute() -> Study:
            import dataclasses

            import polars as pl

            samples = loaded.study.samples
            keep = pl.lit(True)
            stype = (
                pl.col("SAMPLE_TYPE").cast(pl.String).str.to_lowercase().fill_null("")
                if "SAMPLE_TYPE" in samples.columns
                else pl.lit("")
            )
            if opts.sample_type == "primary":
                keep = keep & stype.str.starts_with("prim")
            elif opts.sample_type == "metastasis":
                keep = keep & stype.str.starts_with("met")
            if opts.hr == "positive":
                present = [c for c in ("HR_STATUS", "ER_STATUS") if c in samples.columns]
                hr = (
                    pl.coalesce([pl.col(c).cast(pl.String) for c in present])
                    if present
                    else pl.lit(None, dtype=pl.String)
                )
                keep = keep & (hr.str.to_lowercase().fill_null("") == "positive")
            return dataclasses.replace(loaded.study, samples=samples.filter(keep))

        key = ("filtered", study_id, opts.mapping, opts.sample_type, opts.hr)
        return self._results.get(key, compute)

    def switching(self, study_id: str, opts: AnalysisOptions) -> SwitchingResult:
        """HER2 switching of the filtered samples (sample type and HR as on the page)."""

        def compute() -> SwitchingResult:
            from her2scope.cohort.options import SwitchingOptions, make_options
            from her2scope.cohort.switching import run

            study = self.filtered_study(study_id, opts)
            options = {"profile": opts.profile, "ambiguous": opts.ambiguous}
            return run(study, make_options(SwitchingOptions, options))

        return self._results.get(("switching", study_id, opts), compute)

    def survival(self, study_id: str, opts: AnalysisOptions, by: str = "her2") -> SurvivalResult:
        """Overall survival of the filtered samples' patients, by HER2 call or alteration."""

        def compute() -> SurvivalResult:
            from her2scope.cohort.options import SurvivalOptions, make_options
            from her2scope.cohort.survival import run

            study = self.filtered_study(study_id, opts)
            options = {"by": by, "profile": opts.profile, "ambiguous": opts.ambiguous}
            return run(study, make_options(SurvivalOptions, options))

        return self._results.get(("survival", study_id, opts, by), compute)

    # -- figures ------------------------------------------------------------------------------

    def want(self, view: str, study_id: str, opts: AnalysisOptions) -> None:
        """Record that browser view ``view`` now shows ``opts`` (older figures are skipped)."""
        if not view:
            return
        with self._latest_lock:
            self._latest[(view, study_id)] = opts
            self._latest.move_to_end((view, study_id))
            while len(self._latest) > 1000:
                self._latest.popitem(last=False)

    def superseded(self, view: str, study_id: str, opts: AnalysisOptions) -> bool:
        """Whether ``view`` has asked for other settings since asking for ``opts``."""
        if not view:
            return False
        with self._latest_lock:
            latest = self._latest.get((view, study_id))
        return latest is not None and latest != opts

    def figure(
        self,
        study_id: str,
        opts: AnalysisOptions,
        name: str,
        view: str = "",
        by: str = "her2",
        fmt: str = "png",
    ) -> bytes:
        """One figure (``name`` in :data:`FIGURES`) as ``fmt`` (png or svg), drawn by report/.

        The page asks for SVG (text kept as text: about half the drawing time of
        a PNG, sharp at any size); ``.png`` stays for links and scripts.

        With ``view`` (the page's token), a figure whose view has moved on to
        other settings before its drawing starts raises :class:`Superseded`
        instead of being drawn (the figure lock serialises drawing, so a burst
        of changes would otherwise queue every intermediate figure).
        """

        def drawing() -> Any:
            if self.superseded(view, study_id, opts):
                raise Superseded(name)
            return FIGURE_LOCK

        def compute() -> bytes:
            from her2scope.render.canvas import encode

            if name == "oncoprint":
                # alone: the page draws the forest plot and the stacked bar itself
                from her2scope.render.plots import oncoprint_figure

                result = self.analysis(study_id, opts)
                with drawing():
                    if self.superseded(view, study_id, opts):
                        raise Superseded(name)
                    return encode(
                        oncoprint_figure(result.table, result.samples, result.calls), format=fmt
                    )
            if name in _COHORT_FIGURES:
                figs = self._cohort_figures(study_id, opts, view, fmt)
                return figs[_COHORT_FIGURES.index(name)]
            if name == "switching":
                from her2scope.cohort.switching.views import switching_figure

                sw = self.switching(study_id, opts)
                with drawing():
                    return encode(switching_figure(sw), format=fmt, dpi=100)
            if name == "km":
                from her2scope.cohort.survival.views import km_figure

                sv = self.survival(study_id, opts, by)
                with drawing():
                    return encode(km_figure(sv), format=fmt, dpi=100)
            raise ConfigError(f"unknown figure {name!r}")

        if self.superseded(view, study_id, opts):
            raise Superseded(name)
        return self._results.get(("figure", study_id, opts, name, by, fmt), compute)

    def _cohort_figures(
        self, study_id: str, opts: AnalysisOptions, view: str, fmt: str = "png"
    ) -> tuple[bytes, ...]:
        """Forest plot, stacked bar and oncoprint: report/ draws the three together."""

        def compute() -> tuple[bytes, ...]:
            from her2scope.cohort.table1.views import cohort_figures

            result = self.analysis(study_id, opts)
            if self.superseded(view, study_id, opts):
                raise Superseded("cohort figures")
            with FIGURE_LOCK:
                if self.superseded(view, study_id, opts):
                    raise Superseded("cohort figures")
                return tuple(f.data for f in cohort_figures(result, fmt=fmt))

        return self._results.get(("cohort_figures", study_id, opts, fmt), compute)

    def download(self, study_id: str, opts: AnalysisOptions, name: str, by: str = "her2") -> bytes:
        """File contents for ``name`` in :data:`DOWNLOADS`."""

        def compute() -> bytes:
            from her2scope.cohort.table1 import views as report
            from her2scope.render.writers import table_bytes

            if name == "report.html":
                result = self.analysis(study_id, opts)
                with FIGURE_LOCK:
                    html = report.html_report(result, command=analyze_command([study_id], opts))
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
                return table_bytes(self.survival(study_id, opts, by).table, format="tsv")
            if name == "frequencies.tsv":
                import polars as pl

                rows = alteration_frequencies(self.load(study_id, opts))
                return table_bytes(pl.DataFrame(rows), format="tsv")
            raise ConfigError(f"unknown download {name!r}")

        return self._results.get(("download", study_id, opts, name, by), compute)

    def actionability(self, study_id: str, opts: AnalysisOptions) -> ActionabilityResult:
        """Each analysed sample's best knowledge-base option (the patient report's matcher and
        gates, once per distinct profile) under the default assumed history, FDA approvals."""
        loaded = self.load(study_id, opts)
        n = loaded.study.samples.height
        if n > ACTIONABILITY_MAX_SAMPLES:
            from her2scope.errors import ConfigError

            # a few ms a distinct profile: a GENIE-sized cohort is minutes, not a page view
            raise ConfigError(
                f"{n:,} samples: the page computes actionability for up to "
                f"{ACTIONABILITY_MAX_SAMPLES:,}; run 'her2scope analyze {study_id} "
                "--actionability --out DIR' for this cohort"
            )

        def compute() -> ActionabilityResult:
            from her2scope.cohort.actionability import actionability
            from her2scope.tumorboard.match import Matcher

            # a matcher of its own: the batch takes seconds and must not hold the lock the
            # patient reports share (the knowledge base is read once more, ~2 s)
            return actionability(loaded.study, opts, matcher=Matcher())

        return self._results.get(("actionability", study_id, opts), compute)

    # -- patients -----------------------------------------------------------------------------

    def matcher(self) -> Matcher:
        """The knowledge-base matcher, built once per process (~2 s)."""

        def compute() -> Matcher:
            from her2scope.tumorboard.match import Matcher

            return Matcher()

        return self._results.get(("matcher",), compute)

    def match(self, profile: PatientProfile) -> PatientReport:
        matcher = self.matcher()
        # the matcher's caches are not documented as thread-safe: one match at a time
        with _MATCH_LOCK:
            return matcher.match(profile)

    def sample_report(
        self, loaded: LoadedStudy, sample_id: str, opts: AnalysisOptions | None = None
    ) -> PatientReport:
        """The tumor-board report of one sample, read under the options' HER2 profile and
        ambiguity policy (the cohort page's settings)."""
        opts = opts or AnalysisOptions()

        def compute() -> PatientReport:
            from her2scope.tumorboard.from_study import profile_from_study

            profile = profile_from_study(loaded.study, sample_id)
            profile = profile.model_copy(
                update={"profile": opts.profile, "ambiguous": opts.ambiguous}
            )
            return self.match(profile)

        key = (
            "sample",
            loaded.entry.study_id,
            opts.mapping,
            sample_id,
            opts.profile,
            opts.ambiguous,
        )
        return self._results.get(key, compute)


def alteration_frequencies(loaded: LoadedStudy) -> list[dict[str, Any]]:
    """Per catalog alteration: altered, profiled and not-profiled sample counts and the
    altered % of the profiled samples (no HER2 needed; "not profiled" is never "not
    altered")."""
    import polars as pl

    calls = loaded.calls
    n = calls.samples.height
    altered = dict(
        calls.altered.group_by("alteration").agg(pl.col("sample_id").n_unique()).iter_rows()
    )
    missing = dict(
        calls.not_profiled.group_by("alteration").agg(pl.col("sample_id").n_unique()).iter_rows()
    )
    rows = []
    for entry in loaded.catalog.alterations.values():
        k = int(altered.get(entry.id, 0))
        profiled = n - int(missing.get(entry.id, 0))
        rows.append(
            {
                "alteration": entry.id,
                "label": entry.label,
                "mechanism_class": entry.mechanism_class,
                "n_altered": k,
                "n_profiled": profiled,
                "n_not_profiled": n - profiled,
                "pct_altered": round(100.0 * k / profiled, 1) if profiled else None,
            }
        )
    return rows


def analysed_samples(result: IntersectionResult, limit: int = 5000) -> list[dict[str, str]]:
    """The analysed samples (id, HER2 call), for the page's sample list with report links."""
    import polars as pl

    frame = result.samples.filter(pl.col("included")).select("sample_id", "her2_category")
    return [{"id": str(r[0]), "her2": str(r[1] or "")} for r in frame.head(limit).iter_rows()]


#: the stacked bar's parts (the order of ``parts`` in :func:`table_rows`) and their colours
STACK_PARTS = (
    ("HER2-0", "HER2-0"),
    ("HER2-low", "HER2-low"),
    ("HER2-positive", "HER2-positive"),
    ("HER2-negative (unsplit)", "HER2-negative"),
    ("unknown / equivocal", "unknown"),
)


def chart_style() -> dict[str, Any]:
    """Colours of the page's own charts: the package's class and HER2 palettes."""
    from her2scope.vocab import CLASS_COLOURS

    return {
        "classes": dict(CLASS_COLOURS),
        "parts": [{"name": n, "colour": her2_colour(c)} for n, c in STACK_PARTS],
    }


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
            "pct_text": f"{100.0 * int(c['n']) / total:.1f}",
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
                "q_text": fmt_p(r["q_fisher"]),
                "n_not_profiled": r["n_not_profiled"],
                "ci_low": _num(r["ci_low"]),
                "ci_high": _num(r["ci_high"]),
                # the HER2 composition of the altered tumors (the stacked bar)
                "parts": [
                    int(r.get(k) or 0)
                    for k in (
                        "n_her2_zero",
                        "n_her2_low",
                        "n_her2_positive",
                        "n_her2_negative_unsplit",
                        "n_her2_unknown",
                    )
                ],
                "seed": (
                    f"{r['seed_n_her2_low']}/{r['seed_n_her2_known']}"
                    if r.get("seed_n_her2_known") is not None
                    else ""
                ),
                # the paper's fraction, so the "Paper" column sorts as a number
                "seed_fraction": (
                    round(r["seed_n_her2_low"] / r["seed_n_her2_known"], 4)
                    if r.get("seed_n_her2_known")
                    else None
                ),
            }
        )
    return rows


#: the largest study whose actionability section the web page computes
ACTIONABILITY_MAX_SAMPLES = 25_000


def actionability_view(result: ActionabilityResult) -> dict[str, Any]:
    """The Q2 answer, the HER2 x endocrine-resistance x level table and the figure (SVG)."""
    import polars as pl

    from her2scope.cohort.actionability import ALL, LEVELS
    from her2scope.cohort.actionability.views import (
        actionability_figure,
        history_sentence,
        level_label,
        q2_text,
    )
    from her2scope.render.canvas import encode

    table = result.table.filter(pl.col("alteration_class") == ALL)
    rows = []
    strata = table.select("her2_category", "endocrine_resistant", "n_stratum").unique(
        maintain_order=True
    )
    for her2, resistant, n in strata.iter_rows():
        part = table.filter(
            (pl.col("her2_category") == her2) & (pl.col("endocrine_resistant") == resistant)
        )
        by = {r["level"]: r for r in part.iter_rows(named=True)}
        rows.append(
            {
                "her2": her2,
                "resistant": "yes" if resistant else "no",
                "n": n,
                "cells": [
                    {
                        "n": by[lv]["n"] if lv in by else 0,
                        "pct": _fmt(100 * by[lv]["share"], 0) if lv in by else "",
                        "ci": (
                            f"{_fmt(100 * by[lv]['ci_low'], 0)}-{_fmt(100 * by[lv]['ci_high'], 0)}"
                            if lv in by
                            else ""
                        ),
                    }
                    for lv in LEVELS
                ],
            }
        )
    svg = ""
    if table.height:
        svg = encode(actionability_figure(result), format="svg").decode("utf-8")
        svg = svg[svg.find("<svg") :]
    return {
        "q2": q2_text(result),
        "history": history_sentence(result),
        "levels": [level_label(lv, result.jurisdiction) for lv in LEVELS],
        "rows": rows,
        "svg": svg,
    }


def switching_view(result: SwitchingResult) -> dict[str, Any]:
    """Accounting and the headline rates of a switching result, for a template."""
    from her2scope.cohort.switching import COMPARISONS, SAME_TUMOUR_NOTE
    from her2scope.cohort.switching.views import rates_display

    rates = rates_display(result).to_dicts()
    matrices = []
    for comparison in COMPARISONS:
        if not result.matrix.filter(result.matrix["comparison"] == comparison).height:
            continue
        wide = result.matrix_wide(comparison)
        cats = wide.columns[1:]
        cells = [[int(v) for v in row[1:]] for row in wide.iter_rows()]
        top = max((v for row in cells for v in row), default=0) or 1
        matrices.append(
            {
                "comparison": comparison,
                "columns": cats,
                "rows": [
                    {
                        "from": str(wide["from_category"][i]),
                        # shade: share of the largest cell (the figure's colour scale)
                        "cells": [{"n": v, "shade": round(v / top, 3)} for v in row],
                    }
                    for i, row in enumerate(cells)
                ],
            }
        )
    return {
        "accounting": result.accounting.to_dicts(),
        "rates": rates,
        "matrices": matrices,
        "note": SAME_TUMOUR_NOTE,
    }


def _km_colour(group: str) -> str:
    """The group's colour on the Kaplan-Meier plot (the report's palette)."""
    from her2scope.vocab import HER2_COLOURS

    return {**HER2_COLOURS, "not_altered": "#7f7f7f", "altered": "#9467bd"}.get(group, "#333333")


#: readable headings of the survival tables' columns (the TSV keeps the column names)
SURVIVAL_HEADINGS = {
    "analysis": "Time origin",
    "group": "Group",
    "n_patients": "Patients",
    "n_events": "Deaths",
    "median_os_months": "Median OS (months)",
    "median_ci_low": "95% CI low",
    "median_ci_high": "95% CI high",
    "comparison": "Comparison",
    "test": "Test",
    "statistic": "Statistic",
    "df": "df",
    "p_value": "p",
    "covariate": "Covariate",
    "hazard_ratio": "Hazard ratio",
    "ci_low": "95% CI low",
    "ci_high": "95% CI high",
    "ph_test_statistic": "PH test statistic",
    "ph_p_value": "PH test p",
    "ph_ok": "Proportional hazards holds",
}
_ANALYSIS_WORDS = {
    "from_diagnosis": "from diagnosis",
    "left_truncated": "left-truncated (from sequencing)",
}


def survival_view(result: SurvivalResult) -> dict[str, Any]:
    """Groups, tests and Cox rows of a survival result with readable headings and numbers
    as text (``ph_ok`` as yes/no; an empty cell where a value could not be estimated)."""
    from her2scope.cohort.survival.views import summary_text

    def cell(key: str, value: Any) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            return (
                fmt_p(value) if key.startswith("p") or key.endswith("p_value") else _fmt(value, 2)
            )
        if key == "analysis":
            return _ANALYSIS_WORDS.get(str(value), str(value))
        return "" if value is None else str(value)

    def text_rows(frame: Any) -> dict[str, Any]:
        heads = [SURVIVAL_HEADINGS.get(c, c.replace("_", " ")) for c in frame.columns]
        rows = [[cell(k, v) for k, v in row.items()] for row in frame.to_dicts()]
        return {"heads": heads, "rows": rows}

    # the Kaplan-Meier steps for the page's own drawing: per analysis, per group
    curves: dict[str, dict[str, list[list[float | None]]]] = {}
    for row in result.curves.iter_rows(named=True):
        steps = curves.setdefault(str(row["analysis"]), {}).setdefault(str(row["group"]), [])
        steps.append(
            [
                round(float(row["time"]), 3),
                round(float(row["survival"]), 5),
                _num(round(float(row["ci_low"]), 5)) if row["ci_low"] is not None else None,
                _num(round(float(row["ci_high"]), 5)) if row["ci_high"] is not None else None,
                int(row["at_risk"]),
            ]
        )
    return {
        "curves": curves,
        "colours": {g: _km_colour(g) for a in curves.values() for g in a},
        # the few lines of the survival views; the caution is shown on its own (bias_note)
        "summary": [
            line for line in summary_text(result).split("\n") if not line.startswith("CAUTION")
        ],
        "groups": text_rows(result.table),
        "tests": text_rows(result.logrank),
        "cox": text_rows(result.cox),
        "bias_note": result.bias_note,
    }
