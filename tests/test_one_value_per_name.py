"""One value per gated name: a metrics file that names `x.y` twice (a nested key and a dotted
one, or one JSON key twice) is exit 2 naming the file and both keys, wherever it is read."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, init_repo

CONFIG = """\
version: 1
metrics: {candidate: file:NAME, baseline: none}
gates:
  x.y: {direction: higher, threshold: 0.5}
"""


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("m.json", '{"x": {"y": 0.1}, "x.y": 0.99}'),
        ("m.json", '{"x.y": 0.99, "x": {"y": 0.1}}'),
        ("m.yaml", "x:\n  y: 0.1\nx.y: 0.99\n"),
        ("m.json", '{"x": {"y": [0.1]}, "x.y.0": 0.99, "x.y": 0}'),
    ],
    ids=["nested-first", "dotted-first", "yaml", "list-index"],
)
def test_a_name_given_twice_in_a_metrics_file_is_an_input_error(
    tmp_path: Path, mlgate: RunMlgate, name: str, text: str
) -> None:
    (tmp_path / "mlgate.yaml").write_text(CONFIG.replace("NAME", name))
    (tmp_path / name).write_text(text)
    result = mlgate("compare", cwd=tmp_path)
    assert result.code == 2, result
    assert name in result.err
    assert "has two values" in result.err
    assert "internal error" not in result.err


def test_the_message_names_both_keys(tmp_path: Path, mlgate: RunMlgate) -> None:
    (tmp_path / "mlgate.yaml").write_text(CONFIG.replace("NAME", "m.json"))
    (tmp_path / "m.json").write_text('{"x": {"y": 0.1}, "x.y": 0.99}')
    err = mlgate("compare", cwd=tmp_path).err
    assert "under 'x' → 'y' and under 'x.y'" in err


def test_the_baseline_file_is_held_to_the_same_rule(tmp_path: Path, mlgate: RunMlgate) -> None:
    config = CONFIG.replace("file:NAME", "file:m.json").replace("none", "file:base.json")
    (tmp_path / "mlgate.yaml").write_text(config)
    (tmp_path / "m.json").write_text('{"x": {"y": 0.9}}')
    (tmp_path / "base.json").write_text('{"x.y": 0.1, "x": {"y": 0.95}}')
    result = mlgate("compare", cwd=tmp_path)
    assert result.code == 2, result
    assert "base.json" in result.err


DVC_CONFIG = """\
version: 1
metrics: {candidate: dvc, baseline: none}
gates:
  x.y: {direction: higher, threshold: 0.5}
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"x": {"y": 0.1}, "x.y": 0.99}', "has two values"),
        ('{"acc": 0.1,\n "acc": 0.99, "x": {"y": 1}}', "eval.json:2: duplicate key 'acc'"),
    ],
    ids=["flattened", "json-key"],
)
def test_a_dvc_metrics_file_is_held_to_the_same_rule(
    tmp_path: Path, mlgate: RunMlgate, text: str, message: str
) -> None:
    """DVC reads JSON metrics with `json.loads`: the last key wins there silently."""
    repo = init_repo(tmp_path / "repo")
    (repo / "mlgate.yaml").write_text(DVC_CONFIG)
    (repo / "dvc.yaml").write_text(
        "stages:\n  evaluate:\n"
        f"    cmd: {sys.executable} -c pass\n"
        "    metrics:\n      - eval.json:\n          cache: false\n"
    )
    (repo / "eval.json").write_text(text)
    dvc(repo, "commit", "--force", "--quiet")
    commit(repo, "pipeline")
    result = mlgate("compare", cwd=repo)
    assert result.code == 2, result
    assert message in result.err
    assert "eval.json" in result.err


# --- records and data rows -----------------------------------------------------------------

GOOD = '{"id": 1, "x": 1.5, "label": "a"}'


@pytest.mark.parametrize(
    ("lines", "line", "key"),
    [
        ([GOOD, '{"id": 2, "x": 2.5, "label": "b", "x": 99}'], 2, "'x'"),
        (['{"id": 1, "id": 2, "x": 1.5, "label": "a"}'], 1, "'id'"),
        ([GOOD, "", '{"id": 3, "x": 1.5, "label": {"k": 1, "k": 2}}'], 3, "'k'"),
    ],
    ids=["second-line", "first-line", "nested"],
)
@pytest.mark.parametrize("name", ["data/a.jsonl", "data/a.jsonl.gz"])
def test_a_data_row_giving_a_key_twice_is_an_input_error(
    tmp_path: Path, mlgate: RunMlgate, lines: list[str], line: int, key: str, name: str
) -> None:
    import gzip

    from tests.helpers.validate_project import project

    text = ("\n".join(lines) + "\n").encode()
    content = gzip.compress(text) if name.endswith(".gz") else text
    root = project(tmp_path, {name: content}, "data/*.jsonl*")
    result = mlgate("validate", cwd=root)
    assert result.code == 2, result.out + result.err
    assert f"{name}: ERROR — line {line}: key {key} appears twice" in result.out


def test_a_per_example_record_giving_a_key_twice_is_an_input_error(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    (tmp_path / "mlgate.yaml").write_text(
        "version: 1\n"
        "metrics: {candidate: file:m.json, baseline: file:b.json,\n"
        "          per_example: {candidate: c.jsonl, baseline: p.jsonl}}\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.1, confidence: 0.95}\n"
    )
    (tmp_path / "m.json").write_text('{"accuracy": 0.9}')
    (tmp_path / "b.json").write_text('{"accuracy": 0.9}')
    good = "".join(f'{{"id": {i}, "y_true": {i % 2}, "y_pred": {i % 2}}}\n' for i in range(20))
    (tmp_path / "p.jsonl").write_text(good)
    (tmp_path / "c.jsonl").write_text(good + '{"id": 20, "y_true": 1, "y_pred": 0, "y_pred": 1}\n')
    result = mlgate("compare", cwd=tmp_path)
    assert result.code == 2, result
    assert "c.jsonl: line 21: key 'y_pred' appears twice" in result.err


def test_a_parquet_file_naming_a_column_twice_is_an_input_error(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from tests.helpers.validate_project import project

    root = project(tmp_path, {"data/.keep": ""}, "data/*.parquet")
    table = pa.table([[1, 2], [1.5, 2.5], ["a", "b"], [9.0, 9.0]], names=["id", "x", "label", "x"])
    pq.write_table(table, root / "data" / "a.parquet")
    result = mlgate("validate", cwd=root)
    assert result.code == 2, result.out + result.err
    assert "column 'x' appears twice" in result.out
