"""The package's boundaries, read from the source: the checks a reviewer would otherwise make.

`mlgate.validate` and `mlgate.repro` each have one public face (their `__init__`); their
modules are private to them. No module imports a private name (`_run_dvc`) from another.
No import cycle between modules (counting imports in functions and under TYPE_CHECKING),
`mlgate.core` imports nothing above it, and each outside library has its owning modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGES_WITH_A_FACE = (
    "mlgate.validate",
    "mlgate.repro",
    "mlgate.results",
    "mlgate.registry",
    "mlgate.config",
    "mlgate.forge",
    "mlgate.compare",
    "mlgate.drift",
    "mlgate.report",
    "mlgate.promote",
    "mlgate.gate",
    "mlgate.data",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, imported module, imported names) for every `import`/`from ... import` in `path`,
    including those inside functions."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []


MODULES = sorted((SRC / "mlgate").rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_no_private_name_is_imported_from_another_module(path: Path) -> None:
    here = module_name(path)
    crossing = [
        f"{path.name}:{line}: {name} from {module}"
        for line, module, names in imports(path)
        for name in names
        if name.startswith("_") and not name.startswith("__") and module != here
    ]
    assert not crossing


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_a_package_is_entered_through_its_face(path: Path) -> None:
    here = module_name(path)
    behind_the_face = [
        f"{path.name}:{line}: {module}"
        for line, module, _names in imports(path)
        for package in PACKAGES_WITH_A_FACE
        if module.startswith(package + ".") and not here.startswith(package)
    ]
    assert not behind_the_face


TESTS = Path(__file__).resolve().parent


def test_no_test_module_imports_another() -> None:
    """What tests share lives in tests/helpers (or tests/fixtures): a test module imported by
    another runs its module-level code twice and ties the two together by accident."""
    crossing = [
        f"{path.relative_to(TESTS)}:{line}: {module}"
        for path in sorted(TESTS.rglob("*.py"))
        for line, module, names in imports(path)
        for imported in [module, *(f"{module}.{name}" for name in names)]
        if imported.split(".")[-1].startswith("test_") or imported.startswith("tests.conftest")
    ]
    assert not crossing


# --- the import graph: no cycle, layer 0 at the bottom, one owner per outside library -------

LAYER_0 = "mlgate.core"  # imports nothing of mlgate above it
# Who may import each outside library (module-name prefixes), anywhere in the module.
OWNERS = {
    "mlflow": ("mlgate.registry.client",),
    "requests": (
        "mlgate.registry.rest",
        "mlgate.forge.http",
        "mlgate.forge.github",
        "mlgate.forge.gitlab",
    ),
    "dvc": ("mlgate.repro",),
    "pyarrow": ("mlgate.data.read",),
    "polars": ("mlgate.data.polars", "mlgate.data.choose"),
    # the pandas engine: the readers, and the features that work on its chunks (validate's
    # Pandera checks, drift's profile, the per-example records); never at module level
    "pandas": (
        "mlgate.data",
        "mlgate.validate",
        "mlgate.drift.profile",
        "mlgate.compare.stats.per_example",
    ),
    "pandera": ("mlgate.validate",),
    "click": ("mlgate.cli", "mlgate.commands"),
    "prometheus_client": ("mlgate.report.openmetrics",),
}
# Importing these faces must not load a heavy library (`mlgate --help` is checked in test_cli).
LIGHT_FACES = (
    "mlgate.core",
    "mlgate.data",
    "mlgate.results",
    "mlgate.config",
    "mlgate.repro",
    "mlgate.registry",
    "mlgate.forge",
    "mlgate.validate",
    "mlgate.drift",
    "mlgate.report",
    "mlgate.promote",
    "mlgate.compare",
    "mlgate.gate",
)
HEAVY = ("numpy", "pandas", "mlflow", "dvc")


def module_of(imported: str, known: set[str]) -> str | None:
    """The mlgate module an import names (`mlgate.core.errors.InputError` -> its module)."""
    while imported and imported not in known:
        imported = imported.rpartition(".")[0]
    return imported or None


def import_graph(src: Path) -> dict[str, set[str]]:
    """module -> the mlgate modules it imports, counting imports inside functions and under
    TYPE_CHECKING (both still tie the two modules together)."""
    paths = sorted((src / "mlgate").rglob("*.py"))
    known = {module_name_under(src, path) for path in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        here = module_name_under(src, path)
        targets = set()
        for _line, module, names in imports(path):
            if not module.startswith("mlgate"):
                continue
            for name in names or [""]:
                found = module_of(f"{module}.{name}" if name else module, known)
                if found and found != here:
                    targets.add(found)
        graph[here] = targets
    return graph


def module_name_under(src: Path, path: Path) -> str:
    parts = path.relative_to(src).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_modules() -> None:
    assert cycles(import_graph(SRC)) == []


# report/ renders result envelopes only: it may use the layers below and the forge to publish.
REPORT_MAY_IMPORT = ("mlgate.core", "mlgate.results", "mlgate.config", "mlgate.forge")


def test_report_imports_no_feature_adapter_or_orchestration() -> None:
    wrong = [
        f"{module} -> {target}"
        for module, targets in import_graph(SRC).items()
        if module.startswith("mlgate.report")
        for target in targets
        if not target.startswith("mlgate.report")
        and not any(
            target == allowed or target.startswith(allowed + ".") for allowed in REPORT_MAY_IMPORT
        )
        and target != "mlgate"  # the package root: __version__
    ]
    assert wrong == []


# The layers of ARCHITECTURE.md: a package imports only packages of a lower layer, or of its
# own layer where SAME_LAYER lists the pair. `mlgate` is the package root (`__version__`).
LAYERS = {
    "mlgate": 0,
    "core": 0,
    "data": 1,
    "results": 1,
    "config": 2,
    "repro": 3,
    "registry": 3,
    "forge": 3,
    "validate": 4,
    "compare": 4,
    "drift": 4,
    "report": 4,
    "promote": 5,
    "gate": 6,
    "cli": 7,
    "commands": 7,
    "__main__": 7,
}
SAME_LAYER = {
    ("results", "data"),  # where mlgate may write: never over a DVC output (dvcfiles)
    ("compare", "validate"),  # per-example records are read by validate's readers
    ("drift", "validate"),  # profiles read the data by validate's readers (the engine seam, next)
    ("cli", "commands"),
    ("__main__", "cli"),
}
ADAPTERS = ("repro", "registry", "forge")
ABOVE_ADAPTERS = ("validate", "compare", "drift", "report", "promote", "gate")


def package_of(module: str) -> str:
    """`mlgate.compare.stats.paired` -> `compare`; `mlgate.cli` -> `cli`; `mlgate` -> `mlgate`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """package -> the other packages its modules import."""
    packages: dict[str, set[str]] = {}
    for module, targets in graph.items():
        here = package_of(module)
        found = packages.setdefault(here, set())
        found.update(package_of(t) for t in targets if package_of(t) != here)
    return packages


def wrong_way_imports(packages: dict[str, set[str]]) -> list[str]:
    """Each import of a package from a higher layer, or of its own layer unlisted."""
    return [
        f"{package} (layer {LAYERS[package]}) -> {target} (layer {LAYERS[target]})"
        for package, targets in sorted(packages.items())
        for target in sorted(targets)
        if LAYERS[target] > LAYERS[package]
        or (LAYERS[target] == LAYERS[package] and (package, target) not in SAME_LAYER)
    ]


def test_every_package_has_a_layer() -> None:
    assert sorted(set(package_graph(import_graph(SRC))) - set(LAYERS)) == []


def test_imports_point_down_the_layers() -> None:
    assert wrong_way_imports(package_graph(import_graph(SRC))) == []


def test_no_import_cycle_between_packages() -> None:
    assert cycles(package_graph(import_graph(SRC))) == []


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_an_adapter_imports_no_feature_nor_what_runs_them(adapter: str) -> None:
    """DVC, MLflow and the code host are reached by the features, never the other way round."""
    reached = package_graph(import_graph(SRC)).get(adapter, set())
    assert sorted(reached & set(ABOVE_ADAPTERS)) == []


def test_the_layer_check_finds_an_upward_and_an_unlisted_sideways_import() -> None:
    planted = {"registry": {"compare", "core"}, "drift": {"report"}, "compare": {"validate"}}
    assert wrong_way_imports(planted) == [
        "drift (layer 4) -> report (layer 4)",
        "registry (layer 3) -> compare (layer 4)",
    ]
    assert cycles({"data": {"results"}, "results": {"data"}}) == [["data", "results"]]


def test_core_imports_nothing_above_it() -> None:
    upward = [
        f"{module} -> {target}"
        for module, targets in import_graph(SRC).items()
        if module.startswith(LAYER_0)
        for target in targets
        if not target.startswith(LAYER_0)
    ]
    assert upward == []


@pytest.mark.parametrize("library", sorted(OWNERS))
def test_each_outside_library_has_its_owners(library: str) -> None:
    strays = [
        f"{path.name}:{line}"
        for path in MODULES
        if not module_name(path).startswith(OWNERS[library])
        for line, module, _names in imports(path)
        if module == library or module.startswith(library + ".")
    ]
    assert strays == []


TABLE_LIBRARIES = ("pandas", "pyarrow", "polars", "pyspark")


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_no_table_library_is_imported_at_module_level(path: Path) -> None:
    """The engines' libraries load when an engine runs, never on import: a hook with nothing
    to do, and `mlgate --help`, stay light whatever engine is installed."""
    tree = ast.parse(path.read_text(), str(path))
    top = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    loaded = [
        f"{path.name}:{node.lineno}"
        for node in top
        for module in _imported(node)
        if module.split(".")[0] in TABLE_LIBRARIES
    ]
    assert loaded == []


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module] if node.module and node.level == 0 else []
    return [alias.name for alias in node.names]


def test_the_checker_finds_a_planted_cycle_and_an_upward_import(tmp_path: Path) -> None:
    package = tmp_path / "mlgate"
    (package / "core").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "core" / "__init__.py").write_text("")
    (package / "core" / "errors.py").write_text("def f():\n    from mlgate.feature import g\n")
    (package / "feature.py").write_text("from mlgate.core.errors import f\n")
    graph = import_graph(tmp_path)
    assert cycles(graph) == [["mlgate.core.errors", "mlgate.feature"]]
    assert "mlgate.feature" in graph["mlgate.core.errors"]  # a function-level import counts


@pytest.mark.parametrize("face", LIGHT_FACES)
def test_importing_a_face_loads_no_heavy_library(face: str) -> None:
    import subprocess
    import sys

    probe = f"import sys, {face}; print(sorted(set({HEAVY!r}) & set(sys.modules)))"
    shown = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert shown == "[]"


def test_one_module_hashes_files() -> None:
    """A file's sha256 is computed in one place (core/digests.py): the identity compare records
    and the digest a profile or the report records must agree on the same file."""
    hashing_files = [
        module_name(path)
        for path in MODULES
        if "hashlib" in (text := path.read_text()) and '"rb"' in text
    ]
    assert hashing_files == ["mlgate.core.digests"]


CONCRETE_FORGES = ("mlgate.forge.github", "mlgate.forge.gitlab")


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_nothing_above_the_forge_names_a_concrete_forge(path: Path) -> None:
    """Above `forge/`, a forge is the one `forge.detect()` picks: no module names GitHub's or
    GitLab's client, whether as `mlgate.forge.github` or `from mlgate.forge import github`."""
    if module_name(path).startswith("mlgate.forge"):
        return
    named = [
        f"{path.name}:{line}: {imported}"
        for line, module, names in imports(path)
        for imported in [module, *(f"{module}.{name}" for name in names)]
        if imported.startswith(CONCRETE_FORGES)
    ]
    assert named == []
