"""`mlgate report`: render the run's result files and put the report where people look.

Always `report.md` in the results dir and, under GitHub Actions, the job summary; with
`post`, the pull request's one mlgate comment. Posting trouble is a warning: it never turns
a fail into a pass or a pass into a fail (unless `require_comment`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlgate import ci
from mlgate.errors import ExternalError, InputError
from mlgate.outbound import redact
from mlgate.report import (
    HEADLINES,
    STEPS,
    ReportContext,
    fit_markdown,
    overall,
    report_markdown,
)
from mlgate.result_schema import check_result
from mlgate.results import read_result, write_atomic

REPORT_FILE = "report.md"
# GitHub refuses a job summary over 1 MiB; keep clear of it.
MAX_SUMMARY_BYTES = 1_000_000


@dataclass(frozen=True)
class ReportRequest:
    results_dir: Path
    root: Path
    post: bool = False
    marker_id: str = "default"
    require_comment: bool = False
    output: Path | None = None


@dataclass
class Published:
    results: dict[str, dict[str, Any]]
    context: ReportContext
    decision: str
    exit_code: int
    report_path: Path
    comment_url: str | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load_results(results_dir: Path) -> dict[str, dict[str, Any]]:
    """Every step's result file in the results dir, plus gate.json (skipped steps), each
    checked against its shape: the fork-safe poster renders files a pull request wrote."""
    results = {}
    for step in (*STEPS, "gate"):
        path = results_dir / f"{step}.json"
        if path.is_file():
            try:
                results[step] = read_result(path)
            except RecursionError as exc:
                raise InputError(f"{path}: nested too deeply to be an mlgate result") from exc
            check_result(path, step, results[step])
    if not any(step in results for step in STEPS):
        raise InputError(
            f"{results_dir}: no mlgate results to report; run `mlgate gate` (or validate, "
            "repro, compare) first"
        )
    return results


def publish(request: ReportRequest) -> Published:
    results = load_results(request.results_dir)
    context = _context(request.root)
    decision, code = overall(results)
    markdown = redact(report_markdown(results, context))
    report_path = request.output or request.results_dir / REPORT_FILE
    write_atomic(report_path, markdown + "\n")
    published = Published(results, context, decision, code, report_path)
    if ci.append_step_summary(fitted(results, context, _fits_summary)):
        published.notes.append("report added to the job summary")
    if request.post:
        _post(request, published)
    ci.set_outputs(
        {
            "decision": decision,
            "report-path": str(report_path),
            "comment-url": published.comment_url or "",
        }
    )
    return published


def fitted(
    results: dict[str, dict[str, Any]], context: ReportContext, fits: Callable[[str], bool]
) -> str:
    """The most detailed redacted report that `fits`; at worst the verdict alone."""
    text = redact(fit_markdown(results, context, lambda body: fits(redact(body))))
    if fits(text):
        return text
    return f"## mlgate: {HEADLINES[overall(results)[0]]}\n\nThe report is too large to show here."


def _fits_summary(markdown: str) -> bool:
    return len(markdown.encode("utf-8")) <= MAX_SUMMARY_BYTES


def _context(root: Path) -> ReportContext:
    import os

    found = ci.detect(root)
    return ReportContext(
        commit=found.commit,
        run_url=found.run_url,
        repository=found.repository,
        server_url=os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/"),
    )


def _post(request: ReportRequest, published: Published) -> None:
    from mlgate import github

    def fits(body: str) -> bool:
        full = github.comment_body(body, request.marker_id)
        return github.comment_length(full) <= github.MAX_COMMENT_CHARS

    body = fitted(published.results, published.context, fits)
    try:
        outcome = github.post_sticky_comment(body, marker_id=request.marker_id)
    except github.CommentForbidden as exc:
        _posting_trouble(request, published, f"{exc}; the report is in the job summary")
        return
    except (ExternalError, InputError) as exc:
        _posting_trouble(request, published, f"could not post the PR comment: {exc}")
        return
    if outcome.action == "skipped":
        published.notes.append(f"{outcome.message}; the report is in the job summary only")
        if request.require_comment:
            raise InputError(f"--require-comment: {outcome.message}")
        return
    published.comment_url = outcome.url
    published.notes.append(outcome.message + (f": {outcome.url}" if outcome.url else ""))


def _posting_trouble(request: ReportRequest, published: Published, message: str) -> None:
    if request.require_comment:
        raise ExternalError(f"--require-comment: {message}")
    published.warnings.append(message)
