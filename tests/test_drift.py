"""`mlgate profile` and `mlgate drift` on the example's wine data, driven through the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import cmarkgfm
import numpy as np
import pandas as pd
import pytest
from cmarkgfm.cmark import Options
from scipy import stats

from mlgate.drift import BINS, TAIL_EDGES, profile_paths
from tests.helpers.cli import RunMlgate

FEATURES_SHIFT_SD = 1.0


# validate (run by gate) refuses a schema that checks nothing: the data's label column.
TARGET_SCHEMA = "schema_type: dataframe\ncolumns:\n  target: {dtype: int64}\n"


def wine() -> pd.DataFrame:
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame
    frame.columns = [re.sub(r"[^0-9a-zA-Z]+", "_", c).strip("_").lower() for c in frame.columns]
    frame["target"] = frame["target"].astype("int64")
    return frame


@pytest.fixture
def data(tmp_path: Path) -> Path:
    frame = wine()
    frame.to_csv(tmp_path / "train.csv", index=False)
    frame.sample(len(frame), replace=True, random_state=3).to_csv(
        tmp_path / "resample.csv", index=False
    )
    shifted = frame.copy()
    for column in shifted.columns[:-1]:
        shifted[column] = shifted[column] + FEATURES_SHIFT_SD * shifted[column].std()
    shifted.to_csv(tmp_path / "shifted.csv", index=False)
    return tmp_path


def drift_json(folder: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((folder / ".mlgate" / "drift.json").read_text("utf-8"))
    return result


def test_profile_is_compact_and_versioned(mlgate: RunMlgate, data: Path) -> None:
    run = mlgate("profile", "train.csv", "-o", "ref.json", cwd=data)
    assert run.code == 0, run.err
    profile = json.loads((data / "ref.json").read_text("utf-8"))
    assert profile["mlgate_profile"] == 1
    assert profile["rows"] == 178
    assert profile["files"][0]["path"] == "train.csv"
    assert re.fullmatch(r"[0-9a-f]{64}", profile["files"][0]["sha256"])
    alcohol = profile["columns"]["alcohol"]
    assert alcohol["kind"] == "numeric"
    assert sum(alcohol["bins"]["counts"]) == 178
    assert sum(count for _, count in alcohol["values"]) == 178


def test_a_resample_does_not_drift_and_a_shifted_copy_does(mlgate: RunMlgate, data: Path) -> None:
    assert mlgate("profile", "train.csv", "-o", "ref.json", cwd=data).code == 0
    calm = mlgate("drift", "--reference", "file:ref.json", "--current", "resample.csv", cwd=data)
    assert calm.code == 0, calm.out + calm.err
    assert drift_json(data)["details"]["dataset_drifted"] is False
    moved = mlgate("drift", "--reference", "file:ref.json", "--current", "shifted.csv", cwd=data)
    assert moved.code == 1, moved.out + moved.err
    details = drift_json(data)["details"]
    assert details["dataset_drifted"] is True
    by_name = {column["column"]: column for column in details["columns"]}
    assert by_name["alcohol"]["method"] == "ks"  # 178 rows: Evidently's small-data test
    assert by_name["alcohol"]["drifted"] is True
    assert by_name["target"]["method"] == "chi2"  # three classes
    assert by_name["target"]["drifted"] is False  # the labels were not shifted


def test_data_as_reference_is_profiled_on_the_fly(mlgate: RunMlgate, data: Path) -> None:
    run = mlgate("drift", "--reference", "file:train.csv", "--current", "shifted.csv", cwd=data)
    assert run.code == 1, run.out + run.err


def test_markdown_has_the_table_and_a_chart_with_escaped_names(
    mlgate: RunMlgate, tmp_path: Path
) -> None:
    hostile = "@admin <b>x</b> | `y`"
    frame = pd.DataFrame({hostile: np.arange(100.0), "z": np.arange(100.0)})
    frame.to_csv(tmp_path / "a.csv", index=False)
    (frame + 500).to_csv(tmp_path / "b.csv", index=False)
    run = mlgate(
        "drift",
        "--reference",
        "file:a.csv",
        "--current",
        "b.csv",
        "--format",
        "markdown",
        cwd=tmp_path,
    )
    assert run.code == 1
    assert "### ⚠️ Data drift" in run.out
    assert "xychart-beta" in run.out
    html = cmarkgfm.github_flavored_markdown_to_html(run.out, options=Options.CMARK_OPT_UNSAFE)
    assert "<b>" not in html  # the name shows as text, never as markup
    assert "&lt;b&gt;" in html
    chart = run.out.split("```mermaid", 1)[1]
    assert "<" not in chart and "`y`" not in chart


def test_a_column_on_one_side_only_is_named(mlgate: RunMlgate, data: Path) -> None:
    frame = pd.read_csv(data / "resample.csv").drop(columns=["hue"])
    frame.to_csv(data / "short.csv", index=False)
    run = mlgate("drift", "--reference", "file:train.csv", "--current", "short.csv", cwd=data)
    assert run.code == 2
    assert "'hue'" in run.err
    assert drift_json(data)["status"] == "error"


def test_a_column_whose_type_changed_is_named(mlgate: RunMlgate, data: Path) -> None:
    frame = pd.read_csv(data / "resample.csv")
    frame["hue"] = "h" + frame["hue"].astype(str)
    frame.to_csv(data / "typed.csv", index=False)
    run = mlgate("drift", "--reference", "file:train.csv", "--current", "typed.csv", cwd=data)
    assert run.code == 2
    assert "'hue' changed type" in run.err


def test_skew_maps_renamed_features_and_ignores_columns(mlgate: RunMlgate, data: Path) -> None:
    serving = pd.read_csv(data / "resample.csv").rename(columns={"proline": "proline_mg_l"})
    serving = serving.drop(columns=["target"])  # serving data has no labels
    serving.to_parquet(data / "serving_sample.parquet")
    (data / "mlgate.yaml").write_text(
        "version: 1\n"
        "drift:\n"
        "  reference: file:train.csv\n"
        "  columns:\n"
        "    target: {ignore: true}\n"
        "    proline: {current: proline_mg_l, method: psi, threshold: 0.2}\n",
        encoding="utf-8",
    )
    run = mlgate("drift", "--current", "serving_sample.parquet", cwd=data)
    assert run.code == 0, run.out + run.err
    details = drift_json(data)["details"]
    assert details["ignored"] == ["target"]
    proline = next(c for c in details["columns"] if c["column"] == "proline")
    assert proline["current_column"] == "proline_mg_l"
    assert (proline["method"], proline["threshold"]) == ("psi", 0.2)


def test_config_uses_data_paths_as_current_by_default(mlgate: RunMlgate, data: Path) -> None:
    (data / "schema.yaml").write_text(TARGET_SCHEMA, encoding="utf-8")
    (data / "mlgate.yaml").write_text(
        "version: 1\n"
        "data:\n  - path: shifted.csv\n    schema: schema.yaml\n"
        "drift:\n  reference: file:train.csv\n  max_drifted_share: 1.0\n",
        encoding="utf-8",
    )
    run = mlgate("drift", cwd=data)
    assert run.code == 0  # 13 of 14 drifted: under a share of 100% the dataset holds
    assert drift_json(data)["details"]["drifted_share"] == pytest.approx(13 / 14)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("  method: kss\n", "did you mean 'ks'"),
        ("  reference: s3://bucket\n", "unknown reference"),
        ("  max_drifted_share: 0\n", "more than 0"),
        ("  columns:\n    a: {ignor: true}\n", "did you mean 'ignore'"),
        ("  threshold: -1\n", "more than 0"),
    ],
)
def test_config_errors_name_the_line(
    mlgate: RunMlgate, tmp_path: Path, section: str, message: str
) -> None:
    (tmp_path / "mlgate.yaml").write_text("version: 1\ndrift:\n" + section, encoding="utf-8")
    run = mlgate("config", "check", cwd=tmp_path)
    assert run.code == 2
    assert message in run.err
    assert "mlgate.yaml:3" in run.err or "mlgate.yaml:4" in run.err


def test_a_missing_champion_is_no_verdict(mlgate: RunMlgate, data: Path) -> None:
    (data / "mlgate.yaml").write_text(
        "version: 1\nmlflow:\n  tracking_uri: sqlite:///mlflow.db\n  model: wine\n"
        "drift:\n  reference: registry\n",
        encoding="utf-8",
    )
    run = mlgate("drift", "--current", "train.csv", cwd=data)
    assert run.code == 3, run.err
    assert (
        "the MLflow store mlflow.db does not exist yet, so registered model 'wine' does not "
        "either, so there is no champion's profile" in run.err
    )
    assert not (data / "mlflow.db").exists()  # reading creates no store


def test_a_typo_in_the_model_name_is_not_a_first_model(mlgate: RunMlgate, data: Path) -> None:
    from tests.helpers.mlflow_store import register_version

    uri = f"sqlite:///{data / 'mlflow.db'}"
    register_version(uri, "wine-classifier", alias="champion")
    (data / "mlgate.yaml").write_text(
        f"version: 1\nmlflow:\n  tracking_uri: {uri}\n  model: wine-clasifier\n"
        "drift:\n  reference: registry\n",
        encoding="utf-8",
    )
    run = mlgate("drift", "--current", "train.csv", cwd=data)
    assert run.code == 2, run.err
    assert "did you mean 'wine-classifier'" in run.err


def test_gate_of_a_first_model_says_drift_did_not_run_and_passes(
    mlgate: RunMlgate, data: Path
) -> None:
    """No champion yet: nothing to compare the data with, by design. The step is listed as not
    run (bootstrap), not as an error, and the gate is a plain pass, not pass-with-skips."""
    (data / "schema.yaml").write_text(TARGET_SCHEMA, encoding="utf-8")
    (data / "mlgate.yaml").write_text(
        "version: 1\ndata:\n  - path: train.csv\n    schema: schema.yaml\n"
        "mlflow:\n  tracking_uri: sqlite:///mlflow.db\n  model: wine\n"
        "drift:\n  reference: registry\n  block: true\n",
        encoding="utf-8",
    )
    run = mlgate("gate", "--format", "json", cwd=data)
    assert run.code == 0, run.out + run.err
    gate = json.loads((data / ".mlgate" / "gate.json").read_text("utf-8"))
    (skipped,) = [entry for entry in gate["details"]["skipped"] if entry["step"] == "drift"]
    assert skipped["cause"] == "bootstrap"
    assert "no champion's profile" in skipped["reason"]
    assert gate["details"]["decision"] == "pass"
    assert not (data / ".mlgate" / "drift.json").exists()


def test_the_champion_profile_is_the_reference(mlgate: RunMlgate, data: Path) -> None:
    from mlgate.registry import Registry, store_profile
    from tests.helpers.mlflow_store import register_version

    uri = f"sqlite:///{data / 'mlflow.db'}"
    version = register_version(uri, "wine", alias="champion")
    assert mlgate("profile", "train.csv", "-o", "ref.json", cwd=data).code == 0
    store_profile(Registry(uri), version.run_id, data / "ref.json")
    (data / "mlgate.yaml").write_text(
        f"version: 1\nmlflow:\n  tracking_uri: {uri}\n  model: wine\n"
        "drift:\n  reference: registry\n",
        encoding="utf-8",
    )
    assert mlgate("drift", "--current", "resample.csv", cwd=data).code == 0
    assert mlgate("drift", "--current", "shifted.csv", cwd=data).code == 1


def test_one_pass_bins_hold_exact_counts_on_sorted_data(tmp_path: Path) -> None:
    """A file sorted by value: the first chunk sees only the lowest values, so the grid must
    grow as the rest arrives; counts stay exact and edges near the quantiles."""
    rng = np.random.default_rng(7)
    values = np.sort(rng.lognormal(0, 1.5, 60_000))
    pd.DataFrame({"x": values}).to_csv(tmp_path / "sorted.csv", index=False)
    profile = profile_paths([tmp_path / "sorted.csv"], chunk_rows=5_000)
    column = profile["columns"]["x"]
    edges, counts = np.array(column["bins"]["edges"]), np.array(column["bins"]["counts"])
    assert counts.sum() == 60_000
    exact = np.histogram(values, edges)[0]
    exact[-1] -= np.sum(values == edges[-1])  # numpy closes its last bin; ours are half-open
    assert (counts == exact).all()
    assert len(counts) <= BINS + 2 * TAIL_EDGES
    assert counts.max() <= 2 * 60_000 / BINS  # about equal counts


def test_binned_ks_is_within_the_binning_of_scipy(tmp_path: Path) -> None:
    from mlgate.drift import present
    from mlgate.drift.stats import _cdf_at, _grid

    rng = np.random.default_rng(3)
    ref, cur = rng.normal(0, 1, 50_000), rng.normal(0.05, 1.1, 40_000)
    pd.DataFrame({"x": ref}).to_csv(tmp_path / "r.csv", index=False)
    pd.DataFrame({"x": cur}).to_csv(tmp_path / "c.csv", index=False)
    reference = profile_paths([tmp_path / "r.csv"])["columns"]["x"]
    grid_edges = np.array(reference["bins"]["edges"])
    current = profile_paths([tmp_path / "c.csv"], grids={"x": grid_edges}, merge=False)
    column = current["columns"]["x"]
    points = _grid(reference, column)
    binned = np.max(
        np.abs(_cdf_at(reference, points) / present(reference) - _cdf_at(column, points) / 40_000)
    )
    exact = stats.ks_2samp(ref, cur).statistic
    assert abs(binned - exact) <= 1.5 / BINS


def gate_config(folder: Path, *, block: bool) -> None:
    (folder / "schema.yaml").write_text(TARGET_SCHEMA, encoding="utf-8")
    (folder / "mlgate.yaml").write_text(
        "version: 1\n"
        "data:\n  - path: shifted.csv\n    schema: schema.yaml\n"
        f"drift:\n  reference: file:train.csv\n  block: {'true' if block else 'false'}\n",
        encoding="utf-8",
    )


def test_gate_reports_drift_without_blocking_by_default(mlgate: RunMlgate, data: Path) -> None:
    gate_config(data, block=False)
    run = mlgate("gate", cwd=data)
    assert run.code == 0, run.out + run.err
    report = (data / ".mlgate" / "report.md").read_text("utf-8")
    assert "Data drift" in report
    assert "xychart-beta" in report
    assert drift_json(data)["status"] == "fail"


def test_gate_blocks_on_drift_when_told(mlgate: RunMlgate, data: Path) -> None:
    gate_config(data, block=True)
    run = mlgate("gate", cwd=data)
    assert run.code == 1, run.out + run.err


def test_gate_reports_a_drift_check_that_could_not_run_without_blocking(
    mlgate: RunMlgate, data: Path
) -> None:
    gate_config(data, block=False)
    text = (data / "mlgate.yaml").read_text("utf-8").replace("file:train.csv", "file:gone.csv")
    (data / "mlgate.yaml").write_text(text, encoding="utf-8")
    assert mlgate("gate", cwd=data).code == 0
    assert drift_json(data)["status"] == "error"
    (data / "mlgate.yaml").write_text(text.replace("block: false", "block: true"), "utf-8")
    assert mlgate("gate", cwd=data).code == 2  # under block: true it fails closed


def test_promote_stores_the_training_profile_and_drift_reads_it(
    mlgate: RunMlgate, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: the promoted version carries the profile of the data it was trained on;
    `reference: registry` compares new data with it."""
    from tests.helpers.promote_project import make_repo

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLGATE_RESULTS_DIR", raising=False)
    repo = make_repo(data / "repo")
    for name in ("train.csv", "resample.csv", "shifted.csv"):
        (repo / name).write_bytes((data / name).read_bytes())
    (repo / "schema.yaml").write_text("schema_type: dataframe\ncolumns: {}\n", encoding="utf-8")
    with (repo / "mlgate.yaml").open("a", encoding="utf-8") as config:
        config.write(
            "data:\n  - path: train.csv\n    schema: schema.yaml\ndrift:\n  reference: registry\n"
        )
    assert mlgate("compare", cwd=repo).code == 0
    promoted = mlgate("promote", cwd=repo)
    assert promoted.code == 0, promoted.err
    promote_json = json.loads((repo / ".mlgate" / "promote.json").read_text("utf-8"))
    assert promote_json["details"]["profile"] == "mlgate/profile.json"
    assert mlgate("drift", "--current", "resample.csv", cwd=repo).code == 0
    moved = mlgate("drift", "--current", "shifted.csv", cwd=repo)
    assert moved.code == 1, moved.err
    assert drift_json(repo)["details"]["reference"]["files"][0]["path"] == "train.csv"


def test_the_reference_at_a_git_revision_is_the_data_git_held_there(
    mlgate: RunMlgate, data: Path, tmp_path: Path
) -> None:
    """`git:REF` reads the configured files as committed at REF, from a project that is a
    subfolder of its repository, through mlgate's one git runner."""
    from tests.helpers.dvc_repos import git

    repo = tmp_path / "repo"
    project = repo / "project"
    project.mkdir(parents=True)
    (project / "data.csv").write_bytes((data / "train.csv").read_bytes())
    (project / "schema.yaml").write_text("schema_type: dataframe\ncolumns: {}\n")
    (project / "mlgate.yaml").write_text(
        "version: 1\ndata:\n  - path: data.csv\n    schema: schema.yaml\n"
        "drift:\n  reference: git:HEAD\n"
    )
    git(repo, "init", "--quiet")
    git(repo, "add", "--all")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "data")
    calm = mlgate("drift", "--current", str(data / "resample.csv"), cwd=project)
    assert calm.code == 0, calm.out + calm.err
    assert drift_json(project)["details"]["dataset_drifted"] is False
    moved = mlgate("drift", "--current", str(data / "shifted.csv"), cwd=project)
    assert moved.code == 1, moved.out + moved.err
    missing = mlgate("drift", "--reference", "git:no-such-ref", cwd=project)
    assert missing.code == 2, missing.out + missing.err
    assert "no such revision" in missing.err, missing.err
    assert "git:no-such-ref" in missing.err


def test_the_reference_at_a_git_revision_reads_data_dvc_tracks(
    mlgate: RunMlgate, data: Path, tmp_path: Path
) -> None:
    """Most training data is DVC-tracked: `git:main` reads it as DVC does at main (from the
    local cache here), and with neither the cache nor a remote holding it, says so (exit 3,
    naming the file and `dvc fetch`) rather than "no file matches"."""
    import shutil

    from tests.helpers.dvc_repos import commit, dvc, git, init_repo

    repo = init_repo(tmp_path / "repo")
    (repo / "data").mkdir()
    shutil.copy(data / "train.csv", repo / "data" / "train.csv")
    (repo / "schema.yaml").write_text("schema_type: dataframe\ncolumns: {}\n")
    (repo / "mlgate.yaml").write_text(
        "version: 1\ndata:\n  - path: data/*.csv\n    schema: schema.yaml\n"
        "drift:\n  reference: git:main\n"
    )
    dvc(repo, "add", "--quiet", "data/train.csv")
    commit(repo, "the training data, tracked by DVC")
    git(repo, "switch", "--quiet", "-c", "change")
    shutil.copy(data / "shifted.csv", repo / "data" / "train.csv")
    moved = mlgate("drift", cwd=repo)
    assert moved.code == 1, moved.out + moved.err
    assert drift_json(repo)["details"]["dataset_drifted"] is True
    shutil.copy(data / "resample.csv", repo / "data" / "train.csv")
    calm = mlgate("drift", cwd=repo)
    assert calm.code == 0, calm.out + calm.err

    shutil.rmtree(repo / ".dvc" / "cache")
    lost = mlgate("drift", cwd=repo)
    assert lost.code == 3, lost.out + lost.err
    assert "data/train.csv" in lost.err and "dvc fetch" in lost.err, lost.err
