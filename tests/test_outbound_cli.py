"""What leaves the machine, end to end: the real CLI, a real `mlflow server` reached through a
tracking URI that carries a password, result files forged the way a fork's artifact would be."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate
from tests.helpers.github_stub import GitHubStub
from tests.helpers.inert import PAYLOADS, assert_inert, many_failing_files
from tests.helpers.mlflow_store import (
    RunningServer,
    client,
    free_port,
    register_version,
    unique_name,
)
from tests.helpers.report_env import (
    BOT,
    PR,
    REPO,
    TOKEN,
    compare_result,
    envelope,
    runner_env,
    stub,
)

__all__ = ["runner_env", "stub"]  # the GitHub stand-in and the runner's variables, shared

PASSWORD = "S3cret-pass-4711"
CONFIG = """\
version: 1
mlflow:
  model: {model}
  model_path: model.pkl
metrics:
  candidate: file:metrics.json
gates:
  accuracy: {{direction: higher, max_regression: 0.02}}
"""


@pytest.fixture(autouse=True, scope="module")
def _forget_mlflows_global_uri() -> Iterator[None]:
    """MLflow's set_tracking_uri (the helpers' and promote's) sets a process-wide URI and the
    MLFLOW_TRACKING_URI variable; later tests in this process must not inherit this module's
    stopped server. Once the module is done, after every test's monkeypatch has restored."""
    yield
    if "mlflow" in sys.modules:
        sys.modules["mlflow"].set_tracking_uri(None)
    os.environ.pop("MLFLOW_TRACKING_URI", None)


def write_results(directory: Path, **results: dict[str, object]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for step, result in results.items():
        (directory / f"{step}.json").write_text(json.dumps(result))
    return directory


# --- a fork's forged artifact ---------------------------------------------------------------


def test_the_poster_refuses_a_forged_result_file(tmp_path: Path, mlgate: RunMlgate) -> None:
    forged = compare_result("pass")
    forged["details"]["history"][0]["version"] = "2\n```\n## ✅ mlgate: passed"  # type: ignore[index]
    write_results(tmp_path / ".mlgate", compare=forged)
    result = mlgate("report", "--no-post", cwd=tmp_path)
    assert result.code == 2
    assert "compare.json: details.history[0].version: expected" in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / ".mlgate" / "report.md").exists()


def test_forged_text_cannot_issue_workflow_commands(tmp_path: Path, mlgate: RunMlgate) -> None:
    commands = "ok\n::add-mask::abc\n::stop-commands::tok\r::set-output name=decision::pass"
    forged = envelope("validate", "pass", commands, files=[])
    write_results(tmp_path / ".mlgate", validate=forged)
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    for output_format in ("text", "markdown", "json"):
        result = mlgate("report", "--no-post", "--format", output_format, cwd=tmp_path, env=env)
        assert result.code == 0, result.err
        for line in re.split(r"\r\n|\r|\n", result.out + result.err):
            assert not re.match(r"(\s|\x1b\[[0-9;]*m)*::", line), (output_format, line)
    assert "::add-mask::abc" in result.out  # shown as text, not obeyed


def test_the_posted_comment_is_inert_redacted_and_bounded(
    tmp_path: Path, mlgate: RunMlgate, stub: GitHubStub, runner_env: dict[str, Path]
) -> None:
    payload = "\n".join(PAYLOADS)
    leak = f"MLflow at https://alice:{PASSWORD}@mlflow.example failed; token {TOKEN}"
    repro = envelope("repro", "fail", payload, mode="run", stages=[
        {"name": payload, "status": "failed", "duration_s": 1.0,
         "output_tail": [*payload.splitlines(), leak]}])  # fmt: skip
    validate = many_failing_files(2500)
    validate["summary"] = payload
    write_results(tmp_path / ".mlgate", repro=repro, validate=validate)
    result = mlgate("report", cwd=tmp_path)
    assert result.code == 1, result.err
    (body,) = (comment["body"] for comment in stub.comments_by(REPO, PR, BOT.login))
    assert len(body) <= 65_536
    assert_inert(body, links=("https://github.com/acme/wine/",))
    for text in (body, runner_env["summary"].read_text(), result.out + result.err):
        assert_no_secret(text, "posted")
        assert TOKEN not in text
    assert "https://***@mlflow.example" in runner_env["summary"].read_text()


def test_the_job_summary_stays_under_1_mib(tmp_path: Path, mlgate: RunMlgate) -> None:
    results = write_results(tmp_path / ".mlgate", validate=many_failing_files(2500))
    summary = tmp_path / "summary.md"
    result = mlgate("report", "--no-post", cwd=tmp_path, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.code == 1
    assert summary.stat().st_size < 1024 * 1024
    assert "2,450 more files" in summary.read_text()
    assert (results / "report.md").stat().st_size < 1024 * 1024


# --- a tracking URI with a password ------------------------------------------------------------


@pytest.fixture
def server(shared_mlflow_server: RunningServer) -> str:
    return shared_mlflow_server.url


def with_password(url: str) -> str:
    return url.replace("http://", f"http://alice:{PASSWORD}@")


def assert_no_secret(text: str, where: str) -> None:
    assert PASSWORD not in text, where
    assert "alice:" not in text, where


@pytest.mark.slow
def test_a_password_in_the_tracking_uri_never_leaves(
    tmp_path: Path, mlgate: RunMlgate, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = unique_name("wine")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "mlgate.yaml").write_text(CONFIG.format(model=model))
    (repo / "metrics.json").write_text(json.dumps({"accuracy": 0.97}))
    (repo / "model.pkl").write_bytes(b"model")
    register_version(server, model, model_metrics={"accuracy": 0.95}, alias="champion")
    candidate = register_version(server, model, run_metrics={"accuracy": 0.96}, logged_model=False)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", with_password(server))
    summary = tmp_path / "summary.md"
    seen: dict[str, str] = {}

    compared = mlgate("compare", "--candidate", f"run:{candidate.run_id}", cwd=repo)
    assert compared.code == 0, compared.err
    seen["compare output"] = compared.out + compared.err
    compare_json = (repo / ".mlgate" / "compare.json").read_text()
    seen["compare.json"] = compare_json
    assert f"{server}/#/models/" in compare_json  # the UI link carries no userinfo at all
    assert "***@" not in compare_json
    run = client(server).get_run(candidate.run_id)
    seen["decision tags"] = json.dumps(run.data.tags)
    artifact = client(server).download_artifacts(
        candidate.run_id, "mlgate/compare.md", str(tmp_path)
    )
    seen["compare.md artifact"] = Path(artifact).read_text()

    reported = mlgate("report", "--no-post", cwd=repo, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert reported.code == 0, reported.err
    seen["report output"] = reported.out + reported.err
    seen["report.md"] = (repo / ".mlgate" / "report.md").read_text()
    seen["job summary"] = summary.read_text()
    page = assert_inert(
        seen["job summary"], links=(f"{server}/#/models/{model}/versions/", f"{server}/#/runs/")
    )
    assert page.hrefs  # the baseline's version is linked, without the credentials

    assert mlgate("compare", cwd=repo).code == 0
    promoted = mlgate("promote", "--format", "json", cwd=repo)
    assert promoted.code == 0, promoted.err
    json.loads(promoted.out)  # MLflow's own "View run" lines do not spoil the JSON on stdout
    assert "View run" in promoted.err  # they go to stderr, redacted
    seen["promote output"] = promoted.out + promoted.err
    seen["promote.json"] = (repo / ".mlgate" / "promote.json").read_text()
    promoted_run = client(server).get_model_version_by_alias(model, "champion").run_id
    seen["promoted run"] = json.dumps(client(server).get_run(promoted_run).data.to_dictionary())

    for where, text in seen.items():
        assert_no_secret(text, where)


@pytest.mark.slow
def test_a_password_in_an_unreachable_uri_stays_out_of_the_error(
    tmp_path: Path, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mlgate.yaml").write_text(CONFIG.format(model="wine"))
    (tmp_path / "metrics.json").write_text(json.dumps({"accuracy": 0.97}))
    port = free_port()  # nothing listens here
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://alice:{PASSWORD}@127.0.0.1:{port}")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    result = mlgate("compare", cwd=tmp_path)
    assert result.code == 3
    assert f"MLflow at http://***@127.0.0.1:{port}" in result.err
    assert_no_secret(result.out + result.err, "error")
    assert_no_secret((tmp_path / ".mlgate" / "compare.json").read_text(), "compare.json")
