"""The verdict on the pull request's head commit: the check run `mlgate` (conclusion, the
headline as its title, the report as its summary, annotations at the failing data's lines),
or a one-line commit status where the token may not create check runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlgate.core.errors import ConfigError
from mlgate.core.outbound import md, one_line, redact
from mlgate.core.paths import repo_relative
from mlgate.report.render import ReportContext, headline
from mlgate.report.validate import failure_annotations

# `decision` output -> check run conclusion: an override is neither a pass nor a block.
CONCLUSIONS: dict[str, Any] = {
    "pass": "success",
    "pass-with-skips": "success",
    "overridden": "neutral",
}


def post_config_error(error: ConfigError) -> str | None:
    """A failing check run `mlgate` for a wrong mlgate.yaml, annotated at its line: the gate
    ran nothing, and the pull request's checks say why. A note, or None off a pull request."""
    from mlgate.forge import github_checks

    where = repo_relative(Path(error.path))
    message = one_line(redact(f"{error.key}: {error.reason}" if error.key else error.reason))
    annotation = github_checks.Annotation(
        path=where, line=error.line or 1, title="mlgate: config error", message=message
    )
    title = "mlgate: ⚠️ no verdict — mlgate.yaml is wrong"
    summary = f"## {title}\n\n{md(str(error))}"
    return _post(title, summary, [annotation], "failure", None)


def post_verdict(
    results: dict[str, dict[str, Any]], context: ReportContext, decision: str, summary: str
) -> str | None:
    """Post the verdict on this run's pull request; a note for the log, or None off a pull
    request. Raises ExternalError / InputError as the forge does."""
    title = one_line(redact(f"mlgate: {headline(results)}"))
    conclusion = CONCLUSIONS.get(decision, "failure")
    return _post(title, summary, check_annotations(results), conclusion, context.run_url)


def _post(
    title: str, summary: str, annotations: list[Any], conclusion: Any, details_url: str | None
) -> str | None:
    from mlgate.forge import github, github_checks

    env = github.github_env()
    pull = env.pull_request
    if pull is None or not pull.head_sha or not env.token:
        return None
    repository = env.repository or ""
    with github.GitHubClient(env.token, api_url=env.api_url) as client:
        posted = github_checks.post_verdict(
            client,
            repository,
            pull.head_sha,
            conclusion=conclusion,
            title=title,
            summary=summary,
            annotations=annotations,
            details_url=details_url,
        )
    if posted.kind == "none":
        return (
            "no check run or commit status: the token has neither `checks: write` nor "
            "`statuses: write`"
        )
    where = "check run `mlgate`" if posted.kind == "check_run" else "commit status `mlgate`"
    return f"posted the {where} on {pull.head_sha[:12]}"


def check_annotations(results: dict[str, dict[str, Any]]) -> list[Any]:
    """Validation failures at the data file and the line of the first failing example (line 1
    for a file mlgate could not read)."""
    from mlgate.forge import github_checks

    details = (results.get("validate") or {}).get("details")
    if not isinstance(details, dict):
        return []
    return [
        github_checks.Annotation(
            path=redact(path),
            line=line if isinstance(line, int) and line > 0 else 1,
            title=one_line(redact(title)),
            message=one_line(redact(message)),
        )
        for path, line, title, message in failure_annotations(details)
    ]
