"""Load and validate the knowledge base from its YAML files.

The default base lives in ``src/her2scope/data/kb/``: ``meta.yaml``,
``biomarkers.yaml``, ``mechanisms.yaml``, ``strategies.yaml``,
``trials.yaml`` and ``therapies.yaml``; every further ``strategies*.yaml``
(``strategies_early.yaml``, ``strategies_agnostic.yaml`` ...) adds to
``strategies`` in file-name order. A validation problem raises
:class:`~her2scope.errors.SchemaError` naming the file, the line of the
offending entry and the field path (``biomarkers[3].sources``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from her2scope.errors import SchemaError
from her2scope.kb.schema import (
    Biomarker,
    Caveat,
    KbMeta,
    KnowledgeBase,
    Mechanism,
    Reference,
    Strategy,
    Therapy,
    TherapyClass,
    Trial,
)
from her2scope.safeload import FAST_SAFE_LOADER, trusted_yaml

DEFAULT_KB_DIR = Path(__file__).resolve().parent.parent / "data" / "kb"

#: file -> (top-level key or None for the whole mapping, item type)
_SECTIONS: dict[str, list[tuple[str | None, Any]]] = {
    "meta.yaml": [(None, KbMeta)],
    "biomarkers.yaml": [("biomarkers", list[Biomarker])],
    "mechanisms.yaml": [("mechanisms", list[Mechanism])],
    "strategies.yaml": [("strategies", list[Strategy])],
    "trials.yaml": [("trials", list[Trial])],
    "therapies.yaml": [("therapy_classes", list[TherapyClass]), ("therapies", list[Therapy])],
    "references.yaml": [("references", list[Reference])],
    "caveats.yaml": [("caveats", list[Caveat])],
}


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file; return (data, node tree). Syntax errors name line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaError(f"cannot read file: {exc.strerror}", file=str(path)) from exc
    try:
        node = yaml.compose(text, Loader=FAST_SAFE_LOADER)
        data = trusted_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        col = f" column {mark.column + 1}" if mark is not None else ""
        raise SchemaError(
            f"YAML syntax error{col}: {exc.problem or exc}", file=str(path), line=line
        ) from exc
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked YAML errors are rare
        raise SchemaError(f"YAML error: {exc}", file=str(path)) from exc
    return data, node


def node_line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest node reachable along ``loc`` (pydantic error path)."""
    best: int | None = None if node is None else node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            nxt = node.value[key] if 0 <= key < len(node.value) else None
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
        best = node.start_mark.line + 1
    return best


def format_loc(loc: tuple[Any, ...]) -> str:
    """``('biomarkers', 3, 'sources')`` -> ``biomarkers[3].sources``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def validation_error(
    exc: ValidationError, path: Path, node: yaml.Node | None, prefix: tuple[Any, ...] = ()
) -> SchemaError:
    """Turn the first pydantic error into a one-line :class:`SchemaError`."""
    err = exc.errors()[0]
    loc = tuple(prefix) + tuple(p for p in err["loc"] if p not in ("function-after",))
    field = format_loc(loc) or "(top level)"
    msg = str(err["msg"]).removeprefix("Value error, ")
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return SchemaError(f"field {field!r}: {msg}{more}", file=str(path), line=node_line(node, loc))


def load_kb(path: str | Path | None = None) -> KnowledgeBase:
    """Load the knowledge base from a folder of YAML files (default: the packaged base).

    Raises :class:`SchemaError` for a missing file, a YAML syntax error or a
    schema/cross-reference violation.

    Parameters
    ----------
    path : str or Path, optional
        A folder of knowledge-base YAML files (default: the packaged base).

    Returns
    -------
    KnowledgeBase
        The validated, cited knowledge base.

    Examples
    --------
    >>> kb = hs.kb.load_kb()  # doctest: +SKIP
    >>> kb.meta.version  # doctest: +SKIP
    """
    folder = Path(path) if path is not None else DEFAULT_KB_DIR
    if path is None:
        return _load_default()
    return _load(folder)


@lru_cache(maxsize=1)
def _load_default() -> KnowledgeBase:
    return _load(DEFAULT_KB_DIR)


def extra_strategy_files(folder: Path) -> list[Path]:
    """``strategies_*.yaml`` beside ``strategies.yaml``, in name order (loaded after it)."""
    return sorted(p for p in folder.glob("strategies_*.yaml") if p.is_file())


def _read_section(fpath: Path, sections: list[tuple[str | None, Any]]) -> dict[str, Any]:
    if not fpath.is_file():
        raise SchemaError("knowledge-base file is missing", file=str(fpath))
    data, node = read_yaml(fpath)
    if not isinstance(data, dict):
        raise SchemaError("expected a mapping at the top level", file=str(fpath), line=1)
    out: dict[str, Any] = {}
    for key, typ in sections:
        raw = data if key is None else data.get(key)
        if raw is None:
            raise SchemaError(f"field {key!r}: missing", file=str(fpath), line=1)
        try:
            value = TypeAdapter(typ).validate_python(raw)
        except ValidationError as exc:
            # the error names this file and the line of the offending entry
            raise validation_error(exc, fpath, node, () if key is None else (key,)) from exc
        out["meta" if key is None else key] = value
    return out


def _load(folder: Path) -> KnowledgeBase:
    parts: dict[str, Any] = {}
    for fname, sections in _SECTIONS.items():
        parts.update(_read_section(folder / fname, sections))
    for extra in extra_strategy_files(folder):
        more = _read_section(extra, [("strategies", list[Strategy])])
        parts["strategies"] = [*parts["strategies"], *more["strategies"]]
    try:
        return KnowledgeBase(**parts)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise SchemaError(f"cross-reference check failed: {err['msg']}", file=str(folder)) from exc


def entry_to_dict(entry: BaseModel) -> dict[str, Any]:
    """JSON-ready dict of any KB entry (dates as ISO strings)."""
    return entry.model_dump(mode="json", exclude_none=True)
