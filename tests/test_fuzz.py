"""Fuzz suite (issue 15): bad input never gives a wrong number, a traceback, a hang
or a half-written file.

Each case builds one mutated input in ``tmp_path`` -- from a copy of the shared
study (``HER2SCOPE_STUDIES``; the shared folder itself is never modified) or
from a small pathology table -- runs the CLI in a subprocess and sorts the run
into an outcome class:

``correct``
    exit 0 and the result of the unmutated input (or the value the case
    expects, e.g. "not HER2-positive" for a negated ISH statement);
``flagged``
    exit 0 and the problem named in an output (an audit code in
    ``report.html``, the unusable-values table of ``classify``);
``error``
    exit 2 with one ``her2scope: error: ...`` line (for a reader that closed
    stdout: exit 141 and nothing said).

and the classes no case may fall into: ``silent`` (exit 0, numbers changed,
nothing said), ``traceback``, ``hang`` (no answer within the guard below) and
``blowup`` (peak memory above 2 GB). Every case states the class it expects.

CI runs the cases marked ``fast`` (``HER2SCOPE_FUZZ=all`` runs every case);
``scripts/fuzz.py`` runs them all and prints the counts per class.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import gzip
import http.server
import io
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

STUDY_ID = "breast_msk_2018"
#: Hang guard per run (seconds); every input here is far below 10 MB.
TIMEOUT_S = 60.0
#: Peak resident memory above this is a blow-up.
MAX_RSS_BYTES = 2 * 1024**3
GOOD = ("correct", "flagged", "error")
BAD = ("silent", "traceback", "hang", "blowup")


# --------------------------------------------------------------------------- running


@dataclasses.dataclass
class Run:
    """What the measured command is: arguments, where stdout goes, where outputs land."""

    args: list[str]
    stdout: str = "pipe"  # pipe | devfull | closed
    out: Path | None = None
    env: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool
    max_rss: int  # bytes
    out: Path | None

    def text(self, name: str) -> str:
        if self.out is None:
            return ""
        path = self.out / name
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""


def _studies_root() -> Path | None:
    for part in os.environ.get("HER2SCOPE_STUDIES", "").split(os.pathsep):
        if part and (Path(part) / STUDY_ID / "meta_study.txt").is_file():
            return Path(part).resolve()
    return None


def _env(tmp: Path, extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "HER2SCOPE_CACHE": str(tmp / "her2scope-cache"),
            "HER2SCOPE_PARSED_CACHE": "0",
            "COLUMNS": "200",
            "PYTHONUNBUFFERED": "0",
        }
    )
    root = _studies_root()
    if root is not None and (root / "gene_panels").is_dir():
        env["HER2SCOPE_PANELS"] = str(root / "gene_panels")
    env.update(extra)
    return env


def run_cli(run: Run, tmp: Path) -> Result:
    """Run ``python -m her2scope ARGS`` with a hang guard; measure its peak memory."""
    tmp.mkdir(parents=True, exist_ok=True)
    out_path, err_path = tmp / "_stdout.txt", tmp / "_stderr.txt"
    with open(err_path, "wb") as err:
        if run.stdout == "devfull":
            stdout = open("/dev/full", "wb")  # noqa: SIM115
        elif run.stdout == "closed":
            stdout = subprocess.PIPE  # type: ignore[assignment]
        else:
            stdout = open(out_path, "wb")  # noqa: SIM115
        fsize = int(run.env.get("_FUZZ_FSIZE", "0"))

        def limit_file_size() -> None:  # a disk that fills up after ``fsize`` bytes
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

        proc = subprocess.Popen(
            [sys.executable, "-m", "her2scope", *run.args],
            preexec_fn=limit_file_size if fsize else None,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=err,
            cwd=tmp,
            env=_env(tmp, run.env),
            start_new_session=True,
        )
        if run.stdout == "closed":
            assert proc.stdout is not None
            proc.stdout.close()
        else:
            stdout.close()  # type: ignore[union-attr]
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(TIMEOUT_S, kill)
        timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    code = proc.returncode
    if code < 0:  # killed by a signal: report it as the shell would
        code = 128 - code
    return Result(
        returncode=code,
        stdout=out_path.read_text(encoding="utf-8", errors="replace") if out_path.is_file() else "",
        stderr=err_path.read_text(encoding="utf-8", errors="replace"),
        timed_out=timed_out.is_set(),
        max_rss=usage.ru_maxrss * 1024,  # Linux: kilobytes
        out=run.out,
    )


# --------------------------------------------------------------------------- judging

Judge = Callable[[Result, "Ctx"], str]


def classify_outcome(result: Result, judge: Judge, ctx: Ctx) -> str:
    if result.timed_out:
        return "hang"
    if result.max_rss > MAX_RSS_BYTES:
        return "blowup"
    if "Traceback (most recent call last)" in result.stderr:
        return "traceback"
    if result.returncode == 2:
        errors = [ln for ln in result.stderr.splitlines() if ln.startswith("her2scope: error: ")]
        return "error" if len(errors) == 1 else "traceback"
    if result.returncode == 141 and not result.stderr.strip():
        return "error"  # a reader that closed stdout: quiet, as after SIGPIPE
    if result.returncode != 0:
        return "traceback"
    return judge(result, ctx)


def _report_text(result: Result) -> str:
    return result.stdout + result.stderr + result.text("report.html")


def study_judge(flag: str | None = None) -> Judge:
    """analyze --out: flagged when ``flag`` shows in the outputs, else correct only
    when the table is the unmutated study's."""

    def judge(result: Result, ctx: Ctx) -> str:
        if flag and flag in _report_text(result):
            return "flagged"
        return "correct" if result.text("intersection.tsv") == ctx.baseline() else "silent"

    return judge


def classify_judge(expected: Callable[[list[dict[str, str]]], bool], flag: str | None) -> Judge:
    """classify to stdout: flagged when ``flag`` is in stderr, correct when ``expected``
    holds for the output rows, silent otherwise."""

    def judge(result: Result, ctx: Ctx) -> str:
        if flag and flag in result.stderr:
            return "flagged"
        records = [r for r in csv.reader(io.StringIO(result.stdout), delimiter="\t") if r]
        if not records:
            return "silent"
        rows = [dict(zip(records[0], r, strict=False)) for r in records[1:]]
        return "correct" if expected(rows) else "silent"

    return judge


def _same_as_clinical_baseline(result: Result, ctx: Ctx) -> str:
    return "correct" if result.stdout == ctx.classify_baseline() else "silent"


def _quiet_ok(result: Result, ctx: Ctx) -> str:
    return "correct"


# --------------------------------------------------------------------------- context


class Ctx:
    """One case's workspace: a tmp folder, a copy of the shared study on demand."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)

    @functools.cached_property
    def shared(self) -> Path:
        root = _studies_root()
        if root is None:
            pytest.skip("shared study not found via HER2SCOPE_STUDIES")
        return root / STUDY_ID

    def study(self) -> Path:
        """A private copy of the shared study (mutate freely)."""
        target = self.tmp / STUDY_ID
        if not target.exists():
            shutil.copytree(self.shared, target, symlinks=True)
        return target

    def analyze(self, study: Path | str, *extra: str) -> Run:
        out = self.tmp / "out"
        return Run(["analyze", str(study), "--out", str(out), *extra], out=out)

    def baseline(self) -> str:
        return _baseline_tables(str(self.shared), "analyze")

    def classify_baseline(self) -> str:
        return _baseline_tables(str(self.shared), "classify")

    def table(self, name: str, data: bytes | str) -> Path:
        path = self.tmp / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path


@functools.cache
def _baseline_tables(shared: str, what: str) -> str:
    """The unmutated study's intersection.tsv / classify output (once per process)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        copy = tmp / STUDY_ID
        shutil.copytree(shared, copy)
        if what == "analyze":
            out = tmp / "out"
            result = run_cli(Run(["analyze", str(copy), "--out", str(out)], out=out), tmp)
            assert result.returncode == 0, result.stderr
            return result.text("intersection.tsv")
        result = run_cli(Run(["classify", str(copy / "data_clinical_sample.txt")]), tmp)
        assert result.returncode == 0, result.stderr
        return result.stdout


# --------------------------------------------------------------------------- file helpers


def edit_table(path: Path, edit: Callable[[list[str], list[list[str]]], None]) -> None:
    """Rewrite a tab-separated file: ``edit(header, rows)`` changes them in place
    (leading '#' lines are kept)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    comments = [ln for ln in lines if ln.startswith("#")]
    body = [ln for ln in lines if not ln.startswith("#")]
    header = body[0].split("\t")
    rows = [ln.split("\t") for ln in body[1:]]
    n_before = len(header)
    edit(header, rows)
    if comments and len(header) != n_before:  # keep the clinical metadata lines aligned
        keep = [c.split("\t") for c in comments]
        comments = ["\t".join((c + c[-1:] * len(header))[: len(header)]) for c in keep]
    path.write_text("\n".join([*comments, "\t".join(header), *("\t".join(r) for r in rows)]) + "\n")


def drop_columns(path: Path, names: set[str]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    body_index = next(i for i, ln in enumerate(lines) if not ln.startswith("#"))
    header = lines[body_index].split("\t")
    keep = [i for i, h in enumerate(header) if h not in names]

    def cut(line: str) -> str:
        prefix = "#" if line.startswith("#") else ""
        fields = line[len(prefix) :].split("\t")
        return prefix + "\t".join(fields[i] for i in keep)

    path.write_text("\n".join(cut(ln) for ln in lines) + "\n")


def header_only(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    keep = []
    for ln in lines:
        keep.append(ln)
        if not ln.startswith("#"):
            break
    path.write_text("\n".join(keep) + "\n")


def gzip_file(path: Path) -> None:
    data = path.read_bytes()
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(data))
    path.unlink()


def gzip_bomb(path: Path, size: int = 320 * 1024**2, unit: bytes = b"0\t") -> None:
    """A small gzip file expanding to ``size`` bytes of ``unit`` repeated."""
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    block = unit * (4 * 1024**2 // len(unit))
    with open(path, "wb") as fh:
        for _ in range(size // len(block)):
            fh.write(comp.compress(block))
        fh.write(comp.flush())


def replace_text(path: Path, old: str, new: str, count: int = -1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count))


def set_meta(study: Path, meta: str, key: str, value: str) -> None:
    path = study / meta
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [f"{key}: {value}" if ln.startswith(f"{key}:") else ln for ln in lines]
    if not any(ln.startswith(f"{key}:") for ln in lines):
        lines.append(f"{key}: {value}")
    path.write_text("\n".join(lines) + "\n")


def make_fifo(path: Path) -> None:
    if path.exists() or path.is_symlink():
        path.unlink()
    os.mkfifo(path)


def age_files(folder: Path, seconds: int = 3600) -> None:
    """Set every file's mtime into the past (the parsed cache skips fresh files)."""
    past = os.path.getmtime(folder) - seconds
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (past, past), follow_symlinks=False)


# --------------------------------------------------------------------------- cases


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    expect: str  # correct | flagged | error
    build: Callable[[Ctx], Run]
    judge: Judge = _quiet_ok
    fast: bool = False


CASES: list[Case] = []


def case(
    name: str, expect: str, judge: Judge | None = None, *, fast: bool = False
) -> Callable[[Callable[[Ctx], Run]], Callable[[Ctx], Run]]:
    def register(build: Callable[[Ctx], Run]) -> Callable[[Ctx], Run]:
        CASES.append(Case(name, expect, build, judge or _quiet_ok, fast))
        return build

    return register


def study_case(
    name: str, expect: str, flag: str | None = None, *, fast: bool = False
) -> Callable[[Callable[[Path], None]], Callable[[Path], None]]:
    """A mutation of the shared study, run through ``analyze --out``."""

    def register(mutate: Callable[[Path], None]) -> Callable[[Path], None]:
        def build(ctx: Ctx) -> Run:
            study = ctx.study()
            mutate(study)
            return ctx.analyze(study)

        CASES.append(Case(name, expect, build, study_judge(flag), fast))
        return mutate

    return register


SAMPLE = "data_clinical_sample.txt"
PATIENT = "data_clinical_patient.txt"
MAF = "data_mutations.txt"
CNA = "data_cna.txt"
FUSIONS = "data_fusions.txt"
MATRIX = "data_gene_panel_matrix.txt"
HER2_IHC = {"HER2_IHC_SCORE", "HER2_IHC_VALUE_PRIMARY"}
HER2_ISH = {"HER2_FISH", "HER2_FISH_RATIO", "HER2_FISH_STATUS", "HER2_FISH_RATIO_PRIMARY"}

# ---- study: same numbers (line endings, compression, layout)

for _name, _file in (("sample", SAMPLE), ("maf", MAF), ("cna", CNA), ("patient", PATIENT)):

    def _crlf(study: Path, file: str = _file) -> None:
        path = study / file
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))

    def _cr(study: Path, file: str = _file) -> None:
        path = study / file
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))

    def _gz(study: Path, file: str = _file) -> None:
        gzip_file(study / file)

    def _bom(study: Path, file: str = _file) -> None:
        path = study / file
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    def _no_final_newline(study: Path, file: str = _file) -> None:
        path = study / file
        path.write_bytes(path.read_bytes().rstrip(b"\n"))

    study_case(f"study/{_name}: CRLF line endings", "correct", fast=_name == "maf")(_crlf)
    study_case(f"study/{_name}: CR-only line endings", "correct")(_cr)
    study_case(f"study/{_name}: gzipped", "correct", fast=_name == "cna")(_gz)
    study_case(f"study/{_name}: UTF-8 byte-order mark", "correct")(_bom)
    study_case(f"study/{_name}: no final newline", "correct")(_no_final_newline)


@study_case("study/maf: columns reordered", "correct")
def _maf_reorder(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        order = list(reversed(range(len(header))))
        header[:] = [header[i] for i in order]
        rows[:] = [[r[i] for i in order] for r in rows]

    edit_table(study / MAF, edit)


@study_case("study/case list: CRLF", "correct")
def _case_crlf(study: Path) -> None:
    path = study / "case_lists" / "cases_all.txt"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


@study_case("study/sample: an extra unused column", "correct")
def _extra_column(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        header.append("FUZZ_EXTRA")
        for r in rows:
            r.append("x")

    edit_table(study / SAMPLE, edit)


@study_case("study/maf: symlink to a file inside the folder", "correct")
def _symlink_inside(study: Path) -> None:
    (study / MAF).rename(study / "real_mutations.tsv")
    (study / MAF).symlink_to("real_mutations.tsv")
    set_meta(study, "meta_mutations.txt", "data_filename", MAF)


# ---- study: flagged and counted


@study_case("study/maf: every record twice", "flagged", "mutations.duplicate_record", fast=True)
def _maf_twice(study: Path) -> None:
    edit_table(study / MAF, lambda h, rows: rows.extend([list(r) for r in rows]))


@study_case("study/maf: one record repeated", "flagged", "mutations.duplicate_record")
def _maf_one_twice(study: Path) -> None:
    edit_table(study / MAF, lambda h, rows: rows.append(list(rows[0])))


@study_case("study/maf: Hugo symbols lower-cased", "flagged", "symbols.lower_case", fast=True)
def _maf_lower(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("Hugo_Symbol")
        for r in rows:
            r[i] = r[i].lower()

    edit_table(study / MAF, edit)


@study_case("study/cna: Hugo symbols lower-cased", "flagged", "symbols.lower_case")
def _cna_lower(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        for r in rows:
            r[0] = r[0].lower()

    edit_table(study / CNA, edit)


@study_case("study/fusions: Hugo symbols lower-cased", "flagged", "symbols.lower_case")
def _fusion_lower(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("Hugo_Symbol")
        for r in rows:
            r[i] = r[i].lower()

    edit_table(study / FUSIONS, edit)


@study_case("study/maf: header only", "flagged", "mutations.no_data_rows", fast=True)
def _maf_header_only(study: Path) -> None:
    header_only(study / MAF)


@study_case("study/cna: header only", "flagged", "cna.no_data_rows", fast=True)
def _cna_header_only(study: Path) -> None:
    header_only(study / CNA)


@study_case("study/fusions: header only", "flagged", "sv.no_data_rows")
def _fusions_header_only(study: Path) -> None:
    header_only(study / FUSIONS)


@study_case("study/sample: HER2 ISH columns absent", "flagged", "clinical.her2_column_absent")
def _no_ish(study: Path) -> None:
    drop_columns(study / SAMPLE, HER2_ISH)


@study_case(
    "study/sample: HER2 IHC columns absent", "flagged", "clinical.her2_column_absent", fast=True
)
def _no_ihc(study: Path) -> None:
    drop_columns(study / SAMPLE, HER2_IHC)


@study_case("study/sample: all HER2 columns absent", "error")
def _no_her2(study: Path) -> None:
    drop_columns(study / SAMPLE, HER2_IHC | HER2_ISH)


@study_case("study: a second clinical sample file", "flagged", "clinical.extra_sample_file")
def _second_sample_file(study: Path) -> None:
    shutil.copy(study / SAMPLE, study / "data_clinical_sample2.txt")
    shutil.copy(study / "meta_clinical_sample.txt", study / "meta_clinical_sample2.txt")
    set_meta(study, "meta_clinical_sample2.txt", "data_filename", "data_clinical_sample2.txt")


@study_case("study: a second clinical patient file", "flagged", "clinical.extra_patient_file")
def _second_patient_file(study: Path) -> None:
    shutil.copy(study / PATIENT, study / "data_clinical_patient2.txt")
    shutil.copy(study / "meta_clinical_patient.txt", study / "meta_clinical_patient2.txt")
    set_meta(study, "meta_clinical_patient2.txt", "data_filename", "data_clinical_patient2.txt")


@study_case("study/cna: values outside the discrete set", "flagged", "cna.bad_value")
def _cna_bad(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        for r in rows[:50]:
            r[1] = "7"

    edit_table(study / CNA, edit)


@study_case("study/cna: a gene row repeated", "flagged", "cna.row_skipped")
def _cna_repeat(study: Path) -> None:
    edit_table(study / CNA, lambda h, rows: rows.append(list(rows[0])))


@study_case("study/maf: empty sample barcodes", "flagged", "mutations.missing_required_value")
def _maf_no_sample(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("Tumor_Sample_Barcode")
        for r in rows[:100]:
            r[i] = ""

    edit_table(study / MAF, edit)


@study_case("study/maf: empty Hugo symbols", "flagged", "mutations.missing_required_value")
def _maf_no_gene(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("Hugo_Symbol")
        for r in rows[::3]:
            r[i] = "NA"

    edit_table(study / MAF, edit)


@study_case(
    "study/maf: unknown Variant_Classification", "flagged", "unknown_variant_classification"
)
def _maf_bad_class(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("Variant_Classification")
        for r in rows[:200]:
            r[i] = "Weird_Mutation"

    edit_table(study / MAF, edit)


@study_case("study/maf: positions not integers", "flagged", "mutations.bad_integer")
def _maf_bad_int(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("Start_Position")
        for r in rows[:20]:
            r[i] = "12e3x"

    edit_table(study / MAF, edit)


@study_case("study/maf: samples absent from the clinical file", "flagged", "not_in_clinical")
def _maf_stray(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("Tumor_Sample_Barcode")
        for r in rows[:10]:
            r[i] = "FUZZ-" + r[i]

    edit_table(study / MAF, edit)


@study_case("study/patient: OS_MONTHS not numbers", "flagged", "clinical.bad_number")
def _os_text(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("OS_MONTHS")
        for r in rows[:30]:
            r[i] = "about 12"

    edit_table(study / PATIENT, edit)


@study_case("study: a data file no meta file names", "flagged", "meta.unreferenced_data_file")
def _unreferenced(study: Path) -> None:
    shutil.copy(study / MAF, study / "data_mutations_extra.txt")


@study_case("study/matrix: a sample missing", "flagged", "panel.sample_not_in_matrix")
def _matrix_missing_sample(study: Path) -> None:
    edit_table(study / MATRIX, lambda h, rows: rows.pop(0))


@study_case("study/sample: IHC value of 100,000 spaces", "flagged", "her2.unusable_value")
def _ihc_spaces(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("HER2_IHC_SCORE")
        rows[0][i] = "2" + " " * 100_000 + "+"

    edit_table(study / SAMPLE, edit)


@study_case("study/sample: IHC '0, 3' (two scores)", "flagged", "her2.unusable_value")
def _ihc_two(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("HER2_IHC_SCORE")
        for r in rows:
            if r[i] == "3+":
                r[i] = "0, 3"
                break

    edit_table(study / SAMPLE, edit)


@study_case("study/sample: FISH ratio '1e3'", "flagged", "her2.unusable_value")
def _ratio_sci(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("HER2_FISH_RATIO")
        for r in rows[:40]:
            r[i] = "1e3"

    edit_table(study / SAMPLE, edit)


@study_case("study/sample: unused NUMBER column of 1e400", "correct")
def _huge_number(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("TMB_NONSYNONYMOUS") if "TMB_NONSYNONYMOUS" in header else -1
        if i >= 0:
            for r in rows[:5]:
                r[i] = "1e400"

    edit_table(study / SAMPLE, edit)


# ---- study: refused with one line


@study_case("study/meta: data file outside the folder (..)", "error", fast=True)
def _outside_rel(study: Path) -> None:
    shutil.copy(study / MAF, study.parent / "outside.txt")
    set_meta(study, "meta_mutations.txt", "data_filename", "../outside.txt")


@study_case("study/meta: data file by absolute path", "error")
def _outside_abs(study: Path) -> None:
    shutil.copy(study / MAF, study.parent / "outside_abs.txt")
    set_meta(study, "meta_mutations.txt", "data_filename", str(study.parent / "outside_abs.txt"))


@study_case("study/meta: data file /etc/passwd", "error")
def _outside_etc(study: Path) -> None:
    set_meta(study, "meta_mutations.txt", "data_filename", "/etc/passwd")


@study_case("study/maf: a FIFO", "error", fast=True)
def _maf_fifo(study: Path) -> None:
    make_fifo(study / MAF)


@study_case("study/cna: a FIFO", "error")
def _cna_fifo(study: Path) -> None:
    make_fifo(study / CNA)


@study_case("study/case list: a FIFO", "error", fast=True)
def _case_fifo(study: Path) -> None:
    make_fifo(study / "case_lists" / "cases_all.txt")


@study_case("study/meta: a FIFO", "error")
def _meta_fifo(study: Path) -> None:
    make_fifo(study / "meta_fuzz.txt")


@study_case("study/maf: symlink to /dev/zero", "error", fast=True)
def _maf_zero(study: Path) -> None:
    (study / MAF).unlink()
    (study / MAF).symlink_to("/dev/zero")


@study_case("study/cna: symlink to /dev/urandom", "error")
def _cna_random(study: Path) -> None:
    (study / CNA).unlink()
    (study / CNA).symlink_to("/dev/urandom")


@study_case("study/maf: a folder", "error")
def _maf_dir(study: Path) -> None:
    (study / MAF).unlink()
    (study / MAF).mkdir()


@study_case("study/case list: a folder named *.txt", "error")
def _case_dir(study: Path) -> None:
    (study / "case_lists" / "cases_fuzz.txt").mkdir()


@study_case("study/maf: gzip bomb (320 MB of one byte)", "error", fast=True)
def _maf_bomb(study: Path) -> None:
    (study / MAF).unlink()
    gzip_bomb(study / (MAF + ".gz"), unit=b"A")


@study_case("study/cna: gzip bomb of zero cells", "error")
def _cna_bomb(study: Path) -> None:
    (study / CNA).unlink()
    gzip_bomb(study / (CNA + ".gz"), unit=b"0\t")


@study_case("study/sample: gzip bomb", "error")
def _sample_bomb(study: Path) -> None:
    (study / SAMPLE).unlink()
    gzip_bomb(study / (SAMPLE + ".gz"), size=512 * 1024**2, unit=b"x\t")


@study_case("study/maf: truncated gzip", "error")
def _maf_truncated_gz(study: Path) -> None:
    gzip_file(study / MAF)
    path = study / (MAF + ".gz")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@study_case("study/sample: 1,000,000 columns", "error", fast=True)
def _sample_wide(study: Path) -> None:
    path = study / SAMPLE
    lines = path.read_text().splitlines()
    extra = "\t" + "\t".join(f"C{i}" for i in range(1_000_000))
    path.write_text("\n".join(ln + extra if not ln.startswith("#") else ln for ln in lines[4:6]))


@study_case("study/maf: 100,000 columns", "error")
def _maf_wide(study: Path) -> None:
    path = study / MAF
    lines = path.read_text().splitlines()[:3]
    pad = "\t" * 100_000
    path.write_text("\n".join(ln + pad for ln in lines) + "\n")


@study_case("study/maf: truncated last row", "error", fast=True)
def _maf_truncated(study: Path) -> None:
    path = study / MAF
    data = path.read_bytes().rstrip(b"\n")
    path.write_bytes(data[: data.rfind(b"\t", 0, len(data) - 200)])


@study_case("study/maf: a short row in the middle", "error")
def _maf_short(study: Path) -> None:
    edit_table(study / MAF, lambda h, rows: rows.__setitem__(100, rows[100][:5]))


@study_case("study/sample: a short row in the middle", "error")
def _sample_short(study: Path) -> None:
    edit_table(study / SAMPLE, lambda h, rows: rows.__setitem__(10, rows[10][:3]))


@study_case("study/cna: a short row", "error")
def _cna_short(study: Path) -> None:
    edit_table(study / CNA, lambda h, rows: rows.__setitem__(3, rows[3][:10]))


@study_case("study/sample: duplicate column name", "error")
def _sample_dup_col(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        header[5] = header[4]

    edit_table(study / SAMPLE, edit)


@study_case("study/maf: duplicate column name", "error")
def _maf_dup_col(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        header[2] = "Hugo_Symbol"

    edit_table(study / MAF, edit)


@study_case("study/sample: duplicate SAMPLE_ID", "error")
def _dup_sample(study: Path) -> None:
    edit_table(study / SAMPLE, lambda h, rows: rows.append(list(rows[0])))


@study_case("study/sample: SAMPLE_ID column missing", "error")
def _no_sample_id(study: Path) -> None:
    drop_columns(study / SAMPLE, {"SAMPLE_ID"})


@study_case("study/matrix: a sample listed twice", "error")
def _matrix_dup(study: Path) -> None:
    edit_table(study / MATRIX, lambda h, rows: rows.append(list(rows[0])))


@study_case("study/maf: binary garbage", "error")
def _maf_binary(study: Path) -> None:
    (study / MAF).write_bytes(os.urandom(200_000))


@study_case("study/sample: UTF-16", "error")
def _sample_utf16(study: Path) -> None:
    path = study / SAMPLE
    path.write_bytes(path.read_text().encode("utf-16"))


@study_case("study/sample: a Latin-1 byte", "error")
def _sample_latin1(study: Path) -> None:
    replace_text(study / SAMPLE, "Primary", "Prim\u00e4ry", 1)
    path = study / SAMPLE
    path.write_bytes(path.read_text().encode("latin-1"))


@study_case("study/maf: empty file", "error")
def _maf_empty(study: Path) -> None:
    (study / MAF).write_bytes(b"")


@study_case("study: meta_study.txt missing", "error")
def _no_meta_study(study: Path) -> None:
    (study / "meta_study.txt").unlink()


@study_case("study/meta: no data_filename", "error")
def _meta_no_file(study: Path) -> None:
    path = study / "meta_mutations.txt"
    path.write_text(
        "\n".join(ln for ln in path.read_text().splitlines() if "data_filename" not in ln)
    )


@study_case("study/meta: names a missing data file", "flagged", "meta.data_file_missing")
def _meta_missing(study: Path) -> None:
    """A warning, the data type not profiled, the rest of the study usable (issue 10);
    ``study validate --strict`` fails on it (tests/test_conventions.py)."""
    set_meta(study, "meta_mutations.txt", "data_filename", "nope.txt")


@study_case("study/meta: a line without a colon", "error")
def _meta_garbage(study: Path) -> None:
    with open(study / "meta_cna.txt", "a") as fh:
        fh.write("\nthis line has no colon\n")


@study_case("study/cna: Entrez-only matrix", "error")
def _cna_entrez(study: Path) -> None:
    replace_text(study / CNA, "Hugo_Symbol", "Entrez_Gene_Id", 1)


@study_case("study/cna: one line of 300 MB", "error")
def _cna_long_line(study: Path) -> None:
    (study / CNA).unlink()
    gzip_bomb(study / (CNA + ".gz"), size=300 * 1024**2, unit=b"x" * 64)


# ---- study: parsed-study cache


def _cached_then(
    ctx: Ctx, change: Callable[[Path], None], extra: dict[str, str] | None = None
) -> Run:
    """A cached load of the study, then ``change``, then the measured analyze (cache on)."""
    study = ctx.study()
    age_files(study)
    env = {"HER2SCOPE_PARSED_CACHE": "1", "HER2SCOPE_CACHE": str(ctx.tmp / "her2scope-cache")}
    env.update(extra or {})
    first = run_cli(Run(["analyze", str(study)], env=env), ctx.tmp / "first")
    assert first.returncode == 0, first.stderr
    change(study)
    run = ctx.analyze(study)
    run.env.update(env)
    return run


def _manifest_edit(study: Path) -> None:
    cache = study.parent / "her2scope-cache" / "parsed"
    manifests = list(cache.glob("*/manifest.json"))
    assert manifests, "the first run stored no cache entry"
    for manifest in manifests:
        text = manifest.read_text()
        manifest.write_text(text.replace('"count": 1918', '"count": 1917', 1))


def _not_from_cache(result: Result, ctx: Ctx) -> str:
    if "parsed cache" in result.stderr:
        return "silent"  # the edited manifest was trusted
    return "correct" if result.text("intersection.tsv") == ctx.baseline() else "silent"


@case("cache: an edited manifest is not trusted", "correct", _not_from_cache, fast=True)
def _cache_manifest(ctx: Ctx) -> Run:
    return _cached_then(ctx, _manifest_edit)


@case("cache: a symlinked data file that changes", "flagged", study_judge("no_data_rows"))
def _cache_symlink(ctx: Ctx) -> Run:
    study = ctx.study()
    outside = ctx.tmp / "elsewhere"
    outside.mkdir()
    shutil.move(study / MAF, outside / MAF)
    (study / MAF).symlink_to(outside / MAF)
    age_files(outside)

    def change(_study: Path) -> None:
        header_only(outside / MAF)
        past = os.path.getmtime(outside) - 7200
        os.utime(outside / MAF, (past, past))  # same old mtime: only size/ctime differ

    return _cached_then(ctx, change)


@case("cache: a gene panel outside the folder that changes", "flagged", study_judge("panel."))
def _cache_panel(ctx: Ctx) -> Run:
    panels = ctx.tmp / "panels"
    shutil.copytree(ctx.shared.parent / "gene_panels", panels)
    age_files(panels)

    def change(_study: Path) -> None:
        for path in panels.glob("*.txt"):
            replace_text(path, "stable_id:", "stable_id: X", 1)

    return _cached_then(ctx, change, {"HER2SCOPE_PANELS": str(panels)})


# ---- outputs of analyze / switching / survival


@case("out: --out is an existing file", "error", fast=True)
def _out_is_file(ctx: Ctx) -> Run:
    (ctx.tmp / "taken").write_text("x")
    run = ctx.analyze(ctx.study())
    run.args[-1] = str(ctx.tmp / "taken")
    return run


@case("out: --out under a file", "error")
def _out_under_file(ctx: Ctx) -> Run:
    (ctx.tmp / "taken").write_text("x")
    run = ctx.analyze(ctx.study())
    run.args[-1] = str(ctx.tmp / "taken" / "out")
    return run


@case("out: --out in /proc (not writable)", "error")
def _out_proc(ctx: Ctx) -> Run:
    run = ctx.analyze(ctx.study())
    run.args[-1] = "/proc/her2scope-fuzz-out"
    return run


@case("out: an output file name taken by a folder", "error")
def _out_file_is_dir(ctx: Ctx) -> Run:
    run = ctx.analyze(ctx.study())
    assert run.out is not None
    (run.out / "report.html").mkdir(parents=True)
    return run


for _command in ("switching", "survival"):

    def _cohort_out_file(ctx: Ctx, command: str = _command) -> Run:
        (ctx.tmp / "taken").write_text("x")
        return Run([command, str(ctx.study()), "--out", str(ctx.tmp / "taken" / "out")])

    def _cohort_ok(ctx: Ctx, command: str = _command) -> Run:
        out = ctx.tmp / "out"
        return Run([command, str(ctx.study()), "--out", str(out)], out=out)

    def _written(result: Result, ctx: Ctx) -> str:
        assert result.out is not None
        leftovers = [p.name for p in result.out.iterdir() if p.name.endswith(".part")]
        return "correct" if result.out.is_dir() and not leftovers else "silent"

    case(f"out: {_command} --out under a file", "error")(_cohort_out_file)
    case(f"out: {_command} writes every file whole", "correct", _written)(_cohort_ok)


@study_case("study/patient: OS_MONTHS of 1e400 (survival input)", "flagged", "bad_number")
def _os_inf(study: Path) -> None:
    def edit(header: list[str], rows: list[list[str]]) -> None:
        i = header.index("OS_MONTHS")
        for r in rows[:3]:
            r[i] = "1e400"

    edit_table(study / PATIENT, edit)


@case(
    "survival: OS_MONTHS of 1e400",
    "flagged",
    lambda r, c: (
        "flagged"
        if "1e400" in r.stdout + r.stderr or "inf" in (r.stdout + r.stderr).lower()
        else "silent"
    ),
)
def _survival_inf(ctx: Ctx) -> Run:
    study = ctx.study()
    _os_inf(study)
    return Run(["survival", str(study)])


# ---- classify: pathology tables

TABLE = "id\tihc\tish_status\tish_ratio\n"


def _category(
    row_id: str, predicate: Callable[[str], bool]
) -> Callable[[list[dict[str, str]]], bool]:
    def check(rows: list[dict[str, str]]) -> bool:
        found = [r for r in rows if r.get("id") == row_id]
        return len(found) == 1 and predicate(found[0].get("her2_category", ""))

    return check


NEGATIONS = (
    "No evidence of amplification",
    "not amplified",
    "unamplified",
    "amplification not detected",
    "without amplification",
    "not positive",
    "Negative (not amplified)",
    "no amplification",
)
for _i, _statement in enumerate(NEGATIONS):

    def _negated(ctx: Ctx, statement: str = _statement) -> Run:
        path = ctx.table("t.tsv", TABLE + f"a\t2+\t{statement}\t\n")
        return Run(["classify", str(path)])

    case(
        f"classify: IHC 2+ with ISH {_statement!r}",
        "correct",
        classify_judge(_category("a", lambda c: c not in ("HER2-positive", "")), None),
        fast=_i == 0,
    )(_negated)

UNUSABLE = (
    ("ish_ratio", "1e3"),
    ("ish_ratio", "250%"),
    ("ish_ratio", "1.5-2.5"),
    ("ihc", "0, 3"),
    ("ihc", "2,3"),
    ("ihc", "2" + " " * 100_000 + "+"),
    ("ish_ratio", "9" * 5000),
)
for _i, (_field, _value) in enumerate(UNUSABLE):

    def _unusable(ctx: Ctx, field: str = _field, value: str = _value) -> Run:
        row = {"id": "a", "ihc": "2+", "ish_status": "", "ish_ratio": ""}
        row[field] = value
        path = ctx.table("t.tsv", TABLE + "\t".join(row.values()) + "\n")
        return Run(["classify", str(path)])

    case(
        f"classify: {_field} {_value[:20]!r}",
        "flagged",
        classify_judge(_category("a", lambda c: c != "HER2-positive"), "Unusable values"),
        fast=_i == 0,
    )(_unusable)


@case(
    "classify: IHC 'NULL' is missing, not IHC 0",
    "correct",
    classify_judge(_category("a", lambda c: c not in ("HER2-0", "HER2-null")), None),
)
def _null_ihc(ctx: Ctx) -> Run:
    return Run(["classify", str(ctx.table("t.tsv", TABLE + "a\tNULL\t\t\n"))])


def _table_case(
    name: str, expect: str, data: bytes, *, fast: bool = False, suffix: str = ".tsv"
) -> None:
    def build(ctx: Ctx) -> Run:
        return Run(["classify", str(ctx.table("t" + suffix, data))])

    judge = classify_judge(_category("a", lambda c: c == "HER2-low"), None)
    case(f"classify: {name}", expect, judge, fast=fast)(build)


GOOD_ROWS = "a\t1+\t\t\nb\t3+\t\t\n"
_table_case("plain table", "correct", (TABLE + GOOD_ROWS).encode())
_table_case("CRLF", "correct", (TABLE + GOOD_ROWS).replace("\n", "\r\n").encode())
_table_case("CR only", "correct", (TABLE + GOOD_ROWS).replace("\n", "\r").encode())
_table_case("BOM", "correct", b"\xef\xbb\xbf" + (TABLE + GOOD_ROWS).encode())
_table_case("gzip", "correct", gzip.compress((TABLE + GOOD_ROWS).encode()), suffix=".tsv.gz")
_table_case(
    "CSV with quotes and a comma in a field",
    "correct",
    b'id,ihc,note\na,1+,"x, y"\nb,3+,"z"\n',
    suffix=".csv",
)
_table_case(
    "CSV with a quoted newline", "correct", b'id,ihc,note\na,1+,"x\ny"\nb,3+,z\n', suffix=".csv"
)
_table_case("trailing blank lines", "correct", (TABLE + GOOD_ROWS + "\n\n\n").encode())
_table_case("cBioPortal '#' lines", "correct", ("#x\n#y\n" + TABLE + GOOD_ROWS).encode())
_table_case("duplicated column", "error", b"id\tihc\tihc\na\t1+\t2+\n", fast=True)
_table_case("duplicated column (CSV)", "error", b"id,ihc,ihc\na,1+,2+\n", suffix=".csv")
_table_case("short row in the middle", "error", (TABLE + "a\t1+\nb\t3+\t\t\n").encode(), fast=True)
_table_case("long row in the middle", "error", (TABLE + "a\t1+\t\t\t\t\nb\t3+\t\t\n").encode())
_table_case("truncated last row", "error", (TABLE + "a\t1+\t\t\nb\t3").encode(), fast=True)
_table_case("truncated last row (CSV)", "error", b"id,ihc,x\na,1+,1\nb,3", suffix=".csv")
_table_case("blank line in the middle", "error", (TABLE + "a\t1+\t\t\n\nb\t3+\t\t\n").encode())
_table_case("UTF-16", "error", (TABLE + GOOD_ROWS).encode("utf-16"))
_table_case("Latin-1", "error", (TABLE + "a\t1+\tn\xe9gatif\t\n").encode("latin-1"))
_table_case("binary", "error", b"\x00\x01\x02" + os.urandom(5000))
_table_case("control bytes", "error", (TABLE + "a\t1+\x07\t\t\n").encode())
_table_case("empty", "error", b"")
_table_case("only comments", "error", b"#a\n#b\n")
_table_case("no HER2 column", "error", b"id\tfoo\na\t1\n")
_table_case("one column, wrong delimiter", "error", b"id;ihc\na;1+\n")
_table_case("truncated gzip", "error", gzip.compress((TABLE + GOOD_ROWS * 100).encode())[:60])
_table_case(
    "1,000,000 columns",
    "error",
    ("\t".join(f"c{i}" for i in range(1_000_000)) + "\n").encode(),
    fast=True,
)


@case("classify: gzip bomb", "error", fast=True)
def _table_bomb(ctx: Ctx) -> Run:
    path = ctx.tmp / "t.tsv.gz"
    gzip_bomb(path, unit=b"2+\t")
    return Run(["classify", str(path)])


@case("classify: a FIFO", "error", fast=True)
def _table_fifo(ctx: Ctx) -> Run:
    make_fifo(ctx.tmp / "t.tsv")
    return Run(["classify", str(ctx.tmp / "t.tsv")])


@case("classify: /dev/zero", "error")
def _table_zero(ctx: Ctx) -> Run:
    return Run(["classify", "/dev/zero"])


@case("classify: a folder", "error")
def _table_dir(ctx: Ctx) -> Run:
    return Run(["classify", str(ctx.tmp)])


@case("classify: missing file", "error")
def _table_missing(ctx: Ctx) -> Run:
    return Run(["classify", str(ctx.tmp / "nope.tsv")])


@case("classify: unknown profile", "error")
def _table_profile(ctx: Ctx) -> Run:
    return Run(["classify", str(ctx.table("t.tsv", TABLE + GOOD_ROWS)), "--profile", "nope"])


@case("classify: --map to a missing column", "error")
def _table_map(ctx: Ctx) -> Run:
    path = ctx.table("t.tsv", TABLE + GOOD_ROWS)
    return Run(["classify", str(path), "--map", "ihc=nope"])


@case("classify: 100,000 rows", "correct", classify_judge(lambda rows: len(rows) == 100_000, None))
def _table_big(ctx: Ctx) -> Run:
    rows = "".join(f"r{i}\t{('0', '1+', '2+', '3+')[i % 4]}\t\t\n" for i in range(100_000))
    return Run(["classify", str(ctx.table("t.tsv", TABLE + rows))])


@case("classify: shared clinical file", "correct", _same_as_clinical_baseline)
def _table_shared(ctx: Ctx) -> Run:
    return Run(["classify", str(ctx.shared / SAMPLE)])


@case("classify: shared clinical file gzipped", "correct", _same_as_clinical_baseline)
def _table_shared_gz(ctx: Ctx) -> Run:
    path = ctx.tmp / "s.txt.gz"
    path.write_bytes(gzip.compress((ctx.shared / SAMPLE).read_bytes()))
    return Run(["classify", str(path)])


@case("classify: stdout to /dev/full", "error", fast=True)
def _stdout_full(ctx: Ctx) -> Run:
    return Run(["classify", str(ctx.shared / SAMPLE)], stdout="devfull")


@case("classify: stdout closed (| head)", "error", fast=True)
def _stdout_closed(ctx: Ctx) -> Run:
    return Run(["classify", str(ctx.shared / SAMPLE)], stdout="closed")


@case("analyze: stdout to /dev/full", "error")
def _analyze_full(ctx: Ctx) -> Run:
    return Run(["analyze", str(ctx.study())], stdout="devfull")


def _out_written(result: Result, ctx: Ctx) -> str:
    path = ctx.tmp / "calls.csv"
    return "correct" if path.is_file() and path.read_text().startswith("id,ihc") else "silent"


@case("classify: --out CSV written whole", "correct", _out_written)
def _classify_out(ctx: Ctx) -> Run:
    path = ctx.table("t.tsv", TABLE + GOOD_ROWS)
    return Run(["classify", str(path), "--out", str(ctx.tmp / "calls.csv")])


@case("classify: --out is a folder", "error")
def _classify_out_dir(ctx: Ctx) -> Run:
    path = ctx.table("t.tsv", TABLE + GOOD_ROWS)
    return Run(["classify", str(path), "--out", str(ctx.tmp)])


@case("classify: --out under a file", "error", fast=True)
def _classify_out_under(ctx: Ctx) -> Run:
    path = ctx.table("t.tsv", TABLE + GOOD_ROWS)
    return Run(["classify", str(path), "--out", str(path / "calls.tsv")])


@case("classify: --out is a device", "error")
def _classify_out_dev(ctx: Ctx) -> Run:
    path = ctx.table("t.tsv", TABLE + GOOD_ROWS)
    return Run(["classify", str(path), "--out", "/dev/full"])


@case("classify: --out in /proc", "error")
def _classify_out_proc(ctx: Ctx) -> Run:
    path = ctx.table("t.tsv", TABLE + GOOD_ROWS)
    return Run(["classify", str(path), "--out", "/proc/her2scope-fuzz.tsv"])


@case("classify: --out on a full disk", "error")
def _classify_out_full(ctx: Ctx) -> Run:
    # a disk that fills up: RLIMIT_FSIZE makes a write past 64 kB fail with EFBIG, as
    # a full disk fails with ENOSPC (no mount needed); the output is ~200 kB
    path = ctx.table("t.tsv", TABLE + GOOD_ROWS * 2000)
    run = Run(["classify", str(path), "--out", str(ctx.tmp / "calls.tsv")])
    run.env["_FUZZ_FSIZE"] = str(64 * 1024)
    return run


# ---- issue 22: real TCGA / maftools data, and the leftovers of the bad-input round

FIXTURES = Path(__file__).parent / "fixtures"
LAML = FIXTURES / "laml_maftools_slice"  # a slice of maftools' tcga_laml (see its SOURCE.md)
DOWNLOAD = FIXTURES / "cbioportal_download" / "brca_tcga_pub2015_clinical_download.tsv"


def _other_study(ctx: Ctx, name: str, new_id: str | None = None) -> Path:
    """A private copy of another shared study (``new_id``: under another study id)."""
    target = ctx.tmp / (new_id or name)
    if not target.exists():
        shutil.copytree(ctx.shared.parent / name, target, symlinks=True)
        if new_id:
            for meta in target.glob("meta_*.txt"):
                meta.write_text(meta.read_text().replace(name, new_id))
    return target


def _said(*words: str, absent: tuple[str, ...] = ()) -> Judge:
    """flagged when every word is in the outputs (stdout, stderr, report.html) and none of
    ``absent`` is; silent otherwise."""

    def judge(result: Result, ctx: Ctx) -> str:
        text = " ".join(_report_text(result).split())
        ok = all(w in text for w in words) and not any(a in text for a in absent)
        return "flagged" if ok else "silent"

    return judge


def _correct_if(*words: str, absent: tuple[str, ...] = ()) -> Judge:
    def judge(result: Result, ctx: Ctx) -> str:
        text = " ".join(_report_text(result).split())
        ok = all(w in text for w in words) and not any(a in text for a in absent)
        return "correct" if ok else "silent"

    return judge


@case(
    "pooled: two folders holding the same samples",
    "flagged",
    _said("818 sample(s) of brca_tcga_pub2015_copy are already in brca_tcga_pub2015"),
    fast=True,
)
def _pooled_twice(ctx: Ctx) -> Run:
    copy = _other_study(ctx, "brca_tcga_pub2015", "brca_tcga_pub2015_copy")
    run = ctx.analyze(ctx.shared.parent / "brca_tcga_pub2015")
    run.args[2:2] = [str(copy)]
    return run


@case("survival: days under OS_MONTHS (maftools tcga_laml)", "error", fast=True)
def _survival_days(ctx: Ctx) -> Run:
    return Run(["survival", str(LAML), "--by", "alteration:KRAS_mut"])


@case("survival: TCGA DAYS_TO_LAST_FOLLOWUP mapped as OS_MONTHS", "error")
def _survival_tcga_days(ctx: Ctx) -> Run:
    study = _other_study(ctx, "brca_tcga_pub2015")
    return Run(["survival", str(study), "--map", "os_months=DAYS_TO_LAST_FOLLOWUP"])


@case(
    "survival: no MSK sequencing-time notes on TCGA",
    "correct",
    _correct_if(
        "the study records no sequencing time",
        absent=("sequencing-time bias", "NGS_SAMPLE_COLLECTION_TIME (ties"),
    ),
)
def _survival_tcga_notes(ctx: Ctx) -> Run:
    return Run(["survival", str(_other_study(ctx, "brca_tcga_pub2015"))])


@case(
    "survival: empty reference group and Cox model explained",
    "flagged",
    _said("reference group HER2-0 has no analysed patient", "No Cox model"),
)
def _survival_empty_reference(ctx: Ctx) -> Run:
    study = ctx.study()

    def edit(header: list[str], rows: list[list[str]]) -> None:
        # every IHC 0 becomes 1+: no HER2-0 patient is left for the reference group
        i = header.index("HER2_IHC_SCORE")
        for r in rows:
            if r[i].strip().startswith("0"):
                r[i] = "1+"

    edit_table(study / SAMPLE, edit)
    return Run(["survival", str(study)])


@case(
    "switching: one HER2 source (TCGA legacy)",
    "flagged",
    _said("primary_vs_sequenced: not made", "one HER2 pathology per tumour"),
)
def _switching_one_source(ctx: Ctx) -> Run:
    return Run(["switching", str(_other_study(ctx, "brca_tcga_pub2015"))])


def _aml_copy(study: Path) -> None:
    set_meta(study, "meta_study.txt", "type_of_cancer", "aml")

    def edit(header: list[str], rows: list[list[str]]) -> None:
        for name, value in (("CANCER_TYPE", "Leukemia"), ("ONCOTREE_CODE", "AML")):
            i = header.index(name)
            for r in rows:
                r[i] = value

    edit_table(study / SAMPLE, edit)


@study_case("study: not breast cancer (CANCER_TYPE Leukemia)", "flagged", "study.not_breast")
def _not_breast(study: Path) -> None:
    _aml_copy(study)


@case("study: not breast cancer, --strict", "error")
def _not_breast_strict(ctx: Ctx) -> Run:
    study = ctx.study()
    _aml_copy(study)
    run = ctx.analyze(study)
    run.args.append("--strict")
    return run


def _report_says_not_breast(result: Result, ctx: Ctx) -> str:
    """flagged only when the report itself (stdout), not just stderr, says it."""
    return "flagged" if "the study is not breast cancer" in result.stdout else "silent"


@case("report: a study outside breast warns", "flagged", _report_says_not_breast)
def _report_not_breast(ctx: Ctx) -> Run:
    return Run(["report", "--study", str(LAML), "--sample", "TCGA-AB-2826"])


@case(
    "classify: cBioPortal download with an unused column name twice",
    "correct",
    classify_judge(lambda rows: len(rows) == 30, None),
)
def _download_dup_unused(ctx: Ctx) -> Run:
    args = ["classify", str(DOWNLOAD)]
    for item in ("ihc=HER2 ihc score", "ish_status=HER2 fish status"):
        args += ["--map", item]
    return Run(args)


@case("classify: cBioPortal download, the repeated column read", "error")
def _download_dup_used(ctx: Ctx) -> Run:
    column = "First Pathologic Diagnosis Biospecimen Acquisition Method Type"
    return Run(["classify", str(DOWNLOAD), "--map", f"ihc={column}"])


@case("validate: --strict on warnings says not usable", "error")
def _validate_strict(ctx: Ctx) -> Run:
    return Run(["validate", str(_other_study(ctx, "brca_tcga_pub2015")), "--strict"])


@case(
    "analyze: a study with nothing assessed",
    "flagged",
    _said("Any catalog alteration: not assessed", absent=("Fisher p ;", "(%, 95% CI -)")),
)
def _nothing_assessed(ctx: Ctx) -> Run:
    return ctx.analyze(_other_study(ctx, "brca_tcga_pub2015"))


def _class_rows_na(result: Result, ctx: Ctx) -> str:
    rows = [ln for ln in result.text("report.html").split("<tr") if ">ALL<" in ln or ">ER<" in ln]
    if not rows:
        return "silent"
    return "flagged" if all("not assessed" in r for r in rows) else "silent"


@case("analyze: class rows of unassessed members read n/a", "flagged", _class_rows_na)
def _class_rows(ctx: Ctx) -> Run:
    return ctx.analyze(_other_study(ctx, "brca_tcga_pub2015"))


@case(
    "analyze --adjusted: odds ratios not estimable give a reason",
    "flagged",
    _said("n/e (", absent=("- (---)",)),
)
def _adjusted_reason(ctx: Ctx) -> Run:
    study = ctx.study()

    def edit(header: list[str], rows: list[list[str]]) -> None:
        # no tumour HER2-0 left among those with a FOXA1 mutation: its OR has no estimate
        i = header.index("HER2_IHC_SCORE")
        for r in rows:
            if r[i].strip().startswith("0"):
                r[i] = "1+"

    edit_table(study / SAMPLE, edit)
    run = ctx.analyze(study)
    run.args.append("--adjusted")
    return run


@case(
    "validate: a study id export cbioportal refuses",
    "flagged",
    _said("meta.study_id_not_cbioportal"),
)
def _validate_bad_id(ctx: Ctx) -> Run:
    study = _other_study(ctx, "brca_tcga_pub2015", "BRCA-TCGA.copy")
    return Run(["validate", str(study)])


class _Dripping(http.server.BaseHTTPRequestHandler):
    """Headers at once, then one byte every 0.5 s: only an overall deadline ends it."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        try:
            for _ in range(100_000):
                self.wfile.write(b"\x1f")
                self.wfile.flush()
                time.sleep(0.5)
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


@case("fetch: a download dripping a byte every 0.5 s", "error", fast=True)
def _fetch_drip(ctx: Ctx) -> Run:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Dripping)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    env = {
        "HER2SCOPE_DATAHUB_URL": url,
        "HER2SCOPE_DOWNLOAD_DEADLINE": "3",
        "HER2SCOPE_STUDIES": "",
    }
    return Run(["fetch", "no_such_local_study"], env=env)


@case("study/maf: an I/O error (EIO) while reading", "error")
def _maf_eio(ctx: Ctx) -> Run:
    study = ctx.study()
    (study / MAF).unlink()
    (study / MAF).symlink_to("/proc/self/mem")  # a read at offset 0 fails with EIO
    return ctx.analyze(study)


@case("classify: an I/O error (EIO) while reading", "error")
def _table_eio(ctx: Ctx) -> Run:
    return Run(["classify", "/proc/self/mem"])


@case("report: patient file with profile asco-cap-2032", "error")
def _patient_profile(ctx: Ctx) -> Run:
    path = ctx.table(
        "p.yaml",
        "id: P1\ner_status: positive\nher2: {category: HER2-low}\nprofile: asco-cap-2032\n",
    )
    return Run(["report", str(path)])


@case(
    "report: Markdown markup in a patient id",
    "correct",
    lambda r, c: (
        "correct"
        if r.stdout.startswith("# Patient report: P\\&lt;img src=x\\&gt;\\[a\\](javascript")
        else "silent"
    ),
)
def _patient_markdown(ctx: Ctx) -> Run:
    # an entity in an id would be shown as '<img src=x>', not as the id written
    path = ctx.table(
        "p.yaml",
        'id: "P&lt;img src=x&gt;[a](javascript:b)"\ner_status: positive\nher2: {ihc: "1+"}\n',
    )
    return Run(["report", str(path)])


def _parquet_written(result: Result, ctx: Ctx) -> str:
    path = ctx.tmp / "calls.parquet"
    data = path.read_bytes() if path.is_file() else b""
    return "correct" if data[:4] == b"PAR1" and data[-4:] == b"PAR1" else "silent"


@case("classify: --out x.parquet writes Parquet", "correct", _parquet_written)
def _classify_parquet(ctx: Ctx) -> Run:
    path = ctx.table("t.tsv", TABLE + GOOD_ROWS)
    return Run(["classify", str(path), "--out", str(ctx.tmp / "calls.parquet")])


# --------------------------------------------------------------------------- tests


def _selected() -> list[Case]:
    if os.environ.get("HER2SCOPE_FUZZ", "").lower() == "all":
        return CASES
    return [c for c in CASES if c.fast]


def run_case(c: Case, tmp: Path) -> tuple[str, Result]:
    ctx = Ctx(tmp)
    run = c.build(ctx)
    result = run_cli(run, tmp)
    if run.out is not None and result.returncode != 0 and run.out.is_dir():
        # no half-written file under a final name
        partial = [p.name for p in run.out.iterdir() if p.name.endswith(".part")]
        if partial:
            return "silent", result
    return classify_outcome(result, c.judge, ctx), result


def test_case_names_unique_and_enough() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) >= 100
    assert all(c.expect in GOOD for c in CASES)
    assert sum(c.fast for c in CASES) <= 30


@pytest.mark.parametrize("fuzz_case", _selected(), ids=lambda c: re.sub(r"\W+", "-", c.name))
def test_fuzz(fuzz_case: Case, tmp_path: Path) -> None:
    outcome, result = run_case(fuzz_case, tmp_path)
    detail = f"rc={result.returncode} rss={result.max_rss >> 20} MB\n{result.stderr[-2000:]}"
    assert outcome not in BAD, f"{fuzz_case.name}: {outcome}\n{detail}"
    assert outcome == fuzz_case.expect, f"{fuzz_case.name}: {outcome}\n{detail}"
