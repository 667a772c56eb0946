"""`mlgate report`: render one run's result files and put the report where people look.

Always `report.md` in the results dir and, under GitHub Actions, the job summary; with
`post`, the pull (merge) request's one mlgate note, on the forge the run is on
(`forge.detect`). Posting trouble is a warning: it never turns a fail into a pass or a pass
into a fail (unless `require_comment`).

One run, the first of these that wrote any result: the run at hand (`MLGATE_RUN_ID`, or the
GitHub Actions job this runs in); the latest `mlgate gate`, when nothing of another run was
written after it; what was written at the commit at hand; outside a git checkout, the newest
result's run. Result files of other runs are left out of the verdict and listed as such.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlgate.core.errors import ExitStatus, ExternalError, InputError
from mlgate.core.outbound import redact
from mlgate.core.scm import current_commit
from mlgate.forge import Forge, NoteForbidden, ci
from mlgate.report.render import (
    ReportContext,
    decision_of,
    exit_of,
    fit_markdown,
    headline,
    report_markdown,
    skipped_checks,
)
from mlgate.results import REPORT_FILE, STEPS, read_result, run_id_at_hand, write_atomic

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
    # The override in gate.json counts only when this process's gate asked GitHub for it: a
    # gate.json found on disk (committed by the change, uploaded by a fork) is not a record.
    override_decided_here: bool = False


@dataclass
class Published:
    results: dict[str, dict[str, Any]]
    context: ReportContext
    decision: str
    exit_code: ExitStatus
    report_path: Path
    comment_url: str | None = None
    in_job_summary: bool = False
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def where(self) -> str:
        """Where a reader finds the report when no comment shows it."""
        if self.in_job_summary:
            return "the report is in the job summary"
        return f"the report is in {self.report_path}"


@dataclass(frozen=True)
class Loaded:
    results: dict[str, dict[str, Any]]  # this run's, by command
    stale: tuple[dict[str, Any], ...]  # other runs' result files found beside them


def load_results(
    results_dir: Path, *, commit: str | None = None, run_id: str | None = None
) -> Loaded:
    """This run's result files (steps and gate.json) in the results dir, and the others'.

    `run_id` is the run at hand, `commit` the commit at hand (module docstring: which wins).
    """
    found = {}
    for step in (*STEPS, "gate"):
        path = results_dir / f"{step}.json"
        if path.is_file():
            found[step] = read_result(path)
    if not found:
        raise InputError(
            f"{results_dir}: no mlgate results to report; run `mlgate gate` (or validate, "
            "repro, compare) first"
        )
    current = _this_run(found, commit, run_id)
    results = {step: result for step, result in found.items() if step in current}
    # Named by the file they came from: a foreign file's own `command` is not to be trusted.
    stale = tuple(
        {**result, "command": step} for step, result in found.items() if step not in current
    )
    if not results:
        listed = ", ".join(f"{old.get('command')} ({_when(old)})" for old in stale)
        raise InputError(
            f"{results_dir}: no results of the commit at hand ({str(commit)[:7]}), only of "
            f"other runs: {listed}; run `mlgate gate` (or validate, repro, compare) first"
        )
    return Loaded(results, stale)


def _this_run(found: dict[str, dict[str, Any]], commit: str | None, run_id: str | None) -> set[str]:
    """Which of the result files found belong to the run the report is about."""
    at_hand = {step for step, result in found.items() if run_id and result.get("run_id") == run_id}
    if at_hand:
        return at_hand
    gate = found.get("gate")
    if gate is not None:
        gate_run = gate.get("run_id")
        others = [result for result in found.values() if result.get("run_id") != gate_run]
        if all(_finished(other) <= _finished(gate) for other in others):
            return {step for step, result in found.items() if result.get("run_id") == gate_run}
    if commit is not None:
        return {step for step, result in found.items() if result.get("commit") == commit}
    newest = max(found.values(), key=_finished).get("run_id")
    return {step for step, result in found.items() if result.get("run_id") == newest}


def _finished(result: dict[str, Any]) -> float:
    """When a result was written, in seconds since the epoch; 0 when it does not say."""
    from datetime import datetime

    try:
        started = datetime.fromisoformat(str(result.get("started_at"))).timestamp()
        return started + float(result.get("duration_s") or 0)
    except (TypeError, ValueError, OverflowError):
        return 0.0


def _when(result: dict[str, Any]) -> str:
    commit = result.get("commit")
    at = f" at {str(commit)[:7]}" if commit else ""
    return f"{result.get('status')}, started {result.get('started_at') or '?'}{at}"


def publish(request: ReportRequest) -> Published:
    loaded = load_results(
        request.results_dir, commit=current_commit(request.root), run_id=run_id_at_hand()
    )
    results = loaded.results
    if ci.renders_another_runs_files():
        results = without_urls(results)
    if not request.override_decided_here:
        results = without_override(results)
    try:
        context = _context(request.root, loaded.stale)
        event_trouble = None
    except (ExternalError, InputError) as exc:
        # The links are lost, not the report: posting meets the same trouble and says so.
        context = ReportContext(commit=current_commit(request.root), stale=loaded.stale)
        event_trouble = f"the report has no links to the run: {exc}"
    code = exit_of(results)
    decision = decision_of(results)
    markdown = redact(report_markdown(results, context))
    report_path = request.output or request.results_dir / REPORT_FILE
    write_atomic(report_path, markdown + "\n")
    published = Published(results, context, decision, code, report_path)
    if event_trouble:
        published.warnings.append(event_trouble)
    if loaded.stale:
        left_out = ", ".join(str(old.get("command")) for old in loaded.stale)
        published.notes.append(f"left out, from another run: {left_out}")
    if ci.append_step_summary(fitted(results, context, _fits_summary)):
        published.in_job_summary = True
        published.notes.append("report added to the job summary")
    if request.post:
        _post(request, published)
    ci.set_outputs(
        {
            "decision": decision,
            "skipped": ",".join(skipped_checks(results)),
            "report-path": str(report_path),
            "comment-url": published.comment_url or "",
        }
    )
    return published


def without_urls(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The results with the URLs they carry (compare's MLflow pages, gate.json's links) left out:
    the report then names the version and the run without linking them."""
    cleaned = dict(results)
    compare = cleaned.get("compare")
    if compare and isinstance(compare.get("details"), dict):
        details = dict(compare["details"])
        for side in ("candidate", "baseline"):
            if isinstance(details.get(side), dict):
                details[side] = {**details[side], "url": None}
        cleaned["compare"] = {**compare, "details": details}
    gate = cleaned.get("gate")
    if gate and isinstance(gate.get("details"), dict):
        cleaned["gate"] = {**gate, "details": {**gate["details"], "links": {}}}
    return without_override(cleaned)


def without_override(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The results without gate.json's override: who approved what is asked of the forge by
    the gate that decides, never taken from a file."""
    gate = results.get("gate")
    if not gate or not isinstance(gate.get("details"), dict):
        return results
    details = {k: v for k, v in gate["details"].items() if k != "override"}
    if details.get("decision") == "overridden":
        details["decision"] = "fail"
    return {**results, "gate": {**gate, "details": details}}


def fitted(
    results: dict[str, dict[str, Any]], context: ReportContext, fits: Callable[[str], bool]
) -> str:
    """The most detailed redacted report that `fits`; at worst the verdict alone."""
    text = redact(fit_markdown(results, context, lambda body: fits(redact(body))))
    if fits(text):
        return text
    return f"## mlgate: {headline(results)}\n\nThe report is too large to show here."


def _fits_summary(markdown: str) -> bool:
    return len(markdown.encode("utf-8")) <= MAX_SUMMARY_BYTES


def _context(root: Path, stale: tuple[dict[str, Any], ...]) -> ReportContext:
    found = ci.reported(root)
    return ReportContext(
        commit=found.commit,
        run_url=found.run_url,
        repository=found.repository,
        commit_url=found.commit_url(),
        full_report_at=found.full_report_at,
        stale=stale,
    )


def _post(request: ReportRequest, published: Published) -> None:
    from mlgate import forge

    try:
        host = forge.detect()
    except InputError as exc:  # the runner's event cannot be read: the run is not lost
        _posting_trouble(request, published, f"could not post the report: {exc}")
        return
    try:
        if _post_note(request, published, host):
            _post_verdict(published, host)
    finally:
        host.close()


def _post_note(request: ReportRequest, published: Published, host: Forge) -> bool:
    """Post the note; False when the token may not write (the warning says so, once)."""
    from mlgate import forge

    body = fitted(
        published.results,
        published.context,
        lambda body: forge.note_fits(host, body, request.marker_id),
    )
    try:
        outcome = forge.post_note(host, body, request.marker_id)
    except NoteForbidden as exc:
        _posting_trouble(request, published, f"{exc}; {published.where()}")
        return False
    except (ExternalError, InputError) as exc:
        _posting_trouble(request, published, f"could not post the {host.note_title}: {exc}")
        return True
    if outcome.action == "skipped":
        published.notes.append(f"{outcome.message}; {published.where()}")
        if request.require_comment:
            raise InputError(f"--require-comment: {outcome.message}")
        return True
    published.comment_url = outcome.url
    published.notes.append(outcome.message + (f": {outcome.url}" if outcome.url else ""))
    return True


def _post_verdict(published: Published, host: Forge) -> None:
    """The verdict on the change's head commit, as the forge keeps it (GitHub's check run
    `mlgate`, GitLab's commit status); anything but a pass or an override is a failure, so a
    path without a verdict fails closed. Trouble here is a warning: the exit code is the
    results' verdict."""
    from mlgate.report.checks import verdict_report

    summary = fitted(
        published.results, published.context, lambda t: len(t) <= host.max_verdict_chars
    )
    verdict = verdict_report(published.results, published.context, published.decision, summary)
    try:
        done = host.post_verdict(verdict)
    except (ExternalError, InputError) as exc:
        published.warnings.append(f"could not set the verdict on the commit: {exc}")
        return
    if done:
        published.notes.append(done)


def _posting_trouble(request: ReportRequest, published: Published, message: str) -> None:
    if request.require_comment:
        raise ExternalError(f"--require-comment: {message}")
    published.warnings.append(message)
