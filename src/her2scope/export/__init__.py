"""Exports of her2scope's calls into other tools' formats (today: a cBioPortal study folder).

A question like the cohort analyses: :mod:`~her2scope.export.compute` computes
the calls (HER2 category per sample, resistance classes), :mod:`~her2scope.export.views`
lays them out as the other tool's files, :mod:`~her2scope.export.run` does both
(``export_cbioportal``). This package imports none of them, so loading it is free.
"""
