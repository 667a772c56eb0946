"""Pure renderers: data in, text out (text, json, markdown, junit). No I/O.

Text that comes from the change itself (metric names, values, messages) passes the escapers
of `mlgate.outbound` before it goes into Markdown, and every list is bounded: the report's size
does not grow with the number of files, checks or stages beyond a fixed cap.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlgate.outbound import bounded, code, link, md, mermaid_label

__all__ = ["code", "md"]  # the escapers, for the renderers that import them from here

# How many rows of untrusted lists a report shows; the rest is counted, not listed.
MAX_CHECKS = 100
MAX_NOTES = 20
MAX_SKIPPED = 10
MAX_CHARTS = 10
MAX_HISTORY = 20


def number(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—" if value is None else md(value, limit=40)
    as_float = _as_float(value)
    if as_float is None:  # an integer too large for a float (a 400-digit number)
        return md(value, limit=40)
    if math.isinf(as_float) or math.isnan(as_float):
        return str(value)
    return f"{as_float:.6g}"


def signed(value: object, suffix: str = "") -> str:
    as_float = _as_float(value)
    if as_float is None:
        return "—"
    return f"{as_float + 0.0:+.4g}{suffix}"  # + 0.0: never "-0"


def _as_float(value: object) -> float | None:
    """A number as a float; None for anything else (a bool, a string, a 400-digit int)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def render_compare(result: dict[str, Any], output_format: str) -> str:
    """A compare result (the envelope as written to compare.json) as text, markdown or junit."""
    if output_format == "json":
        return json.dumps(result, indent=2)
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
    unit = "%" if rule.endswith("_pct") else ""
    return f"{rule} {number(limit)}{unit}"


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
    confidence = _as_float(interval.get("confidence"))
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


def compare_markdown(result: dict[str, Any]) -> str:
    details = result.get("details", {})
    baseline = details.get("baseline") or {}
    icon = {"pass": "✅", "fail": "❌"}.get(result["status"], "⚠️")
    lines = [f"### {icon} Model comparison: {md(result['summary'])}", ""]
    lines.append(f"Baseline: {_baseline_link(baseline)}  ")
    candidate = details.get("candidate") or {}
    lines.append(f"Candidate: {code(candidate.get('source'))}")
    lines.append("")
    lines.append("| metric | baseline | candidate | Δ | rule | result |")
    lines.append("|---|---:|---:|---:|---|---|")
    checks, more_checks = bounded(details.get("checks", []), MAX_CHECKS)
    for check in checks:
        delta = _delta_text(check)
        if check.get("delta_pct") is not None and not check.get("interval"):
            delta += f" ({signed(check['delta_pct'], '%')})"
        result_cell = {"pass": "✅ pass", "FAIL": "❌ fail", "skipped": "⏭️ skipped"}[
            _outcome(check)
        ]
        if _inconclusive(check):
            result_cell += " (inconclusive)"
        lines.append(
            f"| {md(check['metric'])} | {number(check.get('baseline'))} "
            f"| {_candidate_text(check)} | {delta} | {md(_rule_text(check))} "
            f"| {result_cell} |"
        )
    if more_checks:
        lines.append(f"| … {more_checks:,} more checks in compare.json | | | | | |")
    messages = [
        f"- **{md(check['metric'])}** {md(check['rule'])}: {md(check['message'])}"
        for check in checks
        if _explained(check)
    ]
    if messages:
        lines.extend(["", *messages])
    ungated, more_ungated = bounded(details.get("ungated", []), MAX_CHECKS)
    if ungated:
        lines.extend(
            [
                "",
                "Not gated (shown only): "
                + ", ".join(f"{md(item['metric'])} {number(item['candidate'])}" for item in ungated)
                + (f" and {more_ungated:,} more" if more_ungated else ""),
            ]
        )
    notes, _ = bounded(details.get("notes", []), MAX_NOTES)
    if notes:
        lines.extend(["", *(f"> {md(note)}" for note in notes)])
    return "\n".join(lines)


def _baseline_link(baseline: dict[str, Any]) -> str:
    if baseline.get("metrics") is None:
        reason = baseline.get("missing_reason") or "none"
        return f"{code(baseline.get('source'))} — {md(reason)}"
    label = code(baseline.get("source"))
    if baseline.get("version"):
        version = f"{md(baseline.get('model'))} v{md(baseline['version'])}"
        label += f" → {link(version, baseline.get('url'))}"
    return label


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

STEPS = ("validate", "repro", "drift", "compare", "promote", "rollback")
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
    full_report_at: str = "the job summary and the `report.md` artifact"
    # Result files of other runs found beside this run's: listed as left out, never judged.
    stale: tuple[dict[str, Any], ...] = ()


def overall(results: dict[str, dict[str, Any]]) -> tuple[str, int]:
    """The decision and exit code of a set of results: 2 if any input error, else 3 if any
    had no verdict, else 1 if any failed, else 0."""
    codes = [
        _code(result)
        for step, result in results.items()
        if step in STEPS and not advisory(step, result)
    ]
    if not codes:
        return "error", 2
    for worst, decision in ((2, "error"), (3, "error"), (1, "fail")):
        if worst in codes:
            return decision, worst
    return "pass", 0


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
    """pass | pass-with-skips | fail | error: the `decision` output, which names a pass that
    left a check out with --skip."""
    return with_skips(overall(results)[0], gate_skips(results))


def with_skips(decision: str, skipped: list[dict[str, Any]]) -> str:
    """pass-with-skips for a pass that left a check out with --skip; else the decision."""
    by_option = any(
        entry.get("cause") == SKIPPED_BY_OPTION and entry.get("step") in CHECK_STEPS
        for entry in skipped
    )
    return PASS_WITH_SKIPS if decision == "pass" and by_option else decision


def headline(results: dict[str, dict[str, Any]]) -> str:
    """The verdict in a few words; a pass that is less than a full check says why."""
    decision = overall(results)[0]
    if not any(step in results for step in STEPS):
        return "⚠️ no verdict — no check ran"
    if decision != "pass":
        return HEADLINES[decision]
    caveats = [
        f"{STEP_TITLES[step]} skipped by --skip {step}" for step in skipped_by_option(results)
    ]
    if is_bootstrap(results):
        caveats.insert(0, "no production baseline yet, so only absolute thresholds were checked")
        return "☑️ passed on bootstrap — " + "; ".join(caveats)
    if caveats:
        return "☑️ passed — " + "; ".join(caveats)
    return HEADLINES["pass"]


def gate_skips(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps gate.json says did not run ({step, reason, cause}); the file may be foreign."""
    details = (results.get("gate") or {}).get("details")
    entries = details.get("skipped") if isinstance(details, dict) else None
    return [entry for entry in entries or [] if isinstance(entry, dict)]


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


def _code(result: dict[str, Any]) -> int:
    status = result.get("status")
    if status == "pass":
        return 0
    if status == "fail":
        return 1
    code = result.get("exit_code")
    return code if code in (2, 3) else 3


def report_markdown(
    results: dict[str, dict[str, Any]], context: ReportContext, detail: str = "full"
) -> str:
    lines = [f"## mlgate: {headline(results)}", ""]
    for step in _ordered(results):
        result = results[step]
        icon = {"pass": "✅", "fail": "❌"}.get(result.get("status", ""), "⚠️")
        lines.append(f"- {icon} **{STEP_TITLES.get(step, step)}**: {md(result.get('summary', ''))}")
    skipped, more_skipped = bounded(gate_skips(results), MAX_SKIPPED)
    for extra in skipped:
        lines.append(f"- ⏭️ **{md(extra.get('step'))}** skipped: {md(extra.get('reason'))}")
    if more_skipped:
        lines.append(f"- ⏭️ … and {more_skipped:,} more skipped steps (gate.json)")
    lines.extend(_stale_markdown(old) for old in context.stale)
    if detail != "summary only":
        for step in _ordered(results):
            section = _section(step, results[step], detail)
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
    footer = _footer(context)
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
    code = overall(results)[1]
    lines = [f"mlgate: {headline(results)} (exit {code})"]
    for step in _ordered(results):
        result = results[step]
        status = str(result.get("status", "error")).upper()
        lines.append(f"  {STEP_TITLES.get(step, step):17} {status:5}  {result.get('summary', '')}")
    for extra in gate_skips(results):
        lines.append(f"  {extra.get('step')!s:17} SKIP   {extra.get('reason')}")
    lines.extend(_stale_text(old) for old in context.stale)
    if context.run_url:
        lines.append(f"  run: {context.run_url}")
    return "\n".join(lines)


def report_json(results: dict[str, dict[str, Any]], context: ReportContext) -> str:
    return json.dumps(
        {
            "decision": decision_of(results),
            "exit_code": overall(results)[1],
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


def _section(step: str, result: dict[str, Any], detail: str) -> str:
    details = result.get("details") or {}
    if result.get("status") == "error" and not details:
        return f"### ⚠️ {STEP_TITLES.get(step, step).capitalize()}\n\n{md(result.get('summary'))}"
    if step == "validate":
        from mlgate.validate import render_validate_markdown

        return render_validate_markdown(_shed_validate(details, detail), result.get("summary", ""))
    if step == "repro":
        from mlgate.repro import render_repro_markdown

        if detail not in {"full", "no examples"}:
            details = {k: v for k, v in details.items() if k not in ("stages", "metrics", "params")}
        return render_repro_markdown(details, result.get("summary", ""))
    if step == "drift":
        from mlgate.drift_report import drift_markdown

        return drift_markdown(result)
    if step == "compare":
        chart = history_chart(details) if detail == "full" else ""
        return compare_markdown(result) + (f"\n\n{chart}" if chart else "")
    icon = {"pass": "✅", "fail": "❌"}.get(result.get("status", ""), "⚠️")
    return f"### {icon} {STEP_TITLES.get(step, step).capitalize()}\n\n{md(result.get('summary'))}"


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


def _footer(context: ReportContext) -> str:
    parts = []
    if context.run_url:
        parts.append(link("workflow run", context.run_url))
    if context.commit:
        short = code(context.commit[:7])
        if context.repository:
            url = f"{context.server_url}/{context.repository}/commit/{context.commit}"
            parts.append(f"commit {link(short, url)}")
        else:
            parts.append(f"commit {short}")
    return " · ".join(parts)


def history_chart(details: dict[str, Any]) -> str:
    """Per gated metric, the last holders of the production alias beside the candidate, as
    Mermaid `xychart-beta` blocks (GitHub renders them; no image hosting)."""
    history = (details.get("history") or [])[:MAX_HISTORY]
    candidate = (details.get("candidate") or {}).get("metrics") or {}
    gated = list(dict.fromkeys(check["metric"] for check in details.get("checks", [])))
    gated = gated[:MAX_CHARTS]
    blocks = []
    for metric in gated:
        points = [
            (mermaid_label(f"v{entry['version']}"), entry["metrics"][metric])
            for entry in history
            if _is_number(entry.get("metrics", {}).get(metric))
        ]
        if not points or not _is_number(candidate.get(metric)):
            continue
        points.append(("candidate", candidate[metric]))
        labels = ", ".join(f'"{label}"' for label, _ in points)
        values = ", ".join(f"{value:.6g}" for _, value in points)
        # Mermaid renders some HTML in labels: keep the metric's name to plain characters.
        title = mermaid_label(metric)
        blocks.append(
            "\n".join(
                [
                    "```mermaid",
                    "xychart-beta",
                    f'    title "{title}: production history and candidate"',
                    f"    x-axis [{labels}]",
                    f"    bar [{values}]",
                    "```",
                ]
            )
        )
    if not blocks:
        return ""
    return "\n".join(
        [
            "<details><summary>History of the production alias</summary>",
            "",
            *blocks,
            "",
            "</details>",
        ]
    )


def _is_number(value: object) -> bool:
    as_float = _as_float(value)
    return as_float is not None and math.isfinite(as_float)
