"""schema/mlgate.schema.json: generated from the config's one declaration (config/shape.py),
it accepts every config `config check` accepts and rejects what it rejects, except for the
rules a JSON Schema cannot say (listed below, each still rejected by `config check`)."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mlgate.config import json_schema
from mlgate.config.model import parse_config
from mlgate.core import yamlio
from mlgate.core.errors import ConfigError
from tests.helpers.cli import EXAMPLE, REPO_ROOT, RunMlgate

SCHEMA_FILE = REPO_ROOT / "schema" / "mlgate.schema.json"
VALIDATOR = jsonschema.Draft7Validator(json_schema())


def schema_accepts(text: str) -> bool:
    return VALIDATOR.is_valid(yamlio.load(text, "mlgate.yaml"))


def check_accepts(text: str, tmp_path: Path) -> bool:
    try:
        parse_config(text, tmp_path / "mlgate.yaml")
    except ConfigError:
        return False
    return True


def test_the_committed_schema_is_the_generated_one(mlgate: RunMlgate) -> None:
    committed = json.loads(SCHEMA_FILE.read_text())
    assert committed == json_schema(), (
        "regenerate: mlgate config schema > schema/mlgate.schema.json"
    )
    jsonschema.Draft7Validator.check_schema(committed)
    assert committed["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "/v1/" in committed["$id"]  # the config format's major version
    printed = mlgate("config", "schema")
    assert printed.code == 0 and json.loads(printed.out) == committed


def _fixture_configs() -> list[tuple[str, str]]:
    """Every config in the repository's examples and tests: the example's mlgate.yaml, and each
    plain string literal in a test module or helper that starts with `version:`."""
    found = [("examples/wine/mlgate.yaml", (EXAMPLE / "mlgate.yaml").read_text())]
    for module in sorted((REPO_ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and text.lstrip().startswith("version:") and "\n" in text:
                found.append((f"{module.name}:{node.lineno}", text))
    return found


FIXTURES = _fixture_configs()


def test_the_corpus_of_fixture_configs_is_large() -> None:
    assert len(FIXTURES) > 30


@pytest.mark.parametrize(("where", "text"), FIXTURES, ids=[where for where, _ in FIXTURES])
def test_every_config_check_accepts_the_schema_accepts(
    where: str, text: str, tmp_path: Path
) -> None:
    try:
        accepted = check_accepts(text, tmp_path)
        data: Any = yamlio.load(text, where)
    except ConfigError:
        pytest.skip("not a config (a fragment or YAML a test breaks on purpose)")
    if accepted:
        errors = [error.message for error in VALIDATOR.iter_errors(data)]
        assert not errors, f"{where}: {errors}"


BASE = "version: 1\nmetrics: {baseline: none}\n"
BAD = {
    "unknown top-level key": "version: 1\ngate: {}\n",
    "typo in a gate key": BASE + "gates:\n  acc: {direction: higher, treshold: 0.9}\n",
    "typo in mlflow": "version: 1\nmlflow: {modle: m}\n",
    "typo in metrics": "version: 1\nmetrics: {basline: none}\n",
    "typo in drift": "version: 1\ndrift: {refrence: registry}\n",
    "typo in a data entry": "version: 1\ndata: [{path: a.csv, shema: s.yaml}]\n",
    "unknown direction": BASE + "gates:\n  acc: {direction: up}\n",
    "missing direction": BASE + "gates:\n  acc: {threshold: 0.9}\n",
    "negative amount": BASE + "gates:\n  acc: {direction: higher, max_regression: -0.1}\n",
    "negative percent": BASE + "gates:\n  acc: {direction: higher, min_improvement_pct: -1}\n",
    "threshold as text": BASE + "gates:\n  acc: {direction: higher, threshold: high}\n",
    "required as text": BASE + "gates:\n  acc: {direction: higher, required: 'yes'}\n",
    "amount as a boolean": BASE + "gates:\n  acc: {direction: higher, max_regression: true}\n",
    "gates as a list": BASE + "gates: [accuracy]\n",
    "data as a mapping": "version: 1\ndata: {path: a.csv, schema: s.yaml}\n",
    "data entry without schema": "version: 1\ndata: [{path: a.csv}]\n",
    "unknown data format": "version: 1\ndata: [{path: a.x, schema: s.yaml, format: xlsx}]\n",
    "empty path": "version: 1\ndata: [{path: '', schema: s.yaml}]\n",
    "unknown baseline source": "version: 1\nmetrics: {baseline: 'prod'}\n",
    "unknown candidate source": "version: 1\nmetrics: {candidate: 'models:/m'}\n",
    "on_missing_baseline word": "version: 1\nmetrics: {on_missing_baseline: skip}\n",
    "confidence above 1": "version: 1\nmetrics: {baseline: none, per_example: p.csv}\n"
    "gates:\n  accuracy: {direction: higher, confidence: 1.5}\n",
    "on_inconclusive without confidence": BASE
    + "gates:\n  acc: {direction: higher, on_inconclusive: pass}\n",
    "unknown statistic": "version: 1\nmetrics: {baseline: none, per_example: p.csv}\n"
    "gates:\n  acc: {direction: higher, confidence: 0.9, statistic: median}\n",
    "reserved alias": "version: 1\nmlflow: {model: m, alias: latest}\n",
    "version alias": "version: 1\nmlflow: {model: m, alias: v3}\n",
    "alias with a space": "version: 1\nmlflow: {model: m, alias: 'my alias'}\n",
    "unsupported version": "version: 2\n",
    "version as text": "version: '1'\n",
    "missing version": "metrics: {baseline: none}\n",
    "drift method": "version: 1\ndrift: {method: magic}\n",
    "drift share 0": "version: 1\ndrift: {max_drifted_share: 0}\n",
    "drift share above 1": "version: 1\ndrift: {max_drifted_share: 1.5}\n",
    "drift threshold 0": "version: 1\ndrift: {threshold: 0}\n",
    "drift reference": "version: 1\ndrift: {reference: none}\n",
    "column drift key": "version: 1\ndrift: {columns: {age: {ignored: true}}}\n",
    "block as text": "version: 1\ndrift: {block: 'no'}\n",
    "per_example key": "version: 1\nmetrics: {per_example: {candidate: p.csv, label: y}}\n",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_what_config_check_rejects_the_schema_rejects(case: str, tmp_path: Path) -> None:
    text = BAD[case]
    assert not check_accepts(text, tmp_path), "the corpus must hold only bad configs"
    assert not schema_accepts(text)


# Rules a JSON Schema cannot say: `config check` rejects each, the schema lets it through.
BEYOND_JSON_SCHEMA = {
    "a registry baseline (the default) without mlflow.model, when gates are set": (
        "version: 1\ngates:\n  acc: {direction: higher, threshold: 0.5}\n"
    ),
    "min_improvement larger than max_improvement (a comparison of two values)": (
        BASE + "gates:\n  acc: {direction: higher, min_improvement: 0.5, max_improvement: 0.1}\n"
    ),
    "confidence without metrics.per_example (a key in another section)": (
        BASE + "gates:\n  accuracy: {direction: higher, confidence: 0.9}\n"
    ),
    "a gate judged on its interval whose name is no statistic (a key's name vs a list)": (
        "version: 1\nmetrics: {baseline: none, per_example: p.csv}\n"
        "gates:\n  my_metric: {direction: higher, confidence: 0.9}\n"
    ),
    "a data path that leaves the config's folder": (
        "version: 1\ndata: [{path: ../x.csv, schema: s.yaml}]\n"
    ),
    "a glob ending in ** (matches folders, not files)": (
        "version: 1\ndata: [{path: 'data/**', schema: s.yaml}]\n"
    ),
    "a duplicate key (YAML, gone before any schema sees the data)": (
        "version: 1\nmetrics: {baseline: none}\nmetrics: {baseline: none}\n"
    ),
}


@pytest.mark.parametrize("case", sorted(BEYOND_JSON_SCHEMA))
def test_rules_beyond_json_schema_are_config_checks_alone(case: str, tmp_path: Path) -> None:
    text = BEYOND_JSON_SCHEMA[case]
    assert not check_accepts(text, tmp_path)
    try:
        data = yamlio.load(text, "mlgate.yaml")
    except ConfigError:
        return  # the YAML reader refuses it before any schema could see it
    assert VALIDATOR.is_valid(data)
