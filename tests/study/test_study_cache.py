"""The parsed-study cache (her2scope.study.cache) behind load_study."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest

from her2scope.errors import Her2scopeError
from her2scope.study import cache as parsed_cache
from her2scope.study import load_study
from her2scope.study import loader as loader_mod
from her2scope.study.model import Study
from study_factory import DEFAULT_MAF_ROWS, DEFAULT_PANELS, maf_row, make_study

HOUR_AGO = time.time() - 3600


@pytest.fixture
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("HER2SCOPE_CACHE", str(root))
    monkeypatch.delenv("HER2SCOPE_PARSED_CACHE", raising=False)
    monkeypatch.delenv("HER2SCOPE_PANELS", raising=False)
    return root


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Records every real parse of a study folder (a cache hit does not parse)."""
    calls: list[Path] = []
    real = loader_mod._parse

    def counting(folder: Path, *args: object, **kwargs: object) -> Study:
        calls.append(folder)
        return real(folder, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loader_mod, "_parse", counting)
    yield calls


def age(*roots: Path, when: float = HOUR_AGO) -> None:
    """Give every file under ``roots`` an old mtime (fresh files are not cached: racy)."""
    for root in roots:
        for path in [root, *root.rglob("*")]:
            os.utime(path, (when, when))


def entries(cache_root: Path) -> list[Path]:
    parsed = cache_root / "parsed"
    if not parsed.is_dir():
        return []
    return sorted(p for p in parsed.iterdir() if not p.name.startswith("."))


def leftovers(cache_root: Path) -> list[Path]:
    parsed = cache_root / "parsed"
    return sorted(p for p in parsed.iterdir() if p.name.startswith(".")) if parsed.is_dir() else []


def from_cache(study: Study) -> bool:
    return bool(study.audit.by_code(parsed_cache.CACHE_AUDIT_CODE))


def assert_same_study(fresh: Study, cached: Study, *, served: bool = True) -> None:
    """Equal field by field; the cached audit ends with exactly one cache entry
    (``served=False``: both parsed, audits equal)."""
    assert not from_cache(fresh)
    for field in dataclasses.fields(Study):
        a, b = getattr(fresh, field.name), getattr(cached, field.name)
        if isinstance(a, pl.DataFrame):
            assert isinstance(b, pl.DataFrame)
            # equals() alone ignores dtypes (Int64 1 equals Float64 1.0)
            assert list(a.schema.items()) == list(b.schema.items()), field.name
            assert a.equals(b), field.name
        elif field.name == "audit" and not served:
            assert b.entries == a.entries
        elif field.name == "audit":
            assert b.entries[:-1] == a.entries
            last = b.entries[-1]
            assert (last.level, last.code) == ("info", parsed_cache.CACHE_AUDIT_CODE)
            assert last.file is not None and Path(last.file).is_dir()
            assert last.file in last.message
        else:
            assert a == b, field.name
            assert type(a) is type(b), field.name
    assert all(type(ids) is list for ids in cached.case_lists.values())


def rich_study(root: Path) -> Path:
    """A study whose audit has warnings and paths: panels beside it, one panel
    without a gene list, SV file, a sample absent from the clinical file, gzip,
    and case lists that repeat each other or are empty."""
    maf = [*DEFAULT_MAF_ROWS, maf_row("S9", "TP53", hgvsp="p.R175H")]
    sv = [
        {"Sample_Id": "S1", "Site1_Hugo_Symbol": "ESR1", "Site2_Hugo_Symbol": "CCDC170",
         "SV_Status": "SOMATIC", "Event_Info": "ESR1-CCDC170 fusion"},
    ]  # fmt: skip
    matrix = {
        "S1": {"mutations": "PANEL_A", "cna": "PANEL_A"},
        "S2": {"mutations": "PANEL_B", "cna": "PANEL_B"},
        "S3": {"mutations": "PANEL_C", "cna": "PANEL_C"},
        "S4": {"mutations": "PANEL_A", "cna": "NA"},
    }
    folder = make_study(
        root, maf_rows=maf, fusions=None, sv=sv, panel_matrix=matrix, panels_in="sibling",
        gzip_data=True,
    )  # fmt: skip
    cases = folder / "case_lists"
    text = (cases / "cases_all.txt").read_text()
    (cases / "cases_copy.txt").write_text(text.replace("tiny_study_all", "tiny_study_copy"))
    (cases / "cases_empty.txt").write_text(
        "cancer_study_identifier: tiny_study\nstable_id: tiny_study_empty\ncase_list_ids: \n"
    )
    (cases / "cases_twice.txt").write_text(
        "cancer_study_identifier: tiny_study\nstable_id: tiny_study_twice\n"
        "case_list_ids: S2\tS1\tS2\n"
    )
    age(root)
    return folder


@pytest.mark.parametrize("kind", ["default", "rich"])
def test_second_load_is_served_from_cache_and_equal(
    kind: str, tmp_path: Path, cache_root: Path, parses: list[Path]
) -> None:
    folder = make_study(tmp_path) if kind == "default" else rich_study(tmp_path)
    age(tmp_path)
    first = load_study(folder)
    assert not from_cache(first)
    assert len(parses) == 1
    [entry] = entries(cache_root)
    assert entry.name.startswith("tiny_study-")
    assert leftovers(cache_root) == []

    second = load_study(folder)
    assert len(parses) == 1  # not parsed again
    assert from_cache(second)
    assert second.audit.entries[-1].file == str(entry)
    assert_same_study(first, second)
    assert_same_study(load_study(folder, cache=False), load_study(folder))
    if kind == "rich":  # the richer study does exercise what it is meant to
        assert first.panels_without_genes == ("PANEL_C",)
        assert first.audit.warnings
        assert first.case_lists["tiny_study_empty"] == []
        assert first.case_lists["tiny_study_twice"] == ["S2", "S1", "S2"]
        assert first.sv.height > 0


def test_panel_folders_named_in_the_audit_are_part_of_the_key(
    tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two empty panel folders give the same tables but name different folders."""
    folder = rich_study(tmp_path)
    empty_a, empty_b = tmp_path / "empty_a", tmp_path / "empty_b"
    empty_a.mkdir()
    empty_b.mkdir()
    age(tmp_path)

    def searched(study: Study) -> str:
        return " ".join(e.message for e in study.audit.by_code("panel.genes_missing"))

    monkeypatch.setenv("HER2SCOPE_PANELS", str(empty_a))
    assert str(empty_a) in searched(load_study(folder))
    assert from_cache(load_study(folder))
    monkeypatch.setenv("HER2SCOPE_PANELS", str(empty_b))
    by_b = load_study(folder)
    assert not from_cache(by_b)
    assert str(empty_b) in searched(by_b) and str(empty_a) not in searched(by_b)


def test_hit_survives_without_the_parser(
    tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_study(tmp_path)
    age(tmp_path)
    first = load_study(folder)

    def no_parse(*args: object, **kwargs: object) -> Study:
        raise AssertionError("parsed although cached")

    monkeypatch.setattr(loader_mod, "_parse", no_parse)
    assert_same_study(first, load_study(folder))
    # the same folder named by a relative path is another entry (audit names paths as given)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AssertionError, match="parsed although cached"):
        load_study(Path("tiny_study"))


def test_modified_data_file_invalidates(tmp_path: Path, cache_root: Path) -> None:
    folder = make_study(tmp_path)
    age(tmp_path)
    load_study(folder)
    maf = folder / "data_mutations.txt"
    text = maf.read_text()
    # same size, new content, new (still old enough) mtime
    assert "p.H1047R" in text
    maf.write_text(text.replace("p.H1047R", "p.H1047L"))
    os.utime(maf, (HOUR_AGO + 10, HOUR_AGO + 10))
    changed = load_study(folder)
    assert not from_cache(changed)
    assert "H1047L" in changed.mutations["protein_change"].to_list()
    assert "H1047R" not in changed.mutations["protein_change"].to_list()
    again = load_study(folder)
    assert from_cache(again) and "H1047L" in again.mutations["protein_change"].to_list()

    # fewer rows: size changes too
    maf.write_text("\n".join(text.splitlines()[:-2]) + "\n")
    os.utime(maf, (HOUR_AGO + 20, HOUR_AGO + 20))
    shorter = load_study(folder)
    assert not from_cache(shorter)
    assert shorter.mutations.height == len(DEFAULT_MAF_ROWS) - 2


def test_touch_and_new_case_list_invalidate(tmp_path: Path, cache_root: Path) -> None:
    folder = make_study(tmp_path)
    age(tmp_path)
    first = load_study(folder)
    assert from_cache(load_study(folder))

    # mtime only: not served (content unknown), result the same
    clinical = folder / "data_clinical_sample.txt"
    os.utime(clinical, (HOUR_AGO + 5, HOUR_AGO + 5))
    touched = load_study(folder)
    assert not from_cache(touched)
    assert_same_study(first, load_study(folder))

    # a file added under case_lists/
    new_list = folder / "case_lists" / "cases_one.txt"
    new_list.write_text(
        "cancer_study_identifier: tiny_study\nstable_id: tiny_study_one\ncase_list_ids: S3\n"
    )
    age(new_list)
    with_list = load_study(folder)
    assert not from_cache(with_list)
    assert with_list.case_lists["tiny_study_one"] == ["S3"]


def test_panels_dir_and_panel_files_invalidate(
    tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_study(tmp_path / "root", panels_in="sibling")
    other = tmp_path / "other_panels"
    shutil.copytree(tmp_path / "root" / "gene_panels", other)
    panel_a = other / "data_gene_panel_panel_a.txt"
    panel_a.write_text(panel_a.read_text().replace("\tESR1", "\tESR1\tKRAS"))
    age(tmp_path)

    def genes(study: Study, panel: str = "PANEL_A") -> set[str]:
        return set(study.panel_genes.filter(pl.col("panel_id") == panel)["hugo_symbol"])

    sibling = load_study(folder)
    assert genes(sibling) == set(DEFAULT_PANELS["PANEL_A"])
    from_other = load_study(folder, panels_dir=other)
    assert not from_cache(from_other)
    assert genes(from_other) == {*DEFAULT_PANELS["PANEL_A"], "KRAS"}
    # both entries kept: switching back is served, each with its own panels
    back = load_study(folder)
    assert from_cache(back) and genes(back) == set(DEFAULT_PANELS["PANEL_A"])
    other_again = load_study(folder, panels_dir=other)
    assert from_cache(other_again) and "KRAS" in genes(other_again)
    assert len(entries(cache_root)) == 2

    # a panel file outside the study folder changed
    sibling_a = tmp_path / "root" / "gene_panels" / "data_gene_panel_panel_a.txt"
    sibling_a.write_text(sibling_a.read_text().replace("\tGATA3", ""))
    os.utime(sibling_a, (HOUR_AGO + 7, HOUR_AGO + 7))
    edited = load_study(folder)
    assert not from_cache(edited)
    assert genes(edited) == set(DEFAULT_PANELS["PANEL_A"]) - {"GATA3"}
    assert from_cache(load_study(folder))

    # the panel folder given by $HER2SCOPE_PANELS is part of the key too
    monkeypatch.setenv("HER2SCOPE_PANELS", str(other))
    by_env = load_study(folder)
    assert not from_cache(by_env) and "KRAS" in genes(by_env)


def _truncate(entry: Path) -> None:
    path = entry / "mutations.parquet"
    path.write_bytes(path.read_bytes()[:-40])


def _flip_bytes(entry: Path) -> None:  # same size: only the checksum can tell
    path = entry / "samples.parquet"
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    path.write_bytes(bytes(data))


def _edit_value(entry: Path) -> None:  # still valid Parquet: "Metastasis" -> "Metastasix"
    path = entry / "samples.parquet"
    data = path.read_bytes()
    assert data.count(b"Metastasis") == 1
    path.write_bytes(data.replace(b"Metastasis", b"Metastasix"))


def _bad_manifest(entry: Path) -> None:
    (entry / "manifest.json").write_text("{not json")


def _missing_file(entry: Path) -> None:
    (entry / "case_lists.parquet").unlink()


def _wrong_schema(entry: Path) -> None:  # a valid Parquet file with other dtypes
    path = entry / "cna.parquet"
    pl.read_parquet(path).with_columns(pl.col("cna").cast(pl.Float64)).write_parquet(path)
    manifest = json.loads((entry / "manifest.json").read_text())
    data = path.read_bytes()
    manifest["frames"]["cna"].update(size=len(data), crc32=zlib.crc32(data))
    (entry / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "corrupt",
    [_truncate, _flip_bytes, _edit_value, _bad_manifest, _missing_file, _wrong_schema],
)
def test_corrupt_entry_is_rebuilt(
    corrupt: Callable[[Path], None], tmp_path: Path, cache_root: Path, parses: list[Path]
) -> None:
    folder = make_study(tmp_path)
    age(tmp_path)
    first = load_study(folder)
    [entry] = entries(cache_root)
    corrupt(entry)
    rebuilt = load_study(folder)
    assert len(parses) == 2  # parsed again, silently
    assert not from_cache(rebuilt)
    assert_same_study(first, rebuilt, served=False)
    # and the entry was written again, whole
    assert entries(cache_root) == [entry]
    served = load_study(folder)
    assert from_cache(served) and len(parses) == 2
    assert_same_study(first, served)
    assert leftovers(cache_root) == []


def test_unwritable_cache_root_still_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parses: list[Path]
) -> None:
    folder = make_study(tmp_path)
    age(tmp_path)
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("a file where the cache root's parent should be")
    monkeypatch.setenv("HER2SCOPE_CACHE", str(blocker / "cache"))
    monkeypatch.delenv("HER2SCOPE_PARSED_CACHE", raising=False)
    first = load_study(folder)
    second = load_study(folder)
    assert not from_cache(first) and not from_cache(second)
    assert len(parses) == 2
    assert first.samples.equals(second.samples)
    assert blocker.read_text().startswith("a file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_cache_root_still_loads(tmp_path: Path, cache_root: Path) -> None:
    folder = make_study(tmp_path)
    age(tmp_path)
    cache_root.mkdir()
    cache_root.chmod(0o500)
    try:
        study = load_study(folder)
        assert study.samples.height == 4 and not from_cache(study)
        assert not (cache_root / "parsed").exists()
    finally:
        cache_root.chmod(0o700)


def test_full_disk_leaves_nothing(
    tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_study(tmp_path)
    age(tmp_path)
    written: list[str] = []

    def full(self: Path, data: bytes) -> int:
        written.append(self.name)
        if len(written) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    real_write = Path.write_bytes
    with monkeypatch.context() as patched:
        patched.setattr(Path, "write_bytes", full)
        study = load_study(folder)
    assert len(written) == 3  # the write was attempted and failed
    assert study.samples.height == 4 and not from_cache(study)
    assert entries(cache_root) == [] and leftovers(cache_root) == []


def test_disabled_by_argument_and_environment(
    tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch, parses: list[Path]
) -> None:
    folder = make_study(tmp_path)
    age(tmp_path)
    load_study(folder, cache=False)
    assert entries(cache_root) == []
    for value in ("0", "off", "FALSE", "no"):
        monkeypatch.setenv("HER2SCOPE_PARSED_CACHE", value)
        load_study(folder)
        assert entries(cache_root) == []
    assert len(parses) == 5
    # cache=True wins over the environment; then an existing entry is not used when off
    assert not from_cache(load_study(folder, cache=True))
    assert len(entries(cache_root)) == 1
    assert not from_cache(load_study(folder))
    assert not from_cache(load_study(folder, cache=False))
    monkeypatch.setenv("HER2SCOPE_PARSED_CACHE", "1")
    assert from_cache(load_study(folder))
    assert len(parses) == 8


def test_record_mode_never_uses_the_cache(
    tmp_path: Path, cache_root: Path, parses: list[Path]
) -> None:
    folder = make_study(tmp_path)
    age(tmp_path)
    recorded = load_study(folder, on_error="record")
    assert entries(cache_root) == []  # not written by a validate-style load
    load_study(folder)
    assert len(entries(cache_root)) == 1
    again = load_study(folder, on_error="record", cache=True)
    assert not from_cache(again)
    assert len(parses) == 3
    assert again.audit.entries == recorded.audit.entries


def test_load_with_errors_is_not_cached(tmp_path: Path, cache_root: Path) -> None:
    folder = make_study(tmp_path)
    (folder / "meta_extra.txt").write_text("genetic_alteration_type: MRNA_EXPRESSION\n")
    age(tmp_path)
    recorded = load_study(folder, on_error="record")
    assert not recorded.audit.ok
    with pytest.raises(Her2scopeError, match="names no data file"):
        load_study(folder)
    assert entries(cache_root) == []


def test_recently_modified_files_are_not_stored(tmp_path: Path, cache_root: Path) -> None:
    folder = make_study(tmp_path)  # just written: a same-tick rewrite would keep the key
    load_study(folder)
    assert entries(cache_root) == []
    age(tmp_path)
    load_study(folder)
    assert len(entries(cache_root)) == 1


@pytest.mark.parametrize("study_id", ["../../escaped", "/abs/olute", ".hidden"])
def test_study_id_cannot_escape_the_cache(study_id: str, tmp_path: Path, cache_root: Path) -> None:
    folder = make_study(tmp_path / "s", study_id="odd")
    meta = folder / "meta_study.txt"
    meta.write_text(meta.read_text().replace("identifier: odd", f"identifier: {study_id}"))
    age(tmp_path)
    assert load_study(folder).study_id == study_id
    [entry] = entries(cache_root)
    assert entry.parent == cache_root / "parsed"
    served = load_study(folder)
    assert from_cache(served) and served.study_id == study_id
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "s"]


def test_file_changed_while_parsing_is_not_stored(
    tmp_path: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_study(tmp_path)
    age(tmp_path)
    real = loader_mod._parse

    def parse_then_edit(*args: object, **kwargs: object) -> Study:
        study = real(*args, **kwargs)  # type: ignore[arg-type]
        os.utime(folder / "data_cna.txt", (HOUR_AGO + 60, HOUR_AGO + 60))
        return study

    monkeypatch.setattr(loader_mod, "_parse", parse_then_edit)
    load_study(folder)
    assert entries(cache_root) == []


def test_few_entries_per_folder(tmp_path: Path, cache_root: Path) -> None:
    folder = make_study(tmp_path / "a", panels_in="sibling")
    other_study = make_study(tmp_path / "b")
    dirs = []
    for i in range(3):
        d = tmp_path / f"panels{i}"
        shutil.copytree(tmp_path / "a" / "gene_panels", d)
        dirs.append(d)
    age(tmp_path)
    load_study(other_study)
    for d in dirs:
        load_study(folder, panels_dir=d)
        time.sleep(0.01)  # distinct last-use times
    kept = entries(cache_root)
    assert len(kept) == parsed_cache.ENTRIES_PER_FOLDER + 1  # + the other study's
    # the two most recent panel folders are still served, the oldest is not
    assert from_cache(load_study(folder, panels_dir=dirs[2]))
    assert from_cache(load_study(folder, panels_dir=dirs[1]))
    assert from_cache(load_study(other_study))
    assert not from_cache(load_study(folder, panels_dir=dirs[0]))
    assert leftovers(cache_root) == []


def test_entries_of_removed_study_folders_go(tmp_path: Path, cache_root: Path) -> None:
    gone = make_study(tmp_path / "gone")
    kept = make_study(tmp_path / "kept")
    age(tmp_path)
    load_study(gone)
    [gone_entry] = entries(cache_root)
    shutil.rmtree(gone)
    load_study(kept)
    [kept_entry] = entries(cache_root)
    assert kept_entry != gone_entry and not gone_entry.exists()


def test_entry_permissions_follow_the_umask(tmp_path: Path, cache_root: Path) -> None:
    folder = make_study(tmp_path)
    age(tmp_path)
    old = os.umask(0o022)
    try:
        load_study(folder)
    finally:
        os.umask(old)
    [entry] = entries(cache_root)
    assert entry.stat().st_mode & 0o777 == 0o755  # readable by a group sharing the cache


def test_clear_removes_entries(tmp_path: Path, cache_root: Path) -> None:
    folder = make_study(tmp_path)
    age(tmp_path)
    load_study(folder)
    assert parsed_cache.clear() == 1
    assert entries(cache_root) == []
    assert not from_cache(load_study(folder))


@pytest.mark.study
def test_shared_study_from_cache_equals_parsed(shared_study_dir: Path, cache_root: Path) -> None:
    fresh = load_study(shared_study_dir, cache=False)
    load_study(shared_study_dir)
    cached = load_study(shared_study_dir)
    assert from_cache(cached)
    assert_same_study(fresh, cached)
    assert fresh.mutations.height > 1000 and fresh.samples.height > 1000


def test_the_key_covers_the_reader_package() -> None:
    # the readers live in study/readers/ (a sub-package): a change to them must
    # invalidate every entry, as a change to study/*.py does
    from her2scope.study import cache as cache_module

    names = {p.relative_to(p.parents[1]).as_posix() for p in cache_module._code_sources()}
    assert {"readers/spec.py", "readers/maf.py", "readers/cna.py", "study/loader.py"} <= names
