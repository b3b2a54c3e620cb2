"""Imports go one way: no module imports from a higher layer (the table in docs/ARCHITECTURE.md).

Every ``import`` / ``from ... import`` under ``workbench/`` and ``widgets/`` is parsed with
``ast`` (function-local, lazy imports included) and each edge is checked against the layer
table, which is read from the ```` ```layers ```` block of docs/ARCHITECTURE.md, so the
documented order and the checked one are the same text.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("workbench", "widgets")
FACADES = {"workbench", "widgets"}  # lazy-export __init__ files: names in strings, not imports

# (importer layer entry, imported layer entry) -> why it is tolerated; only as a function-local import.
KNOWN_EXCEPTIONS = {
    ("experiment", "scale"): "Experiment.embed/project with engine='ray' (until the engine registry replaces it)",
}


# ----------------------------------------------------------------- the table
def read_layers(text: str) -> dict[str, tuple[int, str]]:
    """``{entry: (level, layer name)}`` from the ```layers block of ARCHITECTURE.md."""
    block = re.search(r"```layers\n(.*?)```", text, re.S)
    if not block:
        raise ValueError("docs/ARCHITECTURE.md needs a ```layers block (level, layer name, modules per line).")
    table = {}
    for line in block.group(1).splitlines():
        if not line.strip():
            continue
        level, name, *entries = line.split()
        for entry in entries:
            if entry in table:
                raise ValueError(f"{entry!r} appears twice in the layer table.")
            table[entry] = (int(level), name)
    return table


def qualified(entry: str) -> str:
    """A table entry as a module name: ``data`` -> ``workbench.data``; ``widgets`` stays."""
    return entry if entry in PACKAGES else f"workbench.{entry}"


def layer_of(module: str, table: dict) -> tuple[str, int] | None:
    """(entry, level) of the longest table entry that is ``module`` or a package above it."""
    best = None
    for entry, (level, _) in table.items():
        q = qualified(entry)
        if (module == q or module.startswith(q + ".")) and (best is None or len(q) > len(qualified(best[0]))):
            best = (entry, level)
    return best


# ----------------------------------------------------------------- the imports
def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


class _Imports(ast.NodeVisitor):
    """Collect (line, imported module, function-local?) for every import of a file."""

    def __init__(self, module: str, is_package: bool):
        self.package = module if is_package else module.rpartition(".")[0]
        self.found: list[tuple[int, str, bool]] = []
        self.depth = 0

    def _function(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Import(self, node):
        for alias in node.names:
            self.found.append((node.lineno, alias.name, self.depth > 0))

    def visit_ImportFrom(self, node):
        if node.level:
            base = self.package.split(".")[: len(self.package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module
        if node.module is None:  # `from . import hub, packaged`: each name is a module
            for alias in node.names:
                self.found.append((node.lineno, f"{target}.{alias.name}", self.depth > 0))
        else:
            self.found.append((node.lineno, target, self.depth > 0))


def imports_of(path: Path, root: Path = ROOT) -> list[tuple[int, str, bool]]:
    module = module_name(path, root)
    visitor = _Imports(module, path.name == "__init__.py")
    visitor.visit(ast.parse(path.read_text(), filename=str(path)))
    return visitor.found


def project_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


@pytest.fixture(scope="module")
def table():
    return read_layers((ROOT / "docs" / "ARCHITECTURE.md").read_text())


# ----------------------------------------------------------------- the tests
def test_every_module_has_a_layer(table):
    unassigned = [module_name(p) for p in project_files()
                  if module_name(p) not in FACADES and layer_of(module_name(p), table) is None]
    assert not unassigned, f"modules without a layer: {unassigned}; add them to the ```layers block of " \
                           "docs/ARCHITECTURE.md"


def test_no_module_imports_from_a_higher_layer(table):
    violations = []
    for path in project_files():
        importer = module_name(path)
        if importer in FACADES or layer_of(importer, table) is None:
            continue  # an unassigned module fails test_every_module_has_a_layer
        entry, level = layer_of(importer, table)
        for line, target, local in imports_of(path):
            if target.split(".")[0] not in PACKAGES:
                continue
            if target in FACADES:  # the façade re-exports everything: import from the sub-module instead
                if target == "workbench" and importer.startswith("workbench."):
                    violations.append(f"{path.relative_to(ROOT)}:{line} imports the workbench façade; "
                                      "import from the sub-module")
                continue
            hit = layer_of(target, table)
            if hit is None or hit[1] <= level:
                continue
            if local and (entry, hit[0]) in KNOWN_EXCEPTIONS:
                continue
            violations.append(f"{path.relative_to(ROOT)}:{line} ({table[entry][1]}, layer {level}) imports "
                              f"{target} ({table[hit[0]][1]}, layer {hit[1]})")
    assert not violations, "imports from a higher layer:\n" + "\n".join(violations)


def test_the_checker_sees_a_violation_and_a_lazy_one(tmp_path, table):
    # The parser itself: relative, absolute and function-local imports are all found.
    pkg = tmp_path / "workbench" / "data"
    pkg.mkdir(parents=True)
    src = pkg / "bad.py"
    src.write_text("from ..experiment import Experiment\n"
                   "import workbench.cache\n"
                   "def f():\n    from ..methods import nonlinear\n"
                   "from . import hub\n")
    found = imports_of(src, tmp_path)
    assert found == [(1, "workbench.experiment", False), (2, "workbench.cache", False),
                     (4, "workbench.methods", True), (5, "workbench.data.hub", False)]
    levels = [layer_of(target, table)[1] for _, target, _ in found]
    data_level = layer_of("workbench.data.bad", table)[1]
    assert [lv > data_level for lv in levels] == [True, True, True, False]


def test_layer_table_is_ordered_bottom_to_top(table):
    order = [table[e][0] for e in ("_validation", "data", "encoders", "cache", "teachers", "train", "metrics",
                                   "experiment", "theory", "methods", "scale", "widgets")]
    assert order == sorted(order)
    assert table["teachers"][0] == table["train"][0] == table["metrics"][0]
    assert table["theory"][0] == table["methods"][0]
