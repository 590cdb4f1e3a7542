"""Copy numbers per cell or totals over the counted cells, decided value by value.

TCGA's clinical files give HER2 and CEP17 "copy numbers" that are averages per
cell in some rows and totals over the counted cells in others (``HER2 15, CEP17
3.7`` over 60 cells beside ``HER2 185, CEP17 160`` over 60). Neither reading
can be assumed for a whole column, and a total read as a per-cell average makes
a false HER2-positive (ASCO/CAP group 1 or 3). :func:`decide_copies` weighs the
two readings of each row against what the row itself says (CEP17, the
reported ratio, the lab's ISH status, the cell count) and uses one only when
exactly one is plausible; otherwise the values are unusable, with the reason.
It is used by :func:`her2scope.study.conventions.harmonise` (conventions and
``--map``) and by :func:`her2scope.her2.classify` (tables given directly), so
every path decides alike.
"""

from __future__ import annotations

import polars as pl

#: Plausible average signals per tumour cell. CEP17: ~2 in a diploid cell;
#: monosomy 17 and polysomy (up to ~6) move it, ten is beyond any reported
#: polysomy. HER2: from one copy up to the clusters of highly amplified tumours
#: (TCGA's brca_tcga_pub2015 has 27/cell). A total over >= 20 counted cells
#: (ASCO/CAP: at least 20 cells are counted) divided by the count falls in
#: these ranges, the undivided total does not: that is what tells them apart.
CEP17_PER_CELL = (0.8, 10.0)
HER2_PER_CELL = (0.8, 50.0)
#: ASCO/CAP 2018: at least 20 nuclei are counted in a dual-probe assay
MIN_CELLS = 20.0
MAX_CELLS = 10_000.0
#: how far HER2/CEP17 may stray from the reported ratio (rounding of three
#: numbers written with 1-2 decimals) before the copy numbers are not believed
RATIO_TOLERANCE = (0.15, 0.10)  # absolute, relative: the larger applies


def decide_copies(
    frame: pl.DataFrame,
    her2: pl.Expr,
    cep17: pl.Expr,
    cells: pl.Expr,
    ratio: pl.Expr,
    status_axis: pl.Expr,
) -> pl.DataFrame:
    """Decide, value by value, whether copy numbers are per cell or totals over the cells.

    Columns of the result (one row per row of ``frame``): ``her2``/``cep17``
    (per-cell values, or None), ``reading`` (``per_cell``, ``total``, or None)
    and ``reason`` (why a value present is unusable, else None). The two
    readings are: the values as written (per cell), and the values divided
    by the cell count (totals), the latter only with a count of at least
    :data:`MIN_CELLS`. A reading is plausible when CEP17 per cell (given, or
    implied by HER2 and the reported ratio) is in :data:`CEP17_PER_CELL`,
    HER2 per cell (given or implied) in :data:`HER2_PER_CELL`, and it does
    not contradict the lab's ISH status (``Positive`` with fewer than 4 HER2
    per cell and a ratio below 2 is ASCO/CAP group 5; ``Negative`` with 6 or
    more and a ratio of 2 or more is group 1). Exactly one plausible reading
    is used; none or both make the values unusable, with the reason. HER2
    and CEP17 that disagree with the reported ratio are unusable too (the
    ratio itself is kept).
    """
    st = status_axis
    h, c = her2.cast(pl.Float64, strict=False), cep17.cast(pl.Float64, strict=False)
    n, r = cells.cast(pl.Float64, strict=False), ratio.cast(pl.Float64, strict=False)
    h = pl.when(h > 0).then(h)
    c = pl.when(c > 0).then(c)
    r = pl.when(r > 0).then(r)
    n_ok = (n >= MIN_CELLS) & (n <= MAX_CELLS) & (n == n.round(0))
    work = frame.select(
        h.alias("h"),
        c.alias("c"),
        n.alias("n"),
        n_ok.fill_null(False).alias("n_ok"),
        r.alias("r"),
        st.alias("st"),
    )
    H, Cc, N, R, ST = (pl.col(x) for x in ("h", "c", "n", "r", "st"))

    def plausible(hh: pl.Expr, cc: pl.Expr) -> pl.Expr:
        c_eff = pl.coalesce(cc, hh / R)
        h_eff = pl.coalesce(hh, cc * R)
        ok_c = c_eff.is_null() | c_eff.is_between(*CEP17_PER_CELL)
        ok_h = h_eff.is_null() | h_eff.is_between(*HER2_PER_CELL)
        low_ratio = R.is_null() | (R < 2.0)
        high_ratio = R.is_null() | (R >= 2.0)
        contradicts = ((ST == "amplified") & (h_eff < 4.0) & low_ratio) | (
            (ST == "not_amplified") & (h_eff >= 6.0) & high_ratio
        )
        return ok_c & ok_h & ~contradicts.fill_null(False)

    tol = pl.max_horizontal(pl.lit(RATIO_TOLERANCE[0]), R * RATIO_TOLERANCE[1])
    any_value = H.is_not_null() | Cc.is_not_null()
    off_ratio = (H.is_not_null() & Cc.is_not_null() & R.is_not_null()) & ((H / Cc - R).abs() > tol)
    per_cell = plausible(H, Cc)
    total = pl.col("n_ok") & plausible(H / N, Cc / N)
    fmt = lambda e: e.round(3).cast(pl.String)  # noqa: E731
    decided = work.with_columns(
        off_ratio.fill_null(False).alias("off"),
        per_cell.fill_null(False).alias("pc"),
        total.fill_null(False).alias("tot"),
        any_value.alias("any"),
    )
    ratio_text = pl.concat_str(
        [
            pl.lit("HER2 "),
            fmt(H),
            pl.lit(" / CEP17 "),
            fmt(Cc),
            pl.lit(" = "),
            fmt(H / Cc),
            pl.lit(" disagrees with the reported ratio "),
            fmt(R),
        ]
    )
    pc, tot, off = pl.col("pc"), pl.col("tot"), pl.col("off")
    reason = (
        pl.when(~pl.col("any"))
        .then(None)
        .when(off)
        .then(ratio_text)
        .when(pc & tot)
        .then(
            pl.concat_str(
                [pl.lit("per cell or total over "), fmt(N), pl.lit(" cells: cannot tell which")]
            )
        )
        .when(pc | tot)
        .then(None)
        .when(pl.col("n_ok"))
        .then(
            pl.concat_str(
                [
                    pl.lit("neither per cell nor total over "),
                    fmt(N),
                    pl.lit(" cells is plausible (with the ratio and ISH status)"),
                ]
            )
        )
        .when(N.is_not_null())
        .then(
            pl.concat_str(
                [
                    pl.lit("implausible per cell, and the cell count "),
                    fmt(N),
                    pl.lit(f" is not a count of at least {MIN_CELLS:g} cells"),
                ]
            )
        )
        .otherwise(pl.lit("implausible per cell (totals?) and no cell count to divide by"))
    )
    reading = (
        pl.when(~pl.col("any") | off | (pc & tot))
        .then(None)
        .when(pc)
        .then(pl.lit("per_cell"))
        .when(tot)
        .then(pl.lit("total"))
    )
    return decided.select(
        pl.when(reading == "per_cell")
        .then(H)
        .when(reading == "total")
        .then(H / N)
        .round(3)
        .alias("her2"),
        pl.when(reading == "per_cell")
        .then(Cc)
        .when(reading == "total")
        .then(Cc / N)
        .round(3)
        .alias("cep17"),
        reading.alias("reading"),
        reason.alias("reason"),
    )
