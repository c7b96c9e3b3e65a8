"""The dependency direction of docs/ARCHITECTURE.md, read from the source: a package imports only layers below it,
and no module imports itself back through others (a cycle). Lazy imports inside functions count too: a layer that
is only imported late is still depended on."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Bottom to top. Each layer may import the layers before it, never one after it.
LAYERS = ("core", "face", "speech", "perception", "agent", "plugins", "tools", "cli")
# What the face-controller (its own computer, its own install) may use: nothing of the robot's brain.
CONTROLLER_MODULES = ("companion.face",)
CONTROLLER_MAY_IMPORT = ("core", "face")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found["companion." + ".".join(parts)] = path
    return found


def _imports(path: Path, module: str) -> set[str]:
    """The companion modules ``path`` imports (resolved to the longest known name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in names if name.startswith("companion.")}


MODULES = _modules()
GRAPH = {
    module: {target for target in _imports(path, module) if target in MODULES and target != module}
    for module, path in MODULES.items()
}


def _layer(module: str) -> str:
    return module.split(".")[1]


def test_every_top_level_folder_is_a_known_layer() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages == set(LAYERS), "add the new package to LAYERS and to docs/ARCHITECTURE.md"


def test_imports_go_down_the_layers() -> None:
    wrong = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if LAYERS.index(_layer(target)) > LAYERS.index(_layer(module))
    ]
    assert wrong == []


def test_the_face_controller_needs_only_face_and_core() -> None:
    wrong = [
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if module.startswith(CONTROLLER_MODULES)
        for target in targets
        if _layer(target) not in CONTROLLER_MAY_IMPORT
    ]
    assert wrong == []


def test_no_import_cycles() -> None:
    cycles = _cycles(GRAPH)
    assert cycles == [], "\n".join(" -> ".join(cycle) for cycle in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each a cycle to report.

    A package's ``__init__`` that re-exports its own modules is not a cycle with them: edges from a module to its
    own parent package's ``__init__`` are dropped.
    """
    edges = {module: {t for t in targets if not module.startswith(t + ".")} for module, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found
