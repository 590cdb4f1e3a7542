"""Load a user-supplied YAML or JSON document without trusting it.

Patient files and convention files come from users, so reading them must
never hang, exhaust memory, run code or end in a traceback. :func:`load_document`
reads one file and returns a :class:`Document`: the plain data (dicts, lists,
strings, numbers, booleans, ``None``; YAML dates stay :class:`datetime.date`)
plus :meth:`Document.line_of`, the 1-based line of a field path such as a
pydantic error location. Every refusal is a one-line
:class:`~her2scope.errors.SchemaError` naming the file and, where known, the line.

What is refused, and why:

- anything but a regular file (directory, FIFO, device such as ``/dev/zero``):
  checked with ``os.stat`` before opening, so a FIFO is never opened and an
  endless device never read;
- more than ``max_bytes`` bytes (at most ``max_bytes + 1`` bytes are ever read);
- UTF-16/UTF-32 text, invalid UTF-8 (the line and byte offset of the first
  bad byte are named) and binary content (NUL bytes); a UTF-8 BOM is accepted;
- nesting deeper than ``max_depth`` lists/mappings and more than ``max_nodes``
  values (keys included), checked while the document is built, so neither
  Python's recursion limit nor memory is ever reached;
- JSON (chosen by the ``.json`` suffix): syntax errors (line and column),
  duplicate keys, ``NaN``/``Infinity`` and numbers that overflow to infinity;
- YAML (everything else, read with a :class:`yaml.SafeLoader` subclass):
  syntax errors (line and column), duplicate keys, anchors and aliases (which
  rules out "billion laughs" alias bombs), merge keys (``<<``), tags other than
  ``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!timestamp``,
  ``!!map`` and ``!!seq``, lists or mappings used as keys, and values a tag
  cannot hold (``2024-13-45`` as a date).

YAML 1.1 pitfalls: a plain mapping *key* that YAML 1.1 reads as a boolean or
null (``no``, ``yes``, ``on``, ``off``, ``y``, ``n``, ``null``, ``~``) stays the
string it was written as, because a field named ``no`` is meant, never
``False``. *Values* are read as :class:`yaml.SafeLoader` reads them:
``answer: no`` is ``False``, ``0777`` is octal 511, ``1:30`` is 90
(sexagesimal), ``2024-01-05`` is a :class:`datetime.date`, ``.nan``/``.inf``
are floats; quote a value to keep it a string. A plain ``=`` or ``<<`` value
(which bare SafeLoader cannot construct) is the string it reads.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from bisect import bisect_left
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from json.decoder import (  # type: ignore[attr-defined]  # not in typeshed
    JSONArray,
    JSONDecodeError,
    JSONObject,
)
from json.scanner import py_make_scanner  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any, NoReturn, Protocol

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from her2scope.errors import SchemaError

__all__ = ["FAST_SAFE_LOADER", "Document", "load_document", "trusted_yaml"]

#: libyaml's C parser with SafeLoader's semantics when PyYAML was built with it
#: (about 9x faster on the packaged files), else the pure-Python SafeLoader
FAST_SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def trusted_yaml(text: str) -> Any:
    """``yaml.safe_load`` of a packaged or curator-written file, through :data:`FAST_SAFE_LOADER`.

    The same values as ``yaml.safe_load``; untrusted files (patients, user
    conventions) go through :func:`load_document` instead.
    """
    return yaml.load(text, Loader=FAST_SAFE_LOADER)


_YAML_TAG = "tag:yaml.org,2002:"
_STR, _BOOL, _NULL = _YAML_TAG + "str", _YAML_TAG + "bool", _YAML_TAG + "null"
_MERGE, _VALUE = _YAML_TAG + "merge", _YAML_TAG + "value"
#: explicit tags a document may carry; everything else (``!!python/...``,
#: ``!!binary``, ``!!set``, local ``!foo``) is refused
_ALLOWED_TAGS = frozenset(
    _YAML_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)


@dataclass(slots=True)
class _Pos:
    """Line of one value and, for a list or mapping, of its children."""

    line: int
    keys: dict[Hashable, _Pos] | None = None
    items: list[_Pos] | None = None


@dataclass(frozen=True)
class Document:
    """A loaded document: its plain ``data`` and the file it came from.

    ``line_of(loc)`` gives the 1-based line of the deepest value reachable
    along ``loc`` (a pydantic error location such as ``("alterations", 2, "gene")``),
    the line of the whole document when the first step is already missing, and
    ``None`` for an empty document.
    """

    data: Any
    path: Path
    _lines: _Pos | None = field(default=None, repr=False, compare=False)

    def line_of(self, loc: tuple[str | int, ...]) -> int | None:
        """1-based line of the deepest node along ``loc`` (like ``kb.load.node_line``)."""
        pos = self._lines
        if pos is None:
            return None
        best = pos.line
        for key in loc:
            nxt: _Pos | None = None
            if pos.keys is not None:
                nxt = pos.keys.get(key)
                if nxt is None and isinstance(key, str):
                    # pydantic reports a YAML key 12 or 2024-01-05 as the string "12"
                    nxt = next((p for k, p in pos.keys.items() if str(k) == key), None)
            elif pos.items is not None and isinstance(key, int) and not isinstance(key, bool):
                nxt = pos.items[key] if 0 <= key < len(pos.items) else None
            if nxt is None:
                break
            pos = nxt
            best = pos.line
        return best


def load_document(
    path: str | Path,
    *,
    max_bytes: int = 1_000_000,
    max_depth: int = 50,
    max_nodes: int = 100_000,
) -> Document:
    """Read one untrusted YAML or JSON file (JSON when the suffix is ``.json``).

    Returns a :class:`Document` with the plain data and a line map. Raises
    :class:`SchemaError` (file and line where known) for every problem listed
    in the module docstring; no other exception escapes for bad input.
    """
    p = Path(path)
    raw = _read_bounded(p, max_bytes)
    text = _decode(raw, str(p))
    if p.suffix.lower() == ".json":
        data, lines = _JsonReader(text, str(p), max_depth, max_nodes).load()
    else:
        data, lines = _load_yaml(text, str(p), max_depth, max_nodes)
    return Document(data=data, path=p, _lines=lines)


# --- bytes ----------------------------------------------------------------------------


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


def _too_large(file: str, max_bytes: int) -> SchemaError:
    return SchemaError(f"file is larger than the limit of {max_bytes:,} bytes", file=file)


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes of a regular file, refusing anything else."""
    file = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise SchemaError("file not found", file=file) from exc
    except OSError as exc:
        raise SchemaError(f"cannot read file: {exc.strerror or exc}", file=file) from exc
    if not stat.S_ISREG(st.st_mode):
        raise SchemaError(f"not a regular file ({_kind(st.st_mode)})", file=file)
    if st.st_size > max_bytes:
        raise _too_large(file, max_bytes)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        # O_NONBLOCK: should the path have become a FIFO since the stat, opening
        # it still returns at once, and the fstat below refuses it
        fd = os.open(path, flags)
    except OSError as exc:
        raise SchemaError(f"cannot read file: {exc.strerror or exc}", file=file) from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SchemaError(f"not a regular file ({_kind(st.st_mode)})", file=file)
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:
            chunk = os.read(fd, min(max_bytes + 1 - total, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise SchemaError(f"cannot read file: {exc.strerror or exc}", file=file) from exc
    finally:
        os.close(fd)
    if total > max_bytes:  # the file grew, or st_size lied (/proc)
        raise _too_large(file, max_bytes)
    return b"".join(chunks)


def _wide_encoding(sample: bytes) -> str | None:
    """ "UTF-16"/"UTF-32" when NUL bytes fall in the pattern of mostly-ASCII wide text."""
    n = len(sample) - len(sample) % 4
    if n < 4:
        return "UTF-16" if n == 2 and (sample[0] == 0) != (sample[1] == 0) else None
    zero = [0.0] * 4
    for k in range(4):
        lane = sample[k:n:4]
        zero[k] = lane.count(0) / len(lane)

    def pattern(zeros: tuple[int, ...]) -> bool:
        return all(zero[k] >= 0.5 if k in zeros else zero[k] <= 0.1 for k in range(4))

    if pattern((1, 2, 3)) or pattern((0, 1, 2)):
        return "UTF-32"
    if pattern((1, 3)) or pattern((0, 2)):
        return "UTF-16"
    return None


def _decode(raw: bytes, file: str) -> str:
    """UTF-8 text (BOM dropped) or a :class:`SchemaError` saying what the bytes are."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise SchemaError("file is UTF-32; save it as UTF-8", file=file)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SchemaError("file is UTF-16; save it as UTF-8", file=file)
    offset = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    nul = raw.find(b"\x00", offset)
    if nul >= 0:
        wide = _wide_encoding(raw[offset : offset + 4096])
        if wide is not None:
            raise SchemaError(f"file is {wide}; save it as UTF-8", file=file)
        line = raw.count(b"\n", 0, nul) + 1
        raise SchemaError(
            f"binary file (NUL byte at byte offset {nul}), expected YAML or JSON text",
            file=file,
            line=line,
        )
    try:
        return raw[offset:].decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = offset + exc.start
        line = raw.count(b"\n", 0, bad) + 1
        column = bad - (raw.rfind(b"\n", 0, bad) + 1) + 1
        raise SchemaError(
            f"not valid UTF-8: byte 0x{raw[bad]:02X} at byte offset {bad} (line {line}, "
            f"byte {column} of the line); save the file as UTF-8",
            file=file,
            line=line,
        ) from None


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _shorten(value: object, width: int = 40) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 3] + "..."


# --- JSON -----------------------------------------------------------------------------


class _Refusal(Exception):
    """Raised inside the JSON scanner; turned into a SchemaError at the top."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _skip_whitespace(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\n\r":
        index += 1
    return index


_ScanOnce = Callable[[str, int], tuple[Any, int]]


class _JsonReader:
    """json's own pure-Python scanner with hooks for lines, depth, size and duplicates.

    The C scanner gives no positions and recurses in C; the Python one lets the
    object/array parsers be wrapped, so depth is refused long before Python's
    recursion limit and every value's line is recorded.
    """

    def __init__(self, text: str, file: str, max_depth: int, max_nodes: int) -> None:
        self.text = text
        self.file = file
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.nodes = 0
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        #: children collected for each open container; [0] holds the document
        self.stack: list[list[_Pos]] = [[]]
        self.pending: _Pos | None = None
        decoder = json.JSONDecoder(
            object_pairs_hook=self._pairs,
            parse_float=self._float,
            parse_int=self._int,
            parse_constant=self._constant,
        )
        decoder.parse_object = self._parse_object  # type: ignore[attr-defined]
        decoder.parse_array = self._parse_array  # type: ignore[attr-defined]
        self.scan_once: _ScanOnce = py_make_scanner(decoder)

    def line_at(self, index: int) -> int:
        return bisect_left(self.newlines, index) + 1

    def load(self) -> tuple[Any, _Pos | None]:
        text = self.text
        try:
            start = _skip_whitespace(text, 0)
            try:
                data, end = self._wrap(self.scan_once)(text, start)
            except StopIteration as exc:
                raise JSONDecodeError("Expecting value", text, exc.value) from None
            end = _skip_whitespace(text, end)
            if end != len(text):
                raise JSONDecodeError("Extra data", text, end)
        except JSONDecodeError as exc:
            raise SchemaError(
                f"JSON syntax error (column {exc.colno}): {exc.msg}",
                file=self.file,
                line=exc.lineno,
            ) from None
        except _Refusal as exc:
            raise SchemaError(exc.message, file=self.file, line=exc.line) from None
        except RecursionError:
            raise SchemaError(
                "JSON nesting too deep for this reader; lower max_depth", file=self.file
            ) from None
        return data, self.stack[0][0]

    def _wrap(self, scan_once: _ScanOnce) -> _ScanOnce:
        def scan(text: str, index: int) -> tuple[Any, int]:
            self.pending = None
            try:
                value, end = scan_once(text, index)
            except _Refusal as exc:
                if exc.line is None:
                    exc.line = self.line_at(index)
                raise
            pos = self.pending if self.pending is not None else _Pos(self.line_at(index))
            self.pending = None
            self.stack[-1].append(pos)
            self.nodes += 1
            if self.nodes > self.max_nodes:
                raise _Refusal(
                    f"more than {self.max_nodes:,} values in the document (max_nodes)",
                    self.line_at(index),
                )
            return value, end

        return scan

    def _open(self, start: int) -> None:
        if len(self.stack) > self.max_depth:
            raise _Refusal(
                f"nesting deeper than {self.max_depth} levels (max_depth)", self.line_at(start)
            )
        self.stack.append([])

    def _parse_object(
        self,
        s_and_end: tuple[str, int],
        strict: bool,
        scan_once: _ScanOnce,
        object_hook: Any,
        object_pairs_hook: Any,
        memo: dict[str, str] | None = None,
    ) -> tuple[dict[str, Any], int]:
        start = s_and_end[1] - 1
        self._open(start)
        try:
            value, end = JSONObject(
                s_and_end, strict, self._wrap(scan_once), object_hook, object_pairs_hook, memo
            )
        finally:
            children = self.stack.pop()
        self.pending = _Pos(self.line_at(start), keys=dict(zip(value, children, strict=True)))
        return value, end

    def _parse_array(
        self, s_and_end: tuple[str, int], scan_once: _ScanOnce
    ) -> tuple[list[Any], int]:
        start = s_and_end[1] - 1
        self._open(start)
        try:
            value, end = JSONArray(s_and_end, self._wrap(scan_once))
        finally:
            children = self.stack.pop()
        self.pending = _Pos(self.line_at(start), items=children)
        return value, end

    def _pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        children = self.stack[-1]
        seen: dict[str, int] = {}
        for i, (key, _) in enumerate(pairs):
            if key in seen:
                line, first = children[i].line, children[seen[key]].line
                raise _Refusal(f"duplicate key {key!r} (line {line}, first at line {first})", line)
            seen[key] = i
        self.nodes += len(pairs)
        return dict(pairs)

    def _constant(self, name: str) -> float:
        raise _Refusal(f"{name} is not allowed in JSON")

    def _float(self, literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            raise _Refusal(f"number {_shorten(literal)} is out of range")
        return value

    def _int(self, literal: str) -> int:
        try:
            return int(literal)
        except ValueError:  # more digits than sys.get_int_max_str_digits()
            raise _Refusal(f"integer with {len(literal)} digits is too long") from None


# --- YAML -----------------------------------------------------------------------------


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_YAML_TAG) :] if tag.startswith(_YAML_TAG) else tag


class _Mark(Protocol):
    """A position from either parser (PyYAML's ``yaml.Mark`` or libyaml's)."""

    line: int


class _Checks(Composer, SafeConstructor, Resolver):
    """SafeLoader's composer and constructor, refusing aliases, odd tags, duplicate
    keys, depth and size.

    The checks run in ``compose_node`` before a node is built, so an over-deep
    or over-large document is refused after reading only ``max_depth`` levels
    or ``max_nodes`` values of it. The events come from PyYAML's pure-Python
    parser (:class:`_SafeLoader`) or, ~4x faster, from libyaml's
    (:class:`_FastSafeLoader`); composition and construction are the same.
    """

    # supplied by the parser half of a concrete loader
    peek_event: Callable[[], yaml.Event]
    dispose: Callable[[], None]

    def setup(self, file: str, max_depth: int, max_nodes: int) -> None:
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.file = file
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.depth = 0
        self.nodes = 0
        #: id(key node) -> the key as constructed, for the line map
        self.key_of: dict[int, Hashable] = {}

    def fail(self, message: str, mark: _Mark | None) -> NoReturn:
        raise SchemaError(message, file=self.file, line=None if mark is None else mark.line + 1)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            self.fail("YAML anchors/aliases are not allowed", event.start_mark)
        self.nodes += 1
        if self.nodes > self.max_nodes:
            self.fail(
                f"more than {self.max_nodes:,} values in the document (max_nodes)",
                event.start_mark,
            )
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!" and tag not in _ALLOWED_TAGS:
            self.fail(f"YAML tag {_tag_name(tag)!r} is not allowed", event.start_mark)
        is_key = isinstance(parent, yaml.MappingNode) and index is None
        nests = isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent)
        if is_key and nests:
            self.fail("a list or mapping cannot be a mapping key", event.start_mark)
        if nests:
            self.depth += 1
            if self.depth > self.max_depth:
                self.fail(
                    f"nesting deeper than {self.max_depth} levels (max_depth)", event.start_mark
                )
        try:
            node = super().compose_node(parent, index)
        finally:
            if nests:
                self.depth -= 1
        if isinstance(node, yaml.ScalarNode) and tag is None:
            plain = isinstance(event, yaml.ScalarEvent) and event.implicit[0]
            if is_key and node.tag == _MERGE:
                self.fail("YAML merge keys (<<) are not allowed", event.start_mark)
            if plain and (node.tag in (_MERGE, _VALUE) or (is_key and node.tag in (_BOOL, _NULL))):
                node.tag = _STR
        assert isinstance(node, yaml.Node)
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:  # 2024-13-45, 5,000-digit ints
            value, reason = _shorten(node.value), _shorten(_one_line(exc), 80)
            self.fail(f"invalid {_tag_name(node.tag)} value {value!r}: {reason}", node.start_mark)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):  # !!map on a scalar or list
            self.fail(f"expected a mapping, found {node.id}", node.start_mark)
        mapping: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, Hashable):  # pragma: no cover - scalar keys only
                self.fail("a mapping key must be a plain value", key_node.start_mark)
            if key in first_line:
                self.fail(
                    f"duplicate key {key!r} (line {line}, first at line {first_line[key]})",
                    key_node.start_mark,
                )
            first_line[key] = line
            self.key_of[id(key_node)] = key
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


class _SafeLoader(Reader, Scanner, Parser, _Checks):
    """:class:`yaml.SafeLoader` (pure Python) with the checks of :class:`_Checks`."""

    def __init__(self, text: str, file: str, max_depth: int, max_nodes: int) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        self.setup(file, max_depth, max_nodes)


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _FastSafeLoader(_Checks, CParser):
        """libyaml's event parser under the checks of :class:`_Checks`."""

        def __init__(self, text: str, file: str, max_depth: int, max_nodes: int) -> None:
            CParser.__init__(self, text)
            self.setup(file, max_depth, max_nodes)

    _LOADER: type[_SafeLoader] | type[_FastSafeLoader] = _FastSafeLoader
else:  # pragma: no cover - PyYAML built without libyaml
    _LOADER = _SafeLoader


def _yaml_positions(root: yaml.Node, key_of: dict[int, Hashable]) -> _Pos:
    """Line map of a composed YAML tree, keyed as the data is (iterative)."""
    top = _Pos(root.start_mark.line + 1)
    todo: list[tuple[yaml.Node, _Pos]] = [(root, top)]
    while todo:
        node, pos = todo.pop()
        if isinstance(node, yaml.MappingNode):
            pos.keys = {}
            for key_node, value_node in node.value:
                child = _Pos(value_node.start_mark.line + 1)
                pos.keys[key_of.get(id(key_node), key_node.value)] = child
                todo.append((value_node, child))
        elif isinstance(node, yaml.SequenceNode):
            pos.items = []
            for item in node.value:
                child = _Pos(item.start_mark.line + 1)
                pos.items.append(child)
                todo.append((item, child))
    return top


def _load_yaml(text: str, file: str, max_depth: int, max_nodes: int) -> tuple[Any, _Pos | None]:
    loader: _Checks | None = None
    try:
        loader = _LOADER(text, file, max_depth, max_nodes)
        root = loader.get_single_node()
        if root is None:
            return None, None
        data = loader.construct_document(root)
        return data, _yaml_positions(root, loader.key_of)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1
        column = "" if mark is None else f" (column {mark.column + 1})"
        kind = (
            "YAML error"
            if isinstance(exc, yaml.constructor.ConstructorError)
            else ("YAML syntax error")
        )
        problem = ", ".join(str(part) for part in (exc.context, exc.problem) if part) or exc
        raise SchemaError(f"{kind}{column}: {_one_line(problem)}", file=file, line=line) from None
    except yaml.reader.ReaderError:  # a control character in the text
        bad = Reader.NON_PRINTABLE.search(text)
        where = 0 if bad is None else bad.start()
        char = "" if bad is None else f" U+{ord(bad.group()):04X}"
        raise SchemaError(
            f"control character{char} is not allowed in YAML",
            file=file,
            line=text.count("\n", 0, where) + 1,
        ) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every YAML error above is marked
        raise SchemaError(f"YAML error: {_one_line(exc)}", file=file) from None
    except RecursionError:
        raise SchemaError(
            "YAML nesting too deep for this reader; lower max_depth", file=file
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
