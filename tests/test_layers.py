"""The package has no import cycle: every module imports only modules that do not import it back.

Imports under ``if TYPE_CHECKING:`` are annotations, not dependencies, and are left out. A cycle
(the pages once imported the app that mounts them) makes a layer impossible to reason about alone.
"""
from __future__ import annotations

import ast
from pathlib import Path

import docgen

ROOT = Path(docgen.__file__).parent


def _runtime_imports(tree: ast.Module) -> list[ast.ImportFrom]:
    found: list[ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.ImportFrom) and child.level:
                found.append(child)
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    modules: dict[str, Path] = {}
    for path in ROOT.rglob("*.py"):
        parts = ("docgen", *path.relative_to(ROOT).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path

    def resolve(name: str) -> str | None:
        while name not in modules and "." in name:
            name = name.rsplit(".", 1)[0]
        return name if name in modules else None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        targets: set[str] = set()
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            stem = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                target = resolve(f"{stem}.{alias.name}") if node.module is None else resolve(stem)
                if target and target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


def test_no_import_cycle() -> None:
    graph = import_graph()
    assert {"docgen.web", "docgen.service"} <= graph["docgen.http.app"]  # the graph is the real one
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def walk(module: str, stack: list[str]) -> None:
        state[module] = 1
        stack.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(stack[stack.index(target):] + [target])
            elif target not in state:
                walk(target, stack)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module, [])
    assert cycles == [], "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


def test_the_pages_never_import_the_app() -> None:
    graph = import_graph()
    for module, targets in graph.items():
        if module.startswith("docgen.web"):
            assert not {"docgen.api", "docgen.http.app"} & targets, module
