from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest

from mlgate.config import AMOUNT_RULES, GATE_KEYS, GateRule, load_config
from mlgate.core.errors import ConfigError
from tests.helpers.cli import EXAMPLE, RunMlgate

GOOD = """\
version: 1
data:
  - path: data/*.csv
    schema: schemas/train.yaml
mlflow:
  model: wine-classifier
gates:
  accuracy:
    direction: higher
    threshold: 0.9
    max_regression: 0.01
  log_loss:
    direction: lower
    max_regression_pct: 5
    required: false
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mlgate.yaml"
    path.write_text(text)
    return path


def test_good_config_is_normalised_with_defaults(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_text("a\n1\n")
    config = load_config(write(tmp_path, GOOD))
    assert config.mlflow.alias == "champion"
    assert config.metrics.candidate == "dvc"
    assert config.metrics.baseline == "registry"
    assert config.metrics.on_missing_baseline == "pass"
    assert config.gates == (
        GateRule("accuracy", "higher", threshold=0.9, max_regression=0.01),
        GateRule("log_loss", "lower", max_regression_pct=5.0, required=False),
    )
    assert config.data[0].paths == ("data/*.csv",)
    assert config.warnings == ()


def test_every_amount_rule_is_read_and_kept_from_the_one_table(tmp_path: Path) -> None:
    """The table is the list of amount rules: each is a key the reader takes and a field the
    rules read, and a GateRule field that is in neither the table nor GATE_KEYS could never be
    set or checked."""
    names = [rule.name for rule in AMOUNT_RULES]
    assert {f.name for f in fields(GateRule)} == {"metric", *GATE_KEYS, *names}
    amounts = "".join(f"    {name}: {i}\n" for i, name in enumerate(names, 1))
    head = "version: 1\nmetrics: {baseline: none}\ngates:\n  accuracy:\n    direction: higher\n"
    text = head + amounts
    [gate] = load_config(write(tmp_path, text)).gates
    assert [getattr(gate, name) for name in names] == list(range(1, len(names) + 1))
    assert [r.unit for r in AMOUNT_RULES] == ["", "%"] * 3


BAD_CASES = {
    "unknown key with a hint": (
        GOOD.replace("    threshold: 0.9", "    treshold: 0.9"),
        10,
        "gates.accuracy.treshold",
        "did you mean 'threshold'?",
    ),
    "unknown top-level key": ("version: 1\ngate:\n  x: 1\n", 2, "gate", "did you mean 'gates'?"),
    "wrong type": (
        GOOD.replace("threshold: 0.9", "threshold: high"),
        10,
        "gates.accuracy.threshold",
        "expected a number, got the string 'high'",
    ),
    "boolean is not a number": (
        GOOD.replace("threshold: 0.9", "threshold: true"),
        10,
        "gates.accuracy.threshold",
        "expected a number",
    ),
    "negative amount": (
        GOOD.replace("max_regression: 0.01", "max_regression: -0.01"),
        11,
        "gates.accuracy.max_regression",
        "must be zero or more",
    ),
    "unknown direction": (
        GOOD.replace("direction: higher", "direction: up"),
        9,
        "gates.accuracy.direction",
        "'up' is not one of higher, lower",
    ),
    "missing direction": (
        GOOD.replace("    direction: higher\n", ""),
        8,
        "gates.accuracy.direction",
        "missing required key 'direction'",
    ),
    "missing version": (GOOD.replace("version: 1\n", ""), 1, "version", "missing required key"),
    "unsupported version": ("version: 2\n", 1, "version", "unsupported config version 2"),
    "missing schema": (
        GOOD.replace("    schema: schemas/train.yaml\n", ""),
        3,
        "data[0].schema",
        "missing required key 'schema'",
    ),
    "duplicate key": (
        GOOD.replace(
            "    max_regression: 0.01\n", "    max_regression: 0.01\n    threshold: 0.8\n"
        ),
        12,
        "gates.accuracy.threshold",
        "duplicate key 'threshold' (first set on line 10)",
    ),
    "bad candidate source": (
        GOOD + "metrics:\n  candidate: mlflow\n",
        17,
        "metrics.candidate",
        "unknown source 'mlflow'",
    ),
    "bad on_missing_baseline": (
        GOOD + "metrics:\n  on_missing_baseline: maybe\n",
        17,
        "metrics.on_missing_baseline",
        "'maybe' is not one of pass, fail",
    ),
    "registry baseline needs a model": (
        GOOD.replace("mlflow:\n  model: wine-classifier\n", ""),
        1,
        "mlflow.model",
        "`mlflow.model` must name the registered model",
    ),
    "alias with a space, which MLflow rejects": (
        GOOD.replace("  model: wine-classifier\n", "  model: x\n  alias: Champion Model\n"),
        7,
        "mlflow.alias",
        "'Champion Model' is not an alias MLflow accepts: MLflow accepts only letters, digits",
    ),
    "alias MLflow reserves for a version": (
        GOOD.replace("model: wine-classifier\n", "model: wine-classifier\n  alias: v3\n"),
        7,
        "mlflow.alias",
        "MLflow reserves `latest` and `v<N>`",
    ),
    "impossible improvement window": (
        GOOD.replace("max_regression: 0.01", "min_improvement: 0.2\n    max_improvement: 0.1"),
        12,
        "gates.accuracy.max_improvement",
        "no value could pass",
    ),
    "gates is not a mapping": ("version: 1\ngates: [accuracy]\n", 2, "gates", "expected a mapping"),
    "data path list with a non-string": (
        "version: 1\ndata:\n  - path: [a.csv, 3]\n    schema: s.yaml\n",
        3,
        "data[0].path[1]",
        "expected a non-empty string",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_config_names_file_line_and_key(tmp_path: Path, case: str) -> None:
    text, line, key, message = BAD_CASES[case]
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.path == str(path)
    assert error.value.line == line, str(error.value)
    assert error.value.key == key
    assert message in error.value.reason
    assert str(error.value).startswith(f"{path}:{line}:")


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "version: 1\ngates:\n  accuracy: {direction: higher\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.line == 4
    assert error.value.column is not None
    assert "invalid YAML" in str(error.value)


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="empty"):
        load_config(write(tmp_path, "# nothing\n"))


def test_glob_matching_nothing_is_a_warning_not_an_error(tmp_path: Path, mlgate: RunMlgate) -> None:
    write(tmp_path, GOOD)
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "train.yaml").write_text("schema_type: dataframe\n")
    result = mlgate("config", "check", cwd=tmp_path)
    assert result.code == 0
    assert "warning:" in result.err
    assert "mlgate.yaml:3: data path 'data/*.csv' matches no file yet" in result.err


def test_config_check_cli_exit_2_with_location(tmp_path: Path, mlgate: RunMlgate) -> None:
    path = write(tmp_path, GOOD.replace("direction: lower", "direction: lowr"))
    result = mlgate("config", "check", "--config", str(path))
    assert result.code == 2
    assert f"{path}:13:16: gates.log_loss.direction:" in result.err
    assert "did you mean 'lower'?" in result.err
    assert "Traceback" not in result.err
    assert result.out == ""


def test_config_check_json_is_the_normalised_config(tmp_path: Path, mlgate: RunMlgate) -> None:
    write(tmp_path, GOOD)
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "train.yaml").write_text("schema_type: dataframe\n")
    result = mlgate("config", "check", "--format", "json", cwd=tmp_path)
    assert result.code == 0
    data = json.loads(result.out)
    assert data["gates"]["accuracy"]["required"] is True
    assert data["gates"]["log_loss"]["max_regression_pct"] == 5.0
    assert data["mlflow"]["alias"] == "champion"


def test_missing_config_says_how_to_fix(tmp_path: Path, mlgate: RunMlgate) -> None:
    result = mlgate("config", "check", cwd=tmp_path)
    assert result.code == 2
    assert "no mlgate.yaml" in result.err
    assert "--config" in result.err


def test_example_config_is_valid() -> None:
    config = load_config(EXAMPLE / "mlgate.yaml")
    directions = {gate.direction for gate in config.gates}
    assert directions == {"higher", "lower"}


@pytest.mark.parametrize("alias", ["champion", "prod-2", "canary_eu", "vip", "latest-good", "é"])
def test_aliases_mlflow_accepts_are_accepted(tmp_path: Path, alias: str) -> None:
    text = GOOD.replace("model: wine-classifier\n", f"model: wine-classifier\n  alias: {alias}\n")
    assert load_config(write(tmp_path, text)).mlflow.alias == alias


def test_a_registry_baseline_without_a_model_is_still_a_config_check_error(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    """Only the command line's own sources lift it (`compare --baseline ...`)."""
    write(tmp_path, "version: 1\ngates:\n  accuracy: {direction: higher, threshold: 0.5}\n")
    result = mlgate("config", "check", cwd=tmp_path)
    assert result.code == 2
    assert "`mlflow.model` must name the registered model" in result.err
