"""The verdict on the change's head commit, as the forge keeps it: a check run `mlgate` on
GitHub (conclusion, the headline as its title, the report as its summary, annotations at the
failing data's lines; a one-line commit status where the token may not create check runs), the
commit status `mlgate` on GitLab."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlgate.core.errors import ConfigError
from mlgate.core.outbound import md, one_line, redact
from mlgate.core.paths import repo_relative
from mlgate.forge import Annotation, Conclusion, VerdictReport
from mlgate.report.render import ReportContext, advisory, headline
from mlgate.report.validate import failure_annotations

# `decision` output -> conclusion: an override is neither a pass nor a block; anything else
# (an error, a decision this table does not know) is a failure, so the verdict fails closed.
CONCLUSIONS: dict[str, Conclusion] = {
    "pass": "success",
    "pass-with-skips": "success",
    "overridden": "neutral",
}


def post_config_error(error: ConfigError) -> str | None:
    """A failing verdict for a wrong mlgate.yaml, annotated at its line: the gate ran nothing,
    and the change's checks say why. A note, or None off a change."""
    from mlgate import forge

    where = repo_relative(Path(error.path))
    message = one_line(redact(f"{error.key}: {error.reason}" if error.key else error.reason))
    annotation = Annotation(
        path=where, line=error.line or 1, title="mlgate: config error", message=message
    )
    title = "mlgate: ⚠️ no verdict — mlgate.yaml is wrong"
    host = forge.detect()
    try:
        if host.change() is None:
            return None
        return host.post_verdict(
            VerdictReport("failure", title, f"## {title}\n\n{md(str(error))}", (annotation,))
        )
    finally:
        host.close()


def verdict_report(
    results: dict[str, dict[str, Any]], context: ReportContext, decision: str, summary: str
) -> VerdictReport:
    """The verdict of these results, with `summary` (the report, fitted by the caller)."""
    return VerdictReport(
        conclusion=CONCLUSIONS.get(decision, "failure"),
        title=one_line(redact(f"mlgate: {headline(results)}")),
        summary=summary,
        annotations=check_annotations(results),
        details_url=context.run_url,
        failed=tuple(
            step
            for step, result in results.items()
            if step != "gate" and result.get("status") == "fail" and not advisory(step, result)
        ),
    )


def check_annotations(results: dict[str, dict[str, Any]]) -> tuple[Annotation, ...]:
    """Validation failures at the data file and the line of the first failing example (line 1
    for a file mlgate could not read)."""
    details = (results.get("validate") or {}).get("details")
    if not isinstance(details, dict):
        return ()
    return tuple(
        Annotation(
            path=redact(path),
            line=line if isinstance(line, int) and line > 0 else 1,
            title=one_line(redact(title)),
            message=one_line(redact(message)),
        )
        for path, line, title, message in failure_annotations(details)
    )
