"""What the CI run is about: commit, pull (merge) request, workflow run or job, from the
runner's variables: GitHub Actions', GitLab CI's (`GITLAB_CI=true`), else the checkout."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from mlgate.core.errors import InputError
from mlgate.core.outbound import safe_url
from mlgate.core.scm import current_commit

# The only events whose run is about a pull request. Others carry one in their payload too
# (pull_request_review, a workflow_run's pull_requests), but a run they start must not
# comment on, or tag a model with, a pull request it was not asked about.
PR_EVENTS = frozenset({"pull_request", "pull_request_target"})
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


@dataclass(frozen=True)
class PullRequest:
    number: int
    head_sha: str | None


@dataclass(frozen=True)
class Event:
    """What the runner says the run is about: GITHUB_EVENT_NAME and, for a pull request
    event, its payload at GITHUB_EVENT_PATH (read for those events only)."""

    name: str | None
    pull_request: PullRequest | None = None
    repository: str | None = None  # the payload's repository.full_name
    # A workflow_run's: the commit the run it follows was about (its GITHUB_SHA is the default
    # branch's head, not the pull request's). For the report of that run's result files only:
    # what this run checked out, and tags, is GITHUB_SHA.
    head_sha: str | None = None
    run_url: str | None = None  # a workflow_run's: the page of the run it follows


@dataclass(frozen=True)
class CiContext:
    commit: str | None
    pr_number: int | None
    run_url: str | None
    repository: str | None
    event_name: str | None
    # The forge's page of a commit is this followed by the commit's hash.
    commit_url_prefix: str | None = None
    # Where a reader finds the whole report when a note had to be cut short.
    full_report_at: str = "the job summary and the `report.md` artifact"

    def commit_url(self) -> str | None:
        """The forge's page of `commit`, when the run says which forge and repository."""
        if self.commit_url_prefix is None or not self.commit:
            return None
        return f"{self.commit_url_prefix}{self.commit}"


def hosted_ci(environ: Mapping[str, str] | None = None) -> str | None:
    """Which forge's CI this runs in: "github", "gitlab" or None (a laptop, another CI)."""
    env = os.environ if environ is None else environ
    if env.get("GITLAB_CI") == "true":
        return "gitlab"
    if env.get("GITHUB_ACTIONS") == "true":
        return "github"
    return None


def read_event(env: Mapping[str, str]) -> Event:
    """The run's event. A pull request event must name its payload and the payload its pull
    request (an integer number): anything else is an input error, never a run without one."""
    name = env.get("GITHUB_EVENT_NAME") or None
    if name == "workflow_run":
        return _workflow_run(env.get("GITHUB_EVENT_PATH"))
    if name not in PR_EVENTS:
        return Event(name)
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        raise InputError(f"GITHUB_EVENT_NAME={name} but GITHUB_EVENT_PATH is not set")
    payload = _read_payload(path)
    pull_request = pull_request_from_event(name, payload)
    if pull_request is None:
        raise InputError(f"GITHUB_EVENT_PATH={path}: a {name} event without a pull request")
    return Event(name, pull_request, _full_name(payload))


def pull_request_from_event(event_name: str | None, payload: object) -> PullRequest | None:
    """The pull request a webhook payload is about, for the events that have one, else None."""
    if event_name not in PR_EVENTS or not isinstance(payload, dict):
        return None
    pr = payload.get("pull_request")
    if not isinstance(pr, dict):
        return None
    number = pr.get("number", payload.get("number"))
    if not isinstance(number, int) or isinstance(number, bool):
        return None
    head = pr.get("head")
    sha = head.get("sha") if isinstance(head, dict) else None
    return PullRequest(number=number, head_sha=sha if isinstance(sha, str) else None)


def _workflow_run(path: str | None) -> Event:
    """A workflow_run event with the commit and the page of the run it follows, where its
    payload says them (for the report's links only: no payload is no input error)."""
    try:
        payload = _read_payload(path) if path else None
    except InputError:
        payload = None
    run = payload.get("workflow_run") if isinstance(payload, dict) else None
    run = run if isinstance(run, dict) else {}
    sha, url = run.get("head_sha"), run.get("html_url")
    return Event(
        "workflow_run",
        head_sha=sha if isinstance(sha, str) and _COMMIT.fullmatch(sha) else None,
        run_url=url if isinstance(url, str) else None,
    )


def _read_payload(path: str) -> object:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise InputError(f"GITHUB_EVENT_PATH={path}: cannot read the event payload: {exc}") from exc


def _full_name(payload: object) -> str | None:
    repo = payload.get("repository") if isinstance(payload, dict) else None
    name = repo.get("full_name") if isinstance(repo, dict) else None
    return name if isinstance(name, str) else None


def detect(root: Path) -> CiContext:
    """GitLab CI's variables under GitLab CI, else GitHub Actions' when set; locally, the
    checkout's HEAD. On GitHub the commit is the pull request's head (GITHUB_SHA is the merge
    commit there), else GITHUB_SHA."""
    env = os.environ
    if hosted_ci(env) == "gitlab":
        return _gitlab(env, root)
    event = read_event(env)
    pull_request = event.pull_request
    repository = env.get("GITHUB_REPOSITORY") or event.repository
    run_url = None
    if repository and env.get("GITHUB_RUN_ID"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        run_url = f"{server}/{repository}/actions/runs/{env['GITHUB_RUN_ID']}"
    commit = (pull_request.head_sha if pull_request else None) or env.get("GITHUB_SHA")
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    return CiContext(
        commit=commit or current_commit(root),
        pr_number=pull_request.number if pull_request else None,
        run_url=run_url,
        repository=repository,
        event_name=event.name,
        commit_url_prefix=f"{server}/{repository}/commit/" if repository else None,
    )


def _gitlab(env: Mapping[str, str], root: Path) -> CiContext:
    """A GitLab CI job: the merge request of a merge-request pipeline (a branch pipeline's is
    found by the forge, which asks the API), the job's page, the project's commit pages."""
    iid = env.get("CI_MERGE_REQUEST_IID", "")
    project_url = env.get("CI_PROJECT_URL", "").rstrip("/")
    return CiContext(
        commit=env.get("CI_COMMIT_SHA") or current_commit(root),
        pr_number=int(iid) if iid.isdigit() else None,
        run_url=env.get("CI_JOB_URL") or None,
        repository=env.get("CI_PROJECT_PATH") or None,
        event_name=env.get("CI_PIPELINE_SOURCE") or None,
        commit_url_prefix=f"{project_url}/-/commit/" if project_url else None,
        full_report_at="the job log and the `report.md` artifact",
    )


# The events whose run renders result files another run uploaded (the `workflow_run` poster of
# a fork's pull request): a forged artifact's URL must not become a link the repository's bot
# posts under the MLflow run's or the workflow run's name.
FOREIGN_RESULT_EVENTS = frozenset({"workflow_run"})


def renders_another_runs_files() -> bool:
    """Whether this run reports result files another run wrote (their URLs are not trusted)."""
    if hosted_ci() == "gitlab":
        return False
    try:
        return read_event(os.environ).name in FOREIGN_RESULT_EVENTS
    except InputError:
        return False  # a pull request event: this run wrote its own files


def reported(root: Path) -> CiContext:
    """The run and commit a report is about: this run's, except for a workflow_run poster,
    which reports on the gate's run and commit (not on its own run and its GITHUB_SHA, the
    default branch's head)."""
    found = detect(root)
    if hosted_ci() == "gitlab":
        return found
    gate = read_event(os.environ)
    return replace(
        found,
        commit=gate.head_sha or found.commit,
        run_url=safe_url(gate.run_url) or found.run_url,
    )


def append_step_summary(markdown: str) -> Path | None:
    """Add the report to the job summary when running under GitHub Actions."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(markdown.rstrip() + "\n\n")
    except OSError as exc:
        raise InputError(f"GITHUB_STEP_SUMMARY={target}: cannot write the summary: {exc}") from exc
    return path


def set_outputs(outputs: dict[str, str]) -> None:
    """Step outputs (`steps.<id>.outputs.<name>`) when running under GitHub Actions."""
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    lines = []
    for name, value in outputs.items():
        if "\n" in value:
            raise InputError(f"step output {name!r} must be a single line")
        lines.append(f"{name}={value}\n")
    try:
        with Path(target).open("a", encoding="utf-8") as handle:
            handle.writelines(lines)
    except OSError as exc:
        raise InputError(f"GITHUB_OUTPUT={target}: cannot write step outputs: {exc}") from exc
