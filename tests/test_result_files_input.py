"""Result files damaged or forged (a fork's artifact that the privileged poster renders), and
registry history tags written by hand: exit 2 naming the file and the field, never a crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlgate.core.errors import InputError
from mlgate.registry import history_events
from mlgate.results import read_result
from tests.helpers.cli import RunMlgate


def envelope(command: str, details: Any, **fields: Any) -> dict[str, Any]:
    return {
        "mlgate": "0.1.0",
        "schema": 1,
        "command": command,
        "status": "fail",
        "summary": "forged",
        "started_at": "2026-01-01T00:00:00+00:00",
        "duration_s": 1.0,
        "details": details,
        **fields,
    }


GOOD_CHECK = {"metric": "acc", "rule": "threshold", "passed": False, "message": "0.5 < 0.9"}

FORGED = {
    "status not a word": (envelope("compare", {}, status=5), "status: expected 'pass'"),
    "summary a list": (envelope("compare", {}, summary=["x"]), "summary: expected a string"),
    "details a string": (envelope("compare", "x"), "details: expected an object"),
    "check not an object": (envelope("compare", {"checks": [1]}), "details.checks[0]: expected"),
    "check without passed": (
        envelope("compare", {"checks": [{"metric": "acc", "rule": "r", "message": "m"}]}),
        "details.checks[0]: missing 'passed'",
    ),
    "metric name a number": (
        envelope("compare", {"checks": [{**GOOD_CHECK, "metric": 1}]}),
        "details.checks[0].metric: expected a string, got int",
    ),
    "version breaking the chart": (
        envelope("compare", {"history": [{"version": '1"]\n```\n## ✅ passed', "metrics": {}}]}),
        "details.history[0].version: expected an integer or a version number, got the string",
    ),
    "baseline url an object": (
        envelope("compare", {"baseline": {"url": {"x": 1}}}),
        "details.baseline.url: expected a string or null, got an object",
    ),
    "candidate url an object": (
        envelope("compare", {"candidate": {"url": ["http://x"]}}),
        "details.candidate.url: expected a string or null, got a list",
    ),
    "changed param name an object": (
        envelope(
            "compare",
            {"changes": {"params": {"changed": [{"file": "params.yaml", "name": {"x": 1}}]}}},
        ),
        "details.changes.params.changed[0].name: expected a string, got an object",
    ),
    "changed param value a list": (
        envelope(
            "compare",
            {
                "changes": {
                    "params": {"changed": [{"file": "p.yaml", "name": "n", "baseline": ["|", "x"]}]}
                }
            },
        ),
        "details.changes.params.changed[0].baseline: expected",
    ),
    "params unchanged a string": (
        envelope("compare", {"changes": {"params": {"unchanged": "all of them"}}}),
        "details.changes.params.unchanged: expected an integer",
    ),
    "params missing_reason a number": (
        envelope("compare", {"changes": {"params": {"missing_reason": 3}}}),
        "details.changes.params.missing_reason: expected a string or null, got int",
    ),
    "data rows a string": (
        envelope("compare", {"changes": {"data": [{"path": "d.csv", "rows": "10 | x"}]}}),
        "details.changes.data[0].rows: expected an integer or null",
    ),
    "data changed a number": (
        envelope("compare", {"changes": {"data": [{"path": "d.csv", "changed": 1}]}}),
        "details.changes.data[0].changed: expected true or false or null, got int",
    ),
    "data without a path": (
        envelope("compare", {"changes": {"data": [{"rows": 3}]}}),
        "details.changes.data[0]: missing 'path'",
    ),
    "gate link an object": (
        envelope("gate", {"links": {"workflow_run": {"href": "x"}}}),
        "details.links.workflow_run: expected a string or null, got an object",
    ),
    "validate files a string": (envelope("validate", {"files": "x"}), "details.files: expected"),
    "repro stage name an object": (
        envelope("repro", {"stages": [{"name": {}, "status": "ok"}]}),
        "details.stages[0].name: expected a string",
    ),
    "repro check state unknown": (
        envelope("repro", {"mode": "check", "stages": [{"name": "t", "state": "pwned"}]}),
        "details.stages[0].state: expected 'stale' or 'not_pulled' or 'up_to_date'",
    ),
    "gate skipped without a reason": (
        envelope("gate", {"skipped": [{"step": "repro"}]}),
        "details.skipped[0]: missing 'reason'",
    ),
}


@pytest.mark.parametrize("case", sorted(FORGED))
def test_forged_result_files_are_exit_2_with_the_field(
    case: str, tmp_path: Path, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLGATE_RESULTS_DIR", raising=False)
    data, message = FORGED[case]
    results = tmp_path / ".mlgate"
    results.mkdir()
    (results / f"{data['command']}.json").write_text(json.dumps(data))
    if data["command"] == "gate":
        (results / "compare.json").write_text(json.dumps(envelope("compare", {})))
    result = mlgate("report", "--no-post", cwd=tmp_path)
    assert result.code == 2, result.out + result.err
    assert f"{data['command']}.json: {message}" in result.err
    assert "internal error" not in result.err


def test_a_deeply_nested_result_file(tmp_path: Path) -> None:
    path = tmp_path / "compare.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match="not a readable mlgate result file"):
        read_result(path)


def test_results_mlgate_writes_pass_the_check(tmp_path: Path) -> None:
    path = tmp_path / "compare.json"
    details = {
        "checks": [{**GOOD_CHECK, "skipped": False, "delta": None, "limit": 0.9}],
        "ungated": [{"metric": "f1", "candidate": 0.8, "baseline": None}],
        "baseline": {"source": "models:/m@champion", "version": "3", "metrics": {"acc": 0.9}},
        "candidate": {"source": "dvc", "metrics": {"acc": 0.5, "name": "x"}},
        "history": [{"version": "3", "metrics": {"acc": 0.9}}],
        "notes": [],
        "changes": {
            "params": {
                "source": "m v3 (run abc)",
                "missing_reason": None,
                "changed": [
                    {"file": "params.yaml", "name": "n", "baseline": 100, "candidate": 20},
                    {"file": "params.yaml", "name": "new", "baseline": None, "candidate": "x"},
                ],
                "unchanged": 4,
            },
            "data": [
                {"path": "data/train.csv", "rows": 10, "baseline_rows": 9, "changed": True},
                {"path": "data/test.csv", "rows": None, "baseline_rows": None, "changed": None},
            ],
        },
    }
    path.write_text(json.dumps(envelope("compare", details)))
    assert read_result(path)["details"] == details
    gate = tmp_path / "gate.json"
    links = {"workflow_run": "https://github.com/o/r/actions/runs/1", "commit": None}
    gate.write_text(json.dumps(envelope("gate", {"steps": [], "links": links})))
    assert read_result(gate)["details"]["links"] == links


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("mlgate.history.champion.abc", '{"version": "1"}'),
        ("mlgate.history.champion.1700000000000", "not json"),
        ("mlgate.history.champion.1700000000000", '{"version": "1\\n## passed"}'),
        ("mlgate.history.champion.1700000000000", '["1"]'),
        ("mlgate.history.champion.1700000000000", "[" * 100_000),
    ],
)
def test_malformed_history_tags_are_input_errors(key: str, value: str) -> None:
    good = {"mlgate.history.champion.1600000000000": '{"version": "1", "action": "promote"}'}
    assert history_events(good, "champion")[0]["version"] == "1"
    with pytest.raises(InputError, match=r"registered model tag 'mlgate\.history\.champion"):
        history_events({**good, key: value}, "champion")
