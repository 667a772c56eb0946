"""What the CI run is about: commit, pull request, workflow run, from the runner's variables."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from mlgate.errors import InputError
from mlgate.scm import current_commit


@dataclass(frozen=True)
class CiContext:
    commit: str | None
    pr_number: int | None
    run_url: str | None
    repository: str | None
    event_name: str | None


def detect(root: Path) -> CiContext:
    """GitHub Actions' variables when set; locally, the checkout's HEAD."""
    env = os.environ
    event = _event_payload(env.get("GITHUB_EVENT_PATH"))
    pull_request = event.get("pull_request") if isinstance(event, dict) else None
    pr_number = pull_request.get("number") if isinstance(pull_request, dict) else None
    head = pull_request.get("head", {}) if isinstance(pull_request, dict) else {}
    commit = (head.get("sha") if isinstance(head, dict) else None) or env.get("GITHUB_SHA")
    repository = env.get("GITHUB_REPOSITORY")
    run_url = None
    if repository and env.get("GITHUB_RUN_ID"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
        run_url = f"{server}/{repository}/actions/runs/{env['GITHUB_RUN_ID']}"
    return CiContext(
        commit=commit or current_commit(root),
        pr_number=pr_number if isinstance(pr_number, int) else None,
        run_url=run_url,
        repository=repository,
        event_name=env.get("GITHUB_EVENT_NAME"),
    )


def _event_payload(path: str | None) -> object:
    if not path:
        return {}
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"GITHUB_EVENT_PATH={path}: cannot read the event payload: {exc}") from exc


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
