"""First-hour papercuts (issue 28): the compare summary is one line, an interval below zero
is a worsening, the rows that would decide a check are never the rows at hand, and a gate
ends by saying where its reports are."""

from __future__ import annotations

import json
from pathlib import Path

from mlgate.core.wording import rows_would
from tests.helpers.cli import RunMlgate

TRUTH = [i % 3 for i in range(45)]


def _records(path: Path, wrong: int) -> float:
    rows = ["id,y_true,y_pred"]
    rows += [f"{i},{t},{(t + 1) % 3 if i < wrong else t}" for i, t in enumerate(TRUTH)]
    path.write_text("\n".join(rows) + "\n")
    return (len(TRUTH) - wrong) / len(TRUTH)


def _interval_project(repo: Path, base_wrong: int, cand_wrong: int) -> None:
    repo.mkdir(exist_ok=True)
    base = _records(repo / "base.csv", base_wrong)
    cand = _records(repo / "cand.csv", cand_wrong)
    (repo / "base.json").write_text(json.dumps({"accuracy": base}))
    (repo / "cand.json").write_text(json.dumps({"accuracy": cand}))
    (repo / "mlgate.yaml").write_text(
        "version: 1\n"
        "metrics:\n"
        "  candidate: file:cand.json\n"
        "  baseline: file:base.json\n"
        "  per_example: {candidate: cand.csv, baseline: base.csv}\n"
        "gates:\n"
        "  accuracy: {direction: higher, max_regression: 0.05, confidence: 0.95}\n"
    )


def _compare(repo: Path, mlgate: RunMlgate) -> dict:  # type: ignore[type-arg]
    mlgate("compare", "--no-log", cwd=repo)
    return json.loads((repo / ".mlgate" / "compare.json").read_text())  # type: ignore[no-any-return]


def test_the_interval_of_a_worsening_is_called_a_worsening(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    _interval_project(tmp_path, base_wrong=0, cand_wrong=30)
    (check,) = _compare(tmp_path, mlgate)["details"]["checks"]
    assert check["evidence"] == "violated"
    assert check["message"].startswith("worsening [")
    assert "improvement" not in check["message"]


def test_the_compare_summary_is_one_short_line(tmp_path: Path, mlgate: RunMlgate) -> None:
    _interval_project(tmp_path, base_wrong=0, cand_wrong=1)  # inconclusive: a long message
    result = _compare(tmp_path, mlgate)
    (check,) = result["details"]["checks"]
    assert len(check["message"]) > 150
    summary = result["summary"]
    assert "\n" not in summary and len(summary) < 160, summary
    assert summary.startswith("blocked against file:base.json: accuracy max_regression: ")


def test_many_failed_checks_are_counted_not_spelled_out(tmp_path: Path, mlgate: RunMlgate) -> None:
    names = [f"m{i}" for i in range(6)]
    (tmp_path / "base.json").write_text(json.dumps(dict.fromkeys(names, 0.9)))
    (tmp_path / "cand.json").write_text(json.dumps(dict.fromkeys(names, 0.5)))
    gates = "".join(f"  {name}: {{direction: higher, max_regression: 0.01}}\n" for name in names)
    (tmp_path / "mlgate.yaml").write_text(
        "version: 1\nmetrics: {candidate: file:cand.json, baseline: file:base.json}\n"
        f"gates:\n{gates}"
    )
    summary = _compare(tmp_path, mlgate)["summary"]
    assert summary.endswith(
        "m0 max_regression: worsened by 0.4, allowed worsening 0.01; "
        "m1 max_regression; m2 max_regression (+3 more)"
    ), summary


def test_rows_that_would_decide_are_more_than_the_rows_at_hand() -> None:
    assert rows_would(45, 340) == "about 340 would"
    assert rows_would(45, 46) == "about 46 would"
    assert rows_would(45, 45) == "a few more than 45 would"  # never "45 cannot; about 45 would"
    assert rows_would(120, 115) == "a few more than 120 would"  # 115 rounds up to 120


def test_gate_ends_by_saying_where_the_reports_are(tmp_path: Path, mlgate: RunMlgate) -> None:
    _interval_project(tmp_path, base_wrong=0, cand_wrong=0)
    run = mlgate("gate", "--skip", "report", cwd=tmp_path)
    assert run.code == 0, run.err
    last = run.err.strip().splitlines()[-1]
    assert last.startswith("reports: ") and ".mlgate/report.md" in last, last
    assert str(tmp_path) not in last  # a path in the repository, not the machine's
