"""The package's boundaries, read from the source: the checks a reviewer would otherwise make.

`mlgate.validate` and `mlgate.repro` each have one public face (their `__init__`); their
modules are private to them. No module imports a private name (`_run_dvc`) from another.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGES_WITH_A_FACE = ("mlgate.validate", "mlgate.repro")


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
