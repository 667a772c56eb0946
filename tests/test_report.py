"""The report: rendering (pure), `mlgate report` and `mlgate gate` against a GitHub stand-in."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlgate.github import MAX_COMMENT_CHARS, comment_body, comment_length
from mlgate.report import ReportContext, fit_markdown, overall, report_markdown
from tests.conftest import RunMlgate
from tests.dvc_helpers import commit, dvc, metrics_pipeline, set_params
from tests.github_stub import Account, Fault, GitHubStub, running_stub

REPO = "acme/wine"
PR = 12
TOKEN = "ghp_" + "ReportT0ken" * 3
BOT = Account("mlgate-bot", 77)
MALLORY = Account("mallory", 666)


def envelope(command: str, status: str, summary: str, **details: object) -> dict[str, object]:
    result: dict[str, object] = {
        "mlgate": "0",
        "schema": 1,
        "command": command,
        "status": status,
        "summary": summary,
        "started_at": "",
        "duration_s": 0.1,
        "details": details,
    }
    if status == "error":
        result["exit_code"] = 3
    return result


def compare_result(status: str = "pass") -> dict[str, object]:
    checks = [
        {
            "metric": "acc|<b>@team",
            "direction": "higher",
            "candidate": 0.9,
            "baseline": 0.95,
            "delta": -0.05,
            "delta_pct": -5.26,
            "rule": "max_regression",
            "limit": 0.01,
            "passed": status == "pass",
            "message": "worsened by 0.05",
            "skipped": False,
        },
    ]
    return envelope(
        "compare",
        status,
        "blocked against wine v3 (champion)",
        candidate={"source": "dvc", "metrics": {"acc|<b>@team": 0.9}},
        baseline={
            "source": "models:/wine@champion",
            "model": "wine",
            "version": "3",
            "alias": "champion",
            "metrics": {"acc|<b>@team": 0.95},
            "url": None,
        },
        checks=checks,
        ungated=[],
        notes=[],
        history=[
            {"version": "2", "metrics": {"acc|<b>@team": 0.93}},
            {"version": "3", "metrics": {"acc|<b>@team": 0.95}},
        ],
    )


def test_overall_follows_the_exit_code_contract() -> None:
    ok = envelope("validate", "pass", "ok")
    failed = envelope("compare", "fail", "worse")
    broken = envelope("repro", "error", "dvc crashed")
    bad_input = {**envelope("repro", "error", "bad"), "exit_code": 2}
    assert overall({"validate": ok}) == ("pass", 0)
    assert overall({"validate": ok, "compare": failed}) == ("fail", 1)
    assert overall({"compare": failed, "repro": broken}) == ("error", 3)
    assert overall({"compare": failed, "repro": bad_input}) == ("error", 2)


def test_report_has_verdict_sections_chart_links_and_escapes() -> None:
    context = ReportContext(
        commit="a" * 40, run_url="https://github.com/acme/wine/actions/runs/9", repository=REPO
    )
    text = report_markdown(
        {
            "validate": envelope("validate", "pass", "1 data file valid", files=[]),
            "compare": compare_result("fail"),
        },
        context,
    )
    assert text.startswith("## mlgate: ❌ blocked")
    assert "- ❌ **model comparison**: blocked against wine v3 \\(champion\\)" in text
    assert "```mermaid\nxychart-beta" in text
    assert 'x-axis ["v2", "v3", "candidate"]' in text
    assert "bar [0.93, 0.95, 0.9]" in text
    assert "[workflow run](https://github.com/acme/wine/actions/runs/9)" in text
    assert f"[`aaaaaaa`](https://github.com/{REPO}/commit/{'a' * 40})" in text
    row = next(line for line in text.splitlines() if line.startswith("| acc"))
    assert "acc\\|\\<b\\>@\u200bteam" in row  # no table break, no HTML, no mention
    assert "@team" not in text.replace("&#64;team", "")
    assert "<!-- mlgate" not in text


def many_column_failure(columns: int) -> dict[str, object]:
    failures = [
        {
            "column": f"feature_{i:04d}",
            "check": "greater_than_or_equal_to(0)",
            "rows": 10,
            "examples": [{"row": r, "line": r + 2, "value": -r - 0.5} for r in range(5)],
        }
        for i in range(columns)
    ]
    files = [
        {
            "path": "data/wide.csv",
            "schema": "schemas/wide.yaml",
            "status": "fail",
            "rows": 10,
            "columns": columns,
            "failing_rows": 10,
            "failures": failures,
        }
    ]
    return envelope("validate", "fail", "1 of 1 data files failed validation", files=files)


def test_a_3000_column_failure_is_bounded_and_fits_a_comment() -> None:
    results = {"validate": many_column_failure(3000), "compare": compare_result("pass")}
    context = ReportContext()
    full = report_markdown(results, context)
    assert "2,980 more failing checks in validate.json" in full  # the columns are bounded

    def fits(body: str) -> bool:
        return comment_length(comment_body(body)) <= MAX_COMMENT_CHARS

    body = fit_markdown(results, context, fits)
    assert fits(body)
    assert body.startswith("## mlgate: ❌ blocked")
    # Whole tables only: every table row has as many cells as its header.
    for block in body.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        if rows:
            assert len({len(re.split(r"(?<!\\)\|", row)) for row in rows}) == 1


@pytest.fixture
def stub() -> Iterator[GitHubStub]:
    with running_stub() as server:
        server.tokens[TOKEN] = BOT
        yield server


@pytest.fixture
def runner_env(
    stub: GitHubStub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Path]:
    """What GitHub Actions sets for a pull_request run; the API is the stand-in."""
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"number": PR, "pull_request": {"number": PR, "head": {"sha": "b" * 40}}})
    )
    files = {"summary": tmp_path / "summary.md", "output": tmp_path / "output.txt"}
    for key, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "MLGATE_GITHUB_API_URL": stub.url,
        "GITHUB_RUN_ID": "31",
        "GITHUB_STEP_SUMMARY": str(files["summary"]),
        "GITHUB_OUTPUT": str(files["output"]),
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("MLGATE_RESULTS_DIR", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return files


GATE_CONFIG = """\
version: 1
metrics: {candidate: dvc, baseline: file:baseline.json}
gates:
  accuracy: {direction: higher, max_regression: 0.01}
  log_loss: {direction: lower, max_regression_pct: 5}
"""


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    repo = metrics_pipeline(tmp_path / "repo", accuracy=0.9, log_loss=0.3)
    (repo / "mlgate.yaml").write_text(GATE_CONFIG)
    (repo / "baseline.json").write_text(json.dumps({"accuracy": 0.9, "log_loss": 0.3}))
    dvc(repo, "repro", "--quiet")
    commit(repo, "pipeline")
    return repo


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


@pytest.mark.slow
def test_gate_three_times_on_one_pr_leaves_one_comment(
    pipeline: Path, stub: GitHubStub, runner_env: dict[str, Path], mlgate: RunMlgate
) -> None:
    stub.add_comment(REPO, PR, MALLORY, "<!-- mlgate:report id=default -->\nforged")
    verdicts = []
    for accuracy, expected in ((0.9, 0), (0.8, 1), (0.95, 0)):
        set_params(pipeline, accuracy, 0.3)
        result = mlgate("gate", cwd=pipeline)
        assert result.code == expected, result.err
        verdicts.append(outputs(runner_env["output"])["decision"])
        runner_env["output"].unlink()
    assert verdicts == ["pass", "fail", "pass"]
    ours = stub.comments_by(REPO, PR, BOT.login)
    assert len(ours) == 1
    assert "## mlgate: ✅ passed" in ours[0]["body"]
    assert stub.comments_by(REPO, PR, MALLORY.login)[0]["body"].endswith("forged")
    assert len(stub.calls("POST")) == 1  # created once, then updated
    summary = runner_env["summary"].read_text()
    assert summary.count("## mlgate:") == 3
    report = (pipeline / ".mlgate" / "report.md").read_text()
    assert report.startswith("## mlgate: ✅ passed")


@pytest.mark.slow
def test_gate_posts_first_and_fails_after_and_survives_faults(
    pipeline: Path, stub: GitHubStub, runner_env: dict[str, Path], mlgate: RunMlgate
) -> None:
    set_params(pipeline, 0.8, 0.3)
    stub.inject(Fault.error(502, count=2), Fault.too_many_requests(retry_after=1))
    result = mlgate("gate", cwd=pipeline)
    assert result.code == 1
    (comment,) = stub.comments_by(REPO, PR, BOT.login)
    assert "## mlgate: ❌ blocked" in comment["body"]
    out = outputs(runner_env["output"])
    assert out["decision"] == "fail"
    assert out["comment-url"] == comment["html_url"]
    assert out["report-path"].endswith("report.md")


@pytest.mark.slow
def test_read_only_token_warns_and_keeps_the_gates_exit_code(
    pipeline: Path, stub: GitHubStub, runner_env: dict[str, Path], mlgate: RunMlgate
) -> None:
    stub.read_only = True
    set_params(pipeline, 0.8, 0.3)
    result = mlgate("gate", cwd=pipeline)
    assert result.code == 1  # the gate's verdict, not the posting trouble
    assert "warning:" in result.err
    assert "cannot comment" in result.err
    assert "## mlgate: ❌ blocked" in runner_env["summary"].read_text()
    assert not stub.comments_by(REPO, PR, BOT.login)
    set_params(pipeline, 0.9, 0.3)
    assert mlgate("gate", cwd=pipeline).code == 0
    required = mlgate("report", "--require-comment", cwd=pipeline)
    assert required.code == 3


def test_no_pull_request_means_summary_only(
    tmp_path: Path,
    stub: GitHubStub,
    runner_env: dict[str, Path],
    mlgate: RunMlgate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_EVENT_NAME", "push")
    event = tmp_path / "push.json"
    event.write_text(json.dumps({"ref": "refs/heads/main", "after": "c" * 40}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    results = tmp_path / ".mlgate"
    results.mkdir()
    (results / "compare.json").write_text(json.dumps(compare_result("pass")))
    result = mlgate("report", cwd=tmp_path)
    assert result.code == 0
    assert "not a pull request (push)" in result.err
    assert "job summary only" in result.err
    assert stub.calls() == []
    assert "## mlgate: ✅ passed" in runner_env["summary"].read_text()


def test_report_without_results_is_an_input_error(tmp_path: Path, mlgate: RunMlgate) -> None:
    result = mlgate("report", "--no-post", cwd=tmp_path)
    assert result.code == 2
    assert "no mlgate results to report" in result.err


def test_report_exit_code_and_formats(tmp_path: Path, mlgate: RunMlgate) -> None:
    results = tmp_path / ".mlgate"
    results.mkdir()
    (results / "compare.json").write_text(json.dumps(compare_result("fail")))
    text = mlgate("report", "--no-post", cwd=tmp_path)
    assert text.code == 1
    assert text.out.startswith("mlgate: ❌ blocked (exit 1)")
    as_json = json.loads(mlgate("report", "--no-post", "--format", "json", cwd=tmp_path).out)
    assert as_json["decision"] == "fail"
    out = tmp_path / "elsewhere.md"
    assert mlgate("report", "--no-post", "-o", str(out), cwd=tmp_path).code == 1
    assert out.read_text().startswith("## mlgate: ❌ blocked")


@pytest.mark.slow
def test_gate_skips_training_on_bad_data_and_still_reports(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = metrics_pipeline(tmp_path / "repo", accuracy=0.9, log_loss=0.3)
    (repo / "data.csv").write_text("x\n-1\n")
    (repo / "schema.yaml").write_text(
        "schema_type: dataframe\nversion: 0.35.0\ncolumns:\n  x:\n    dtype: int64\n"
        "    nullable: false\n    checks:\n      greater_than_or_equal_to: 0\n"
    )
    (repo / "mlgate.yaml").write_text(
        GATE_CONFIG + "data:\n  - path: data.csv\n    schema: schema.yaml\n"
    )
    (repo / "baseline.json").write_text(json.dumps({"accuracy": 0.9, "log_loss": 0.3}))
    result = mlgate("gate", "--no-post", cwd=repo)
    assert result.code == 1, result.err
    assert not (repo / "metrics.json").exists()  # the pipeline did not run
    gate = json.loads((repo / ".mlgate" / "gate.json").read_text())
    assert [s["step"] for s in gate["details"]["skipped"]] == ["repro", "compare"]
    report = (repo / ".mlgate" / "report.md").read_text()
    assert "⏭️ **repro** skipped: the data failed validation" in report
