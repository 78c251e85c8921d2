"""Dependencies declared and current (issue 17): every third-party package the shipped code
imports is declared in pyproject.toml, with a floor past its published advisories, and
constraints.txt (what `make test` and CI install, `make lock` refreshes) pins every package
within those floors."""

from __future__ import annotations

import ast
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
SHIPPED = ("stats_client", "statusboard", "board", "netserver_demo", "pages")
OWN = {"stats_client", "statusboard", "board", "netserver_demo", "statusboard_app", "pages"}
#: Floors the issue names: nothing older, whatever pyproject.toml says.
FLOORS = {"pyjwt": "2.12.0", "urllib3": "2.6.3", "requests": "2.32.4", "cryptography": "46.0.5",
          "lxml": "6.1.0", "numpy": "1.26"}


def _project() -> dict[str, object]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]  # type: ignore[no-any-return]


def _declared(extra: str | None = None) -> dict[str, Requirement]:
    project = _project()
    specs = project["dependencies"] if extra is None else \
        project["optional-dependencies"][extra]  # type: ignore[index]
    return {canonicalize_name(r.name): r for r in map(Requirement, specs)}  # type: ignore[arg-type]


@cache
def _imported(folders: tuple[str, ...]) -> set[str]:
    names: set[str] = set()
    files = [p for f in folders for p in (REPO / f).rglob("*.py")] + [REPO / "dashboard.py"]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in OWN and n not in sys.stdlib_module_names}


@cache
def _installed() -> dict[str, list[str]]:
    return dict(packages_distributions())


def _distributions(modules: set[str]) -> dict[str, str]:
    found = _installed()
    return {m: canonicalize_name(found[m][0]) for m in modules if m in found}


def test_every_package_the_shipped_code_imports_is_declared() -> None:
    modules = _imported(SHIPPED)
    dists = _distributions(modules)
    assert set(dists) == modules, f"not installed at all: {modules - set(dists)}"
    missing = {m: d for m, d in dists.items() if d not in _declared()}
    assert missing == {}, f"imported but not in [project] dependencies: {missing}"


def test_every_package_the_tests_and_harness_import_is_declared() -> None:
    dists = _distributions(_imported(("tests", "harness", "benchmarks")))
    declared = _declared() | _declared("test")
    transitive = {"packaging"}  # streamlit's, read here only to check these very files
    missing = {m: d for m, d in dists.items() if d not in declared and d not in transitive}
    assert missing == {}, f"imported by tests but not declared: {missing}"


@pytest.mark.parametrize(("name", "floor"), sorted(FLOORS.items()))
def test_floors_exclude_versions_with_published_advisories(name: str, floor: str) -> None:
    requirement = _declared()[name]
    below = Version(_just_below(floor))
    assert not requirement.specifier.contains(below, prereleases=True), (
        f"{requirement} allows {below}, below {floor}")
    assert requirement.specifier.contains(Version(floor)) or requirement.specifier.contains(
        Version(floor + ".1")), f"{requirement} shuts out {floor}"


def _just_below(version: str) -> str:
    parts = [int(p) for p in version.split(".")]
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] > 0:
            parts[i] -= 1
            parts[i + 1:] = [999] * (len(parts) - i - 1)
            return ".".join(map(str, parts))
    raise AssertionError(version)  # pragma: no cover


def test_the_constraints_pin_every_declared_package_within_its_range() -> None:
    pins: dict[str, Version] = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not an exact pin"
            pins[canonicalize_name(name)] = Version(version)
    for name, requirement in (_declared() | _declared("test")).items():
        assert name in pins, f"constraints.txt does not pin {name}; run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {name}=={pins[name]}, outside {requirement}; run `make lock`")
