"""Hostile and messy YAML and JSON: each case is the payload itself, and each must end in exit 2
with the file and place named, a short message, and little time and memory."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import pytest

from mlgate.core import yamlio
from mlgate.core.errors import InputError
from mlgate.data.metrics import parse_metrics
from tests.helpers.cli import RunMlgate
from tests.helpers.hostile_yaml import alias_bomb


def config_check(tmp_path: Path, mlgate: RunMlgate, text: str) -> tuple[int, str, float]:
    (tmp_path / "mlgate.yaml").write_text(text)
    start = time.perf_counter()
    result = mlgate("config", "check", cwd=tmp_path)
    return result.code, result.err, time.perf_counter() - start


def assert_bounded_input_error(code: int, err: str, seconds: float, where: str) -> None:
    assert code == 2, err
    assert where in err
    assert "internal error" not in err.lower()
    assert len(err) < 600, err
    assert seconds < 5


# --- mlgate.yaml ---------------------------------------------------------------------------


def test_alias_bomb_as_a_mapping_key_in_the_config(tmp_path: Path, mlgate: RunMlgate) -> None:
    bomb = "version: 1\n" + alias_bomb(8, as_key=True)
    assert len(bomb) < 500
    code, err, seconds = config_check(tmp_path, mlgate, bomb)
    assert_bounded_input_error(code, err, seconds, "mlgate.yaml:")
    assert "alias" in err


def test_python_tag_in_the_config(tmp_path: Path, mlgate: RunMlgate) -> None:
    code, err, seconds = config_check(
        tmp_path, mlgate, "version: 1\ngates:\n  acc: !!python/name:os.system\n"
    )
    assert_bounded_input_error(code, err, seconds, "mlgate.yaml:3:8")
    assert "python/name:os.system is not supported" in err


def test_self_referencing_alias_in_the_config(tmp_path: Path, mlgate: RunMlgate) -> None:
    code, err, seconds = config_check(tmp_path, mlgate, "version: 1\ngates: &g {acc: *g}\n")
    assert_bounded_input_error(code, err, seconds, "mlgate.yaml:")


def test_a_huge_key_is_cut_short_in_the_message(tmp_path: Path, mlgate: RunMlgate) -> None:
    code, err, seconds = config_check(tmp_path, mlgate, f"version: 1\n? {'k' * 1_000_000}\n: 1\n")
    assert_bounded_input_error(code, err, seconds, "mlgate.yaml:2:3")
    assert "unknown key 'kkkk" in err
    assert "(1,000,002 characters)" in err


def test_yaml_12_numbers_and_booleans_in_the_config(tmp_path: Path, mlgate: RunMlgate) -> None:
    text = (
        "version: 1\nmetrics: {baseline: none}\ngates:\n"
        "  loss: {direction: lower, max_regression: 1e-2, threshold: 010}\n"
    )
    (tmp_path / "mlgate.yaml").write_text(text)
    result = mlgate("config", "check", "--format", "json", cwd=tmp_path)
    assert result.code == 0, result.err
    rule = json.loads(result.out)["gates"]["loss"]
    assert rule["max_regression"] == 0.01
    assert rule["threshold"] == 10.0
    code, err, seconds = config_check(
        tmp_path, mlgate, text.replace("threshold: 010}", "threshold: 1, required: yes}")
    )
    assert_bounded_input_error(code, err, seconds, "mlgate.yaml:4:")
    assert "expected true or false, got the string 'yes'" in err


def test_merge_keys_share_gate_rules(tmp_path: Path, mlgate: RunMlgate) -> None:
    (tmp_path / "mlgate.yaml").write_text(
        "version: 1\nmetrics: {baseline: none}\ngates:\n"
        "  accuracy: &higher {direction: higher, threshold: 0.8}\n"
        "  f1:\n    <<: *higher\n    threshold: 0.7\n"
    )
    result = mlgate("config", "check", "--format", "json", cwd=tmp_path)
    assert result.code == 0, result.err
    gates = json.loads(result.out)["gates"]
    assert gates["f1"]["direction"] == "higher"
    assert gates["f1"]["threshold"] == 0.7
    code, err, seconds = config_check(tmp_path, mlgate, "version: 1\ngates:\n  <<: 5\n")
    assert_bounded_input_error(code, err, seconds, "mlgate.yaml:3:")
    assert "merge key" in err


def test_duplicate_keys_in_the_config_name_both_lines(tmp_path: Path, mlgate: RunMlgate) -> None:
    code, err, seconds = config_check(tmp_path, mlgate, "version: 1\nversion: 1\n")
    assert_bounded_input_error(code, err, seconds, "mlgate.yaml:2:1")
    assert "first set on line 1" in err


def test_deeply_nested_config(tmp_path: Path, mlgate: RunMlgate) -> None:
    code, err, seconds = config_check(tmp_path, mlgate, "version: 1\ngates: " + "[" * 500)
    assert_bounded_input_error(code, err, seconds, "mlgate.yaml:")


# --- metrics files -------------------------------------------------------------------------

METRICS_CONFIG = """\
version: 1
metrics: {candidate: file:metrics.yaml, baseline: none}
gates:
  loss: {direction: lower, threshold: 0.001}
"""


def compare_candidate(tmp_path: Path, mlgate: RunMlgate, name: str, text: str) -> tuple[int, str]:
    (tmp_path / "mlgate.yaml").write_text(METRICS_CONFIG.replace("metrics.yaml", name))
    (tmp_path / name).write_text(text)
    result = mlgate("compare", cwd=tmp_path)
    return result.code, result.err


def test_alias_bomb_in_a_metrics_file(tmp_path: Path, mlgate: RunMlgate) -> None:
    bomb = alias_bomb(7, as_key=False) + "loss: 0.0001\n"
    assert len(bomb) < 450
    start = time.perf_counter()
    code, err = compare_candidate(tmp_path, mlgate, "metrics.yaml", bomb)
    assert_bounded_input_error(code, err, time.perf_counter() - start, "metrics.yaml:")
    assert (tmp_path / ".mlgate" / "compare.json").stat().st_size < 10_000


def test_yaml_12_scalars_in_a_metrics_file(tmp_path: Path, mlgate: RunMlgate) -> None:
    code, err = compare_candidate(tmp_path, mlgate, "metrics.yaml", "loss: 1e-4\n")
    assert code == 0, err
    text = "a: 010\nb: 1:30\nc: yes\nd: 0o10\ne: 2024-01-01\n"
    metrics = parse_metrics(text, "m", yaml_format=True)
    assert metrics == {"a": 10, "b": "1:30", "c": "yes", "d": 8, "e": "2024-01-01"}


@pytest.mark.parametrize(
    ("name", "text", "where", "message"),
    [
        ("m.yaml", "loss: !!python/name:os.system\n", "m.yaml:1:7", "is not supported"),
        ("m.yaml", "loss: 1\nloss: 2\n", "m.yaml:2:1", "duplicate key 'loss'"),
        ("m.json", '{"loss": 1,\n "loss": 0.0001}', "m.json:2", "duplicate key 'loss'"),
        ("m.json", "[" * 100_000 + "]" * 100_000, "m.json", "nested too deeply"),
        ("m.json", '{"loss": ' + "9" * 400 + "}", "m.json", "'loss' is an integer too large"),
        ("m.json", '{"loss": ' + "9" * 5000 + "}", "m.json", "not valid JSON"),
        ("m.yaml", "loss: " + "9" * 5000 + "\n", "m.yaml:1:7", "as an integer"),
        ("m.json", '{"loss": [0.1, 0.2]}', "m.json", "'loss' is a list or a mapping"),
        ("m.yaml", "loss: {train: 0.1}\n", "m.yaml", "'loss' is a list or a mapping"),
        ("m.json", '{"loss": []}', "m.json", "'loss' is an empty list, not a number"),
        ("m.yaml", "loss: {}\n", "m.yaml", "'loss' is an empty mapping, not a number"),
    ],
)
def test_malformed_metrics_files_are_input_errors(
    tmp_path: Path, mlgate: RunMlgate, name: str, text: str, where: str, message: str
) -> None:
    start = time.perf_counter()
    code, err = compare_candidate(tmp_path, mlgate, name, text)
    assert_bounded_input_error(code, err, time.perf_counter() - start, where)
    assert message in err


def test_a_list_in_the_baseline_is_an_input_error_too(tmp_path: Path, mlgate: RunMlgate) -> None:
    (tmp_path / "mlgate.yaml").write_text(
        METRICS_CONFIG.replace("baseline: none", "baseline: file:base.json")
    )
    (tmp_path / "metrics.yaml").write_text("loss: 0.0001\n")
    (tmp_path / "base.json").write_text('{"loss": {"a": 1}}')
    result = mlgate("compare", cwd=tmp_path)
    assert result.code == 2
    assert "base.json: metric 'loss' is a list or a mapping" in result.err


@pytest.mark.parametrize("empty", ["[]", "{}"])
def test_an_empty_list_in_the_baseline_is_named_not_a_missing_baseline(
    tmp_path: Path, mlgate: RunMlgate, empty: str
) -> None:
    """The baseline file is there and holds the gated name, as an empty list: that is the
    file's mistake, named, not "there is no baseline"."""
    (tmp_path / "mlgate.yaml").write_text(
        METRICS_CONFIG.replace("baseline: none", "baseline: file:base.json")
    )
    (tmp_path / "metrics.yaml").write_text("loss: 0.0001\n")
    (tmp_path / "base.json").write_text(f'{{"loss": {empty}, "f1": 0.5}}')
    result = mlgate("compare", cwd=tmp_path)
    assert result.code == 2, result.out + result.err
    assert "base.json: metric 'loss' is an empty" in result.err
    assert "no baseline" not in result.err


# --- the loader itself ---------------------------------------------------------------------

# Scalars whose reading YAML 1.1 (PyYAML) and YAML 1.2 (DVC's ruamel.yaml) disagree on.
DVC_READS = {
    "1e-2": 0.01,
    "1e-4": 0.0001,
    "010": 10,
    "0o10": 8,
    "0x1F": 31,
    "1_000": 1000,
    "_": "_",
    "_1": "_1",
    "1:30": "1:30",
    "yes": "yes",
    "no": "no",
    "on": "on",
    "off": "off",
    "y": "y",
    "True": True,
    "FALSE": False,
    ".5": 0.5,
    "-.inf": float("-inf"),
    "~": None,
    "": None,
}


@pytest.mark.parametrize("text", sorted(DVC_READS))
def test_scalars_read_as_dvc_reads_them(text: str) -> None:
    assert yamlio.load(f"k: {text}\n", "x.yaml") == {"k": DVC_READS[text]}
    ruamel = pytest.importorskip("ruamel.yaml")
    assert ruamel.YAML(typ="safe", pure=True).load(f"k: {text}\n") == {"k": DVC_READS[text]}


def test_explicit_keys_win_over_merged_ones_and_the_first_merge_wins() -> None:
    text = "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  x: 3\n"
    assert yamlio.load(text, "m.yaml")["c"] == {"x": 3, "y": 1, "z": 2}


def test_errors_are_input_errors_with_the_file() -> None:
    with pytest.raises(InputError, match=r"^m\.yaml:1:102: nested deeper than 100 levels"):
        yamlio.load("[" * 200 + "]" * 200, "m.yaml")


def test_alias_bomb_in_a_dvc_metrics_file(tmp_path: Path, mlgate: RunMlgate) -> None:
    """`--candidate dvc` reads metrics with DVC's own YAML reader, which keeps an aliased
    subtree shared; mlgate's flattening is what would write every repetition (9**6 here)
    into compare.json."""
    from tests.helpers.dvc_repos import init_repo

    repo = init_repo(tmp_path / "repo")
    (repo / "dvc.yaml").write_text(
        "stages:\n  evaluate:\n    cmd: 'true'\n    metrics:\n      - metrics.yaml:\n"
        "          cache: false\n"
    )
    (repo / "mlgate.yaml").write_text(METRICS_CONFIG.replace("file:metrics.yaml", "dvc"))
    # DVC keeps mappings of numbers (lists it drops): nine keys a level, six levels.
    levels = ["a: &a {" + ", ".join(f"k{i}: 1" for i in range(9)) + "}"]
    for before, level in itertools.pairwise("abcdef"):
        aliases = ", ".join(f"k{i}: *{before}" for i in range(9))
        levels.append(f"{level}: &{level} {{{aliases}}}")
    (repo / "metrics.yaml").write_text("\n".join(levels) + "\nloss: 0.0001\n")
    start = time.perf_counter()
    result = mlgate("compare", cwd=repo)
    assert_bounded_input_error(result.code, result.err, time.perf_counter() - start, "")
    assert "more than 100,000 values" in result.err
    assert (repo / ".mlgate" / "compare.json").stat().st_size < 10_000
