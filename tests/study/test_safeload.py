"""The safe loader for untrusted YAML/JSON: every bad input is a one-line SchemaError."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from her2scope import safeload
from her2scope.errors import SchemaError
from her2scope.safeload import Document, load_document

LOADERS = [safeload._SafeLoader]
if hasattr(safeload, "_FastSafeLoader"):
    LOADERS.append(safeload._FastSafeLoader)


@pytest.fixture(params=LOADERS, ids=lambda cls: cls.__name__)
def yaml_loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Run a YAML test with the pure-Python parser and with libyaml's."""
    monkeypatch.setattr(safeload, "_LOADER", request.param)
    yield request.param


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def refuse(path: Path, **limits: int) -> SchemaError:
    with pytest.raises(SchemaError) as info:
        load_document(path, **limits)
    err = info.value
    assert err.file == str(path)
    assert "\n" not in str(err)
    return err


PATIENT_YAML = """\
patient_id: P-001
no: 1
on: x
er_positive: no
her2:
  ihc: "1+"
  ish_ratio: 1.4
diagnosed: 2021-03-04
alterations:
  - gene: ESR1
    protein: Y537S
  - gene: PIK3CA
    protein: H1047R
12: twelve
"""


# --- good documents -------------------------------------------------------------------


def test_yaml_patient_data_and_lines(tmp_path: Path, yaml_loader: Any) -> None:
    doc = load_document(write(tmp_path, "patient.yaml", PATIENT_YAML))
    assert isinstance(doc, Document)
    assert doc.path == tmp_path / "patient.yaml"
    data = doc.data
    # YAML 1.1 booleans stay strings as keys, but not as values
    assert data["no"] == 1 and data["on"] == "x" and False not in data and True not in data
    assert data["er_positive"] is False
    assert data["diagnosed"] == dt.date(2021, 3, 4) and type(data["diagnosed"]) is dt.date
    assert data["her2"] == {"ihc": "1+", "ish_ratio": 1.4}
    assert data["alterations"][1] == {"gene": "PIK3CA", "protein": "H1047R"}
    assert doc.line_of(()) == 1
    assert doc.line_of(("her2", "ish_ratio")) == 7
    assert doc.line_of(("alterations", 1, "protein")) == 13
    assert doc.line_of(("alterations", 1)) == 12
    # the deepest node that exists: alterations[5] is missing -> the list's line
    assert doc.line_of(("alterations", 5, "gene")) == 10
    assert doc.line_of(("missing",)) == 1
    # pydantic reports the int key 12 as the string "12"
    assert doc.line_of(("12",)) == 14


def test_yaml_bom_empty_and_plain_value_quirks(tmp_path: Path, yaml_loader: Any) -> None:
    doc = load_document(write(tmp_path, "bom.yaml", b"\xef\xbb\xbfa: 1\n"))
    assert doc.data == {"a": 1}
    empty = load_document(write(tmp_path, "empty.yaml", b"# nothing\n"))
    assert empty.data is None and empty.line_of(("a",)) is None
    # bare SafeLoader cannot construct '=' or '<<' values at all
    odd = load_document(write(tmp_path, "odd.yaml", "a: =\nb: <<\nc: !!str 12\n"))
    assert odd.data == {"a": "=", "b": "<<", "c": "12"}


def test_json_data_lines_and_bom(tmp_path: Path) -> None:
    text = (
        '{\n  "patient_id": "P-1",\n  "alterations": [\n'
        '    {"gene": "ESR1"},\n    {"gene":\n "KRAS"}\n  ]\n}\n'
    )
    doc = load_document(write(tmp_path, "p.json", b"\xef\xbb\xbf" + text.encode()))
    assert doc.data == {"patient_id": "P-1", "alterations": [{"gene": "ESR1"}, {"gene": "KRAS"}]}
    assert doc.line_of(("patient_id",)) == 2
    assert doc.line_of(("alterations", 0, "gene")) == 4
    assert doc.line_of(("alterations", 1, "gene")) == 6  # the value's line
    assert doc.line_of(("alterations", 1)) == 5
    assert doc.line_of(("alterations", 9)) == 3
    assert load_document(write(tmp_path, "n.json", " 1.5 ")).data == 1.5


def test_suffix_chooses_the_parser(tmp_path: Path) -> None:
    # valid YAML, invalid JSON: the .json suffix must select the strict parser
    assert load_document(write(tmp_path, "a.yaml", "a: 1\n")).data == {"a": 1}
    err = refuse(write(tmp_path, "a.json", "a: 1\n"))
    assert "JSON syntax error" in err.message


# --- what is not a regular file -------------------------------------------------------


def test_directory_is_refused(tmp_path: Path) -> None:
    err = refuse(tmp_path)
    assert "not a regular file" in err.message and "directory" in err.message


def _load_in_thread(path: Path) -> BaseException | None:
    """Run load_document in a daemon thread; fail if it blocks."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            load_document(path)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=2)
    assert outcome, f"load_document({path}) blocked"
    return outcome[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "patient.yaml"
    os.mkfifo(fifo)
    exc = _load_in_thread(fifo)
    assert isinstance(exc, SchemaError)
    assert "not a regular file" in exc.message and "FIFO" in exc.message


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_endless_device_is_refused(tmp_path: Path) -> None:
    exc = _load_in_thread(Path("/dev/zero"))
    assert isinstance(exc, SchemaError) and "not a regular file" in exc.message
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    exc = _load_in_thread(link)
    assert isinstance(exc, SchemaError) and "not a regular file" in exc.message


def test_missing_file(tmp_path: Path) -> None:
    assert refuse(tmp_path / "nope.yaml").message == "file not found"


def test_size_limit_named(tmp_path: Path) -> None:
    path = write(tmp_path, "big.yaml", "a: " + "x" * 200 + "\n")
    err = refuse(path, max_bytes=100)
    assert "100 bytes" in err.message
    assert load_document(path, max_bytes=204).data == {"a": "x" * 200}


def test_reads_at_most_max_bytes_plus_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file larger than its stat says (a growing file, /proc) is never read whole."""
    path = write(tmp_path, "grows.yaml", "a: " + "x" * 100_000 + "\n")
    real_stat, real_read = os.stat, os.read
    requested: list[int] = []

    def small_stat(p: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        st = real_stat(p, *args, **kwargs)
        if Path(p) != path:
            return st
        fields = list(st)
        fields[6] = 10  # st_size
        return os.stat_result(fields)

    def counting_read(fd: int, n: int) -> bytes:
        requested.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(os, "stat", small_stat)
    monkeypatch.setattr(os, "read", counting_read)
    err = refuse(path, max_bytes=1000)
    assert "1,000 bytes" in err.message
    assert sum(requested) <= 1001


# --- encodings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-16", "UTF-16"),  # with BOM
        ("utf-16-le", "UTF-16"),  # NUL pattern, no BOM
        ("utf-16-be", "UTF-16"),
        ("utf-32", "UTF-32"),
        ("utf-32-le", "UTF-32"),
        ("utf-32-be", "UTF-32"),
    ],
)
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_wide_encodings_refused(tmp_path: Path, encoding: str, name: str, suffix: str) -> None:
    path = write(tmp_path, "p" + suffix, '{"patient_id": "P-1", "gene": "ESR1"}\n'.encode(encoding))
    assert refuse(path).message == f"file is {name}; save it as UTF-8"


def test_latin1_names_line_and_byte_offset(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "patient_id: P1\nsite: Hôpital\n".encode("latin-1"))
    err = refuse(path)
    assert err.line == 2
    assert "not valid UTF-8" in err.message
    # "patient_id: P1\n" is 15 bytes, "site: H" 7 more: the bad byte is at 22
    assert "byte 0xF4 at byte offset 22" in err.message and "byte 8 of the line" in err.message


def test_binary_file(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06"
    err = refuse(write(tmp_path, "scan.yaml", png))
    assert err.message.startswith("binary file")


# --- JSON -----------------------------------------------------------------------------


def test_json_syntax_error_line_and_column(tmp_path: Path) -> None:
    err = refuse(write(tmp_path, "p.json", '{\n  "a": 1,\n  "b": }\n'))
    assert err.line == 3
    assert err.message == "JSON syntax error (column 8): Expecting value"
    assert refuse(write(tmp_path, "e.json", "")).line == 1
    assert "Extra data" in refuse(write(tmp_path, "x.json", "{} {}")).message


def test_json_duplicate_key(tmp_path: Path) -> None:
    err = refuse(write(tmp_path, "p.json", '{"gene": "ESR1",\n\n "gene": "KRAS"}'))
    assert err.message == "duplicate key 'gene' (line 3, first at line 1)"
    assert err.line == 3
    nested = refuse(write(tmp_path, "n.json", '{"a": [{"x": 1}, {"x": 1,\n"x": 2}]}'))
    assert nested.message == "duplicate key 'x' (line 2, first at line 1)"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_json_non_finite_constants(tmp_path: Path, literal: str) -> None:
    err = refuse(write(tmp_path, "p.json", f'{{"ratio":\n {literal}}}'))
    assert err.message == f"{literal} is not allowed in JSON"
    assert err.line == 2


def test_json_overflowing_numbers(tmp_path: Path) -> None:
    assert "out of range" in refuse(write(tmp_path, "f.json", '{"a": 1e999}')).message
    assert "too long" in refuse(write(tmp_path, "i.json", "[" + "9" * 5000 + "]")).message


def test_json_depth_limit_is_clean(tmp_path: Path) -> None:
    path = write(tmp_path, "deep.json", "[" * 20_000 + "]" * 20_000)
    err = refuse(path)
    assert "nesting deeper than 50 levels" in err.message and err.line == 1
    ok = write(tmp_path, "ok.json", "[" * 50 + "]" * 50)
    assert load_document(ok).data is not None
    assert "nesting" in refuse(write(tmp_path, "d51.json", "[" * 51 + "]" * 51)).message
    # a caller's huge max_depth meets Python's recursion limit: still a SchemaError
    assert "nesting too deep" in refuse(path, max_depth=1_000_000).message


def test_json_node_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "wide.json", "[" + ",".join(["1"] * 1000) + "]")
    assert "more than 500 values" in refuse(path, max_nodes=500).message
    assert len(load_document(path, max_nodes=1001).data) == 1000


# --- YAML -----------------------------------------------------------------------------


def test_yaml_duplicate_key(tmp_path: Path, yaml_loader: Any) -> None:
    text = "patient_id: P1\nher2:\n  ihc: 1+\n  ish: 2.1\n  ihc: 2+\n"
    err = refuse(write(tmp_path, "p.yaml", text))
    assert err.message == "duplicate key 'ihc' (line 5, first at line 3)"
    assert err.line == 5


BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [
        f"{c}: &{c} [{','.join(['*' + p] * 9)}]"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
)


@pytest.mark.parametrize(
    "text", [BILLION_LAUGHS, "a: &x 1\n", "base: &b {x: 1}\nother:\n  <<: *b\n"]
)
def test_yaml_anchors_and_aliases_refused(tmp_path: Path, yaml_loader: Any, text: str) -> None:
    err = refuse(write(tmp_path, "p.yaml", text))
    assert err.message == "YAML anchors/aliases are not allowed"
    assert err.line == 1


@pytest.mark.parametrize(
    "text",
    [
        "[" * 20_000,
        "a: " + "[\n" * 20_000,
        "{a: " * 20_000,
        "".join("  " * i + "- \n" for i in range(300)),
        "".join("  " * i + f"k{i}:\n" for i in range(300)),
    ],
    ids=["flow-one-line", "flow-lines", "flow-maps", "block-lists", "block-maps"],
)
def test_yaml_depth_limit(tmp_path: Path, yaml_loader: Any, text: str) -> None:
    err = refuse(write(tmp_path, "deep.yaml", text))
    assert "nesting" in err.message
    assert err.line is not None


def test_yaml_depth_boundary(tmp_path: Path, yaml_loader: Any) -> None:
    assert load_document(write(tmp_path, "ok.yaml", "[" * 50 + "]" * 50)).data is not None
    err = refuse(write(tmp_path, "no.yaml", "[" * 51 + "]" * 51))
    assert "nesting deeper than 50 levels" in err.message


def test_yaml_node_limit(tmp_path: Path, yaml_loader: Any) -> None:
    path = write(tmp_path, "wide.yaml", "".join(f"- {i}\n" for i in range(1000)))
    err = refuse(path, max_nodes=500)
    assert "more than 500 values" in err.message and err.line == 500
    assert load_document(path, max_nodes=1001).data[-1] == 999


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("a: !!python/object/apply:os.system [echo hi]\n", "!!python/object/apply:os.system"),
        ("a: !!binary aGVsbG8=\n", "!!binary"),
        ("a: !!set {x, y}\n", "!!set"),
        ("a: !custom 1\n", "!custom"),
    ],
)
def test_yaml_tags_refused(tmp_path: Path, yaml_loader: Any, text: str, tag: str) -> None:
    err = refuse(write(tmp_path, "p.yaml", text))
    assert err.message == f"YAML tag {tag!r} is not allowed"
    assert err.line == 1


def test_yaml_syntax_errors(tmp_path: Path, yaml_loader: Any) -> None:
    err = refuse(write(tmp_path, "p.yaml", "patient_id: P1\nher2: [1+, 2\n"))
    assert err.message.startswith("YAML syntax error (column ")
    assert err.line in (2, 3)
    err = refuse(write(tmp_path, "q.yaml", "a: 1\n b: 2\n"))
    assert err.message.startswith("YAML syntax error (column ") and err.line == 2
    err = refuse(write(tmp_path, "r.yaml", "a: 1\n---\nb: 2\n"))
    assert "single document" in err.message and err.line == 2


def test_yaml_bad_values(tmp_path: Path, yaml_loader: Any) -> None:
    err = refuse(write(tmp_path, "p.yaml", "id: P1\ndiagnosed: 2021-13-45\n"))
    assert err.line == 2
    assert err.message.startswith("invalid !!timestamp value '2021-13-45'")
    err = refuse(write(tmp_path, "i.yaml", "n: " + "9" * 5000 + "\n"))
    assert err.message.startswith("invalid !!int value") and len(err.message) < 250


def test_yaml_keys_refused(tmp_path: Path, yaml_loader: Any) -> None:
    err = refuse(write(tmp_path, "m.yaml", "<<: {a: 1}\nb: 2\n"))
    assert err.message == "YAML merge keys (<<) are not allowed"
    err = refuse(write(tmp_path, "k.yaml", "a: 1\n? [x, y]\n: 2\n"))
    assert err.message == "a list or mapping cannot be a mapping key" and err.line == 2


def test_yaml_control_character(tmp_path: Path, yaml_loader: Any) -> None:
    err = refuse(write(tmp_path, "p.yaml", "a: 1\nb: x\x07y\n"))
    assert err.message == "control character U+0007 is not allowed in YAML"
    assert err.line == 2


# --- never slow, never a traceback ----------------------------------------------------

BAD_INPUTS: dict[str, bytes] = {
    "bomb.yaml": BILLION_LAUGHS.encode(),
    "deep.yaml": b"[" * 20_000,
    "deep-block.yaml": b"".join(b" " * i + b"- \n" for i in range(5000)),
    "deep.json": b"[" * 20_000,
    "deep-obj.json": b'{"a":' * 20_000,
    "dup.yaml": b"a: 1\na: 2\n",
    "dup.json": b'{"a": 1, "a": 2}',
    "tag.yaml": b"!!python/object/apply:os.system ['true']\n",
    "nan.json": b"[NaN]",
    "utf16.yaml": "a: 1\n".encode("utf-16"),
    "latin1.yaml": "a: caf\xe9\n".encode("latin-1"),
    "binary.yaml": bytes(range(256)) * 4,
    "syntax.yaml": b"a: [1,\n",
    "syntax.json": b'{"a": 1,',
    "wide.yaml": b"[" + b"0," * 150_000 + b"]",
    "wide.json": b"[" + b"0," * 150_000 + b"0]",
    "date.yaml": b"d: 2024-02-30\n",
    "huge-int.json": b"9" * 100_000,
    "long-line.yaml": b"a: " + b"x " * 400_000,
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_inputs_answered_quickly(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, BAD_INPUTS[name])
    start = time.perf_counter()
    with pytest.raises(SchemaError):
        load_document(path, max_nodes=100_000)
        if name == "long-line.yaml":  # a good document: refuse it by size instead
            load_document(path, max_bytes=100)
    assert time.perf_counter() - start < 10.0  # hang guard, not a speed test


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    content=st.one_of(
        st.binary(max_size=300),
        st.text(alphabet=st.sampled_from(list("[]{}:,-?&*!|>'\"#\n \t0aN.\\")), max_size=200).map(
            str.encode
        ),
    ),
    suffix=st.sampled_from([".yaml", ".json"]),
)
def test_any_bytes_load_or_schema_error(tmp_path: Path, content: bytes, suffix: str) -> None:
    path = tmp_path / f"random{suffix}"
    path.write_bytes(content)
    start = time.perf_counter()
    try:
        doc = load_document(path, max_bytes=250, max_depth=8, max_nodes=40)
    except SchemaError as err:
        assert err.file == str(path)
        assert "\n" not in str(err)
    else:
        assert doc.path == path
        doc.line_of(("a", 0, "b"))
    assert time.perf_counter() - start < 10.0  # hang guard
