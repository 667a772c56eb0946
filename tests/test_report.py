"""The report: rendering (pure), `mlgate report` and `mlgate gate` against a GitHub stand-in."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlgate.forge.github import MAX_COMMENT_CHARS, comment_body, comment_length
from mlgate.report import ReportContext, fit_markdown, overall, report_markdown
from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, git, metrics_pipeline, set_params
from tests.helpers.github_stub import Account, Fault, GitHubStub
from tests.helpers.report_env import (
    BOT,
    PR,
    REPO,
    compare_result,
    envelope,
    runner_env,
    stub,
)

__all__ = ["runner_env", "stub"]  # fixtures: the GitHub stand-in and the runner's variables

MALLORY = Account("mallory", 666)


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
    assert "- ❌ **model comparison**: its one check fails against wine v3 \\(champion\\)" in text
    assert "```mermaid\nxychart-beta" in text
    assert 'x-axis ["v2", "v3", "candidate"]' in text
    assert "line [0.93, 0.95, 0.9]" in text
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
    created = [c for c in stub.calls("POST") if c.path.endswith("/comments")]
    assert len(created) == 1  # created once, then updated
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
    assert "the report is in the job summary" in result.err
    assert stub.calls() == []
    assert "## mlgate: ✅ passed" in runner_env["summary"].read_text()


def test_posting_outside_actions_points_at_the_report_file(
    tmp_path: Path, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)
    results = tmp_path / ".mlgate"
    results.mkdir()
    (results / "compare.json").write_text(json.dumps(compare_result("pass")))
    result = mlgate("report", "--post", cwd=tmp_path)
    assert "job summary" not in result.err  # a laptop has none
    assert "report.md" in result.err, result.err


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
    assert "⏭️ **reproduction** skipped: the data failed validation" in report


FILE_GATES = """\
version: 1
metrics: {candidate: file:candidate.json, baseline: file:baseline.json}
gates:
  accuracy: {direction: higher, max_regression: 0.01}
"""


def file_gated(root: Path, candidate: float, baseline: float = 0.9) -> Path:
    """A repo gated on metrics files: compare runs without DVC or MLflow."""
    root.mkdir(exist_ok=True)
    (root / "mlgate.yaml").write_text(FILE_GATES)
    (root / "candidate.json").write_text(json.dumps({"accuracy": candidate}))
    (root / "baseline.json").write_text(json.dumps({"accuracy": baseline}))
    return root


def test_gate_reports_a_step_that_exited_and_posts_the_comment(
    tmp_path: Path, stub: GitHubStub, runner_env: dict[str, Path], mlgate: RunMlgate
) -> None:
    """A schema module calling sys.exit(0) made `mlgate gate` exit 0, with no report at all."""
    root = file_gated(tmp_path / "repo", candidate=0.95)
    (root / "leaving").mkdir()
    (root / "leaving" / "__init__.py").write_text("")
    (root / "leaving" / "schemas.py").write_text("import sys\nsys.exit(0)\n")
    (root / "data.csv").write_text("x\n1\n")
    with (root / "mlgate.yaml").open("a") as config:
        config.write("data:\n  - path: data.csv\n    schema: leaving.schemas:Schema\n")
    result = mlgate("gate", cwd=root)
    assert result.code == 2, result.out + result.err
    gate = json.loads((root / ".mlgate" / "gate.json").read_text())
    assert gate["status"] == "error"
    assert gate["details"]["skipped"] == [
        {"step": "repro", "reason": "no dvc.yaml", "cause": "not_configured"},
        {"step": "compare", "reason": "an earlier step did not pass", "cause": "earlier_step"},
    ]
    assert "sys.exit(0)" in (root / ".mlgate" / "report.md").read_text().replace("\\", "")
    (comment,) = stub.comments_by(REPO, PR, BOT.login)
    assert "## mlgate: ⚠️ no verdict" in comment["body"]
    assert outputs(runner_env["output"])["decision"] == "error"


@pytest.mark.parametrize(
    ("bug", "said"),
    [
        ("raises", "internal error: RuntimeError: a bug in compare"),
        ("malformed", "internal error: TypeError"),  # a result that cannot be written
        ("unrenderable", "internal error: KeyError"),  # a result the report cannot show
        ("exits", "called sys.exit(0)"),
    ],
)
def test_gate_survives_an_mlgate_bug_in_a_step(
    bug: str,
    said: str,
    tmp_path: Path,
    stub: GitHubStub,
    runner_env: dict[str, Path],
    mlgate: RunMlgate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Simulates a bug in mlgate's own compare (not an outside system): still a verdict of
    no verdict, gate.json, the report, the comment and the outputs."""
    import sys

    from mlgate import compare
    from mlgate.results import Clock, Result

    def broken(_request: object) -> Result:
        if bug == "raises":
            raise RuntimeError("a bug in compare")
        if bug == "exits":
            sys.exit(0)
        clock = Clock()
        if bug == "unrenderable":
            return Result("compare", "pass", "ok", clock.started_at, 0.0, {"checks": [{}]})
        return Result("compare", "pass", "ok", clock.started_at, 0.0, {"model": object()})

    monkeypatch.setattr(compare, "run_compare", broken)
    root = file_gated(tmp_path / "repo", candidate=0.95)
    result = mlgate("gate", cwd=root)
    assert result.code == 3, result.out + result.err
    envelope = json.loads((root / ".mlgate" / "compare.json").read_text())
    assert (envelope["status"], envelope["exit_code"]) == ("error", 3)
    assert said in envelope["summary"]
    gate = json.loads((root / ".mlgate" / "gate.json").read_text())
    assert (gate["status"], gate["details"]["steps"]) == ("error", ["compare"])
    assert said in (root / ".mlgate" / "report.md").read_text().replace("\\", "")
    (comment,) = stub.comments_by(REPO, PR, BOT.login)
    assert "## mlgate: ⚠️ no verdict" in comment["body"]
    assert outputs(runner_env["output"])["decision"] == "error"


def test_a_pass_with_a_skipped_step_says_so_everywhere(
    tmp_path: Path, runner_env: dict[str, Path], mlgate: RunMlgate
) -> None:
    root = file_gated(tmp_path / "repo", candidate=0.95)
    (root / "dvc.yaml").write_text("stages: {}\n")
    result = mlgate("gate", "--skip", "repro", "--no-post", cwd=root)
    assert result.code == 0, result.out + result.err
    headline = "☑️ passed — reproduction skipped by --skip repro"
    assert result.out.startswith(f"mlgate: {headline} (exit 0)")
    assert (root / ".mlgate" / "report.md").read_text().startswith(f"## mlgate: {headline}")
    assert f"## mlgate: {headline}" in runner_env["summary"].read_text()
    out = outputs(runner_env["output"])
    assert (out["decision"], out["skipped"]) == ("pass-with-skips", "validate,repro")
    gate = json.loads((root / ".mlgate" / "gate.json").read_text())
    assert gate["details"]["decision"] == "pass-with-skips"
    assert gate["summary"] == "pass-with-skips: compare pass; did not run: validate, repro"
    assert {"step": "repro", "reason": "--skip repro", "cause": "option"} in gate["details"][
        "skipped"
    ]
    as_json = json.loads(mlgate("report", "--no-post", "--format", "json", cwd=root).out)
    assert as_json["decision"] == "pass-with-skips"
    assert as_json["skipped"] == ["validate", "repro"]


def test_a_full_pass_is_plain_and_names_steps_not_configured(
    tmp_path: Path, runner_env: dict[str, Path], mlgate: RunMlgate
) -> None:
    root = file_gated(tmp_path / "repo", candidate=0.95)
    result = mlgate("gate", "--no-post", cwd=root)
    assert result.code == 0, result.out + result.err
    assert result.out.startswith("mlgate: ✅ passed (exit 0)")
    out = outputs(runner_env["output"])
    assert (out["decision"], out["skipped"]) == ("pass", "validate,repro")
    report = (root / ".mlgate" / "report.md").read_text()
    # The steps' own titles, and mlgate's `data:` as code (not a literal, escaped backtick).
    assert "⏭️ **data validation** skipped: no `data:` in mlgate.yaml" in report
    assert "⏭️ **reproduction** skipped: no dvc.yaml" in report
    assert "reproduction      SKIP   no dvc.yaml" in result.out
    # Skipping what is not configured checks nothing less: still a plain pass.
    again = mlgate("gate", "--no-post", "--skip", "validate", "--skip", "repro", cwd=root)
    assert again.out.startswith("mlgate: ✅ passed (exit 0)")


def test_a_gate_that_checks_nothing_is_not_a_pass(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = file_gated(tmp_path / "repo", candidate=0.95)
    result = mlgate("gate", "--skip", "compare", "--no-post", cwd=root)
    assert result.code == 2, result.out + result.err
    assert result.out.startswith("mlgate: ⚠️ no verdict — no check ran (exit 2)")


def test_a_bootstrap_pass_is_named_in_the_headline() -> None:
    bootstrap = compare_result("pass")
    details = bootstrap["details"]
    assert isinstance(details, dict)
    details["baseline"] = {**details["baseline"], "metrics": None, "resolution": "bootstrap"}
    text = report_markdown({"compare": bootstrap}, ReportContext())
    assert text.startswith("## mlgate: ☑️ passed on bootstrap — no production baseline yet")
    found = compare_result("pass")
    found_details = found["details"]
    assert isinstance(found_details, dict)
    found_details["baseline"] = {**found_details["baseline"], "resolution": "found"}
    assert report_markdown({"compare": found}, ReportContext()).startswith("## mlgate: ✅ passed")


@pytest.mark.slow
def test_a_failed_reproduction_lists_the_outputs_validation_as_skipped(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = metrics_pipeline(tmp_path / "repo", accuracy=0.9, log_loss=0.3)
    (repo / "evaluate.py").write_text("raise SystemExit('training crashed')\n")
    (repo / "data.csv").write_text("x\n1\n")
    (repo / "schema.yaml").write_text("schema_type: dataframe\ncolumns:\n  x:\n    dtype: int64\n")
    (repo / "mlgate.yaml").write_text(
        GATE_CONFIG + "data:\n  - path: data.csv\n    schema: schema.yaml\n"
    )
    commit(repo, "a pipeline that crashes")
    result = mlgate("gate", "--no-post", cwd=repo)
    assert result.code == 3, result.out + result.err
    gate = json.loads((repo / ".mlgate" / "gate.json").read_text())
    assert [(s["step"], s["cause"]) for s in gate["details"]["skipped"]] == [
        ("validate", "earlier_step"),
        ("compare", "earlier_step"),
    ]
    report = (repo / ".mlgate" / "report.md").read_text()
    assert "the pipeline's outputs were not validated" in report.replace("\\", "")


@pytest.fixture
def no_run_at_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside CI, each command is a run of its own (this suite also runs under Actions)."""
    for name in ("MLGATE_RUN_ID", "GITHUB_ACTIONS", "GITHUB_RUN_ID", "MLGATE_RESULTS_DIR"):
        monkeypatch.delenv(name, raising=False)


def git_checkout(root: Path) -> Path:
    root.mkdir(exist_ok=True)
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "config", "user.name", "test")
    git(root, "config", "user.email", "test@example.invalid")
    return root


@pytest.mark.slow
@pytest.mark.usefixtures("no_run_at_hand")
def test_a_refused_rollback_of_an_earlier_commit_is_not_the_headline(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    root = file_gated(git_checkout(tmp_path / "repo"), candidate=0.8)
    with (root / "mlgate.yaml").open("a") as config:
        config.write(
            'mlflow: {tracking_uri: "sqlite:///mlflow.db", model: wine, alias: champion}\n'
        )
    (root / ".gitignore").write_text("mlflow.db\nmlruns/\n")
    first = commit(root, "a model")
    refused = mlgate("rollback", cwd=root)
    assert refused.code != 0, refused.out + refused.err
    assert json.loads((root / ".mlgate" / "rollback.json").read_text())["commit"] == first
    (root / "candidate.json").write_text(json.dumps({"accuracy": 0.95}))
    commit(root, "a better model")
    assert mlgate("compare", cwd=root).code == 0
    result = mlgate("report", "--no-post", cwd=root)
    assert result.code == 0, result.out + result.err
    assert result.out.startswith("mlgate: ✅ passed (exit 0)")
    assert "rollback          STALE  left out, from another run: " in result.out
    assert f"commit {first[:7]}" in result.out
    report = (root / ".mlgate" / "report.md").read_text()
    assert report.startswith("## mlgate: ✅ passed")
    assert "🕓 **rollback** left out, from another run" in report


def test_results_of_another_ci_job_are_left_out(
    tmp_path: Path, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One commit, two CI jobs sharing a results dir (a self-hosted runner, a restored cache):
    the report of the second job is about the second job."""
    root = file_gated(git_checkout(tmp_path / "repo"), candidate=0.8)
    commit(root, "a worse model")
    monkeypatch.delenv("MLGATE_RUN_ID", raising=False)
    ci = {"GITHUB_ACTIONS": "true", "GITHUB_RUN_ATTEMPT": "1", "GITHUB_JOB": "gate"}
    assert mlgate("compare", cwd=root, env={**ci, "GITHUB_RUN_ID": "100"}).code == 1
    (root / "data.csv").write_text("x\n1\n")
    (root / "schema.yaml").write_text("schema_type: dataframe\ncolumns:\n  x:\n    dtype: int64\n")
    second = {**ci, "GITHUB_RUN_ID": "101"}
    assert mlgate("validate", "--schema", "schema.yaml", "data.csv", cwd=root, env=second).code == 0
    result = mlgate("report", "--no-post", cwd=root, env=second)
    assert result.code == 0, result.out + result.err
    assert "compare" in result.err  # note: left out
    as_json = json.loads(mlgate("report", "--no-post", "--format", "json", cwd=root).out)
    assert list(as_json["results"]) == ["validate"]
    assert [old["run_id"] for old in as_json["left_out"]] == ["github-100-1-gate"]
    # The same job again (a second step): its commands are one run.
    assert mlgate("compare", cwd=root, env=second).code == 1
    assert mlgate("report", "--no-post", cwd=root, env=second).code == 1


@pytest.mark.usefixtures("no_run_at_hand")
def test_results_of_other_commits_only_are_not_a_report(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = file_gated(git_checkout(tmp_path / "repo"), candidate=0.95)
    commit(root, "first")
    assert mlgate("compare", cwd=root).code == 0
    (root / "README").write_text("more\n")
    commit(root, "second")
    result = mlgate("report", "--no-post", cwd=root)
    assert result.code == 2
    assert "no results of the commit at hand" in result.err
    assert "compare (pass, started" in result.err


@pytest.mark.usefixtures("no_run_at_hand")
def test_a_newer_gate_is_the_run_and_older_results_are_left_out(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    """Outside git: a compare after the gate is newer than the gate, so it is the run."""
    root = file_gated(tmp_path / "repo", candidate=0.8)
    assert mlgate("gate", "--no-post", cwd=root).code == 1
    (root / "candidate.json").write_text(json.dumps({"accuracy": 0.95}))
    envelope = json.loads((root / ".mlgate" / "gate.json").read_text())
    assert envelope["run_id"] and envelope["commit"] is None
    assert mlgate("report", "--no-post", cwd=root).code == 1  # the gate's run
    (root / "data.csv").write_text("x\n1\n")
    (root / "schema.yaml").write_text("schema_type: dataframe\ncolumns:\n  x:\n    dtype: int64\n")
    assert mlgate("validate", "--schema", "schema.yaml", "data.csv", cwd=root).code == 0
    result = mlgate("report", "--no-post", cwd=root)
    assert result.code == 0, result.out + result.err
    assert "left out, from another run: compare, gate" in result.err


def test_a_step_with_no_verdict_says_why_once(tmp_path: Path, mlgate: RunMlgate) -> None:
    """On iterative/example-get-started (a git: baseline whose metrics no remote could supply)
    the 400-character reason was the Why line, the step's line and the section, word for word."""
    root = file_gated(tmp_path / "repo", candidate=0.95)
    (root / "baseline.json").unlink()
    result = mlgate("gate", "--no-post", cwd=root)
    assert result.code == 2, result.out + result.err
    report = (root / ".mlgate" / "report.md").read_text()
    reason = "cannot read the metrics file"
    assert report.count(reason) == 1, report
    assert report.splitlines()[2].startswith("**Why:**") and reason in report.splitlines()[2]
    assert "- ⚠️ **model comparison**\n" in report
    assert result.out.count(reason) == 1  # the text report: `why:` only


def test_mlgates_own_quoted_commands_stay_code_in_the_why_line() -> None:
    results = {
        "compare": {
            "command": "compare",
            "status": "error",
            "exit_code": 3,
            "summary": "baseline git:main is unreadable: fetch it (`dvc fetch eval`) @team",
            "details": {},
        }
    }
    report = report_markdown(results, ReportContext())
    assert (
        "**Why:** baseline git:main is unreadable: fetch it \\(`dvc fetch eval`\\) @\u200bteam"
        in (report)
    )
    assert "\\`" not in report
