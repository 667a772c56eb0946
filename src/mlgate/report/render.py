"""Pure renderers: data in, text out (text, json, markdown, junit). No I/O.

Text that comes from the change itself (metric names, values, messages) passes the escapers
of `mlgate.core.outbound` before it goes into Markdown, and every list is bounded: the report's size
does not grow with the number of files, checks or stages beyond a fixed cap.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlgate.config import amount_rule, left_unjudged
from mlgate.core.errors import ExitStatus, Status
from mlgate.core.outbound import bounded, code, link, md, one_line
from mlgate.core.wording import counted
from mlgate.report.changes import changes_markdown, changes_text, without_stage_names
from mlgate.report.metrics import (
    as_float,
    baseline_label,
    compare_reason,
    compare_step_line,
    history_chart,
    judged_notes,
    metrics_table,
)
from mlgate.report.view import view_markdown, view_text
from mlgate.results import NOT_GATED, STEPS

# The escapers, for the renderers that import them from here; the chart, for its tests.
__all__ = ["code", "history_chart", "md"]

# How many rows of untrusted lists a report shows; the rest is counted, not listed.
MAX_CHECKS = 100
MAX_NOTES = 20
MAX_SKIPPED = 10


def number(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—" if value is None else md(value, limit=40)
    real = as_float(value)
    if real is None:  # an integer too large for a float (a 400-digit number)
        return md(value, limit=40)
    if math.isinf(real) or math.isnan(real):
        return str(value)
    return f"{real:.6g}"


def signed(value: object, suffix: str = "") -> str:
    real = as_float(value)
    if real is None:
        return "—"
    return f"{real + 0.0:+.4g}{suffix}"  # + 0.0: never "-0"


def render_compare(result: dict[str, Any], output_format: str) -> str:
    """A compare result (the envelope as written to compare.json) as text, markdown or junit."""
    if output_format == "json":
        return json.dumps(result, indent=2)
    if result.get("status") == NOT_GATED and output_format != "junit":
        return view_markdown(result) if output_format == "markdown" else view_text(result)
    if output_format == "junit":
        return compare_junit(result)
    if output_format == "markdown":
        return compare_markdown(result)
    return compare_text(result)


def _rule_text(check: dict[str, Any]) -> str:
    rule = str(check["rule"])
    limit = check.get("limit")
    if limit is None:
        return rule
    found = amount_rule(rule)
    return f"{rule} {number(limit)}{found.unit if found else ''}"


def _outcome(check: dict[str, Any]) -> str:
    if check.get("skipped"):
        return "skipped"
    return "pass" if check["passed"] else "FAIL"


def _delta_text(check: dict[str, Any]) -> str:
    """The change, with its interval for a check judged on one: "-0.022 [-0.067, +0.022] 95%"."""
    interval = check.get("interval")
    if not interval or check.get("rule") == "threshold":
        return signed(check.get("delta"))
    return f"{signed(interval.get('estimate'))} {_bracket(interval, signed)}"


def _candidate_text(check: dict[str, Any]) -> str:
    """The candidate's value; for a threshold judged on its interval, the interval too."""
    interval = check.get("interval")
    if interval and check.get("rule") == "threshold":
        return f"{number(check.get('candidate'))} {_bracket(interval, number)}"
    return number(check.get("candidate"))


def _bracket(interval: dict[str, Any], shown: Callable[[object], str]) -> str:
    confidence = as_float(interval.get("confidence"))
    level = "" if confidence is None else f" {confidence:.0%}"
    return f"[{shown(interval.get('low'))}, {shown(interval.get('high'))}]{level}"


def _explained(check: dict[str, Any]) -> bool:
    """Checks whose message the report spells out: failures, skips and inconclusive ones."""
    return not check["passed"] or bool(check.get("skipped")) or _inconclusive(check)


def _inconclusive(check: dict[str, Any]) -> bool:
    return check.get("evidence") == "inconclusive"


def compare_text(result: dict[str, Any]) -> str:
    details = result.get("details", {})
    lines = [f"compare: {result['status'].upper()} — {result['summary']}"]
    baseline = details.get("baseline") or {}
    candidate = details.get("candidate") or {}
    lines.append(f"  candidate: {candidate.get('source')} {_origin(candidate)}".rstrip())
    lines.append(f"  baseline:  {baseline.get('source')} {_origin(baseline)}".rstrip())
    header = ("metric", "baseline", "candidate", "delta", "rule", "result")
    rows = [header]
    for check in details.get("checks", []):
        rows.append(
            (
                str(check["metric"]),
                number(check.get("baseline")),
                _candidate_text(check),
                _delta_text(check),
                _rule_text(check),
                _outcome(check) + (" (inconclusive)" if _inconclusive(check) else ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        lines.append(
            "  "
            + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    for check in details.get("checks", []):
        if _explained(check):
            lines.append(f"  - {check['metric']} {check['rule']}: {check['message']}")
    for item in details.get("ungated", []):
        lines.append(
            f"  (not gated) {item['metric']}: {number(item['candidate'])}"
            f" (baseline {number(item['baseline'])})"
        )
    lines.extend(f"  note: {note}" for note in details.get("notes", []))
    return "\n".join(lines)


def _origin(side: dict[str, Any]) -> str:
    parts = []
    if side.get("version"):
        parts.append(f"v{side['version']}")
    if side.get("origin"):
        parts.append(str(side["origin"]))
    if side.get("missing_reason"):
        parts.append(str(side["missing_reason"]))
    return f"({'; '.join(parts)})" if parts else ""


def compare_markdown(result: dict[str, Any], in_report: bool = False) -> str:
    """The comparison's section: what was compared, one row per metric, how each rule was
    judged (collapsed). On its own it leads with the decisive reason, which in the whole report
    is the headline's."""
    details = result.get("details") or {}
    icon = {"pass": "✅", "fail": "❌"}.get(result.get("status", ""), "⚠️")
    lines = [f"### {icon} Model comparison", ""]
    if not in_report:
        reason = compare_reason(details) or str(result.get("summary", ""))
        lines += [f"**Why:** {md(reason)}", ""]
    lines.append(_sides(details))
    table = metrics_table(details)
    if table:
        lines += ["", *table]
    lines += judged_notes(details, MAX_NOTES)
    return "\n".join(lines)


def _sides(details: dict[str, Any]) -> str:
    """Candidate `dvc` ([MLflow run](…)) against `models:/wine@champion` → [wine v3](…)."""
    candidate = details.get("candidate") or {}
    baseline = details.get("baseline") or {}
    text = f"Candidate {code(candidate.get('source'))}"
    if candidate.get("url"):
        text += f" ({link('MLflow run', candidate.get('url'))})"
    if baseline.get("metrics") is None:
        reason = baseline.get("missing_reason") or "none"
        return f"{text}; no baseline: {code(baseline.get('source'))} — {md(reason)}"
    text += f" against {code(baseline.get('source'))}"
    if baseline.get("version"):
        text += f" → {link(md(baseline_label(baseline)), baseline.get('url'))}"
    return text


def compare_junit(result: dict[str, Any]) -> str:
    """JUnit XML, one testcase per check, for CI systems that render test reports."""
    from xml.sax.saxutils import escape as xml_escape
    from xml.sax.saxutils import quoteattr

    checks = result.get("details", {}).get("checks", [])
    failures = sum(1 for c in checks if not c["passed"])
    skipped = sum(1 for c in checks if c.get("skipped"))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="mlgate" tests="{len(checks)}" failures="{failures}">',
        f'  <testsuite name="mlgate.compare" tests="{len(checks)}" failures="{failures}" '
        f'skipped="{skipped}" time="{result.get("duration_s", 0)}">',
    ]
    for check in checks:
        name = quoteattr(f"{check['metric']} {_rule_text(check)}")
        lines.append(f'    <testcase classname="mlgate.compare" name={name}>')
        if check.get("skipped"):
            lines.append(f"      <skipped message={quoteattr(check['message'])}/>")
        elif not check["passed"]:
            lines.append(
                f"      <failure message={quoteattr(check['message'])}>"
                f"{xml_escape(json.dumps(check))}</failure>"
            )
        lines.append("    </testcase>")
    lines.extend(["  </testsuite>", "</testsuites>"])
    return "\n".join(lines)


# --- the whole report: every result file of a run, in one document ------------------------

STEP_TITLES = {
    "validate": "data validation",
    "drift": "data drift",
    "repro": "reproduction",
    "compare": "model comparison",
    "promote": "promotion",
    "rollback": "rollback",
}
HEADLINES = {
    "pass": "✅ passed",
    "fail": "❌ blocked",
    "error": "⚠️ no verdict",
}
# How much detail a report keeps, most first; a report too long for a PR comment sheds levels.
DETAIL_LEVELS = ("full", "no examples", "no per-file sections", "summary only")
SHED_NOTES = {
    "no examples": "example values of failing checks",
    "no per-file sections": "the per-file and per-stage detail",
    "summary only": "every section but the verdict",
}


@dataclass(frozen=True)
class ReportContext:
    """Where the report comes from, for its links; all optional (a laptop has none)."""

    commit: str | None = None
    run_url: str | None = None
    repository: str | None = None
    server_url: str = "https://github.com"
    commit_url: str | None = None  # the forge's page of the commit, when it says
    full_report_at: str = "the job summary and the `report.md` artifact"
    # Result files of other runs found beside this run's: listed as left out, never judged.
    stale: tuple[dict[str, Any], ...] = ()


def overall(results: dict[str, dict[str, Any]]) -> tuple[Status, ExitStatus]:
    """The decision and exit code of a set of results (`ExitStatus.worst` of the deciding
    steps); no deciding result at all is an input error (nothing was checked)."""
    codes = [
        ExitStatus.of_result(result.get("status"), result.get("exit_code"))
        for step, result in results.items()
        if step in STEPS and not advisory(step, result)
    ]
    verdict = ExitStatus.worst(codes) if codes else ExitStatus.INPUT
    return verdict.status, verdict


def advisory(step: str, result: dict[str, Any]) -> bool:
    """A drift result under `drift.block: false` is reported, never decides (drift.json says
    `block`); `mlgate drift` on its own still exits 1 on drift."""
    details = result.get("details")
    return step == "drift" and isinstance(details, dict) and details.get("block") is False


# The steps that check something; `--skip report` (not posting) leaves no check out.
CHECK_STEPS = ("validate", "repro", "compare")
PASS_WITH_SKIPS = "pass-with-skips"
SKIPPED_BY_OPTION = "option"  # gate.json skipped[].cause of a step left out with --skip


def decision_of(results: dict[str, dict[str, Any]]) -> str:
    """pass | pass-with-skips | fail | overridden | error: the `decision` output, which names a
    pass that left a check out with --skip, or a gated metric unjudged."""
    if override_of(results) is not None:
        return OVERRIDDEN
    return with_skips(overall(results)[0], gate_skips(results), results)


OVERRIDDEN = "overridden"


def override_of(results: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The maintainer's override gate.json records for this blocked run, if any: only a fail
    (never a run with no verdict) can be overridden."""
    details = (results.get("gate") or {}).get("details")
    if overall(results)[0] != "fail" or not isinstance(details, dict):
        return None
    override = details.get("override")
    applied = override.get("applied") if isinstance(override, dict) else None
    return applied if isinstance(applied, dict) else None


def exit_of(results: dict[str, dict[str, Any]]) -> ExitStatus:
    """The exit code of the run: an overridden block passes (the record says who and why)."""
    return ExitStatus.PASS if override_of(results) is not None else overall(results)[1]


def refused_lines(refused: list[str]) -> list[str]:
    """Refused override attempts as Markdown list items, at most MAX_NOTES of them."""
    shown, more = bounded(refused, MAX_NOTES)
    lines = [f"- 🚫 {_with_code_spans(line)}" for line in shown]
    if more:
        lines.append(f"- 🚫 … and {more:,} more refused overrides (gate.json)")
    return lines


def override_lines(results: dict[str, dict[str, Any]]) -> list[str]:
    """Markdown lines under the headline: refused attempts, and how to override a block."""
    details = (results.get("gate") or {}).get("details")
    override = details.get("override") if isinstance(details, dict) else None
    if not isinstance(override, dict):
        return []
    lines = refused_lines([str(line) for line in override.get("refused") or []])
    command = override.get("command")
    if override_of(results) is None and overall(results)[0] == "fail" and command:
        who = md(str(override.get("min_permission") or "maintain"))
        lines.append(f"To override (a user with {who} permission or more): {code(str(command))}")
    return lines


def with_skips(
    decision: str, skipped: list[dict[str, Any]], results: dict[str, dict[str, Any]]
) -> str:
    """pass-with-skips for a pass that left a check out with --skip or judged a gated metric
    less than its rules ask (`unjudged_checks`); else the decision."""
    by_option = any(
        entry.get("cause") == SKIPPED_BY_OPTION and entry.get("step") in CHECK_STEPS
        for entry in skipped
    )
    partial = by_option or bool(unjudged_checks(results))
    return PASS_WITH_SKIPS if decision == "pass" and partial else decision


def unjudged_checks(results: dict[str, dict[str, Any]]) -> list[str]:
    """The comparison's checks skipped for a value that should have been there ("f1 required",
    "recall max_regression"), from compare.json (`rule_names.left_unjudged`)."""
    details = (results.get("compare") or {}).get("details")
    if not isinstance(details, dict):
        return []
    baseline = details.get("baseline")
    found = isinstance(baseline, dict) and baseline.get("metrics") is not None
    return [
        f"{check.get('metric')} {check.get('rule')}"
        for check in details.get("checks") or []
        if isinstance(check, dict)
        and left_unjudged(
            skipped=bool(check.get("skipped")), rule=str(check.get("rule")), baseline_found=found
        )
    ]


def headline(results: dict[str, dict[str, Any]]) -> str:
    """The verdict in a few words; a pass that is less than a full check says why."""
    decision = overall(results)[0]
    if not any(step in results for step in STEPS):
        return "⚠️ no verdict — no check ran"
    override = override_of(results)
    if override is not None:
        who, why = one_line(str(override.get("by"))), one_line(str(override.get("reason")))
        return f"⚠️ overridden by @{md(who)}: {md(why)}"
    if decision != "pass":
        return HEADLINES[decision]
    caveats = [
        f"{STEP_TITLES[step]} skipped by --skip {step}" for step in skipped_by_option(results)
    ]
    unjudged = len(unjudged_checks(results))
    if unjudged:  # counted, not named: a metric's name is untrusted text, and this is a heading
        caveats.append(f"{counted(unjudged, 'gated check')} not judged, a value missing")
    if is_bootstrap(results):
        caveats.insert(0, "no production baseline yet, so only absolute thresholds were checked")
        return "☑️ passed on bootstrap — " + "; ".join(caveats)
    if caveats:
        return "☑️ passed — " + "; ".join(caveats)
    return HEADLINES["pass"]


def gate_skips(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps gate.json says did not run ({step, reason, cause}); the file may be foreign.

    A step a later run of the same commit did run (`gate --skip repro`, then `repro --check`)
    is that run's result, not a skip as well: one row per step."""
    gate = results.get("gate") or {}
    details = gate.get("details")
    entries = details.get("skipped") if isinstance(details, dict) else None
    ran_since = {
        step
        for step, result in results.items()
        if step in STEPS and gate.get("run_id") and result.get("run_id") != gate.get("run_id")
    }
    return [
        entry
        for entry in entries or []
        if isinstance(entry, dict) and entry.get("step") not in ran_since
    ]


def skipped_checks(results: dict[str, dict[str, Any]]) -> list[str]:
    """The checking steps that did not run, for any reason, in order (the `skipped` output)."""
    steps = {entry.get("step") for entry in gate_skips(results)}
    return [step for step in CHECK_STEPS if step in steps]


def skipped_by_option(results: dict[str, dict[str, Any]]) -> list[str]:
    skips = gate_skips(results)
    steps = {entry.get("step") for entry in skips if entry.get("cause") == SKIPPED_BY_OPTION}
    return [step for step in CHECK_STEPS if step in steps]


def is_bootstrap(results: dict[str, dict[str, Any]]) -> bool:
    """Whether the comparison found no baseline by design (a first model) and passed on the
    absolute thresholds alone (`details.baseline.resolution`)."""
    compare = results.get("compare") or {}
    details = compare.get("details")
    baseline = details.get("baseline") if isinstance(details, dict) else None
    return isinstance(baseline, dict) and baseline.get("resolution") == "bootstrap"


def _stale_fields(old: dict[str, Any]) -> tuple[str, str, str, str]:
    """What a left-out result file says of itself: command, status, start, short commit."""
    commit = old.get("commit")
    return (
        str(old.get("command")),
        str(old.get("status")),
        str(old.get("started_at") or "at an unknown time"),
        str(commit)[:7] if commit else "",
    )


def _stale_markdown(old: dict[str, Any]) -> str:
    command, status, started, commit = _stale_fields(old)
    at = f", commit {code(commit)}" if commit else ""
    return (
        f"- 🕓 **{md(command)}** left out, from another run: "
        f"{md(status)}, started {md(started)}{at}"
    )


def _stale_text(old: dict[str, Any]) -> str:
    command, status, started, commit = _stale_fields(old)
    at = f", commit {commit}" if commit else ""
    return f"  {command:17} STALE  left out, from another run: {status}, started {started}{at}"


def reason(results: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """The step that decided and why, in one plain line: a step with no verdict first, then a
    blocked comparison (its worst check with its numbers), then any other failing step; on a
    pass, what the comparison found. ("", "") when there is nothing to say."""
    judged = [step for step in _ordered(results) if not advisory(step, results[step])]
    for status in ("error", "fail"):
        for step in sorted(judged, key=lambda name: name != "compare"):
            if results[step].get("status") == status:
                return step, _step_reason(step, results[step])
    compare = results.get("compare")
    if compare and compare.get("status") == "pass":
        return "compare", compare_reason(compare.get("details") or {})
    return "", ""


def _step_reason(step: str, result: dict[str, Any]) -> str:
    details = result.get("details")
    if step == "compare" and result.get("status") == "fail" and isinstance(details, dict):
        return compare_reason(details) or str(result.get("summary", ""))
    return str(result.get("summary", ""))


def _step_line(
    step: str, results: dict[str, dict[str, Any]], decided_by: str, stages_below: bool
) -> str:
    """The step's own line under the headline; the summary the reason already says is left out,
    and so are the stage names "What changed" lists (`stages_below`)."""
    result = results[step]
    if step == decided_by and result.get("status") == "error":
        return ""  # the Why line is its summary
    if step == "compare" and isinstance(result.get("details"), dict):
        return compare_step_line(result)
    if step == decided_by:
        return ""
    summary = str(result.get("summary", ""))
    return without_stage_names(summary, results) if step == "repro" and stages_below else summary


def _step_title(step: object) -> str:
    """A step as the report names it ("data validation"); an unknown one (gate.json may be
    foreign) by its own name."""
    return STEP_TITLES.get(str(step), str(step))


def _with_code_spans(text: object) -> str:
    """A reason as inline Markdown whose `quoted` parts stay code, as mlgate writes them
    ("no `data:` in mlgate.yaml"), not literal backticks; every part passes the escapers."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: all of it is plain text
        return md(text)
    return "".join(
        code(part) if inside else md(part) if part else ""
        for inside, part in ((index % 2 == 1, part) for index, part in enumerate(parts))
    )


def report_markdown(
    results: dict[str, dict[str, Any]], context: ReportContext, detail: str = "full"
) -> str:
    lines = [f"## mlgate: {headline(results)}", ""]
    overrides = override_lines(results)
    if overrides:
        lines += [*overrides, ""]
    decided_by, why = reason(results)
    if why:
        lines += [f"**Why:** {_with_code_spans(why)}", ""]
    for step in _ordered(results):
        result = results[step]
        icon = {"pass": "✅", "fail": "❌"}.get(result.get("status", ""), "⚠️")
        said = _step_line(step, results, decided_by, detail != "summary only")
        lines.append(
            f"- {icon} **{STEP_TITLES.get(step, step)}**"
            + (f": {_with_code_spans(said)}" if said else "")
        )
    skipped, more_skipped = bounded(gate_skips(results), MAX_SKIPPED)
    for extra in skipped:
        title = md(_step_title(extra.get("step")))
        lines.append(f"- ⏭️ **{title}** skipped: {_with_code_spans(extra.get('reason'))}")
    if more_skipped:
        lines.append(f"- ⏭️ … and {more_skipped:,} more skipped steps (gate.json)")
    lines.extend(_stale_markdown(old) for old in context.stale)
    if detail != "summary only":
        changes = changes_markdown(results)
        if changes:
            lines.extend(["", changes])
        for step in sorted(_ordered(results), key=lambda name: name != "compare"):
            section = _section(step, results[step], detail, "compare" in results)
            if section:
                lines.extend(["", section])
    if detail != "full":
        lines.extend(
            [
                "",
                f"> ✂️ This comment leaves out {SHED_NOTES[detail]} to fit GitHub's size limit; "
                f"the full report is in {context.full_report_at}.",
            ]
        )
    footer = _footer(context, _gate_links(results))
    if footer:
        lines.extend(["", "---", footer])
    return "\n".join(lines)


def fit_markdown(
    results: dict[str, dict[str, Any]],
    context: ReportContext,
    fits: Callable[[str], bool],
) -> str:
    """The most detailed report that `fits`: whole sections are shed, examples first, never a
    table cut in half. The verdict and the one-line reasons always stay."""
    text = ""
    for detail in DETAIL_LEVELS:
        text = report_markdown(results, context, detail)
        if fits(text):
            return text
    return text


def report_text(results: dict[str, dict[str, Any]], context: ReportContext) -> str:
    code = exit_of(results)
    lines = [f"mlgate: {headline(results)} (exit {code})"]
    why = reason(results)[1]
    if why:
        lines.append(f"  why: {why}")
    decided_by = reason(results)[0]
    for step in _ordered(results):
        result = results[step]
        status = str(result.get("status", "error")).upper()
        said = result.get("summary", "")
        if step == decided_by and result.get("status") == "error":
            said = ""  # `why:` is its summary
        elif step == "compare" and isinstance(result.get("details"), dict):
            said = compare_step_line(result)  # the reason above says the rest
        elif step == "repro":
            said = without_stage_names(str(said), results)  # the stages line says them
        lines.append(f"  {STEP_TITLES.get(step, step):17} {status:5}  {said}")
    for extra in gate_skips(results):
        lines.append(f"  {_step_title(extra.get('step')):17} SKIP   {extra.get('reason')}")
    lines.extend(_stale_text(old) for old in context.stale)
    lines.extend(f"  {line}" for line in changes_text(results))
    if context.run_url:
        lines.append(f"  run: {context.run_url}")
    # A name or summary with a line break would start a line of its own (under Actions, one
    # the runner could read as a command): each line stays the report's.
    return "\n".join(one_line(line) for line in lines)


def report_json(results: dict[str, dict[str, Any]], context: ReportContext) -> str:
    return json.dumps(
        {
            "decision": decision_of(results),
            "exit_code": int(overall(results)[1]),
            "skipped": skipped_checks(results),
            "commit": context.commit,
            "run_url": context.run_url,
            "results": results,
            "left_out": list(context.stale),
        },
        indent=2,
    )


def _ordered(results: dict[str, dict[str, Any]]) -> list[str]:
    return [step for step in STEPS if step in results]


def _section(step: str, result: dict[str, Any], detail: str, with_compare: bool) -> str:
    """A step's section, without the summary the step's line already says; a passing step's
    detail is collapsed, a failing one's open."""
    details = result.get("details") or {}
    status = str(result.get("status", ""))
    if status == "error" and not details:
        return ""  # nothing beyond its summary, which the Why line or the step's line says
    if step == "compare":
        chart = history_chart(details) if detail == "full" else ""
        return compare_markdown(result, in_report=True) + (f"\n\n{chart}" if chart else "")
    if step == "validate":
        from mlgate.report.validate import render_validate_markdown

        section = render_validate_markdown(_shed_validate(details, detail))
        return _collapsed(section, "files and schemas") if status == "pass" else section
    if step == "repro":
        from mlgate.report.repro import render_repro_markdown

        # The candidate's metrics are the comparison's table already.
        dropped = {"metrics"} if with_compare else set()
        if detail not in {"full", "no examples"}:
            dropped |= {"stages", "metrics", "params"}
        details = {k: v for k, v in details.items() if k not in dropped}
        section = render_repro_markdown(details, status=status).rstrip()
        return _collapsed(section, "stages") if status == "pass" else section
    if step == "drift":
        from mlgate.report.drift import drift_markdown

        section = drift_markdown(result, with_summary=False)
        return _collapsed(section, "columns") if status == "pass" else section
    icon = {"pass": "✅", "fail": "❌"}.get(status, "⚠️")
    return f"### {icon} {STEP_TITLES.get(step, step).capitalize()}\n\n{md(result.get('summary'))}"


def _collapsed(section: str, label: str) -> str:
    """The section's heading, and its body in a collapsed block (nothing to hide: the heading)."""
    heading, _, body = section.partition("\n")
    if not body.strip():
        return heading
    return "\n".join(
        [heading, "", f"<details><summary>{label}</summary>", "", body.strip(), "", "</details>"]
    )


def _shed_validate(details: dict[str, Any], detail: str) -> dict[str, Any]:
    if detail == "full":
        return details
    files = []
    for entry in details.get("files", []):
        if detail == "no examples":
            failures = [{**f, "examples": []} for f in entry.get("failures", [])]
            files.append({**entry, "failures": failures})
        else:
            files.append({**entry, "failures": []})
    return {**details, "files": files}


def _gate_links(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """gate.json's `details.links` (workflow_run, commit); {} in older or foreign files."""
    details = (results.get("gate") or {}).get("details")
    links = details.get("links") if isinstance(details, dict) else None
    return links if isinstance(links, dict) else {}


def _footer(context: ReportContext, links: dict[str, Any]) -> str:
    parts = []
    run_url = context.run_url or links.get("workflow_run")
    if run_url:
        parts.append(link("workflow run", run_url))
    if context.commit:
        short = code(context.commit[:7])
        if context.commit_url:
            parts.append(f"commit {link(short, context.commit_url)}")
        elif context.repository:
            url = f"{context.server_url}/{context.repository}/commit/{context.commit}"
            parts.append(f"commit {link(short, url)}")
        elif links.get("commit"):
            parts.append(f"commit {link(short, links.get('commit'))}")
        else:
            parts.append(f"commit {short}")
    elif links.get("commit"):
        parts.append(link("commit", links.get("commit")))
    return " · ".join(parts)
