"""No import cycle among rumpbuild's subpackages, function-level imports included.

Each subpackage (rumpbuild/arch, rumpbuild/steps, …) and each top-level
module (rumpbuild/session.py, …) is one node; an import of rumpbuild.X.… from
a file of another node is an edge.  A cycle means two packages each need the
other's internals: move the function to where it belongs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import rumpbuild

PACKAGE = Path(rumpbuild.__file__).parent


def _node(path: Path, package: Path) -> str:
    parts = path.relative_to(package).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _imported(tree: ast.AST) -> list[str]:
    """Dotted names of rumpbuild modules (or names) imported anywhere in *tree*."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "rumpbuild":  # from rumpbuild import session
                names += [f"rumpbuild.{a.name}" for a in node.names]
            else:
                names.append(node.module)
    return [n for n in names if n.startswith("rumpbuild.")]


def import_graph(package: Path = PACKAGE) -> dict[str, dict[str, set[str]]]:
    """{node: {imported node: {files importing it}}} for the package at *package*."""
    graph: dict[str, dict[str, set[str]]] = {}
    for path in sorted(package.rglob("*.py")):
        if "exampletree" in path.parts:
            continue
        src = _node(path, package)
        graph.setdefault(src, {})
        for name in _imported(ast.parse(path.read_text(), str(path))):
            dst = name.split(".")[1]
            if dst != src:
                graph[src].setdefault(dst, set()).add(str(path.relative_to(package)))
    return graph


def cycles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_between_subpackages():
    graph = import_graph()
    assert {"arch", "toolchain", "steps", "model", "backends"} <= set(graph)  # the walk saw the package
    problems = []
    for comp in cycles(graph):
        edges = [f"{a} -> {b} ({', '.join(sorted(graph[a][b]))})" for a in comp for b in comp if b in graph[a]]
        problems.append(" / ".join(comp) + ":\n  " + "\n  ".join(edges))
    assert not problems, "import cycles among rumpbuild's subpackages:\n" + "\n".join(problems)


def test_cycle_finder_sees_function_level_imports(tmp_path):
    """The check itself: a function-level import closing a loop is reported."""
    pkg = tmp_path / "rumpbuild"
    (pkg / "a").mkdir(parents=True)
    (pkg / "b").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a" / "__init__.py").write_text("from rumpbuild.b import thing\n")
    (pkg / "b" / "__init__.py").write_text("def f():\n    from rumpbuild.a import other\n")
    assert cycles(import_graph(pkg)) == [["a", "b"]]
    (pkg / "b" / "__init__.py").write_text("def f():\n    pass\n")
    assert cycles(import_graph(pkg)) == []
