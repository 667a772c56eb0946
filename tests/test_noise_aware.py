"""Gates with `confidence`: judged on paired intervals from per-example records, end to end.

Real files, a real git repo for `git:REF`, a real sqlite MLflow store for the registry.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, init_repo
from tests.helpers.mlflow_store import register_version


def records(path: Path, truth: list[int], predicted: list[int]) -> float:
    """A records file (id, y_true, y_pred); returns its accuracy."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["id,y_true,y_pred"]
    lines += [f"{i},{t},{p}" for i, (t, p) in enumerate(zip(truth, predicted, strict=True))]
    path.write_text("\n".join(lines) + "\n")
    return sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)


def metrics(path: Path, accuracy: float) -> None:
    path.write_text(json.dumps({"accuracy": accuracy}))


TRUTH = [i % 3 for i in range(45)]


def flipped(count: int, truth: list[int] = TRUTH) -> list[int]:
    """The truth with the first `count` predictions wrong."""
    return [(t + 1) % 3 if i < count else t for i, t in enumerate(truth)]


def file_config(gate: str, **extra: str) -> str:
    per_example = extra.get("per_example", "{candidate: cand.csv, baseline: base.csv}")
    return (
        "version: 1\n"
        "metrics:\n"
        "  candidate: file:cand.json\n"
        "  baseline: file:base.json\n"
        f"  per_example: {per_example}\n"
        "gates:\n"
        f"  accuracy: {{direction: higher, {gate}}}\n"
    )


def two_sides(repo: Path, base_flips: int, cand_flips: int, config: str) -> None:
    repo.mkdir(exist_ok=True)
    metrics(repo / "base.json", records(repo / "base.csv", TRUTH, flipped(base_flips)))
    metrics(repo / "cand.json", records(repo / "cand.csv", TRUTH, flipped(cand_flips)))
    (repo / "mlgate.yaml").write_text(config)


def compare(mlgate: RunMlgate, repo: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = mlgate("compare", "--format", "text", cwd=repo)
    path = repo / ".mlgate" / "compare.json"
    return result.code, (json.loads(path.read_text()) if path.exists() else {"err": result.err})


# --- config -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gate", "per_example", "said"),
    [
        ("max_regression: 0.01, confidence: 0.95", None, "metrics.per_example"),
        ("max_regression: 0.01, confidence: 1", "p.csv", "between 0 and 1"),
        ("max_regression: 0.01, confidence: 0", "p.csv", "between 0 and 1"),
        ("max_regression: 0.01, on_inconclusive: pass", "p.csv", "set `confidence`"),
        ("max_regression: 0.01, confidence: 0.9, on_inconclusive: maybe", "p.csv", "not one of"),
        ("max_regression: 0.01, confidence: 0.9, statistic: acc", "p.csv", "log_loss"),
    ],
)
def test_config_errors_name_file_line_and_what_to_do(
    tmp_path: Path, mlgate: RunMlgate, gate: str, per_example: str | None, said: str
) -> None:
    metrics_block = "metrics:\n  baseline: none\n"
    if per_example:
        metrics_block += f"  per_example: {per_example}\n"
    (tmp_path / "mlgate.yaml").write_text(
        f"version: 1\n{metrics_block}gates:\n  accuracy:\n    direction: higher\n"
        + "".join(f"    {part.strip()}\n" for part in gate.split(","))
    )
    result = mlgate("config", "check", cwd=tmp_path)
    assert result.code == 2
    assert said in result.err
    assert "mlgate.yaml:" in result.err


def test_a_gate_named_after_no_statistic_needs_one(tmp_path: Path, mlgate: RunMlgate) -> None:
    (tmp_path / "mlgate.yaml").write_text(
        "version: 1\nmetrics: {baseline: none, per_example: p.csv}\n"
        "gates:\n  acc: {direction: higher, threshold: 0.5, confidence: 0.95}\n"
    )
    result = mlgate("config", "check", cwd=tmp_path)
    assert result.code == 2
    assert "'acc' is not a statistic" in result.err and "accuracy" in result.err
    (tmp_path / "mlgate.yaml").write_text(
        "version: 1\n"
        "metrics:\n  baseline: none\n"
        "  per_example: {candidate: p.csv, y_true: actual, y_pred: predicted}\n"
        "gates:\n  acc: {direction: higher, confidence: 0.9, statistic: accuracy}\n"
    )
    shown = mlgate("config", "check", "--format", "json", cwd=tmp_path)
    assert shown.code == 0, shown.err
    config = json.loads(shown.out)
    assert config["gates"]["acc"]["statistic"] == "accuracy"
    assert config["gates"]["acc"]["on_inconclusive"] == "fail"
    assert config["metrics"]["per_example"]["y_true"] == "actual"


def test_records_outside_the_config_folder_are_refused(tmp_path: Path, mlgate: RunMlgate) -> None:
    (tmp_path / "mlgate.yaml").write_text(
        "version: 1\nmetrics: {baseline: none, per_example: ../p.csv}\n"
    )
    result = mlgate("config", "check", cwd=tmp_path)
    assert result.code == 2 and "outside the folder" in result.err


# --- the decision, file: sources --------------------------------------------------------------


def test_one_flip_on_45_rows_is_inconclusive_and_fails_by_default(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    two_sides(tmp_path, 0, 1, file_config("max_regression: 0.01, confidence: 0.95"))
    code, found = compare(mlgate, tmp_path)
    assert code == 1
    (check,) = found["details"]["checks"]
    assert check["evidence"] == "inconclusive"
    assert not check["passed"]
    assert check["pairing"] == "paired" and check["paired_rows"] == 45
    assert check["interval"]["estimate"] == pytest.approx(-1 / 45)
    assert check["interval"]["high"] == 0.0  # no row the candidate got right and baseline wrong
    assert check["interval"]["low"] < -0.01
    assert check["rows_needed"] > 45
    assert "45 paired examples cannot show a regression within 0.01; about" in check["message"]
    report = mlgate("report", "--format", "markdown", cwd=tmp_path)
    assert "-0.022 [-0.067, 0] 95%" in report.out.replace("\\", "")
    assert "inconclusive" in report.out


def test_on_inconclusive_pass_lets_it_through_and_says_so(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    config = file_config("max_regression: 0.01, confidence: 0.95, on_inconclusive: pass")
    two_sides(tmp_path, 0, 1, config)
    code, found = compare(mlgate, tmp_path)
    assert code == 0
    (check,) = found["details"]["checks"]
    assert check["evidence"] == "inconclusive" and check["passed"]
    assert "on_inconclusive: pass" in check["message"]
    assert "1 inconclusive, let through by on_inconclusive: pass" in found["summary"]


def test_a_point_rule_on_the_same_files_would_block(tmp_path: Path, mlgate: RunMlgate) -> None:
    two_sides(tmp_path, 0, 1, file_config("max_regression: 0.01"))
    code, found = compare(mlgate, tmp_path)
    assert code == 1
    assert "evidence" not in found["details"]["checks"][0] or (
        found["details"]["checks"][0]["evidence"] is None
    )


def test_identical_records_hold_and_a_large_regression_is_violated(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    two_sides(tmp_path, 3, 3, file_config("max_regression: 0, confidence: 0.95"))
    code, found = compare(mlgate, tmp_path)
    assert code == 0, found
    (check,) = found["details"]["checks"]
    assert check["evidence"] == "holds"
    assert (check["interval"]["low"], check["interval"]["high"]) == (0.0, 0.0)

    two_sides(tmp_path, 0, 30, file_config("max_regression: 0.05, confidence: 0.95"))
    code, found = compare(mlgate, tmp_path)
    assert code == 1
    assert found["details"]["checks"][0]["evidence"] == "violated"
    assert found["details"]["checks"][0]["rows_needed"] is None


def test_threshold_is_judged_on_the_candidates_own_interval(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    two_sides(tmp_path, 0, 5, file_config("threshold: 0.85, confidence: 0.95"))
    code, found = compare(mlgate, tmp_path)
    (check,) = found["details"]["checks"]
    assert check["rule"] == "threshold"
    # 40 of 45 right: 0.889, but the interval reaches below 0.85
    assert check["evidence"] == "inconclusive" and code == 1
    assert check["interval"]["low"] < 0.85 < check["interval"]["high"]


def test_records_that_disagree_with_the_metrics_file_exit_2(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    two_sides(tmp_path, 0, 1, file_config("max_regression: 0.01, confidence: 0.95"))
    metrics(tmp_path / "cand.json", 0.95)
    result = mlgate("compare", cwd=tmp_path)
    assert result.code == 2
    assert "give accuracy 0.977778" in result.err and "accuracy 0.95" in result.err
    # the baseline's too, when its metric is known
    two_sides(tmp_path, 0, 1, file_config("max_regression: 0.01, confidence: 0.95"))
    metrics(tmp_path / "base.json", 0.9)
    result = mlgate("compare", cwd=tmp_path)
    assert result.code == 2 and "baseline's metrics say accuracy 0.9" in result.err


def test_a_file_baseline_without_its_records_is_an_input_error(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    config = file_config("max_regression: 0.01, confidence: 0.95", per_example="cand.csv")
    two_sides(tmp_path, 0, 1, config)
    result = mlgate("compare", cwd=tmp_path)
    assert result.code == 2 and "must name its records too" in result.err


def test_renamed_columns_and_rows_without_ids(tmp_path: Path, mlgate: RunMlgate) -> None:
    tmp_path.mkdir(exist_ok=True)
    for name, flips in (("base", 0), ("cand", 0)):
        rows = [
            "actual,predicted",
            *(f"{t},{p}" for t, p in zip(TRUTH, flipped(flips), strict=True)),
        ]
        (tmp_path / f"{name}.csv").write_text("\n".join(rows) + "\n")
        metrics(tmp_path / f"{name}.json", 1.0)
    per_example = "{candidate: cand.csv, baseline: base.csv, y_true: actual, y_pred: predicted}"
    (tmp_path / "mlgate.yaml").write_text(
        file_config("max_regression: 0.01, confidence: 0.95", per_example=per_example)
    )
    code, found = compare(mlgate, tmp_path)
    assert code == 0, found
    assert found["details"]["per_example"]["pairing"] == "paired"


# --- git:REF ------------------------------------------------------------------------------------


def test_a_git_baseline_reads_the_records_at_that_revision(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "dvc.yaml").write_text(
        "stages:\n  evaluate:\n    cmd: 'true'\n"
        "    metrics:\n      - metrics.json:\n          cache: false\n"
    )
    metrics(repo / "metrics.json", records(repo / "eval" / "p.csv", TRUTH, flipped(0)))
    (repo / "mlgate.yaml").write_text(
        "version: 1\nmetrics:\n  candidate: dvc\n  baseline: git:main\n"
        "  per_example: eval/p.csv\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.01, confidence: 0.95}\n"
    )
    (repo / ".gitignore").write_text(".mlgate/\n")
    commit(repo, "champion")
    # The change in the workspace flips one prediction; the baseline is main's records.
    metrics(repo / "metrics.json", records(repo / "eval" / "p.csv", TRUTH, flipped(1)))
    code, found = compare(mlgate, repo)
    per_example = found.get("details", {}).get("per_example")
    assert per_example is not None, found
    assert per_example["baseline"]["source"] == "eval/p.csv at main"
    (check,) = found["details"]["checks"]
    assert check["evidence"] == "inconclusive" and code == 1


def test_a_git_revision_without_the_records_is_judged_on_points_loudly(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "dvc.yaml").write_text(
        "stages:\n  evaluate:\n    cmd: 'true'\n"
        "    metrics:\n      - metrics.json:\n          cache: false\n"
    )
    metrics(repo / "metrics.json", 1.0)
    (repo / "mlgate.yaml").write_text(
        "version: 1\nmetrics:\n  candidate: dvc\n  baseline: git:main\n"
        "  per_example: eval/p.csv\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.05, confidence: 0.95}\n"
    )
    (repo / ".gitignore").write_text(".mlgate/\n")
    commit(repo, "before records existed")
    metrics(repo / "metrics.json", records(repo / "eval" / "p.csv", TRUTH, flipped(1)))
    code, found = compare(mlgate, repo)
    assert code == 0, found
    (check,) = found["details"]["checks"]
    assert check["evidence"] == "point"
    assert "NO BASELINE RECORDS" in found["summary"]
    assert (
        "not in git (nor tracked by DVC) at main"
        in found["details"]["per_example"]["missing_reason"]
    )
    assert any("JUDGED ON POINT ESTIMATES" in note for note in found["details"]["notes"])
    assert any("NO BASELINE RECORDS" in note for note in found["details"]["notes"])
    assert "JUDGED ON POINT ESTIMATES" in mlgate("report", "--format", "markdown", cwd=repo).out


# --- the registry: promote stores the records, the next compare judges against them ------------

REGISTRY_CONFIG = """\
version: 1
mlflow:
  tracking_uri: sqlite:///mlflow.db
  model: wine
  model_path: model.pkl
metrics:
  candidate: file:metrics.json
  baseline: registry
  per_example: eval/p.csv
gates:
  accuracy: {direction: higher, max_regression: 0.01, confidence: 0.95}
"""


def workspace(repo: Path, flips: int) -> None:
    repo.mkdir(exist_ok=True)
    (repo / "model.pkl").write_text(f"a model with {flips} flips")
    metrics(repo / "metrics.json", records(repo / "eval" / "p.csv", TRUTH, flipped(flips)))
    (repo / "mlgate.yaml").write_text(REGISTRY_CONFIG)


def test_promote_stores_the_records_and_the_next_compare_pairs_with_them(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    workspace(tmp_path, 2)
    assert mlgate("compare", cwd=tmp_path).code == 0  # bootstrap
    promoted = mlgate("promote", cwd=tmp_path)
    assert promoted.code == 0, promoted.err
    assert (
        json.loads((tmp_path / ".mlgate" / "promote.json").read_text())["details"]["per_example"]
        == "eval/p.csv"
    )

    workspace(tmp_path, 2)  # the same predictions: the interval is exactly [0, 0]
    code, found = compare(mlgate, tmp_path)
    assert code == 0, found
    (check,) = found["details"]["checks"]
    assert check["evidence"] == "holds"
    assert (check["interval"]["low"], check["interval"]["high"]) == (0.0, 0.0)
    assert found["details"]["per_example"]["baseline"]["source"].startswith("models:/wine/1")

    workspace(tmp_path, 3)  # one more miss than the champion: inconclusive on 45 rows
    code, found = compare(mlgate, tmp_path)
    assert code == 1
    assert found["details"]["checks"][0]["evidence"] == "inconclusive"


def test_promote_refuses_records_changed_since_the_decision(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    workspace(tmp_path, 0)
    assert mlgate("compare", cwd=tmp_path).code == 0
    rows = (tmp_path / "eval" / "p.csv").read_text()
    (tmp_path / "eval" / "p.csv").write_text(rows.replace("\n0,0,0\n", "\n0,0,0.0\n"))
    result = mlgate("promote", cwd=tmp_path)
    assert result.code == 1
    assert "per-example records (eval/p.csv) changed since the decision" in result.out + result.err


def test_a_champion_promoted_without_records_is_judged_on_points_loudly(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    workspace(tmp_path, 1)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    register_version(uri, "wine", model_metrics={"accuracy": 1.0}, alias="champion")
    code, found = compare(mlgate, tmp_path)
    # -0.022 against the champion's 1.0: the point rule blocks; the interval was not available
    assert code == 1
    (check,) = found["details"]["checks"]
    assert check["evidence"] == "point" and check["interval"] is None
    missing = found["details"]["per_example"]["missing_reason"]
    assert "promoted without per-example records" in missing
    assert any(note.startswith("NO BASELINE RECORDS") for note in found["details"]["notes"])
    report = mlgate("report", "--format", "markdown", cwd=tmp_path).out
    assert "JUDGED ON POINT ESTIMATES" in report


WRITE_RECORDS = """\
import json, yaml
flips = yaml.safe_load(open("params.yaml"))["flips"]
truth = [i % 3 for i in range(45)]
predicted = [(t + 1) % 3 if i < flips else t for i, t in enumerate(truth)]
import os; os.makedirs("eval", exist_ok=True)
with open("eval/p.csv", "w") as out:
    out.write("id,y_true,y_pred\\n")
    out.writelines(f"{i},{t},{p}\\n" for i, (t, p) in enumerate(zip(truth, predicted)))
json.dump({"accuracy": sum(t == p for t, p in zip(truth, predicted)) / 45}, open("m.json", "w"))
"""


def test_a_git_baseline_reads_records_dvc_caches_through_dvc(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    import sys

    repo = init_repo(tmp_path / "repo")
    (repo / "write.py").write_text(WRITE_RECORDS)
    (repo / "params.yaml").write_text("flips: 0\n")
    (repo / "dvc.yaml").write_text(
        "stages:\n  evaluate:\n"
        f"    cmd: {sys.executable} write.py\n"
        "    deps: [write.py]\n    params: [flips]\n"
        "    outs: [eval/p.csv]\n"  # cached by DVC: git holds only its hash in dvc.lock
        "    metrics:\n      - m.json:\n          cache: false\n"
    )
    (repo / "mlgate.yaml").write_text(
        "version: 1\nmetrics:\n  candidate: dvc\n  baseline: git:main\n"
        "  per_example: eval/p.csv\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.01, confidence: 0.95}\n"
    )
    (repo / ".gitignore").write_text(".mlgate/\n")
    dvc(repo, "repro", "--quiet")
    commit(repo, "champion")
    (repo / "params.yaml").write_text("flips: 1\n")
    dvc(repo, "repro", "--quiet")
    code, found = compare(mlgate, repo)
    per_example = found.get("details", {}).get("per_example")
    assert per_example is not None, found
    assert per_example["baseline"] == {"source": "eval/p.csv at main", "rows": 45}
    (check,) = found["details"]["checks"]
    assert check["evidence"] == "inconclusive" and code == 1
    assert check["interval"]["high"] == 0.0


def test_evaluation_sets_that_share_no_ids_are_judged_as_independent_samples(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    two_sides(tmp_path, 0, 0, file_config("max_regression: 0.2, confidence: 0.95"))
    rows = (tmp_path / "cand.csv").read_text().splitlines()
    shifted = [rows[0], *(f"{int(r.split(',')[0]) + 1000},{r.split(',', 1)[1]}" for r in rows[1:])]
    (tmp_path / "cand.csv").write_text("\n".join(shifted) + "\n")
    code, found = compare(mlgate, tmp_path)
    (check,) = found["details"]["checks"]
    assert check["pairing"] == "unpaired" and check["paired_rows"] == 0
    assert check["interval"]["method"].startswith("independent samples")
    assert "share 0 ids" in found["details"]["per_example"]["note"]
    assert code == 0 and check["evidence"] == "holds"


@pytest.mark.parametrize(
    ("field", "value"),
    [("evidence", "probably"), ("rows_needed", "1,900"), ("interval", {"low": "-0.1"})],
)
def test_a_result_file_with_a_bad_interval_field_is_refused_before_rendering(
    tmp_path: Path, mlgate: RunMlgate, field: str, value: object
) -> None:
    two_sides(tmp_path, 0, 1, file_config("max_regression: 0.01, confidence: 0.95"))
    compare(mlgate, tmp_path)
    path = tmp_path / ".mlgate" / "compare.json"
    found = json.loads(path.read_text())
    found["details"]["checks"][0][field] = value
    path.write_text(json.dumps(found))
    result = mlgate("report", "--format", "markdown", cwd=tmp_path)
    assert result.code == 2
    assert field in result.err
