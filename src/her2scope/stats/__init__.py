"""Statistics on plain counts and frames: no study, no result class, no rendering.

- :mod:`~her2scope.stats.core`: Wilson interval, Fisher 2x2, Benjamini-Hochberg,
  one-sided binomial (scipy's numbers without importing ``scipy.stats``);
- :mod:`~her2scope.stats.contingency`: HER2 group x altered counts and the
  2x2xK tables behind the stratified tests;
- :mod:`~her2scope.stats.stratified`: Cochran-Mantel-Haenszel per alteration;
- :mod:`~her2scope.stats.clustered`: proportions and logistic fits with
  patient-clustered errors;
- :mod:`~her2scope.stats.covariates`: the per-sample confounders of the
  adjusted analysis, from a sample table.

Each module is imported on its own (``from her2scope.stats.core import
wilson_ci``); this package imports nothing, so loading one does not load the
others (statsmodels and scipy stay unloaded until a function needs them).
"""
