"""A drift result as text, or as the report's Markdown section with a Mermaid bar chart.

Column names and categories come from the data: they pass `mlgate.core.outbound` before Markdown.
"""

from __future__ import annotations

import json
import math
from typing import Any

from mlgate.core.outbound import code, md, mermaid_label

MAX_ROWS = 50  # columns listed in the table; the rest are counted
MAX_CHART_COLUMNS = 30
_MARK = {"pass": "✅", "fail": "⚠️", "error": "❌"}


def render_drift(result: dict[str, Any], output_format: str) -> str:
    if output_format == "json":
        return json.dumps(result, indent=2)
    if output_format == "markdown":
        return drift_markdown(result)
    return drift_text(result)


def _number(value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "—"
    if value == 0 or math.isnan(value):
        return f"{value:g}"
    return f"{value:.3g}" if abs(value) >= 0.001 else f"{value:.2e}"


def _rule(column: dict[str, Any]) -> str:
    word = "p" if column.get("statistic_kind") == "p_value" else "d"
    sign = "<" if word == "p" else "≥"
    statistic, threshold = _number(column.get("statistic")), _number(column.get("threshold"))
    return f"{column['method']} {word}={statistic} (drifts {sign} {threshold})"


def drift_text(result: dict[str, Any]) -> str:
    details = result.get("details") or {}
    lines = [result.get("summary", "")]
    for column in details.get("columns", []):
        mark = "DRIFT" if column["drifted"] else "ok"
        lines.append(f"  {mark:5} {column['column']}: {_rule(column)}")
    if details.get("ignored"):
        lines.append(f"  ignored: {', '.join(details['ignored'])}")
    return "\n".join(line for line in lines if line)


def drift_markdown(result: dict[str, Any], with_summary: bool = True) -> str:
    """The drift section; in the whole report the summary is the step's line already."""
    details = result.get("details") or {}
    status = result.get("status", "error")
    lines = [f"### {_MARK.get(status, '❌')} Data drift"]
    if with_summary:
        lines += ["", md(result.get("summary", ""))]
    columns = details.get("columns") or []
    if not columns:
        return "\n".join(lines)
    reference = details.get("reference") or {}
    lines += [
        "",
        f"Reference: {code(reference.get('source', '?'))}, {_number(reference.get('rows'))} rows; "
        f"current: {_number((details.get('current') or {}).get('rows'))} rows.",
        "",
        "| column | method | statistic | threshold | drifted | reference | current |",
        "|---|---|---|---|---|---|---|",
    ]
    for column in columns[:MAX_ROWS]:
        name = code(column["column"])
        if column.get("current_column"):
            name += f" ← {code(column['current_column'])}"
        kind = "p-value" if column.get("statistic_kind") == "p_value" else "distance"
        lines.append(
            f"| {name} | {md(column['method'])} ({kind}) | {_number(column.get('statistic'))} | "
            f"{_number(column.get('threshold'))} | {'**yes**' if column['drifted'] else 'no'} | "
            f"{_side(column.get('reference') or {})} | {_side(column.get('current') or {})} |"
        )
    if len(columns) > MAX_ROWS:
        lines.append(f"\n…and {len(columns) - MAX_ROWS} more columns (drift.json has them all).")
    if details.get("ignored"):
        lines.append("\nIgnored: " + ", ".join(code(name) for name in details["ignored"]))
    lines += ["", *chart(columns)]
    return "\n".join(lines)


def _side(summary: dict[str, Any]) -> str:
    if "mean" in summary:
        return f"mean {_number(summary.get('mean'))}, sd {_number(summary.get('std'))}"
    top = summary.get("top") or {}
    return ", ".join(f"{code(name)} {count}" for name, count in top.items()) or "—"


def chart(columns: list[dict[str, Any]]) -> list[str]:
    """A Mermaid bar per column (its statistic) against a line (its threshold)."""
    shown = [c for c in columns[:MAX_CHART_COLUMNS] if isinstance(c.get("statistic"), int | float)]
    if not shown:
        return []
    labels = ", ".join(f'"{mermaid_label(c["column"], 20)}"' for c in shown)
    values = [float(c["statistic"]) for c in shown]
    limits = [float(c["threshold"]) for c in shown]
    top = max([*values, *limits, 0.0])
    top = 1.0 if not math.isfinite(top) or top <= 0 else top * 1.1
    bars = ", ".join(f"{min(v, top):.4g}" for v in values)
    line = ", ".join(f"{v:.4g}" for v in limits)
    return [
        "```mermaid",
        "xychart-beta",
        '    title "Drift statistic (bars) against its threshold (line)"',
        f"    x-axis [{labels}]",
        f'    y-axis "statistic" 0 --> {top:.4g}',
        f"    bar [{bars}]",
        f"    line [{line}]",
        "```",
    ]
