"""Load a cBioPortal study folder into a :class:`~her2scope.study.model.Study`, with its audit.

Reads ``meta_study.txt`` and every ``meta_*.txt`` with the data file it
names, the case lists and the gene panels, then checks the files against
each other (samples known to the clinical file, genes on each sample's
panel). The file formats are those of the cBioPortal *File Formats*
documentation; the per-file readers are in :mod:`her2scope.study.readers`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar

import polars as pl

from her2scope.audit import Audit
from her2scope.errors import Her2scopeError, StudyError
from her2scope.study import cache as parsed_cache
from her2scope.study import readers
from her2scope.study.fetch import resolve_study
from her2scope.study.model import (
    ATTRIBUTE_COLUMNS,
    CNA_COLUMNS,
    DATA_GENE_COLUMNS,
    MUTATION_COLUMNS,
    PANEL_GENE_COLUMNS,
    SV_COLUMNS,
    Study,
    empty,
)
from her2scope.study.panels import DATA_GENES_PANEL, panel_assignment
from her2scope.study.symbols import normalise_symbols
from her2scope.study.textio import read_key_values

OnError = Literal["raise", "record"]
T = TypeVar("T")
P = ParamSpec("P")

_PANEL_PREFIX = "data_gene_panel_"


class _Loader:
    def __init__(self, folder: Path, on_error: OnError) -> None:
        self.folder = folder
        self.on_error = on_error
        self.audit = Audit()

    def name(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.folder))
        except ValueError:
            return str(path)

    def fail(self, exc: Her2scopeError, code: str = "file.unreadable") -> None:
        """A structural problem: raise it or record it as an error entry (``on_error``)."""
        if self.on_error == "raise":
            raise exc
        self.audit.add("error", code, exc.message, file=exc.file, line=exc.line, column=exc.column)

    def attempt(self, reader: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """Run one file's reader; its structural error goes to :meth:`fail`."""
        try:
            return reader(*args, **kwargs)
        except Her2scopeError as exc:
            self.fail(exc)
            return None


def _outside(filename: str) -> bool:
    """True when a meta file's ``data_filename`` points outside the study folder."""
    if not filename or os.path.isabs(filename) or filename.startswith(("~", "\\")):
        return True
    parts = Path(os.path.normpath(filename)).parts
    return not parts or parts[0] == ".." or ":" in parts[0]


def _data_path(folder: Path, filename: str) -> Path | None:
    # lexists, not is_file: a FIFO or folder under that name is found here and
    # refused by the reader with what it is, not reported as missing
    path = folder / filename
    if os.path.lexists(path):
        return path
    gz = folder / f"{filename}.gz"
    return gz if os.path.lexists(gz) else None


def _panels_dirs(folder: Path, panels_dir: str | os.PathLike[str] | None) -> list[Path]:
    dirs = [folder]
    if panels_dir is not None:
        dirs.append(Path(panels_dir).expanduser())
    elif os.environ.get("HER2SCOPE_PANELS"):
        dirs += [
            Path(p).expanduser() for p in os.environ["HER2SCOPE_PANELS"].split(os.pathsep) if p
        ]
    else:
        dirs.append(folder.parent / "gene_panels")
    return dirs


def _panel_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.iterdir()
        if p.name.startswith(_PANEL_PREFIX.rstrip("_"))
        and "matrix" not in p.name
        and (p.name.endswith(".txt") or p.name.endswith(".txt.gz"))
    )


def load_study(
    path_or_id: str | os.PathLike[str],
    *,
    panels_dir: str | os.PathLike[str] | None = None,
    on_error: OnError = "raise",
    cache: bool | None = None,
) -> Study:
    """Read and audit one cBioPortal study.

    In: a study folder or id (see :func:`~her2scope.study.resolve_study`);
    ``panels_dir``: where gene panel files are (else ``$HER2SCOPE_PANELS``,
    else ``gene_panels/`` beside the study folder; panel files inside the
    study folder are always read). ``on_error="raise"`` (default) raises the
    first structural problem as a :class:`~her2scope.errors.Her2scopeError`
    naming file, line and column; ``"record"`` keeps going and records errors
    in ``study.audit`` (what ``her2scope validate`` shows).
    Out: a :class:`Study` (columns in :mod:`her2scope.study.model`) whose
    audit accounts for every sample, MAF row and CNA cell read.
    Formats: cBioPortal File Formats (meta files, clinical, MAF, discrete
    CNA, fusions / SV, gene panel matrix and panels, case lists).
    Cache: with ``on_error="raise"`` a clean load is kept as Parquet and
    served again while no input file changed (:mod:`her2scope.study.cache`;
    the audit then ends with one ``study.parsed_cache`` info entry naming
    the cache entry). ``cache=False``,
    or ``$HER2SCOPE_PARSED_CACHE=0`` when ``cache`` is None, always parses.
    """
    folder = resolve_study(path_or_id)
    if on_error != "raise" or not parsed_cache.enabled(cache):
        return _parse(folder, panels_dir, on_error)

    def stamp() -> parsed_cache.Fingerprint:
        dirs = _panels_dirs(folder, panels_dir)
        files = [f for d in dirs if d != folder for f in _panel_files(d)]
        return parsed_cache.fingerprint(
            folder, panels_dir=panels_dir, panel_dirs=dirs, panel_files=files
        )

    try:
        before = stamp()
    except OSError:
        return _parse(folder, panels_dir, on_error)
    cached = parsed_cache.read(before, folder)
    if cached is not None:
        return cached
    study = _parse(folder, panels_dir, on_error)
    try:
        after = stamp()
    except OSError:
        return study
    parsed_cache.store(study, before, folder, after)
    return study


def _parse(folder: Path, panels_dir: str | os.PathLike[str] | None, on_error: OnError) -> Study:
    """Read every file of the study folder (the uncached :func:`load_study`)."""
    loader = _Loader(folder, on_error)
    audit = loader.audit

    study_meta, _ = read_key_values(folder / "meta_study.txt", "meta_study.txt")
    study_id = study_meta.get("cancer_study_identifier", "").strip()
    if not study_id:
        raise StudyError(
            "meta_study.txt needs a 'cancer_study_identifier:' line",
            file="meta_study.txt",
            column="cancer_study_identifier",
        )
    metas: dict[str, dict[str, str]] = {"meta_study.txt": study_meta}
    data_files: dict[str, tuple[dict[str, str], Path]] = {}
    for meta_path in sorted(folder.glob("meta_*.txt")):
        if meta_path.name == "meta_study.txt":
            continue
        name = loader.name(meta_path)
        parsed = loader.attempt(read_key_values, meta_path, name)
        if parsed is None:
            continue
        meta, lines = parsed
        metas[name] = meta
        filename = meta.get("data_filename", "").strip()
        if not filename:
            loader.fail(
                StudyError("meta file names no data file", file=name, column="data_filename"),
                "meta.no_data_filename",
            )
            continue
        if _outside(filename):
            loader.fail(
                StudyError(
                    f"data file {filename!r} is outside the study folder; her2scope reads "
                    "only files inside it",
                    file=name,
                    line=lines.get("data_filename"),
                    column="data_filename",
                ),
                "meta.data_file_outside",
            )
            continue
        data_path = _data_path(folder, filename)
        if data_path is None:
            # The rest of the study stays usable; this profile is "not profiled"
            # (see panels.panel_assignment), never "not altered". validate --strict fails.
            metas[name] = {**meta, "her2scope_missing_data_file": "true"}
            audit.add(
                "warning",
                MISSING_DATA_FILE,
                f"data file {filename!r} named here does not exist: its profile "
                f"({meta.get('genetic_alteration_type', '?')}) is treated as NOT PROFILED",
                file=name,
                line=lines.get("data_filename"),
                column="data_filename",
            )
            continue
        data_files[name] = (meta, data_path)

    referenced = {p.name for _, p in data_files.values()}
    for path in sorted(folder.glob("data_*")):
        if path.name in referenced or (
            path.name.startswith(_PANEL_PREFIX.rstrip("_")) and "matrix" not in path.name
        ):
            continue
        audit.add(
            "warning",
            "meta.unreferenced_data_file",
            "no meta_*.txt names this data file (missing meta file?); not read",
            file=loader.name(path),
        )

    def of_kind(alteration: str, datatype: str | None = None) -> list[tuple[str, Path]]:
        found = []
        for _meta_name, (meta, path) in data_files.items():
            if meta.get("genetic_alteration_type", "").strip().upper() != alteration:
                continue
            if datatype and meta.get("datatype", "").strip().upper() != datatype:
                continue
            found.append((loader.name(path), path))
        return found

    # The MAF is read in one worker thread and the CNA matrices, SV files,
    # panel matrix and case lists in another while this thread reads the
    # clinical files, so their numpy and Python work overlaps polars' parsing.
    # Each read has its own audit, merged below in the usual place and order.
    background = _Background()
    for name, path in of_kind("MUTATION_EXTENDED"):
        background.submit(("maf", name), readers.read_maf, path, name, worker=1)
    for name, path in of_kind("COPY_NUMBER_ALTERATION", "DISCRETE"):
        background.submit(("cna", name), readers.read_cna, path, name)
    for name, path in of_kind("COPY_NUMBER_ALTERATION", "DISCRETE_LONG"):
        background.submit(("cna", name), readers.read_cna_long, path, name)
    sv_names: list[str] = []
    for alteration, sv_reader in (
        ("FUSION", readers.read_fusions),
        ("STRUCTURAL_VARIANT", readers.read_sv),
    ):
        for name, path in of_kind(alteration):
            background.submit(("sv", name), sv_reader, path, name)
            sv_names.append(name)
    for name, path in of_kind("GENE_PANEL_MATRIX")[:1]:
        background.submit(("matrix", name), readers.read_panel_matrix, path, name)
    case_dir = folder / "case_lists"
    case_files = sorted(case_dir.glob("*.txt")) if case_dir.is_dir() else []
    for path in case_files:
        name = loader.name(path)
        background.submit(("case", name), readers.read_case_list, path, name, audit=False)
    background.close()

    # ---- clinical
    samples = pl.DataFrame(schema={"SAMPLE_ID": pl.String(), "PATIENT_ID": pl.String()})
    sample_attributes = empty(ATTRIBUTE_COLUMNS)
    sample_files = of_kind("CLINICAL", "SAMPLE_ATTRIBUTES")
    if not sample_files:
        loader.fail(
            StudyError(
                "no meta file for the clinical sample file (datatype: SAMPLE_ATTRIBUTES)",
                file=str(folder),
            ),
            "meta.clinical_sample_missing",
        )
    for name, path in sample_files[:1]:
        got = loader.attempt(readers.read_clinical, path, name, kind="sample", audit=audit)
        if got is not None:
            samples, sample_attributes = got
    patients = pl.DataFrame(schema={"PATIENT_ID": pl.String()})
    patient_attributes = empty(ATTRIBUTE_COLUMNS)
    patient_files = of_kind("CLINICAL", "PATIENT_ATTRIBUTES")
    for name, path in patient_files[:1]:
        got = loader.attempt(readers.read_clinical, path, name, kind="patient", audit=audit)
        if got is not None:
            patients, patient_attributes = got
    for kind, found in (("sample", sample_files), ("patient", patient_files)):
        for name, _path in found[1:]:
            audit.add(
                "warning",
                f"clinical.extra_{kind}_file",
                f"a second clinical {kind} file; her2scope reads only {found[0][0]} and did "
                "NOT read this one (merge its columns into the first file)",
                file=name,
            )
    _check_her2_columns(samples, sample_files[0][0] if sample_files else None, audit)
    audit.add("info", "clinical.samples", f"{samples.height} samples", count=samples.height)
    audit.add("info", "clinical.patients", f"{patients.height} patients", count=patients.height)
    sample_ids = samples.select(pl.col("SAMPLE_ID").alias("sample_id"))
    if patients.height:
        orphans = samples.join(patients, on="PATIENT_ID", how="anti")
        if orphans.height:
            audit.add(
                "warning",
                "clinical.patient_not_in_patient_file",
                f"{orphans.height} sample(s) name a PATIENT_ID absent from the patient file",
                file=sample_files[0][0] if sample_files else None,
                column="PATIENT_ID",
                sample_id=str(orphans["SAMPLE_ID"][0]),
                count=orphans.height,
            )
        childless = patients.join(samples, on="PATIENT_ID", how="anti")
        if childless.height:
            audit.add(
                "info",
                "clinical.patient_without_samples",
                f"{childless.height} patient(s) without any sample",
                count=childless.height,
            )

    def unknown_samples(ids: pl.DataFrame, name: str, what: str, rows: bool = True) -> None:
        """Samples a data file uses that the clinical sample file does not define."""
        if not samples.height:
            return
        if ids.height == sample_ids.height and ids.equals(sample_ids):
            return  # every sample once, in study order (case lists, panel matrix, CNA header)
        stray = ids.join(sample_ids, on="sample_id", how="anti")
        if not stray.height:
            return
        n_samples = stray["sample_id"].n_unique()
        detail = f" ({stray.height} {what})" if rows else ""
        audit.add(
            "warning",
            "samples.not_in_clinical",
            f"{n_samples} sample(s) absent from the clinical sample file{detail}; kept",
            file=name,
            sample_id=str(stray["sample_id"][0]),
            count=n_samples,
        )

    # ---- mutations
    mutation_parts = []
    for name, _path in of_kind("MUTATION_EXTENDED"):
        table = background.result(("maf", name), loader)
        if table is not None:
            mutation_parts.append(table)
            unknown_samples(table.select("sample_id"), name, "MAF rows")
    mutations = pl.concat(mutation_parts) if mutation_parts else empty(MUTATION_COLUMNS)
    maf_names = [n for n, _ in of_kind("MUTATION_EXTENDED")]
    if mutation_parts and not mutations.height:
        _no_data_rows(audit, "mutations", maf_names, "MAF")

    # ---- copy number
    cna_parts = []
    cna_genes: list[str] = []
    cna_files = of_kind("COPY_NUMBER_ALTERATION", "DISCRETE")
    cna_files += of_kind("COPY_NUMBER_ALTERATION", "DISCRETE_LONG")
    for name, _path in cna_files:
        got_cna = background.result(("cna", name), loader)
        if got_cna is None:
            continue
        cna_parts.append(got_cna.table)
        cna_genes += got_cna.genes
        header = pl.DataFrame({"sample_id": got_cna.samples}, schema={"sample_id": pl.String()})
        unknown_samples(header, name, "CNA columns", rows=False)
        absent = sample_ids.join(header, on="sample_id", how="anti")
        if absent.height:
            audit.add(
                "info",
                "cna.sample_absent",
                f"{absent.height} clinical sample(s) have no column in the CNA matrix",
                file=name,
                count=absent.height,
            )
    discrete = {n for n, _ in cna_files}
    for meta_name, (meta, path) in data_files.items():
        if meta.get("genetic_alteration_type", "").strip().upper() != "COPY_NUMBER_ALTERATION":
            continue
        if loader.name(path) not in discrete:
            datatype = meta.get("datatype", "").strip() or "no datatype"
            audit.add(
                "info",
                "meta.not_read",
                f"copy number of datatype {datatype} (not discrete calls) is not used by "
                "her2scope; not read",
                file=meta_name,
            )
    cna = pl.concat(cna_parts) if cna_parts else empty(CNA_COLUMNS)
    if cna_parts and not cna_genes:
        _no_data_rows(audit, "cna", sorted(discrete), "CNA matrix")

    # ---- structural variants
    sv_parts = []
    for name in sv_names:
        got_sv = background.result(("sv", name), loader)
        if got_sv is not None:
            sv_parts.append(got_sv[0])
            unknown_samples(got_sv[0].select("sample_id"), name, "SV rows")
    sv = pl.concat(sv_parts) if sv_parts else empty(SV_COLUMNS)
    mutations = normalise_symbols(mutations, "hugo_symbol", audit, "MAF rows", ", ".join(maf_names))
    cna = normalise_symbols(cna, "hugo_symbol", audit, "non-zero CNA cells")
    sv = normalise_symbols(sv, "hugo_symbol", audit, "SV rows")
    sv = normalise_symbols(sv, "partner", None, "SV partners")
    cna_genes = normalise_symbols(
        pl.DataFrame({"g": cna_genes}, schema={"g": pl.String()}), "g", None, ""
    )["g"].to_list()
    if sv_parts and not audit.total("sv.rows_read"):
        _no_data_rows(audit, "sv", sv_names, "SV / fusion")

    # ---- other profiles are not used by her2scope; say so
    known = {"CLINICAL", "MUTATION_EXTENDED", "COPY_NUMBER_ALTERATION", "FUSION",
             "STRUCTURAL_VARIANT", "GENE_PANEL_MATRIX"}  # fmt: skip
    for meta_name, (meta, _path) in data_files.items():
        alteration = meta.get("genetic_alteration_type", "").strip().upper()
        if alteration not in known:
            audit.add(
                "info",
                "meta.not_read",
                f"{alteration or 'unknown'} data are not used by her2scope; not read",
                file=meta_name,
            )

    # ---- panels
    panel_matrix = pl.DataFrame(schema={"sample_id": pl.String()})
    for name, _path in of_kind("GENE_PANEL_MATRIX")[:1]:
        got_matrix = background.result(("matrix", name), loader)
        if got_matrix is None:
            continue
        panel_matrix = got_matrix
        unknown_samples(panel_matrix.select("sample_id"), name, "matrix rows", rows=False)
        unlisted = sample_ids.join(panel_matrix.select("sample_id"), on="sample_id", how="anti")
        if unlisted.height:
            audit.add(
                "warning",
                "panel.sample_not_in_matrix",
                f"{unlisted.height} sample(s) absent from the gene panel matrix: not profiled",
                file=name,
                sample_id=str(unlisted["sample_id"][0]),
                count=unlisted.height,
            )
    referenced_panels: set[str] = set()
    for col in panel_matrix.columns[1:]:
        referenced_panels |= set(panel_matrix[col].drop_nulls().unique().to_list())
    for meta, _path in data_files.values():
        if meta.get("gene_panel"):
            referenced_panels.add(meta["gene_panel"].strip())
    panel_rows: list[pl.DataFrame] = []
    defined: set[str] = set()
    searched = _panels_dirs(folder, panels_dir)
    for directory in searched:
        if not referenced_panels - defined:
            break
        for path in _panel_files(directory):
            got_panel = loader.attempt(readers.read_panel_file, path, loader.name(path))
            if got_panel is None:
                continue
            panel_id, genes = got_panel
            genes = normalise_symbols(
                pl.DataFrame({"g": genes}, schema={"g": pl.String()}),
                "g",
                audit,
                f"gene(s) of panel {panel_id}",
                loader.name(path),
            )["g"].to_list()
            if panel_id in defined or (directory != folder and panel_id not in referenced_panels):
                continue
            defined.add(panel_id)
            panel_rows.append(
                pl.DataFrame(
                    {"panel_id": [panel_id] * len(genes), "hugo_symbol": genes},
                    schema=PANEL_GENE_COLUMNS,
                ).unique(maintain_order=True)
            )
    panel_genes = pl.concat(panel_rows) if panel_rows else empty(PANEL_GENE_COLUMNS)
    without_genes = tuple(sorted(referenced_panels - defined))

    data_genes = pl.concat(
        [
            mutations.select(pl.lit("mutations").alias("data_type"), "hugo_symbol"),
            pl.DataFrame(
                {"data_type": ["cna"] * len(cna_genes), "hugo_symbol": cna_genes},
                schema=DATA_GENE_COLUMNS,
            ),
            sv.select(pl.lit("sv").alias("data_type"), "hugo_symbol"),
        ]
    ).unique(maintain_order=True)
    n_data_genes = data_genes["hugo_symbol"].n_unique()
    for panel_id in without_genes:
        users = (
            panel_matrix.filter(
                pl.any_horizontal(pl.col(panel_matrix.columns[1:]) == panel_id)
            ).height
            if panel_matrix.width > 1
            else samples.height
        )
        audit.add(
            "warning",
            "panel.genes_missing",
            f"gene list of panel {panel_id} not found (searched "
            f"{', '.join(str(d) for d in searched)}); {users} sample(s) use it; treated as "
            f"covering the {n_data_genes} genes seen in the data files (MAF, CNA rows, SV)",
            column=panel_id,
            count=users,
        )

    # ---- case lists
    case_lists: dict[str, list[str]] = {}
    for path in case_files:
        name = loader.name(path)
        got_case = background.result(("case", name), loader)
        if got_case is None:
            continue
        case_lists[got_case[0]] = got_case[1]
        ids = pl.DataFrame({"sample_id": got_case[1]}, schema={"sample_id": pl.String()})
        unknown_samples(ids, name, "case list ids", rows=False)

    study = Study(
        study_id=study_id,
        path=folder,
        meta=metas,
        samples=samples,
        patients=patients,
        sample_attributes=sample_attributes,
        patient_attributes=patient_attributes,
        mutations=mutations,
        cna=cna,
        sv=sv,
        panel_matrix=panel_matrix,
        panel_genes=panel_genes,
        panels_without_genes=without_genes,
        case_lists=case_lists,
        audit=audit,
        data_genes=data_genes,
    )
    _check_genes_on_panels(study)
    if on_error == "raise" and audit.errors:
        first = audit.errors[0]
        raise StudyError(
            f"{first.message} ({len(audit.errors)} error(s); `her2scope validate` lists them all)",
            file=first.file,
            line=first.line,
            column=first.column,
        )
    return study


#: Audit code of a meta file whose data file does not exist (warning; the profile
#: is then not profiled; ``validate --strict`` fails on it).
MISSING_DATA_FILE = "meta.data_file_missing"

#: Audit code (prefixed by the data type) of a profile whose data files hold no
#: rows: every sample is then "not profiled" for it (:mod:`her2scope.study.panels`).
NO_DATA_ROWS = "no_data_rows"


def _no_data_rows(audit: Audit, data_type: str, names: list[str], what: str) -> None:
    audit.add(
        "warning",
        f"{data_type}.{NO_DATA_ROWS}",
        f"the {what} file has a header but no data rows (truncated or emptied?); every "
        f"sample is counted as NOT PROFILED for {data_type}, never as not altered",
        file=", ".join(names) or None,
    )


def _check_her2_columns(samples: pl.DataFrame, name: str | None, audit: Audit) -> None:
    """Warn when a HER2 IHC or ISH column that the rule profiles use is absent.

    Without an IHC column every HER2 call is unknown; without ISH columns the
    ASCO/CAP profiles cannot settle IHC 2+ (ihc-only is unaffected). Checked
    per source of :data:`her2scope.her2.words.MSK_COLUMNS` (and the canonical
    column names), on the clinical sample file.
    """
    if not samples.height:
        return
    from her2scope.her2.words import CANONICAL_FIELDS, MSK_COLUMNS

    present = set(samples.columns)
    canonical = {f for f in CANONICAL_FIELDS if f in present}
    usable: list[str] = []
    for source, columns in MSK_COLUMNS.items():
        fields = {f for f, c in columns.items() if c in present} | canonical
        if "ihc" not in fields:
            continue
        usable.append(source)
        ish = [c for f, c in columns.items() if f != "ihc" and f not in fields]
        if len(ish) < len(columns) - 1:
            continue
        ihc = "ihc" if "ihc" in canonical else columns["ihc"]
        # the pattern runs on the distinct strings (a handful), not on every sample
        distinct = samples.group_by(pl.col(ihc).cast(pl.String).alias("v")).len()
        n_equivocal = int(
            distinct.filter(pl.col("v").str.contains(r"(?:^|[^0-9.])2\s*(?:\+|$)"))["len"].sum()
        )
        if n_equivocal:
            audit.add(
                "warning",
                "clinical.her2_column_absent",
                f"HER2 ISH column(s) {', '.join(ish)} absent (HER2 source {source!r}) while "
                f"{n_equivocal} sample(s) are IHC 2+: the ASCO/CAP profiles cannot resolve "
                "them (their calls stay unknown); ihc-only is unaffected",
                file=name,
                column=ish[0],
                count=n_equivocal,
            )
    if not usable:
        wanted = [c for columns in MSK_COLUMNS.values() for c in columns.values()]
        audit.add(
            "warning",
            "clinical.her2_column_absent",
            f"no HER2 IHC column ({', '.join(c for c in wanted if 'IHC' in c)} or 'ihc'): "
            "every HER2 call of this study will be unknown",
            file=name,
            column=wanted[0],
        )


class _Background:
    """Readers run in two worker threads (in submission order within each), results by key.

    Each reader that takes an ``audit`` gets its own, merged into the load's
    audit by :meth:`result` where the sequential loader would have written
    it, so the audit order does not depend on timing. :meth:`close` lets the
    thread end after the last read, also when the load stops early on another
    file's error.
    """

    def __init__(self) -> None:
        self.pools = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"her2scope-read-{i}")
            for i in range(2)
        ]
        self.jobs: dict[tuple[str, str], tuple[Future[Any], Audit]] = {}

    def submit(
        self,
        key: tuple[str, str],
        reader: Callable[..., Any],
        *args: Any,
        audit: bool = True,
        worker: int = 0,
    ) -> None:
        own = Audit()
        kwargs = {"audit": own} if audit else {}
        self.jobs[key] = (self.pools[worker].submit(reader, *args, **kwargs), own)

    def close(self) -> None:
        for pool in self.pools:
            pool.shutdown(wait=False)

    def result(self, key: tuple[str, str], loader: _Loader) -> Any:
        """The reader's value, or None after :meth:`_Loader.fail` took its error."""
        future, own = self.jobs.pop(key)
        value = loader.attempt(future.result)
        loader.audit.extend(own)
        return value


def _check_genes_on_panels(study: Study) -> None:
    """Warn (counted) about calls in genes that the sample's panel does not list.

    Only panels with a gene list can be checked. The calls are kept: the panel
    definition may simply be older than the assay that made the call.
    """
    defined = study.panel_genes.select("panel_id").unique()
    checks = (
        ("mutations", study.mutations, "MAF rows"),
        ("cna", study.cna, "non-zero CNA cells"),
        ("sv", study.sv, "SV rows"),
    )
    for data_type, table, what in checks:
        if not table.height:
            continue
        assignment = panel_assignment(study, data_type)  # type: ignore[arg-type]
        if assignment.table["panel_id"].eq(DATA_GENES_PANEL).all():
            continue
        # A gene on every defined panel in use cannot be off-panel: leave those
        # rows out before the joins (most calls, in a study's usual genes).
        used = assignment.table.join(defined, on="panel_id", how="semi")["panel_id"].unique()
        in_use = study.panel_genes.filter(pl.col("panel_id").is_in(used.implode()))
        everywhere = (
            in_use.group_by("hugo_symbol").agg(pl.col("panel_id").n_unique().alias("n"))
        ).filter(pl.col("n") == used.len())["hugo_symbol"]
        calls = (
            table.select("sample_id", "hugo_symbol")
            .filter(~pl.col("hugo_symbol").is_in(everywhere.implode()))
            .join(assignment.table, on="sample_id", how="inner")
            .join(defined, on="panel_id", how="semi")
        )
        off_panel = calls.join(study.panel_genes, on=["panel_id", "hugo_symbol"], how="anti")
        if off_panel.height:
            genes = off_panel["hugo_symbol"].unique(maintain_order=True).head(5).to_list()
            study.audit.add(
                "warning",
                f"{data_type}.gene_not_in_panel",
                f"{off_panel.height} {what} in genes not on the sample's panel "
                f"({', '.join(genes)}...); kept",
                sample_id=str(off_panel["sample_id"][0]),
                count=off_panel.height,
            )
        unassigned = assignment.table.filter(pl.col("panel_id").is_null()).select("sample_id")
        no_panel = (
            table.select("sample_id").join(unassigned, on="sample_id", how="semi")
            if unassigned.height
            else unassigned
        )
        if no_panel.height:
            study.audit.add(
                "warning",
                f"{data_type}.sample_not_profiled",
                f"{no_panel.height} {what} in samples whose panel for this profile is NA "
                "or missing; kept",
                sample_id=str(no_panel["sample_id"][0]),
                count=no_panel.height,
            )


def summarize(study: Study) -> dict[str, int]:
    """The validation figures of a loaded study, from its audit info entries.

    Keys: ``samples``, ``patients``, ``maf_rows_read``, ``maf_rows_kept``,
    ``maf_rows_flagged``, ``cna_cells_read``, ``cna_cells_nonzero``,
    ``cna_cells_zero``, ``cna_cells_na``, ``cna_cells_bad``,
    ``cna_cells_skipped``, ``sv_rows_read``, ``sv_rows_kept``,
    ``sv_gene_rows``, ``errors``, ``warnings``.
    """
    audit = study.audit
    read = audit.total("mutations.rows_read")
    kept = audit.total("mutations.rows_kept")
    return {
        "samples": study.n_samples,
        "patients": study.n_patients,
        "maf_rows_read": read,
        "maf_rows_kept": kept,
        "maf_rows_flagged": read - kept,
        "cna_cells_read": audit.total("cna.cells_read"),
        "cna_cells_nonzero": audit.total("cna.cells_nonzero"),
        "cna_cells_zero": audit.total("cna.cells_zero"),
        "cna_cells_na": audit.total("cna.cells_na"),
        "cna_cells_bad": audit.total("cna.bad_value"),
        "cna_cells_skipped": audit.total("cna.row_skipped"),
        "sv_rows_read": audit.total("sv.rows_read"),
        "sv_rows_kept": audit.total("sv.rows_kept"),
        "sv_gene_rows": study.sv.height,
        "errors": len(audit.errors),
        "warnings": len(audit.warnings),
    }
