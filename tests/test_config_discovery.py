"""mlgate.yaml is found from anywhere in the repository (walking up to its top, as git, DVC and
pre-commit find theirs), its paths stay relative to the file, and `config check` shows the
normalised config without mlgate's internal keys."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from mlgate.config import find_config
from tests.helpers.cli import RunMlgate

CONFIG = """\
version: 1
data:
  - path: data/*.csv
    schema: schemas/train.yaml
metrics:
  baseline: none
gates:
  accuracy: {direction: higher, threshold: 0.5}
drift:
  reference: file:data/ref.csv
  method: psi
  columns:
    age: {method: ks}
"""


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "src" / "deep").mkdir(parents=True)
    subprocess.run(["git", "init", "--quiet", str(repo)], check=True)
    (repo / "data").mkdir()
    (repo / "data" / "train.csv").write_text("a\n1\n")
    (repo / "schemas").mkdir()
    (repo / "schemas" / "train.yaml").write_text("schema_type: dataframe\n")
    (repo / "mlgate.yaml").write_text(CONFIG)
    return repo


def test_config_is_found_from_a_subfolder_with_paths_relative_to_it(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = _repo(tmp_path)
    run = mlgate("config", "check", "--format", "json", cwd=repo / "src" / "deep")
    assert run.code == 0, run.err
    assert "matches no file" not in run.err  # data/*.csv was read beside mlgate.yaml
    text = mlgate("config", "check", cwd=repo / "src" / "deep")
    assert text.out.splitlines()[0] == "mlgate.yaml: OK"  # the repository's path
    assert Path(json.loads(run.out)["path"]).resolve() == (repo / "mlgate.yaml").resolve()


def test_the_nearest_config_wins(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "src" / "mlgate.yml").write_text("version: 1\n")
    assert find_config(None, repo / "src" / "deep") == repo / "src" / "mlgate.yml"


def test_the_search_stops_at_the_repository_top(tmp_path: Path, mlgate: RunMlgate) -> None:
    (tmp_path / "mlgate.yaml").write_text(CONFIG)  # above the repository: not its config
    inner = tmp_path / "inner"
    subprocess.run(["git", "init", "--quiet", str(inner)], check=True)
    assert find_config(None, inner) is None
    run = mlgate("config", "check", cwd=inner)
    assert run.code == 2
    assert "no mlgate.yaml" in run.err and "mlgate init" in run.err


def test_config_check_prints_ok_and_no_internal_keys(tmp_path: Path, mlgate: RunMlgate) -> None:
    repo = _repo(tmp_path)
    text = mlgate("config", "check", cwd=repo)
    assert text.code == 0, text.err
    assert text.out.splitlines()[0].endswith(": OK")
    keys = [line.strip().split(":")[0] for line in text.out.splitlines()[1:]]
    assert "line" not in keys and "method_line" not in keys
    data = json.loads(mlgate("config", "check", "--format", "json", cwd=repo).out)
    assert "line" not in data["drift"] and "line" not in data["drift"]["columns"][0]
    assert data["drift"]["columns"][0] == {
        "name": "age",
        "ignore": False,
        "method": "ks",
        "threshold": None,
        "current": None,
    }
