"""Synthetic cBioPortal studies for scale tests (``her2scope synth``).

A subpackage of its own (not part of the reading layer): statistical models of
the shared study's marginals (``her2scope/data/synth_marginals.json``) and a
writer of cBioPortal study folders. Public API: :func:`generate_study`,
:func:`load_marginals`, :class:`SynthSummary`.
"""

from her2scope.synth.generate import VARIANT_FIELDS, SynthSummary, generate_study, load_marginals

__all__ = ["VARIANT_FIELDS", "SynthSummary", "generate_study", "load_marginals"]
