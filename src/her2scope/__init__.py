"""her2scope: HER2-low x endocrine resistance, from cohort to tumor board.

Layers (one direction of flow, see DESIGN.md): ``study`` reads files,
``her2`` calls HER2 status, ``alterations`` annotates resistance
alterations, ``analysis`` computes cohort statistics, ``kb`` matches one
patient to the knowledge base, ``report`` formats, ``cli`` is thin.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
