"""The import graph of stats_client, statusboard, board and netserver_demo: no cycle, and each
side in its lane (view → product layer → data side; only the view imports Streamlit).

Read from the source with `ast`, lazy imports inside functions included: a cycle that only
shows at call time is still two modules that cannot be understood one without the other.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

import stats_client

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("stats_client", "statusboard", "board", "netserver_demo")


def _name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {_name(p): p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))}


@cache
def imported_names(module: str) -> frozenset[tuple[str, str | None]]:
    """(module, name) pairs `module` imports, anywhere in it; name None for `import x`."""
    path = modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[tuple[str, str | None]] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.update((target, alias.name) for alias in node.names)
    return frozenset(found)


def edges(module: str) -> set[str]:
    """The project's modules `module` imports (`from pkg import sub` is an edge to pkg.sub)."""
    known = modules()
    out = set()
    for target, name in imported_names(module):
        sub = f"{target}.{name}"
        out.add(sub if sub in known else target)
    return {m for m in out if m in known and m != module}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt, path)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node, [])):
            return cycle
    return None


def test_the_walk_sees_every_package() -> None:
    assert {m.partition(".")[0] for m in modules()} == set(PACKAGES)
    # Demo mode imports the demo server inside a function: lazy imports are seen.
    assert any("netserver_demo" in edges(m) for m in modules() if m.startswith("statusboard."))


def test_no_import_cycle_in_any_package() -> None:
    assert find_cycle({m: edges(m) for m in modules()}) is None


@pytest.mark.parametrize(("graph", "cycle"), [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
    ({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),
    ({"a": {"b"}, "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
], ids=["chain", "pair", "tail"])
def test_find_cycle_finds_what_is_there(graph: dict[str, set[str]],
                                        cycle: list[str] | None) -> None:
    assert find_cycle(graph) == cycle


@pytest.mark.parametrize("module", sorted(m for m in modules() if m.startswith("stats_client")))
def test_the_data_side_imports_neither_the_view_nor_the_demo(module: str) -> None:
    assert not {m for m in edges(module) if not m.startswith("stats_client")}


@pytest.mark.parametrize("module", sorted(m for m in modules() if m.startswith("statusboard")))
def test_the_product_layer_imports_neither_the_view_nor_streamlit(module: str) -> None:
    assert not {m for m in edges(module) if m.startswith("board")}
    assert not {t for t, _ in imported_names(module) if t.partition(".")[0] == "streamlit"}


def test_below_the_view_nothing_imports_streamlit() -> None:
    below = [m for m in modules() if not m.startswith("board")]
    assert not [m for m in below
                if any(t.partition(".")[0] == "streamlit" for t, _ in imported_names(m))]


@pytest.mark.parametrize("module", sorted(m for m in modules() if m.startswith("netserver_demo")))
def test_the_demo_uses_only_public_names_of_the_data_side(module: str) -> None:
    used = {(target, name) for target, name in imported_names(module)
            if target.partition(".")[0] in ("stats_client", "board")}
    assert all(target == "stats_client" for target, _ in used), used
    assert {name for _, name in used} <= set(stats_client.__all__)
