"""Layering check: no module-level import goes up the house, and no import cycle.

The order follows docs/architecture.md (DESIGN.md's flow)::

    errors, outputs, safeload, alleles, audit, vocab   (shared, bottom)
    render, stats                                      (generic: rendering, statistics)
    her2, study, synth, notation                        (pure HER2 engine; reading)
    alterations
    analysis, kb
    report
    web, cli, tl, _api                                 (faces of the library)

``her2scope/__init__.py`` loads every public name lazily and imports nothing
at module level, so it counts as the bottom.

An import inside a function or under ``if TYPE_CHECKING:`` is not a
module-level import (it runs only when called); those are how results call
their renderers in report/ and how the CLI stays fast to start.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "her2scope"

RANK = {
    "errors": 0,
    "outputs": 0,
    "safeload": 0,
    "alleles": 0,
    "audit": 0,
    "vocab": 0,
    # the generic render layer (summary, formats, html, figures, writers): imports no result
    "render": 0,
    # statistics on counts and frames (a study is read through a Protocol, never imported)
    "stats": 0,
    "her2": 1,
    "study": 1,
    "synth": 1,
    # reading what labs and clinicians write (variants, drugs); kb delegates to it
    "notation": 1,
    "alterations": 2,
    "kb": 3,
    # the tumor-board decision steps (gates, ranking) sit beside the knowledge base they read
    "tumorboard": 3,
    # exports of the calls into other tools' formats (compute, views, run: like a question)
    "export": 3,
    "report": 4,
    # the cohort questions (compute · result · views · run), above the engines they call
    "cohort": 4,
    "web": 5,
    "cli": 5,
    "tl": 5,
    "pl": 5,  # hs.pl: figures of tl results, like tl a front door
    "_api": 5,
    # the root package loads its names lazily (imports nothing at module level, see
    # test_root_package_imports_nothing), so ``from her2scope import __version__`` is free
    "__init__": 0,
    "__main__": 6,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """her2scope modules imported when ``module`` is imported (top level, try and if bodies)."""
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("her2scope"))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = module.split(".") if is_package else module.split(".")[:-1]
                    pkg = pkg[: len(pkg) - (node.level - 1)]
                    base = ".".join([*pkg, base] if base else pkg)
                if base.startswith("her2scope"):
                    found.add(base)
                    found.update(f"{base}.{a.name}" for a in node.names)
            elif isinstance(node, ast.If) and not _is_type_checking(node):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)

    visit(tree.body)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = _module_level_imports(tree, module, path.name == "__init__.py")
        graph[module] = {m for m in imported if m in files and m != module}
    return graph


def test_no_upward_import_at_module_level() -> None:
    upward = []
    for module, targets in _graph().items():
        for target in targets:
            if RANK[_layer(target)] > RANK[_layer(module)]:
                upward.append(f"{module} -> {target}")
    assert upward == [], "upward imports at module level:\n" + "\n".join(sorted(upward))


def test_root_package_imports_nothing() -> None:
    assert _graph()["her2scope"] == set()


def test_every_package_has_a_rank() -> None:
    assert {_layer(m) for m in _graph()} <= set(RANK)


def test_report_never_imports_analysis_or_kb_at_module_level() -> None:
    bad = [
        f"{m} -> {t}"
        for m, targets in _graph().items()
        if _layer(m) == "report"
        for t in targets
        if _layer(t) in ("analysis", "kb")
    ]
    assert bad == []


def test_no_import_cycle() -> None:
    graph = _graph()
    # packages import their submodules and submodules import siblings through the
    # package: an edge to a package's own __init__ from inside it is not a cycle
    edges = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            strongconnect(v)
    assert cycles == [], f"import cycles: {cycles}"


def test_no_matplotlib_use_anywhere() -> None:
    offenders = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if "matplotlib.use(" in p.read_text(encoding="utf-8")
        or "import matplotlib.pyplot" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_the_checker_sees_a_planted_upward_import(tmp_path: Path) -> None:
    tree = ast.parse(
        "from her2scope.cohort.table1.views import x\nif TYPE_CHECKING:\n    import her2scope.kb\n"
    )
    found = _module_level_imports(tree, "her2scope.her2.engine", False)
    assert "her2scope.cohort.table1.views" in found
    assert "her2scope.kb" not in found
