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
    where = "check run `mlgate`" if posted.kind == "check_run" else "commit status `mlgate`"
    return f"posted the {where} on {pull.head_sha[:12]}"


def check_annotations(results: dict[str, dict[str, Any]]) -> list[Any]:
    """Validation failures at the data file and line (the first failing example's)."""
    from mlgate.forge import github_checks

    details = (results.get("validate") or {}).get("details")
    found: list[Any] = []
    if not isinstance(details, dict):
        return found
    for entry in details.get("files") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            continue
        for failure in entry.get("failures") or []:
            if not isinstance(failure, dict):
                continue
            examples = failure.get("examples") or [{}]
            line = examples[0].get("line") if isinstance(examples[0], dict) else None
            message = redact(one_line(str(failure.get("message") or failure.get("check"))))
            found.append(
                github_checks.Annotation(
                    path=redact(entry["path"]),
                    line=line if isinstance(line, int) and line > 0 else 1,
                    title=redact(one_line(f"mlgate validate: {failure.get('check')}")),
                    message=message,
                )
            )
    return found
