"""The view of a comparison without a config (compare.json with status `not-gated`): every
metric with its baseline, candidate and delta, and the params that changed. It says it is a
view: nothing in it was judged."""

from __future__ import annotations

from typing import Any

from mlgate.core.outbound import code, md
from mlgate.report.changes import params_markdown, params_text
from mlgate.report.metrics import apart, signed

NOT_A_VERDICT = (
    "a view, not a verdict: nothing was gated (no mlgate.yaml; `mlgate init` writes one)"
)


def _rows(details: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for row in details.get("metrics") or [] if isinstance(row, dict)]


def _cells(row: dict[str, Any]) -> tuple[str, str, str, str]:
    """Baseline, candidate, delta and delta % as a reviewer reads them (untrusted text)."""
    old, new = apart(row.get("baseline"), row.get("candidate"))
    percent = signed(row.get("delta_pct"), "%") if row.get("delta_pct") is not None else ""
    return old, new, signed(row.get("delta")), percent


def view_text(result: dict[str, Any]) -> str:
    details = result.get("details") or {}
    baseline = details.get("baseline") or {}
    candidate = details.get("candidate") or {}
    lines = [f"compare: NOT GATED — {result.get('summary', '')}", f"  ({NOT_A_VERDICT})"]
    lines.append(f"  candidate: {candidate.get('source')}")
    reason = baseline.get("missing_reason")
    lines.append(f"  baseline:  {baseline.get('source')}" + (f" ({reason})" if reason else ""))
    table = [("metric", "baseline", "candidate", "delta", "delta %")]
    table += [(str(row.get("metric")), *_cells(row)) for row in _rows(details)]
    widths = [max(len(cells[i]) for cells in table) for i in range(5)]
    for cells in table:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        lines.append(("  " + "  ".join(padded)).rstrip())
    params = (details.get("changes") or {}).get("params")
    if isinstance(params, dict):
        lines += [f"  {line}" for line in params_text(params, baseline.get("metrics") is None)]
    return "\n".join(lines)


def view_markdown(result: dict[str, Any]) -> str:
    details = result.get("details") or {}
    baseline = details.get("baseline") or {}
    candidate = details.get("candidate") or {}
    lines = [
        "### 👀 Model comparison (not gated)",
        "",
        f"_{md(NOT_A_VERDICT)}_",
        "",
        f"Candidate {code(candidate.get('source'))} against {code(baseline.get('source'))}",
        "",
        "| metric | baseline | candidate | delta | delta % |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in _rows(details):
        cells = " | ".join(md(cell) for cell in _cells(row))
        lines.append(f"| {code(row.get('metric'))} | {cells} |")
    params = (details.get("changes") or {}).get("params")
    if isinstance(params, dict):
        lines += ["", *params_markdown(params, baseline.get("metrics") is None)]
    return "\n".join(lines)
