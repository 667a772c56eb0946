"""The model's part of the report: one row per metric, the decisive reason, the history charts.

Pure: compare.json's `details` in, text out. Metric names and messages come from the change
itself; they pass `mlgate.core.outbound` before they reach Markdown or a Mermaid chart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mlgate.config import ON_MISSING_BASELINE, REQUIRED, amount_rule
from mlgate.core.outbound import bounded, md, mermaid_label
from mlgate.core.wording import rows_would

MAX_METRICS = 100
MAX_CHARTS = 10
MAX_HISTORY = 20
MAX_REASON_METRICS = 3
MAX_NAME = 200  # a metric's name in a table cell
# The rule a reviewer reads first when several fail: a value that is missing (a required metric
# the candidate does not report: none of its other rules could be judged; no baseline to judge
# against), then how the candidate compares with production before the absolute bounds, a
# definite failure before an inconclusive one (by kind of rule, the absolute amount before the
# percentage).
RULE_ORDER = (
    REQUIRED,
    ON_MISSING_BASELINE,
    "max_regression",
    "threshold",
    "min_improvement",
    "max_improvement",
)
MINUS = "-"  # ASCII: a reviewer copies numbers into a search or a config


def as_float(value: object) -> float | None:
    """A number as a float; None for anything else (a bool, a string, a 400-digit int)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def is_number(value: object) -> bool:
    as_number = as_float(value)
    return as_number is not None and math.isfinite(as_number)


def short(value: object) -> str:
    """A metric's value as a reviewer reads it: 0.622, 1.000, 0.00056, 12,345."""
    number = as_float(value)
    if number is None:
        return "—" if value is None else str(value)[:40]
    if not math.isfinite(number):
        return str(number)
    if number == 0:
        return "0"
    if abs(number) >= 1000:
        return f"{number:,.0f}" if abs(number) < 1e15 else f"{number:.4g}"
    if abs(number) < 0.01:
        return f"{number:.2g}"
    # A count (8 trees, 3 folds) is no measurement: never "8.000".
    return str(value) if isinstance(value, int) else f"{number:.3f}"


def apart(first: object, second: object) -> tuple[str, str]:
    """Two values as `short` writes them, with more digits where they differ but would read
    the same (acc 0.9875 vs 0.9881, not 0.988 vs 0.988 beside a Δ of -0.0006)."""
    shown = short(first), short(second)
    one, other = as_float(first), as_float(second)
    if shown[0] != shown[1] or one is None or other is None or one == other:
        return shown
    if not (math.isfinite(one) and math.isfinite(other)):
        return shown
    for digits in range(4, 18):
        shown = _more_digits(one, digits), _more_digits(other, digits)
        if shown[0] != shown[1]:
            break
    return shown


def _more_digits(number: float, digits: int) -> str:
    if 1000 <= abs(number) < 1e15:
        return f"{number:,.{digits - 3}f}"
    return f"{number:.{digits}g}"


def signed(value: object, suffix: str = "") -> str:
    """A change with its sign: +0.05, -0.378, 0."""
    number = as_float(value)
    if number is None:
        return "—"
    if not math.isfinite(number) or number == 0:
        return short(number) + suffix
    sign = "+" if number > 0 else MINUS
    return f"{sign}{short(abs(number))}{suffix}"


def limit_text(value: object) -> str:
    """A rule's limit as the config wrote it: 0.01, 0.85, 10."""
    number = as_float(value)
    return short(value) if number is None else f"{number:g}"


def _percent(value: object) -> str:
    number = as_float(value)
    if number is None or not math.isfinite(number):
        return "—"
    sign = "+" if number > 0 else MINUS if number < 0 else ""
    return f"{sign}{abs(number):.3g}%"


def _interval(interval: dict[str, Any], shown: Any) -> str:
    return f"[{shown(interval.get('low'))}, {shown(interval.get('high'))}]"


def _level(interval: dict[str, Any]) -> str:
    confidence = as_float(interval.get("confidence"))
    return "" if confidence is None else f"{confidence:.0%} "


# --- one rule ----------------------------------------------------------------------------


def _limit(check: dict[str, Any], towards: str) -> str:
    """The rule's limit as a change: -0.01, +10%; `towards` is "worse" or "better"."""
    found = amount_rule(str(check.get("rule")))
    unit = found.unit if found else ""
    higher = check.get("direction") != "lower"
    sign = MINUS if (towards == "worse") == higher else "+"
    return f"{sign}{limit_text(check.get('limit'))}{unit}"


def condition(check: dict[str, Any]) -> str:
    """What the rule asks of the candidate, in symbols: ≥ 0.85, Δ ≥ -0.01, Δ ≤ +10%."""
    rule = str(check.get("rule"))
    higher = check.get("direction") != "lower"
    if check.get("limit") is None:
        return ""
    if rule == "threshold":
        return f"{'≥' if higher else '≤'} {limit_text(check.get('limit'))}"
    kind = _kind(rule)
    if kind == "max_regression":
        return f"Δ {'≥' if higher else '≤'} {_limit(check, 'worse')}"
    if kind == "min_improvement":
        return f"Δ {'≥' if higher else '≤'} {_limit(check, 'better')}"
    if kind == "max_improvement":
        return f"Δ {'≤' if higher else '≥'} {_limit(check, 'better')}"
    return limit_text(check.get("limit"))


def _kind(rule: str) -> str | None:
    found = amount_rule(rule)
    return found.kind if found else None


def _percent_rule(rule: str) -> bool:
    found = amount_rule(rule)
    return found is not None and found.percent


def inconclusive(check: dict[str, Any]) -> bool:
    return check.get("evidence") == "inconclusive"


def failing(check: dict[str, Any]) -> bool:
    return not check.get("passed") and not check.get("skipped")


def _mark(check: dict[str, Any]) -> str:
    if check.get("skipped"):
        return "⏭️"
    return "✅" if check.get("passed") else "❌"


def rule_text(check: dict[str, Any]) -> str:
    """One rule with its outcome, plain: "❌ max_regression Δ ≥ -0.01 (inconclusive)"."""
    text = f"{_mark(check)} {check.get('rule')} {condition(check)}".rstrip()
    if check.get("skipped"):
        return f"{text} (skipped)"
    return f"{text} (inconclusive)" if inconclusive(check) else text


# --- the decisive reason -----------------------------------------------------------------


def decisive_check(checks: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The failing check a reviewer should read first, or None when none fails."""
    failed = [check for check in checks if failing(check)]

    def rank(check: dict[str, Any]) -> tuple[bool, int, bool]:
        rule = str(check.get("rule"))
        kind = _kind(rule) or rule
        order = RULE_ORDER.index(kind) if kind in RULE_ORDER else len(RULE_ORDER)
        return inconclusive(check), order, _percent_rule(rule)

    return min(failed, key=rank) if failed else None


def check_reason(check: dict[str, Any]) -> str:
    """A failing check with its numbers, plain text: "accuracy 0.622 vs 1.000 (-0.378, 95%
    interval [-0.511, -0.244]); allowed -0.01"."""
    metric, rule = str(check.get("metric")), str(check.get("rule"))
    if rule == REQUIRED:  # no numbers to show: the metric is not there
        text = f"{metric} is {check.get('message')}"
    elif rule == ON_MISSING_BASELINE:  # the check's own sentence names the setting
        text = str(check.get("message"))
    elif rule == "threshold":
        text = _threshold_reason(check)
    elif amount_rule(rule) is not None:
        text = _change_reason(check)
    else:  # a rule this mlgate does not know (a result file from elsewhere)
        return f"{metric} {rule}: {check.get('message')}"
    return text + _inconclusive_reason(check)


def _threshold_reason(check: dict[str, Any]) -> str:
    interval = check.get("interval") if isinstance(check.get("interval"), dict) else None
    text = f"{check.get('metric')} {short(check.get('candidate'))}"
    if interval:
        text += f" ({_level(interval)}interval {_interval(interval, short)})"
    return f"{text}; required {condition(check)}"


def _change_reason(check: dict[str, Any]) -> str:
    rule = str(check.get("rule"))
    interval = check.get("interval") if isinstance(check.get("interval"), dict) else None
    candidate, baseline = apart(check.get("candidate"), check.get("baseline"))
    text = f"{check.get('metric')} {candidate} vs {baseline}"
    change = signed(check.get("delta"))
    if _percent_rule(rule):
        change = _percent(check.get("delta_pct"))
    elif interval:
        change += f", {_level(interval)}interval {_interval(interval, signed)}"
    text += f" ({change})"
    kind = _kind(rule)
    if kind == "max_regression":
        return f"{text}; allowed {_limit(check, 'worse')}"
    if kind == "min_improvement":
        return f"{text}; required {_limit(check, 'better')}"
    return f"{text}; a change beyond {_limit(check, 'better')} is suspicious"


def _inconclusive_reason(check: dict[str, Any]) -> str:
    if not inconclusive(check):
        return ""
    rows, needed = check.get("paired_rows"), check.get("rows_needed")
    if not (isinstance(rows, int) and isinstance(needed, int)):
        return " — inconclusive"
    # Rounded as the rule's message rounds it: one estimate, one number.
    about = rows_would(rows, needed)
    return f" — inconclusive: {rows:,} paired examples cannot tell it from noise; {about}"


def compare_reason(details: dict[str, Any]) -> str:
    """Why the comparison decided as it did, in one plain line."""
    checks = [check for check in details.get("checks") or [] if isinstance(check, dict)]
    worst = decisive_check(checks)
    if worst is not None:
        others = sum(1 for check in checks if failing(check)) - 1
        more = f" — and {others} more failing check{'s' if others != 1 else ''}" if others else ""
        return check_reason(worst) + more
    shown = []
    rows = metric_rows(details)
    # A metric whose every rule was skipped (missing, `required: false`) was not judged.
    gated = [row for row in rows if any(not check.get("skipped") for check in row.checks)]
    for row in gated[:MAX_REASON_METRICS]:
        if is_number(row.baseline):
            versus = " vs ".join(apart(row.candidate, row.baseline))
            shown.append(f"{row.metric} {versus} ({signed(row.delta)})")
        else:
            bounds = [condition(c) for c in row.checks if c.get("rule") == "threshold"]
            bound = f" ({', '.join(bounds)})" if bounds else ""
            shown.append(f"{row.metric} {short(row.candidate)}{bound}")
    if not shown:
        return ""
    left = len(gated) - len(shown)
    return ", ".join(shown) + (f" and {left} more" if left > 0 else "") + f": {_held(gated)}"


def _held(gated: list[MetricRow]) -> str:
    """What held, as far as it was judged: against the baseline, on thresholds, or only that
    the metrics are there (a first model whose gates set no threshold)."""
    if any(is_number(row.baseline) for row in gated):
        return "every rule holds"
    if any(check.get("rule") == "threshold" for row in gated for check in row.checks):
        return "every threshold holds"
    return "present; no threshold is set and there is no baseline to compare with"


def compare_step_line(result: dict[str, Any]) -> str:
    """The comparison's line in the list of steps: what was compared with what, counted."""
    details = result.get("details") or {}
    checks = [check for check in details.get("checks") or [] if isinstance(check, dict)]
    judged = [check for check in checks if not check.get("skipped")]
    if result.get("status") == "error" or not judged:
        return str(result.get("summary", ""))
    baseline = details.get("baseline") or {}
    failed = sum(1 for check in judged if failing(check))
    if len(judged) == 1:
        counted = "its one check fails" if failed else "its one check holds"
    elif failed:
        counted = f"{failed} of {len(judged)} checks {'fails' if failed == 1 else 'fail'}"
    else:
        counted = f"{len(judged)} checks hold"
    if baseline.get("metrics") is None:  # the headline and the section say why
        if all(check.get("rule") == "threshold" for check in judged):
            return f"{counted} on the absolute thresholds"
        return f"{counted} without a baseline"  # on_missing_baseline: fail
    return f"{counted} against {baseline_label(baseline)}"


def baseline_label(baseline: dict[str, Any]) -> str:
    """wine-classifier v1 (champion), or the baseline's source."""
    if baseline.get("version") and baseline.get("model"):
        alias = f" ({baseline['alias']})" if baseline.get("alias") else ""
        return f"{baseline['model']} v{baseline['version']}{alias}"
    return str(baseline.get("source"))


# --- one row per metric ------------------------------------------------------------------


@dataclass(frozen=True)
class MetricRow:
    """A metric with its values and every rule that judged it (none: not gated)."""

    metric: str
    checks: list[dict[str, Any]]
    baseline: object
    candidate: object
    delta: object
    delta_pct: object = None


def _first(checks: list[dict[str, Any]], key: str) -> object:
    return next((check[key] for check in checks if check.get(key) is not None), None)


def metric_rows(details: dict[str, Any]) -> list[MetricRow]:
    """Gated metrics in the order of their first check, then the ungated ones."""
    by_metric: dict[str, list[dict[str, Any]]] = {}
    for check in details.get("checks") or []:
        if isinstance(check, dict):
            # A check names its metric (result_schema checks files; a bug here must show).
            by_metric.setdefault(str(check["metric"]), []).append(check)
    rows = []
    for metric, checks in by_metric.items():
        first = checks[0]
        rows.append(
            MetricRow(
                metric,
                checks,
                _as_reported(details, "baseline", metric, first.get("baseline")),
                _as_reported(details, "candidate", metric, first.get("candidate")),
                _first(checks, "delta"),
                _first(checks, "delta_pct"),
            )
        )
    for item in details.get("ungated") or []:
        if not isinstance(item, dict) or str(item.get("metric")) in by_metric:
            continue
        baseline, candidate = item.get("baseline"), item.get("candidate")
        old, new = as_float(baseline), as_float(candidate)
        delta = new - old if old is not None and new is not None else None
        rows.append(MetricRow(str(item.get("metric")), [], baseline, candidate, delta))
    return rows


def _as_reported(details: dict[str, Any], side: str, metric: str, judged: object) -> object:
    """A side's value as its metrics file gave it: a check holds it as a float, so an integer
    metric (8 trees) would read 8.000."""
    found = details.get(side)
    metrics = found.get("metrics") if isinstance(found, dict) else None
    given = metrics.get(metric) if isinstance(metrics, dict) else None
    if isinstance(given, int) and not isinstance(given, bool) and as_float(given) == judged:
        return given
    return judged


def _candidate_cell(row: MetricRow) -> str:
    text = apart(row.candidate, row.baseline)[0]
    for check in row.checks:
        interval = check.get("interval")
        if check.get("rule") == "threshold" and isinstance(interval, dict):
            return f"{text} {_interval(interval, short)}"
    return text


def _delta_cell(row: MetricRow) -> str:
    for check in row.checks:
        interval = check.get("interval")
        if check.get("rule") != "threshold" and isinstance(interval, dict):
            return f"{signed(row.delta)} {_interval(interval, signed)} {_level(interval)}".rstrip()
    if row.delta is None:
        return "—"
    pct = f" ({_percent(row.delta_pct)})" if row.delta_pct is not None else ""
    return signed(row.delta) + pct


def metrics_table(details: dict[str, Any]) -> list[str]:
    """baseline | candidate | Δ | rules: one row per metric, each rule with its own mark."""
    rows, more = bounded(metric_rows(details), MAX_METRICS)
    if not rows:
        return []
    lines = ["| metric | baseline | candidate | Δ | rules |", "|---|---:|---:|---:|---|"]
    for row in rows:
        rules = "<br>".join(md(rule_text(check), limit=200) for check in row.checks)
        baseline = apart(row.baseline, row.candidate)[0]
        values = f"{md(baseline)} | {md(_candidate_cell(row))} | {md(_delta_cell(row))}"
        lines.append(f"| {md(row.metric, limit=MAX_NAME)} | {values} | {rules or 'not gated'} |")
    if more:
        lines.append(f"| … {more:,} more metrics in compare.json | | | | |")
    legend = _interval_legend(details)
    return [*lines, "", legend] if legend else lines


def _interval_legend(details: dict[str, Any]) -> str:
    """What the brackets are, once: the interval and how many examples it rests on."""
    for check in details.get("checks") or []:
        interval = check.get("interval") if isinstance(check, dict) else None
        if isinstance(interval, dict):
            rows = interval.get("rows")
            records = (
                f"{rows:,} per-example records" if isinstance(rows, int) else "per-example records"
            )
            return f"In brackets: the {_level(interval)}interval, from {records}."
    return ""


def judged_notes(details: dict[str, Any], max_items: int) -> list[str]:
    """The messages of failing, skipped and inconclusive checks, and compare's notes, as a
    collapsed list (the table says the outcome; this says how each rule was judged)."""
    checks = [c for c in details.get("checks") or [] if isinstance(c, dict)]
    # A message that repeats why the baseline is missing: the line above the table says it.
    said = (details.get("baseline") or {}).get("missing_reason")
    explained = [
        c
        for c in checks
        if (not c.get("passed") or c.get("skipped") or inconclusive(c))
        and not (said and said in str(c.get("message")))
    ]
    shown, more = bounded(explained, max_items)
    items = [
        f"- **{md(check.get('metric'))}** {md(check.get('rule'))}: {md(check.get('message'))}"
        for check in shown
    ]
    if more:
        items.append(f"- … {more:,} more in compare.json")
    kept = [note for note in details.get("notes") or [] if not said or said not in note]
    notes, _ = bounded(kept, max_items)
    items += [f"- {md(note)}" for note in notes]
    if not items:
        return []
    summary = "<details><summary>How each rule was judged</summary>"
    return ["", summary, "", *items, "", "</details>"]


# --- charts ------------------------------------------------------------------------------


def _allowed_line(checks: list[dict[str, Any]], baseline: float) -> float | None:
    """The worst value the regression rules allow, the strictest of them."""
    limits = []
    for check in checks:
        limit, found = as_float(check.get("limit")), amount_rule(str(check.get("rule")))
        if limit is None or found is None or found.kind != "max_regression":
            continue
        allowed = abs(baseline) * limit / 100 if found.percent else limit
        higher = check.get("direction") != "lower"
        limits.append((baseline - allowed, higher) if higher else (baseline + allowed, higher))
    if not limits:
        return None
    higher = limits[0][1]
    values = [value for value, _ in limits]
    return max(values) if higher else min(values)


def history_chart(details: dict[str, Any]) -> str:
    """Per gated metric, the production alias's history with the candidate as one line, and
    the threshold and the allowed-regression limit as lines of their own (Mermaid
    `xychart-beta`; GitHub renders it). No chart without history: one point is not a trend."""
    history = [h for h in (details.get("history") or []) if isinstance(h, dict)][-MAX_HISTORY:]
    candidate = (details.get("candidate") or {}).get("metrics") or {}
    blocks: list[str] = []
    for row in [row for row in metric_rows(details) if row.checks][:MAX_CHARTS]:
        points = [
            (f"v{entry.get('version')}", float(entry["metrics"][row.metric]))
            for entry in history
            if isinstance(entry.get("metrics"), dict)
            and is_number(entry["metrics"].get(row.metric))
        ]
        if len(points) < 2 or not is_number(candidate.get(row.metric)):
            continue
        points.append(("candidate", float(candidate[row.metric])))
        series = [("line", [value for _, value in points])]
        thresholds = [as_float(c.get("limit")) for c in row.checks if c.get("rule") == "threshold"]
        if thresholds and thresholds[0] is not None and math.isfinite(thresholds[0]):
            series.append(("line", [thresholds[0]] * len(points)))
        allowed = _allowed_line(row.checks, points[-2][1])
        if allowed is not None and math.isfinite(allowed):
            series.append(("line", [allowed] * len(points)))
        blocks += ["", _chart(row.metric, [label for label, _ in points], series)]
    if not blocks:
        return ""
    return "\n".join(
        [
            "<details><summary>History of the production alias</summary>",
            "",
            "The first line is the metric over the alias's holders, ending at the candidate; "
            "the flat ones are the threshold and the allowed-regression limit, where set.",
            *blocks,
            "",
            "</details>",
        ]
    )


def _plain(value: float) -> str:
    """A number Mermaid reads: six significant digits, never in exponent form (1e-05)."""
    return f"{Decimal(f'{value:.6g}'):f}"


def _chart(metric: str, labels: list[str], series: list[tuple[str, list[float]]]) -> str:
    values = [value for _, points in series for value in points]
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    # Mermaid renders some HTML in labels: keep names to plain characters.
    names = ", ".join(f'"{mermaid_label(label)}"' for label in labels)
    return "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            f'    title "{mermaid_label(metric)}: production history and candidate"',
            f"    x-axis [{names}]",
            f'    y-axis "{mermaid_label(metric)}" {_plain(low - pad)} --> {_plain(high + pad)}',
            *(f"    {kind} [{', '.join(_plain(v) for v in points)}]" for kind, points in series),
            "```",
        ]
    )
