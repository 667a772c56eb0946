"""The GitLab CI/CD component (templates/), run by gitlab-ci-local with the shell executor in a
tmp git repo that includes it by `local:` path and by `component:` (gitlab-ci-local resolves
`$CI_SERVER_FQDN/$CI_PROJECT_PATH/<name>@$CI_COMMIT_SHA` to the repo's own templates/), with
`package` = this checkout. No GitLab token: the gate only writes its reports.

What is not run here: GitLab itself (the widgets that read the reports), the job's image (the
shell executor ignores it) and the cache (gitlab-ci-local's shell executor keeps none).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from prometheus_client.openmetrics.parser import text_string_to_metric_families

import mlgate
from tests.helpers.cli import REPO_ROOT
from tests.helpers.dvc_repos import commit, git
from tests.helpers.gitlab_stub import PROJECT_ID, running_gitlab

TEMPLATES = REPO_ROOT / "templates"
GITLAB_CI_LOCAL = REPO_ROOT / ".gitlab-tools" / "node_modules" / ".bin" / "gitlab-ci-local"

CONFIG = """\
version: 1
metrics: {candidate: file:candidate.json, baseline: file:baseline.json}
gates:
  accuracy: {direction: higher, max_regression: 0.01}
"""

INCLUDES = {
    "local": "include:\n  - local: templates/gate.yml\n    inputs:\n      package: {package}\n",
    "component": (
        "include:\n  - component: $CI_SERVER_FQDN/$CI_PROJECT_PATH/gate@$CI_COMMIT_SHA\n"
        "    inputs:\n      package: {package}\n"
    ),
}


def read_component(name: str) -> tuple[dict[str, object], dict[str, object]]:
    spec, jobs = yaml.safe_load_all((TEMPLATES / name).read_text())
    return spec, jobs


@pytest.mark.parametrize("name", ["gate.yml", "continuous-training.yml"])
def test_the_default_package_pin_is_this_version(name: str) -> None:
    spec, _ = read_component(name)
    inputs = spec["spec"]["inputs"]  # type: ignore[index]
    pin = inputs["package"]["default"]
    assert re.fullmatch(r"mlgate\[[a-z,-]+\]==(.+)", pin), pin
    assert pin.endswith(f"=={mlgate.__version__}")
    image = inputs["python-image"]["default"]
    assert re.fullmatch(r"python:3\.\d+-slim@sha256:[0-9a-f]{64}", image), image


def test_the_gate_runs_on_merge_requests_and_the_default_branch_only() -> None:
    _, jobs = read_component("gate.yml")
    job = jobs["mlgate-gate"]  # type: ignore[index]
    conditions = [rule["if"] for rule in job["rules"]]
    assert '$CI_PIPELINE_SOURCE == "merge_request_event"' in conditions
    assert any("$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH" in c for c in conditions)
    reports = job["artifacts"]["reports"]
    assert set(reports) == {"junit", "metrics", "dotenv"}
    assert job["artifacts"]["when"] == "always"
    # Inputs reach the script as variables only: no input is script text.
    assert "$[[" not in "\n".join(job["script"])


def gitlab_ci_local() -> Path:
    if GITLAB_CI_LOCAL.exists() and shutil.which("rsync"):
        return GITLAB_CI_LOCAL
    reason = f"{GITLAB_CI_LOCAL} or rsync is missing; run scripts/install-gitlab-tools.sh"
    if os.environ.get("MLGATE_REQUIRE_GITLAB_TOOLS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def project(root: Path, include: str, candidate: float) -> Path:
    """A project that gates on two metrics files, with the component in its own templates/."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", "git@gitlab.example.com:acme/mlgate.git")
    shutil.copytree(TEMPLATES, root / "templates")
    (root / "mlgate.yaml").write_text(CONFIG)
    (root / "candidate.json").write_text(json.dumps({"accuracy": candidate}))
    (root / "baseline.json").write_text(json.dumps({"accuracy": 0.9}))
    (root / ".gitignore").write_text(".mlgate/\n.mlgate-venv/\n.mlgate-uv-cache/\n")
    (root / ".gitlab-ci.yml").write_text(INCLUDES[include].format(package=REPO_ROOT))
    commit(root, "a project gated by the mlgate component")
    return root


def run_pipeline(
    root: Path, source: str = "merge_request_event", variables: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    given = {"CI_PIPELINE_SOURCE": source, **(variables or {})}
    return subprocess.run(
        [
            str(gitlab_ci_local()),
            "--shell-executor-no-image",
            "--force-shell-executor",  # the job names an image; a shell runner ignores it
            "--ignore-predefined-vars",
            ",".join(given),
            *(arg for name, value in given.items() for arg in ("--variable", f"{name}={value}")),
        ],
        cwd=root,
        env=job_env(root),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def job_env(root: Path) -> dict[str, str]:
    """This machine's environment without mlgate's and GitHub's variables, and a TMPDIR of the
    test's own (the job installs uv there): tests running side by side share nothing."""
    tmp = root.parent / "tmp"
    tmp.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLGATE_", "GITHUB_"))}
    return {**env, "TMPDIR": str(tmp)}


def dotenv(root: Path) -> dict[str, str]:
    lines = (root / ".mlgate" / "mlgate.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def metrics(root: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = (root / ".mlgate" / "metrics.txt").read_text()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.mark.slow
@pytest.mark.parametrize("include", ["local", "component"])
def test_a_better_model_passes_the_pipeline_with_its_reports(tmp_path: Path, include: str) -> None:
    root = project(tmp_path / "repo", include, candidate=0.95)
    run = run_pipeline(root)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PASS  mlgate-gate" in run.stdout
    assert "mlgate: ✅ passed (exit 0)" in run.stdout  # the text report in the job log
    assert dotenv(root) == {
        "MLGATE_DECISION": "pass",
        "MLGATE_EXIT_CODE": "0",
        "MLGATE_SKIPPED": "validate,repro",
    }
    got = metrics(root)
    assert got[("mlgate_decision", (("decision", "pass"),))] == 1
    assert got[("mlgate_metric_value", (("metric", "accuracy"), ("side", "candidate")))] == 0.95
    assert got[("mlgate_metric_value", (("metric", "accuracy"), ("side", "baseline")))] == 0.9
    suites = ET.parse(root / ".mlgate" / "junit.xml").getroot()
    assert suites.get("failures") == "0"
    assert suites.get("tests") == "4"  # validate and repro skipped, compare and its rule
    exported = root / ".gitlab-ci-local" / "artifacts" / "mlgate-gate" / ".mlgate" / "report.md"
    assert exported.read_text().startswith("## mlgate: ✅ passed")


@pytest.mark.slow
def test_a_worse_model_fails_the_pipeline_and_still_reports(tmp_path: Path) -> None:
    root = project(tmp_path / "repo", "component", candidate=0.8)
    run = run_pipeline(root)
    assert run.returncode != 0
    assert "FAIL 1" in run.stdout + run.stderr  # the job exited 1: blocked
    assert dotenv(root) == {
        "MLGATE_DECISION": "fail",
        "MLGATE_EXIT_CODE": "1",
        "MLGATE_SKIPPED": "validate,repro",
    }
    got = metrics(root)
    assert got[("mlgate_decision", (("decision", "fail"),))] == 1
    assert got[("mlgate_rule_passed", (("metric", "accuracy"), ("rule", "max_regression")))] == 0
    suites = ET.parse(root / ".mlgate" / "junit.xml").getroot()
    failed = [c.get("name") for c in suites.iter("testcase") if c.find("failure") is not None]
    assert failed == ["model comparison", "accuracy max_regression"]


@pytest.mark.slow
def test_a_merge_request_gets_one_note_updated_in_place_and_a_status_per_commit(
    tmp_path: Path,
) -> None:
    """The component's job, run by gitlab-ci-local, talks to GitLab (the stand-in on
    127.0.0.1) as it would in GitLab CI: a worse model fails the pipeline, with mlgate's note
    on the merge request and the commit status `mlgate` failed; the fix pushed to the merge
    request passes, the same note updated in place and a success status on the new commit."""
    root = project(tmp_path / "repo", "component", candidate=0.8)
    token = "glpat-" + "Component0Test0Token1"
    with running_gitlab() as gitlab:
        bot = gitlab.add_user("project_4242_bot_mlgate", token)
        variables = {
            "GITLAB_CI": "true",  # gitlab-ci-local says false; GitLab's runners say true
            "CI_API_V4_URL": gitlab.api_url,
            "CI_PROJECT_ID": str(PROJECT_ID),
            "CI_MERGE_REQUEST_IID": "7",
            "MLGATE_GITLAB_TOKEN": token,
        }
        worse = git(root, "rev-parse", "HEAD").strip()
        gitlab.add_merge_request(7, worse)
        blocked = run_pipeline(root, variables=variables)
        assert blocked.returncode != 0, blocked.stdout + blocked.stderr
        (first,) = gitlab.notes_by(7, bot)
        assert "blocked" in first["body"]

        (root / "candidate.json").write_text(json.dumps({"accuracy": 0.95}))
        better = commit(root, "the fix")
        gitlab.merge_requests[7]["sha"] = better
        passed = run_pipeline(root, variables=variables)
        assert passed.returncode == 0, passed.stdout + passed.stderr
        (note,) = gitlab.notes_by(7, bot)
        statuses = [(s["sha"], s["name"], s["state"]) for s in gitlab.statuses]
    assert note["id"] == first["id"] and "passed" in note["body"]
    assert statuses == [(worse, "mlgate", "failed"), (better, "mlgate", "success")]
    assert dotenv(root)["MLGATE_DECISION"] == "pass"
    assert (root / ".mlgate" / "junit.xml").is_file() and (
        root / ".mlgate" / "metrics.txt"
    ).is_file()
    assert token not in blocked.stdout + blocked.stderr + passed.stdout + passed.stderr


@pytest.mark.slow
def test_the_gate_does_not_run_on_a_schedule_or_a_feature_branch_push(tmp_path: Path) -> None:
    root = project(tmp_path / "repo", "local", candidate=0.95)
    git(root, "switch", "-q", "-c", "feature")
    run = run_pipeline(root, source="push")
    assert "mlgate-gate" not in run.stdout.replace("mlgate-gate.", "")
    assert not (root / ".mlgate").exists()


@pytest.mark.slow
def test_continuous_training_on_a_schedule_does_not_promote_a_loser(tmp_path: Path) -> None:
    """A scheduled pipeline retrains and gates; a model that lost is not promoted (promote would
    need MLflow, which this project has not: reaching it would fail differently)."""
    root = project(tmp_path / "repo", "local", candidate=0.8)
    (root / ".gitlab-ci.yml").write_text(
        "stages: [test, deploy]\n"
        + INCLUDES["local"].format(package=REPO_ROOT)
        + "  - local: templates/continuous-training.yml\n"
        + f"    inputs:\n      package: {REPO_ROOT}\n"
    )
    commit(root, "and continuous training")
    run = run_pipeline(root, source="schedule")
    out = run.stdout + run.stderr
    assert "mlgate-continuous-training" in out
    assert "mlgate-gate " not in out  # the merge-request gate stays off schedules
    assert "FAIL 1" in out
    assert dotenv(root) == {
        "MLGATE_DECISION": "fail",
        "MLGATE_EXIT_CODE": "1",
        "MLGATE_SKIPPED": "validate,repro",
        "MLGATE_RETRAINED": "true",
        "MLGATE_PROMOTED": "false",
    }


@pytest.mark.slow
def test_args_are_arguments_never_shell_code_and_an_early_error_still_reports(
    tmp_path: Path,
) -> None:
    root = project(tmp_path / "repo", "local", candidate=0.95)
    hostile = "--skip repro '$(touch pwned)' `touch pwned2`; touch pwned3"
    (root / ".gitlab-ci.yml").write_text(
        INCLUDES["local"].format(package=REPO_ROOT) + f"      args: {json.dumps(hostile)}\n"
    )
    commit(root, "hostile args")
    run = run_pipeline(root)
    assert "FAIL 2" in run.stdout + run.stderr  # click refuses the extra arguments: input error
    assert not list(root.glob("pwned*"))
    assert dotenv(root) == {
        "MLGATE_DECISION": "error",
        "MLGATE_EXIT_CODE": "2",
        "MLGATE_SKIPPED": "",
    }
    # No result was written, and the reports still say what happened.
    suites = ET.parse(root / ".mlgate" / "junit.xml").getroot()
    assert suites.get("errors") == "1"
    got = metrics(root)
    assert got[("mlgate_exit_code", ())] == 2


@pytest.mark.slow
def test_a_second_job_reuses_the_virtualenv_of_the_same_package(tmp_path: Path) -> None:
    """The shell executor leaves .mlgate-venv/ in place, as GitLab's cache restores it."""
    root = project(tmp_path / "repo", "local", candidate=0.95)
    named = f"mlgate @ file://{REPO_ROOT}"  # a requirement, not a path: its venv is reused
    (root / ".gitlab-ci.yml").write_text(INCLUDES["local"].format(package=json.dumps(named)))
    commit(root, "a named requirement")
    first = run_pipeline(root)
    assert "mlgate: installed mlgate" in first.stdout, first.stdout + first.stderr
    second = run_pipeline(root)
    assert second.returncode == 0
    assert "from the cache" in second.stdout
    assert (root / ".mlgate-venv" / ".mlgate-package").read_text().endswith(named + "\n")
    assert "mlgate: installed" not in second.stdout


@pytest.mark.slow
def test_where_uv_cannot_be_installed_pip_does_the_install(tmp_path: Path) -> None:
    root = project(tmp_path / "repo", "local", candidate=0.95)
    # A file where uv's folder would go: `pip install --target` fails, as on a runner with
    # no route to PyPI for uv.
    (Path(job_env(root)["TMPDIR"]) / "mlgate-uv").write_text("")
    run = run_pipeline(root)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "uv cannot run here; installing with pip" in run.stdout
    assert dotenv(root)["MLGATE_DECISION"] == "pass"
    assert (root / ".mlgate-venv" / "bin" / "pip").exists()  # pip's venv, not uv's
