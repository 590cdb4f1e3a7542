"""One number format for everything her2scope shows: p-values, percentages, intervals.

The terminal tables, the HTML pages, the web app and result summaries all
format through these functions, so a p-value reads the same everywhere and a
missing value is blank everywhere. Files keep every digit; these are for
reading.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["fmt_ci", "fmt_num", "fmt_p", "fmt_pct"]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_p(value: Any, *, missing: str = "") -> str:
    """A p- or q-value: ``0.342``, ``0.0042``, ``7.1e-05``; ``missing`` (blank) when missing.

    Three decimals from 0.01 up, two significant digits below (a small p keeps
    its exponent and is never rounded to zero). ``missing="-"`` for a table whose
    other not-estimable cells say ``-`` (the adjusted odds ratios).
    """
    if _missing(value):
        return missing
    p = float(value)
    return f"{p:.2g}" if p < 0.01 else f"{p:.3f}"


def fmt_pct(value: Any, digits: int = 1) -> str:
    """A percentage already on the 0-100 scale: ``47.3``; blank when missing."""
    if _missing(value):
        return ""
    return f"{float(value):.{digits}f}"


def fmt_num(value: Any, digits: int = 3) -> str:
    """Any number for reading: integers as they are, floats to ``digits`` significant
    digits (``0.712``, ``1.43``, ``18.2``, ``0.86``), whole numbers from
    ``10**digits`` up (``1234``, never ``1.23e+03``), an exponent below 0.001
    (``6.8e-06``); blank when missing."""
    if _missing(value):
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if abs(value) >= 10**digits:
        return f"{value:.0f}"
    if value != 0 and abs(value) < 1e-3:
        return f"{value:.{max(digits - 1, 1)}e}"
    return f"{value:.{digits}g}"


def fmt_ci(low: Any, high: Any, digits: int = 1, *, not_reached: bool = False) -> str:
    """A 95% interval: ``12.3-45.6`` (``-1.2 to 3.4`` when a bound is negative).

    ``not_reached``: a missing upper bound is a curve that never reaches it (a
    Kaplan-Meier median): ``12.3-not reached``.
    """
    if _missing(low) and _missing(high):
        return ""
    lo = "" if _missing(low) else f"{float(low):.{digits}f}"
    hi = f"{float(high):.{digits}f}" if not _missing(high) else ""
    if not hi and not_reached:
        hi = "not reached"
    negative = lo.startswith("-") or hi.startswith("-")
    return f"{lo} to {hi}" if negative else f"{lo}-{hi}"
