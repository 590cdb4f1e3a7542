"""Layering check: no import goes up the house, and no import cycle.

The order follows docs/architecture.md (DESIGN.md's flow)::

    errors, outputs, safeload, alleles, audit, vocab, choices,
    render, stats                                       (shared, bottom)
    her2, study, synth, notation                        (HER2 engine; reading)
    alterations
    kb, tumorboard, export                              (cited data; the patient engine)
    cohort                                              (the cohort questions)
    report                                              (hs.report's names only)
    web, cli, tl, pl, _api                              (faces of the library)

``her2scope/__init__.py`` loads every public name lazily and imports nothing
at module level, so it counts as the bottom.

Imports are read at module level and, for the checks that say so, inside
functions and under ``if TYPE_CHECKING:`` too: a lazy import keeps start-up cheap
but is a dependency all the same, so no result imports its views, render/ imports no
result, and only the faces and a question's own ``run`` import its ``views``.
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
    "choices": 0,
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


def _module_level_imports(
    tree: ast.Module,
    module: str,
    is_package: bool,
    *,
    in_functions: bool = False,
    type_checking: bool = False,
) -> set[str]:
    """her2scope modules imported when ``module`` is imported (top level, try and if bodies);
    with ``in_functions``, also those imported inside functions and classes (when called);
    with ``type_checking``, also those under ``if TYPE_CHECKING:`` (a dependency of the
    code's meaning, if not of its run)."""
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if in_functions and not isinstance(
                node, ast.Import | ast.ImportFrom | ast.If | ast.Try
            ):
                # a def, class, with, for, while...: every statement list inside it
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.stmt):
                        visit([child])
                    elif isinstance(child, ast.excepthandler | ast.match_case):
                        visit(child.body)
                continue
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
            elif isinstance(node, ast.If) and (type_checking or not _is_type_checking(node)):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                if in_functions:
                    visit(node.orelse)
                    visit(node.finalbody)

    visit(tree.body)
    return found


def _graph(*, in_functions: bool = False, type_checking: bool = False) -> dict[str, set[str]]:
    files = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = _module_level_imports(
            tree,
            module,
            path.name == "__init__.py",
            in_functions=in_functions,
            type_checking=type_checking,
        )
        graph[module] = {m for m in imported if m in files and m != module}
    return graph


def _all_imports() -> dict[str, set[str]]:
    """Every import, at module level or inside a function (what runs when called)."""
    return _graph(in_functions=True)


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


def test_report_is_only_the_public_facade() -> None:
    """report/ lost its renderers to render/ and the questions' views (26): what is left
    is ``hs.report``'s names, loaded on first use."""
    modules = [m for m in _all_imports() if _layer(m) == "report"]
    assert modules == ["her2scope.report"]
    assert _graph()["her2scope.report"] == set()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
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
    return cycles


def test_no_import_cycle() -> None:
    cycles = _cycles(_graph())
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
        "from her2scope.report.cohort import x\nif TYPE_CHECKING:\n    import her2scope.kb\n"
    )
    found = _module_level_imports(tree, "her2scope.her2.engine", False)
    assert "her2scope.report.cohort" in found
    assert "her2scope.kb" not in found


# ------------------------------------------------------------- every import, when called

#: the faces of the library: they choose a question, call its run and hand the result
#: to its views
FACES = {"cli", "web", "tl", "pl", "_api", "__init__", "__main__"}


def test_no_import_cycle_counting_function_level_imports() -> None:
    """A result that imports its renderer inside a method, and a renderer that imports the
    result (if only for its type), is a cycle as surely as two module-level imports are."""
    cycles = _cycles(_graph(in_functions=True, type_checking=True))
    assert cycles == [], f"import cycles (function-level imports counted): {cycles}"


def test_no_upward_import_even_inside_functions() -> None:
    """A lazy import is still a dependency: the house is layered for every import, not
    only for what runs at import time (the lazy ones keep start-up cheap, nothing else)."""
    upward = sorted(
        f"{m} -> {t}"
        for m, targets in _all_imports().items()
        for t in targets
        if RANK[_layer(t)] > RANK[_layer(m)]
    )
    assert upward == [], "upward imports (function level counted):\n" + "\n".join(upward)


def test_render_imports_nothing_above_the_bottom_layer() -> None:
    bad = sorted(
        f"{m} -> {t}"
        for m, targets in _all_imports().items()
        if _layer(m) == "render"
        for t in targets
        if RANK[_layer(t)] > RANK["render"]
    )
    assert bad == [], "render/ must not import results or questions:\n" + "\n".join(bad)


def test_only_faces_and_their_own_run_import_a_questions_views() -> None:
    bad = []
    for m, targets in _all_imports().items():
        for t in targets:
            if not (t.endswith(".views") or ".views." in t):
                continue
            package = t.rsplit(".views", 1)[0]
            own = m.startswith(package + ".") and (
                m == f"{package}.run" or m.startswith(f"{package}.views")
            )
            if _layer(m) not in FACES and not own:
                bad.append(f"{m} -> {t}")
    assert bad == [], "views imported outside the faces:\n" + "\n".join(sorted(bad))


def test_the_checker_sees_function_level_imports() -> None:
    tree = ast.parse(
        "def f():\n    from her2scope.report.cohort import x\n"
        "class C:\n    def g(self):\n        with open('x'):\n            import her2scope.kb\n"
        "if TYPE_CHECKING:\n    import her2scope.web\n"
    )
    found = _module_level_imports(tree, "her2scope.her2.engine", False, in_functions=True)
    assert {"her2scope.report.cohort", "her2scope.kb"} <= found
    assert "her2scope.web" not in found
    assert "her2scope.report.cohort" not in _module_level_imports(
        tree, "her2scope.her2.engine", False
    )
