"""The generic render layer: results to text, HTML, figures and files.

Nothing here imports a result class or a question's package: a result describes
itself as a :class:`~her2scope.render.summary.Summary` (plain data) and the
functions here turn that, or frames and figures handed to them, into text,
HTML and files. This is the statsmodels ``iolib.summary`` / lifelines
``utils.printer`` model: one renderer below every analysis.
"""
