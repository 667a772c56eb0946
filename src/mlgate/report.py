"""Pure renderers: data in, text out (text, json, markdown, junit). No I/O.

Text that comes from the change itself (metric names, values, messages) is escaped before
it goes into Markdown: it must not break a table, open HTML, or mention anyone.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from mlgate.config import Config

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md(text: object) -> str:
    """Escape for a Markdown table cell: no table breaks, no HTML, no @-mentions."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    return escaped.replace("@", "&#64;").replace("\r", " ").replace("\n", " ")


def number(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—" if value is None else str(value)
    if math.isinf(value) or math.isnan(value):
        return str(value)
    return f"{value:.6g}"


def signed(value: object, suffix: str = "") -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "—"
    return f"{value:+.4g}{suffix}"


def render_config(config: Config, output_format: str) -> str:
    data = config.to_dict()
    if output_format == "json":
        return json.dumps(data, indent=2)
    if output_format == "markdown":
        return "\n".join(
            [f"### mlgate config `{config.path}`", "", "```yaml", _as_yaml(data), "```"]
        )
    return "\n".join([f"{config.path}: OK", _as_yaml(data)])


def _as_yaml(data: dict[str, Any]) -> str:
    import yaml

    shown = {k: v for k, v in data.items() if k not in ("path", "warnings")}
    return yaml.safe_dump(shown, sort_keys=False, default_flow_style=False).rstrip()


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
                number(check.get("candidate")),
                signed(check.get("delta")),
                _rule_text(check),
                _outcome(check),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        lines.append(
            "  "
            + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    for check in details.get("checks", []):
        if not check["passed"] or check.get("skipped"):
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
    lines.append(f"Candidate: `{md(candidate.get('source'))}`")
    lines.append("")
    lines.append("| metric | baseline | candidate | Δ | rule | result |")
    lines.append("|---|---:|---:|---:|---|---|")
    for check in details.get("checks", []):
        delta = signed(check.get("delta"))
        if check.get("delta_pct") is not None:
            delta += f" ({signed(check['delta_pct'], '%')})"
        result_cell = {"pass": "✅ pass", "FAIL": "❌ fail", "skipped": "⏭️ skipped"}[
            _outcome(check)
        ]
        lines.append(
            f"| {md(check['metric'])} | {number(check.get('baseline'))} "
            f"| {number(check.get('candidate'))} | {delta} | {md(_rule_text(check))} "
            f"| {result_cell} |"
        )
    messages = [
        f"- **{md(check['metric'])}** {md(check['rule'])}: {md(check['message'])}"
        for check in details.get("checks", [])
        if not check["passed"] or check.get("skipped")
    ]
    if messages:
        lines.extend(["", *messages])
    ungated = details.get("ungated", [])
    if ungated:
        lines.extend(
            [
                "",
                "Not gated (shown only): "
                + ", ".join(
                    f"{md(item['metric'])} {number(item['candidate'])}" for item in ungated
                ),
            ]
        )
    notes = details.get("notes", [])
    if notes:
        lines.extend(["", *(f"> {md(note)}" for note in notes)])
    return "\n".join(lines)


def _baseline_link(baseline: dict[str, Any]) -> str:
    if baseline.get("metrics") is None:
        reason = baseline.get("missing_reason") or "none"
        return f"`{md(baseline.get('source'))}` — {md(reason)}"
    label = f"`{md(baseline.get('source'))}`"
    if baseline.get("version"):
        version = f"{md(baseline.get('model'))} v{md(baseline['version'])}"
        version = f"[{version}]({baseline['url']})" if baseline.get("url") else version
        label += f" → {version}"
    return label


def compare_junit(result: dict[str, Any]) -> str:
    """JUnit XML, one testcase per check, for CI systems that render test reports."""
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
