"""What the gates and the ranking decided for one profile, without the explanation.

A :class:`~her2scope.tumorboard.report.PatientReport` explains every option (sources,
trials, approvals, warnings, caveats); a cohort of 250,000 samples keeps only what was
decided: which options are eligible and in what order, which wait on a datum and what
settles it, which are not eligible and why. :class:`Decision` is that part, the same for
a report read back (:meth:`Decision.of_report`) and for the batch path's lean decision
(:meth:`her2scope.tumorboard.match.Matcher.decide`), so the option table and the cohort
actionability read one shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from her2scope.tumorboard.report import PatientReport


@dataclass(frozen=True)
class DecidedOption:
    """One strategy as decided: its id, regimen text and evidence level, the regulators
    that approved it (``FDA``, ``EMA`` ...), the observed biomarkers it is tied to, the
    reason shown (why it ranks there, or why it waits or is not eligible) and, for a
    conditional option, what settles it."""

    id: str
    therapy: str
    evidence_level: str
    approvals: tuple[str, ...]
    biomarkers: tuple[str, ...]
    reason: str = ""
    settles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """The decided options of one profile: ``ranked`` (eligible, rank order, the first is
    rank 1), ``conditional`` (the report's order), ``not_eligible`` (knowledge-base order);
    ``readings`` (the HER2 categories the call allows) and ``evidence`` (biomarker id ->
    the items that observed it, for the biomarkers an option is tied to)."""

    readings: tuple[str, ...]
    ranked: tuple[DecidedOption, ...]
    conditional: tuple[DecidedOption, ...]
    not_eligible: tuple[DecidedOption, ...]
    evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of_report(cls, report: PatientReport) -> Decision:
        """The decision a full report holds (its option lists, as decided options)."""

        def option(o: dict[str, Any], reason: str) -> DecidedOption:
            return DecidedOption(
                id=o["id"],
                therapy=o["therapy"],
                evidence_level=o["evidence_level"],
                approvals=tuple(a["jurisdiction"] for a in o["approvals"]),
                biomarkers=tuple(b["id"] for b in o["biomarkers"]),
                reason=reason,
                settles=tuple(o.get("settles") or ()),
            )

        evidence: dict[str, tuple[str, ...]] = {}
        everything = [*report.options, *report.conditional_options, *report.excluded_options]
        for o in everything:
            for b in o["biomarkers"]:
                evidence.setdefault(b["id"], tuple(b["evidence"]))
        return cls(
            readings=tuple(report.her2.get("readings") or ()),
            ranked=tuple(option(o, o.get("rank_reason") or "") for o in report.options),
            conditional=tuple(option(o, o.get("reason") or "") for o in report.conditional_options),
            not_eligible=tuple(option(o, o.get("reason") or "") for o in report.excluded_options),
            evidence=evidence,
        )


def as_decision(result: Decision | PatientReport) -> Decision:
    """A decision, or the decision a report holds."""
    return result if isinstance(result, Decision) else Decision.of_report(result)


@dataclass
class DecisionCache:
    """What :meth:`~her2scope.tumorboard.match.Matcher.decide` has decided so far, for one
    batch (one knowledge base, one matcher).

    ``outcomes``: (context, strategy id, what its gate reads of the observations) -> the
    strategy's gate outcome; ``gated``: (context, the observations any gate reads) ->
    every strategy's gate outcome; ``applied``: (a gate key, the fitting resistance
    claims its ranking applies) -> the ranking rules of an eligible strategy;
    ``ranked``: an eligible option with its rules -> the option with its rank reason;
    ``decisions``: (the ``gated`` key, the fitting claims each eligible strategy's
    ranking applies) -> the ranked options.
    A context is everything the decision reads of a profile except its observed
    biomarkers (HER2 reading, ER, setting, history ...), as the batch keys it.
    """

    outcomes: dict[Any, Any] = field(default_factory=dict)
    gated: dict[Any, Any] = field(default_factory=dict)
    applied: dict[Any, Any] = field(default_factory=dict)
    ranked: dict[Any, Any] = field(default_factory=dict)
    decisions: dict[Any, Any] = field(default_factory=dict)
