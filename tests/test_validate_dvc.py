"""A `.dvc` pointer or `dvc.lock` among the paths stands for the data it tracks (real DVC repos)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, init_repo
from tests.helpers.validate_project import HEADER, SCHEMA, rows

CONFIG = "version: 1\ndata:\n  - path: data/*.csv\n    schema: schemas/s.yaml\n"


def dvc_repo(root: Path) -> Path:
    init_repo(root)
    (root / "schemas").mkdir()
    (root / "schemas" / "s.yaml").write_text(SCHEMA)
    (root / "mlgate.yaml").write_text(CONFIG)
    (root / "data").mkdir()
    return root


def files(root: Path) -> dict[str, str]:
    details = json.loads((root / ".mlgate" / "validate.json").read_text())["details"]
    return {f["path"]: f["status"] for f in details["files"]}


def test_a_dvc_pointer_stands_for_its_data(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = dvc_repo(tmp_path / "repo")
    (root / "data" / "train.csv").write_text(HEADER + rows(20))
    dvc(root, "add", "data/train.csv")
    commit(root, "data")
    good = mlgate("validate", "data/train.csv.dvc", "README.md", cwd=root)
    assert good.code == 0, good.out + good.err
    assert files(root) == {"data/train.csv": "pass"}

    (root / "data" / "train.csv").write_text(HEADER + rows(5) + "5,-1,a\n")
    dvc(root, "add", "data/train.csv")
    bad = mlgate("validate", "data/train.csv.dvc", cwd=root)
    assert bad.code == 1
    assert "line 7: -1" in bad.out


def test_a_pointer_without_its_data_says_dvc_pull(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = dvc_repo(tmp_path / "repo")
    (root / "data" / "train.csv").write_text(HEADER + rows(5))
    dvc(root, "add", "data/train.csv")
    (root / "data" / "train.csv").unlink()
    for args in (["data/train.csv.dvc"], []):
        result = mlgate("validate", *args, cwd=root)
        assert result.code == 2, result.out + result.err
        assert "data/train.csv: ERROR — tracked by DVC but not in the workspace" in result.out
        assert "run `dvc pull`" in result.out
        assert "Traceback" not in result.err


def test_a_tracked_folder_stands_for_the_files_in_it(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = dvc_repo(tmp_path / "repo")
    (root / "mlgate.yaml").write_text(CONFIG.replace("data/*.csv", "data/raw/*.csv"))
    (root / "data" / "raw").mkdir()
    (root / "data" / "raw" / "a.csv").write_text(HEADER + rows(3))
    (root / "data" / "raw" / "b.csv").write_text(HEADER + "1,1.0,q\n")
    dvc(root, "add", "data/raw")
    result = mlgate("validate", "data/raw.dvc", cwd=root)
    assert result.code == 1
    assert files(root) == {"data/raw/a.csv": "pass", "data/raw/b.csv": "fail"}


PREPARE = """\
import sys
rows = int(sys.argv[1])
bad = sys.argv[2] == "bad"
with open("data/train.csv", "w") as out:
    out.write("id,x,label\\n")
    for i in range(rows):
        out.write(f"{i},{-1 if bad and i == 3 else 1.5},a\\n")
"""


def test_dvc_lock_stands_for_pipeline_outputs(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = dvc_repo(tmp_path / "repo")
    (root / "prepare.py").write_text(PREPARE)
    (root / "params.yaml").write_text("quality: good\n")
    (root / "dvc.yaml").write_text(
        "stages:\n  prepare:\n"
        f"    cmd: {sys.executable} prepare.py 10 ${{quality}}\n"
        "    deps: [prepare.py]\n    params: [quality]\n    outs: [data/train.csv, model.pkl]\n"
    )
    (root / "prepare.py").write_text(PREPARE + "open('model.pkl', 'w').write('m')\n")
    dvc(root, "repro")
    commit(root, "pipeline")
    good = mlgate("validate", "dvc.lock", cwd=root)
    assert good.code == 0, good.out + good.err
    assert files(root) == {"data/train.csv": "pass"}  # model.pkl matches no configured glob

    (root / "params.yaml").write_text("quality: bad\n")
    dvc(root, "repro")
    bad = mlgate("validate", "dvc.lock", cwd=root)
    assert bad.code == 1
    assert "x: in_range(0, 10) — 1 row — line 5: -1" in bad.out

    (root / "data" / "train.csv").unlink()
    missing = mlgate("validate", "dvc.lock", cwd=root)
    assert missing.code == 2
    assert "run `dvc pull`" in missing.out


def test_data_not_pulled_is_reported_and_the_rest_validated(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    root = dvc_repo(tmp_path / "repo")
    (root / "data" / "train.csv").write_text(HEADER + rows(5))
    dvc(root, "add", "data/train.csv")
    (root / "data" / "train.csv").unlink()
    (root / "data" / "test.csv").write_text(HEADER + rows(3) + "3,-1,a\n")
    result = mlgate("validate", cwd=root)
    assert result.code == 2, result.out + result.err
    assert "data/train.csv: ERROR — tracked by DVC but not in the workspace" in result.out
    assert "run `dvc pull`" in result.out
    assert "data/test.csv: FAIL" in result.out
    assert "line 5: -1" in result.out
    assert files(root) == {"data/train.csv": "error", "data/test.csv": "fail"}

    staged = mlgate("validate", "data/train.csv.dvc", "data/test.csv", cwd=root)
    assert staged.code == 2
    assert files(root) == {"data/train.csv": "error", "data/test.csv": "fail"}


def test_schema_infer_on_data_not_pulled_says_dvc_pull(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = dvc_repo(tmp_path / "repo")
    (root / "data" / "train.csv").write_text(HEADER + rows(5))
    dvc(root, "add", "data/train.csv")
    (root / "data" / "train.csv").unlink()
    result = mlgate("schema", "infer", "data/train.csv", cwd=root)
    assert result.code == 2
    assert "data/train.csv: tracked by DVC but not in the workspace" in result.err
    assert "run `dvc pull`" in result.err


def test_the_plain_hook_validates_a_staged_pointer_whose_data_is_not_pulled(
    tmp_path: Path,
) -> None:
    """Not pulled is not "nothing to check": the hook runs validate, which says `dvc pull`."""
    from mlgate.gate import pre_commit_steps

    root = dvc_repo(tmp_path / "repo")
    (root / "data" / "train.csv").write_text(HEADER + rows(5))
    dvc(root, "add", "data/train.csv")
    (root / "data" / "train.csv").unlink()
    _, steps = pre_commit_steps(root, ["data/train.csv.dvc"], lambda _line: None)
    assert [step.label for step in steps] == ["validate"]
