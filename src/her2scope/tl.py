"""Analyses (``hs.tl``), scanpy-style: study first, options keyword-only, results of one shape.

Every function takes a :class:`~her2scope.study.model.Study` first and
everything else by keyword; each returns a result with ``.table``,
``.options``, ``.audit`` (study + HER2 engine + analysis), ``summary()``,
``_repr_html_`` and ``to_pandas()``. Options are validated when they are made
(a bad value raises :class:`~her2scope.errors.ConfigError` naming the
parameter). Keywords may be given one by one (``hr="positive"``) or as an
options object (``options=AnalysisOptions(...)``), not both. A study id or
folder may stand for the study (it is loaded). Figures of the results are in
:mod:`her2scope.pl`.

Examples
--------
>>> import her2scope as hs  # doctest: +SKIP
>>> study = hs.load_study("breast_msk_2018")  # doctest: +SKIP
>>> hs.tl.analyze(study, profile="ihc-only", ambiguous="low").table  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from her2scope.errors import ConfigError

if TYPE_CHECKING:
    from her2scope.alterations import AlterationCalls, Catalog
    from her2scope.cohort.actionability import ActionabilityResult
    from her2scope.cohort.adjusted.result import AdjustedResult
    from her2scope.cohort.options import AnalysisOptions, SurvivalOptions, SwitchingOptions
    from her2scope.cohort.pooled.result import PooledResult
    from her2scope.cohort.survival import SurvivalResult
    from her2scope.cohort.switching import SwitchingResult
    from her2scope.cohort.table1.result import IntersectionResult, SensitivityResult
    from her2scope.study.model import Study

__all__ = [
    "actionability",
    "adjusted",
    "analyze",
    "analyze_many",
    "sensitivity",
    "survival",
    "switching",
]


def _as_study(study: Any) -> Study:
    """A loaded study, or one loaded from a study id or folder
    (``hs.tl.analyze("breast_msk_2018")``)."""
    import os

    if isinstance(study, str | os.PathLike):
        from her2scope._api import load_study

        return load_study(study)
    if not hasattr(study, "samples"):
        raise ConfigError(
            f"expected a Study (hs.load_study), a study id or a study folder; got "
            f"{type(study).__name__}"
        )
    return study


def _analysis_options(options: AnalysisOptions | None, kwargs: dict[str, Any]) -> AnalysisOptions:
    from her2scope.cohort.options import AnalysisOptions, make_options, parse_expected_range

    if options is not None and kwargs:
        raise ConfigError(
            f"give either options or the separate parameters ({', '.join(kwargs)}), not both"
        )
    if options is not None:
        return options
    if "expected" in kwargs:
        kwargs = {**kwargs, "expected": parse_expected_range(kwargs["expected"])}
    return make_options(AnalysisOptions, kwargs)  # an unknown keyword: did-you-mean


def analyze(
    study: Study | str,
    *,
    options: AnalysisOptions | None = None,
    catalog: Catalog | None = None,
    calls: AlterationCalls | None = None,
    **option_values: Any,
) -> IntersectionResult:
    """The HER2-low x resistance-alteration table (Table 1 of the Front Oncol 2024 perspective).

    Parameters
    ----------
    study : Study or str
        A loaded study (:func:`her2scope.load_study`), or a study id or folder
        to load.
    options : AnalysisOptions, optional
        Every choice that changes the numbers; or give its fields as keywords
        (``profile``, ``ambiguous``, ``source``, ``sample_type``, ``hr``,
        ``one_per_patient``, ``expected`` as ``"45-55"`` or a pair,
        ``mutation_classes``, ``cohort``).
    catalog : Catalog, optional
        Alteration catalog (default: the built-in one).
    calls : AlterationCalls, optional
        Alteration calls made earlier (:func:`her2scope.annotate`), reused.

    Returns
    -------
    IntersectionResult
        ``.table`` (one row per alteration, class and ``ALL``), ``.samples``
        (every sample, included or not and why), ``.options``, ``.audit``.

    Examples
    --------
    >>> result = hs.tl.analyze(study, profile="ihc-only", ambiguous="low")  # doctest: +SKIP
    >>> result.to_pandas().head()  # doctest: +SKIP
    """
    from her2scope.cohort.table1 import run as table1

    opts = _analysis_options(options, option_values)
    return table1.run(_as_study(study), opts, catalog=catalog, calls=calls).result


def analyze_many(
    studies: Sequence[Study | str],
    *,
    options: AnalysisOptions | None = None,
    catalog: Catalog | None = None,
    **option_values: Any,
) -> PooledResult:
    """Several studies: each study's table and a pooled table with study as a stratum.

    Each study is harmonised by its own column convention (detected, unless it
    was harmonised already), its HER2 calls made with the same options, and
    its single-study table computed (:func:`analyze`). The studies whose HER2
    scale supports HER2-low are pooled: crude pooled counts (the sum of the
    per-study counts) next to the Mantel-Haenszel odds ratio of HER2-low vs
    HER2-0 in altered vs not altered tumors with study as the stratum. A study
    recorded only as HER2 positive/negative is left out with its reason.

    Parameters
    ----------
    studies : sequence of Study or str
        Loaded studies (:func:`her2scope.load_study`) or study ids / folders,
        distinct ids.
    options : AnalysisOptions, optional
        Every choice that changes the numbers, the same for every study (or
        its fields as keywords, as for :func:`analyze`).
    catalog : Catalog, optional
        Alteration catalog (default: the built-in one).

    Returns
    -------
    PooledResult
        ``.table`` (pooled, one row per alteration, class and ``ALL``),
        ``.per_study`` (study id -> :class:`IntersectionResult`),
        ``.left_out`` (study id -> reason), ``.counts`` (the 2x2xK counts),
        ``.not_assessed``, ``.options``, ``.audit`` (each study's findings
        prefixed by its id).

    Raises
    ------
    StudyError
        When no study can support HER2-low.

    Examples
    --------
    >>> a, b = hs.load_study("breast_msk_2018"), hs.load_study("brca_tcga")  # doctest: +SKIP
    >>> pooled = hs.tl.analyze_many([a, b], profile="asco-cap-2023")  # doctest: +SKIP
    >>> pooled.table.select("alteration", "n_her2_low", "mh_or")  # doctest: +SKIP
    """
    from her2scope.cohort.pooled import run as pooled

    opts = _analysis_options(options, option_values)
    return pooled.run([_as_study(s) for s in studies], opts, catalog=catalog)


def sensitivity(
    study: Study | str,
    *,
    options: AnalysisOptions | None = None,
    profiles: Sequence[str] | None = None,
    policies: Sequence[str] | None = None,
    catalog: Catalog | None = None,
    calls: AlterationCalls | None = None,
    **option_values: Any,
) -> SensitivityResult:
    """The HER2-low x alteration table under every HER2 profile x ambiguity policy.

    Parameters
    ----------
    study : Study or str
        A loaded study, or a study id or folder to load.
    options : AnalysisOptions, optional
        Cohort filters held fixed (or their fields as keywords).
    profiles : sequence of str, optional
        HER2 rule profiles (default: every built-in profile in the data
        folder, :func:`her2scope.vocab.profile_names`).
    policies : sequence of str, optional
        Ambiguity policies (default: all of ``low``, ``zero``, ``exclude``).
    catalog, calls : optional
        As for :func:`analyze`.

    Returns
    -------
    SensitivityResult
        ``.table`` stacked with ``profile`` and ``ambiguous`` columns first.

    Examples
    --------
    >>> grid = hs.tl.sensitivity(study)  # doctest: +SKIP
    >>> print(grid.summary())  # doctest: +SKIP
    """
    from her2scope.cohort.table1.compute import sensitivity_result

    return sensitivity_result(
        _as_study(study),
        _analysis_options(options, option_values),
        profiles=profiles,
        policies=policies,
        catalog=catalog,
        calls=calls,
    )


def switching(
    study: Study | str,
    *,
    options: SwitchingOptions | None = None,
    **option_values: Any,
) -> SwitchingResult:
    """HER2 category switching: primary pathology vs sequenced sample, and serial samples.

    Parameters
    ----------
    study : Study or str
        A loaded study, or a study id or folder to load.
    options : SwitchingOptions, optional
        ``profile``, ``ambiguous``, ``mapping`` (or those as keywords).

    Returns
    -------
    SwitchingResult
        ``.table`` (rates with Wilson and patient-clustered 95% CIs),
        ``.pairs``, ``.matrix``, ``.options``, ``.audit``.

    Examples
    --------
    >>> sw = hs.tl.switching(study)  # doctest: +SKIP
    >>> sw.rate("HER2-0 -> HER2-low", sample_type="Metastasis")  # doctest: +SKIP
    """
    from her2scope.cohort.options import SwitchingOptions, make_options
    from her2scope.cohort.switching import run

    if options is None:
        options = make_options(SwitchingOptions, option_values)
    elif option_values:
        raise ConfigError("give either options or the separate parameters, not both")
    return run(_as_study(study), options)


def survival(
    study: Study | str,
    *,
    options: SurvivalOptions | None = None,
    **option_values: Any,
) -> SurvivalResult:
    """Overall survival by HER2 group (or by an alteration): KM, log-rank, Cox.

    Parameters
    ----------
    study : Study or str
        A loaded study, or a study id or folder to load.
    options : SurvivalOptions, optional
        ``by`` (``"her2"`` or ``"alteration:ID"``), ``profile``,
        ``ambiguous``, ``mapping`` (or those as keywords).

    Returns
    -------
    SurvivalResult
        ``.table`` (groups, KM medians), ``.logrank``, ``.cox``, ``.curves``,
        ``.options``, ``.audit`` and the sequencing-time bias note.

    Examples
    --------
    >>> os_ = hs.tl.survival(study, by="her2")  # doctest: +SKIP
    >>> print(os_.summary())  # doctest: +SKIP
    """
    from her2scope.cohort.options import SurvivalOptions, make_options
    from her2scope.cohort.survival import run

    if options is None:
        options = make_options(SurvivalOptions, option_values)
    elif option_values:
        raise ConfigError("give either options or the separate parameters, not both")
    return run(_as_study(study), options)


def adjusted(
    study: Study | str,
    *,
    options: AnalysisOptions | None = None,
    covariates: Sequence[str] | None = None,
    catalog: Catalog | None = None,
    calls: AlterationCalls | None = None,
    **option_values: Any,
) -> AdjustedResult:
    """Crude, Mantel-Haenszel and covariate-adjusted odds ratios, and the open questions.

    Parameters
    ----------
    study : Study or str
        A loaded study, or a study id or folder to load.
    options : AnalysisOptions, optional
        The main analysis cohort (or its fields as keywords).
    covariates : sequence of str, optional
        Default ``hr_status``, ``sample_type``, ``histology``, ``panel``.
    catalog, calls : optional
        As for :func:`analyze`.

    Returns
    -------
    AdjustedResult
        ``.table`` (crude vs CMH vs adjusted ORs), ``.stratified``,
        ``.questions``, ``.options``, ``.audit``.

    Examples
    --------
    >>> adj = hs.tl.adjusted(study)  # doctest: +SKIP
    >>> adj.to_pandas().head()  # doctest: +SKIP
    """
    from her2scope.cohort.adjusted import run as adjusted_run
    from her2scope.cohort.adjusted.compute import DEFAULT_COVARIATES

    opts = _analysis_options(options, option_values)
    return adjusted_run.run(
        _as_study(study),
        opts,
        catalog=catalog,
        calls=calls,
        covariates=DEFAULT_COVARIATES if covariates is None else tuple(covariates),
    )


def actionability(
    study: Study | str,
    *,
    options: AnalysisOptions | None = None,
    jurisdiction: str = "FDA",
    history: str = "after-et-cdk46",
    **option_values: Any,
) -> ActionabilityResult:
    """Each sample's best knowledge-base option level and the finding that gives it.

    Every analysed sample goes through the patient report's matcher and eligibility
    gates (once per distinct profile) under an assumed therapy history, since a
    cohort records none.

    Parameters
    ----------
    study : Study or str
        A loaded study, or a study id or folder to load.
    options : AnalysisOptions, optional
        The cohort (HER2 profile, ambiguity policy, sample selection), or its fields
        as keywords.
    jurisdiction : {"FDA", "EMA"}
        Whose approval counts as ``approved``.
    history : {"after-et-cdk46", "first-line"}
        The assumed history: a second-line metastatic decision after endocrine therapy
        + CDK4/6 inhibitor (HR-positive samples; the default), or a first-line one.

    Returns
    -------
    ActionabilityResult
        ``.samples`` (one row per sample: level, option, finding, HER2 branch,
        conditional level), ``.table`` (HER2 x endocrine resistance x alteration class
        x level, patient-clustered CIs), ``.q2`` (the perspective's Q2 answer).

    Examples
    --------
    >>> act = hs.tl.actionability(study, jurisdiction="EMA")  # doctest: +SKIP
    >>> act.q2["share"]  # doctest: +SKIP
    """
    from her2scope.cohort.actionability import actionability as run

    opts = _analysis_options(options, option_values)
    return run(_as_study(study), opts, jurisdiction=jurisdiction, history=history)


def __dir__() -> list[str]:
    # tab completion offers the analyses, not the imports (Any, TYPE_CHECKING ...)
    return list(__all__)
