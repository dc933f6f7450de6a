"""The package's shape: no import cycles, no re-export facades, each name imported from the
module that defines it.

The import graph counts every ``import`` of a ``course_cli`` module, at module level or inside a
function (a lazy import still ties the two modules together); imports under
``if TYPE_CHECKING:`` are left out (they never run).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "course_cli"


def module_files() -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements that run (those under ``if TYPE_CHECKING:`` left out)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *(node.module.split(".") if node.module else [])])


def import_graph() -> dict[str, set[str]]:
    """Module -> the ``course_cli`` modules it imports."""
    modules = module_files()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _imports(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                source = _absolute(name, node, path.name == "__init__.py")
                targets = [
                    f"{source}.{a.name}" if f"{source}.{a.name}" in modules else source
                    for a in node.names
                ]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
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
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(components)


def _top_level_names(tree: ast.Module) -> set[str]:
    """Names bound at module level by a definition or assignment (imports excluded)."""
    names: set[str] = set()
    body: list[ast.stmt] = list(tree.body)
    while body:
        node = body.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.If | ast.Try | ast.With):
            for field in ("body", "orelse", "finalbody", "handlers"):
                body.extend(getattr(node, field, []))
        elif isinstance(node, ast.ExceptHandler):
            body.extend(node.body)
    return names


def facades() -> list[str]:
    """Modules that re-export names: an ``__all__`` naming something imported, an
    ``import x as x`` re-export, or a module whose only statements are imports."""
    found = []
    for name, path in module_files().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = _top_level_names(tree)
        exported: list[str] = []
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
                and isinstance(node.value, ast.List | ast.Tuple)
            ):
                exported = [e.value for e in node.value.elts if isinstance(e, ast.Constant)]
        borrowed = [x for x in exported if x not in own and f"{name}.{x}" not in module_files()]
        aliased = [
            a.name
            for node in tree.body
            if isinstance(node, ast.ImportFrom)
            for a in node.names
            if a.asname is not None and a.asname == a.name
        ]
        statements = [
            n
            for n in tree.body
            if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
        ]
        only_imports = bool(statements) and all(
            isinstance(n, ast.Import | ast.ImportFrom) for n in statements
        )
        if borrowed or aliased or (only_imports and path.name != "__main__.py"):
            found.append(name)
    return found


def borrowed_imports() -> list[str]:
    """``from course_cli.X import N`` where X neither defines N nor has a submodule N — the
    name is imported from a module that only passes it on."""
    modules = module_files()
    defined = {
        name: _top_level_names(ast.parse(path.read_text(encoding="utf-8")))
        for name, path in modules.items()
    }
    roots = [PACKAGE, PACKAGE.parent / "tests", PACKAGE.parent / "benchmarks"]
    problems = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                    continue
                if node.module not in modules:
                    continue
                for alias in node.names:
                    if alias.name == "*" or f"{node.module}.{alias.name}" in modules:
                        continue
                    if alias.name not in defined[node.module]:
                        rel = path.relative_to(PACKAGE.parent)
                        problems.append(f"{rel}:{node.lineno}: {node.module}.{alias.name}")
    return problems


def test_no_import_cycles() -> None:
    assert find_cycles(import_graph()) == []


def test_no_reexport_facades() -> None:
    assert facades() == []


def test_names_are_imported_from_their_defining_module() -> None:
    assert borrowed_imports() == []


def test_cycle_finder_sees_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c"]]
