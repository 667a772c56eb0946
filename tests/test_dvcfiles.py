"""dvcfiles: DVC's files read without DVC, each path through its stage's `wdir`, as DVC does."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.core.errors import InputError
from mlgate.data import dvcfiles

WDIR_PIPELINE = """\
params: [config/extra.yaml]
stages:
  prepare:
    cmd: python prepare.py
    deps: [prepare.py, ../data/raw.csv]
    params: [scale, {custom.yaml: [seed]}]
    outs: [../data/features.csv]
    wdir: src
  train:
    cmd: python train.py
    deps: [train.py, data/features.csv]
    outs: [{model.pkl: {cache: false}}]
    metrics: [{eval/metrics.json: {cache: false}}]
"""

LOCK = """\
schema: '2.0'
stages:
  prepare:
    cmd: python prepare.py
    outs:
      - path: ../data/features.csv
        md5: 0123
  train:
    cmd: python train.py
    outs:
      - path: model.pkl
        md5: 4567
"""


def test_paths_go_through_wdir(tmp_path: Path) -> None:
    (tmp_path / "dvc.yaml").write_text(WDIR_PIPELINE)
    pipeline = dvcfiles.read_pipeline(tmp_path / "dvc.yaml")
    assert pipeline is not None
    assert not pipeline.templated
    prepare, train = pipeline.stages
    assert prepare.deps == ("src/prepare.py", "data/raw.csv")
    assert prepare.outs == ("data/features.csv",)
    assert prepare.params_files == ("src/custom.yaml", "src/params.yaml")
    assert train.outs == ("model.pkl", "eval/metrics.json")
    assert pipeline.watched_params() == {"config/extra.yaml", "src/custom.yaml", "src/params.yaml"}


def test_the_lock_records_paths_relative_to_each_stage_wdir(tmp_path: Path) -> None:
    (tmp_path / "dvc.yaml").write_text(WDIR_PIPELINE)
    (tmp_path / "dvc.lock").write_text(LOCK)
    outputs = dvcfiles.recorded_outputs(tmp_path / "dvc.lock")
    assert outputs == [tmp_path.resolve() / "data/features.csv", tmp_path.resolve() / "model.pkl"]


def test_a_pointer_with_wdir(tmp_path: Path) -> None:
    pointer = tmp_path / "data.dvc"
    pointer.write_text("wdir: data\nouts:\n  - path: raw.csv\n    md5: 89ab\n")
    assert dvcfiles.recorded_outputs(pointer) == [tmp_path.resolve() / "data/raw.csv"]


@pytest.mark.parametrize(
    "text",
    [
        "vars: [config.yaml]\nstages:\n  s:\n    cmd: x\n",
        "stages:\n  s:\n    cmd: x\n    deps:\n      - ${dir}/a.csv\n",
        "stages:\n  s:\n    foreach: [a, b]\n    do:\n      cmd: echo ${item}\n",
        "stages:\n  s:\n    matrix: {m: [a, b]}\n    cmd: echo ${item.m}\n",
    ],
)
def test_templating_is_flagged(tmp_path: Path, text: str) -> None:
    (tmp_path / "dvc.yaml").write_text(text)
    pipeline = dvcfiles.read_pipeline(tmp_path / "dvc.yaml")
    assert pipeline is not None and pipeline.templated


def test_broken_yaml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "dvc.yaml").write_text("stages: [unclosed\n")
    with pytest.raises(InputError, match=r"dvc\.yaml"):
        dvcfiles.read_pipeline(tmp_path / "dvc.yaml")


def test_params_are_named_as_dvc_params_diff_names_them() -> None:
    data = {"train": {"cols": ["a", "b"], "empty": [], "none": {}, "lr": 0.1}, "one": [{"x": 1}]}
    assert dvcfiles.flatten_params(data) == {
        "train.cols": "['a', 'b']",
        "train.empty": "[]",
        "train.lr": 0.1,
        "one": "[{'x': 1}]",
    }
