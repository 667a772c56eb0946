"""The run's results as OpenMetrics text (https://openmetrics.io): the file GitLab's metrics
widget diffs against the target branch, a Prometheus textfile collector reads, and
`--push-gateway` sends to a Pushgateway.

Fed the result envelopes' dicts only. Metric names are mlgate's own (`mlgate_` prefix); all
that comes from outside (metric and rule names) is a label value, redacted and escaped as the
text format says (backslash, double quote, line feed), and bounded in length and number.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mlgate.core.errors import ExternalError, InputError
from mlgate.core.outbound import redact, safe_url
from mlgate.report.metrics import as_float
from mlgate.report.render import decision_of, gate_skips, overall
from mlgate.results import STEPS

DECISIONS = ("pass", "pass-with-skips", "fail", "error")
OUTCOMES = ("pass", "fail", "error", "skipped")
# A hostile compare.json may name a million metrics: the file stays small, the rest is counted.
MAX_METRICS = 500
MAX_LABEL_CHARS = 200
PUSH_JOB = "mlgate"


@dataclass(frozen=True)
class Sample:
    labels: tuple[tuple[str, str], ...]
    value: float


@dataclass(frozen=True)
class Family:
    name: str
    help: str
    samples: tuple[Sample, ...]
    unit: str = ""


def report_openmetrics(results: dict[str, dict[str, Any]]) -> str:
    """The OpenMetrics text exposition of one run's results, ending in `# EOF`."""
    lines: list[str] = []
    for family in families(results):
        if not family.samples:
            continue
        lines.append(f"# TYPE {family.name} gauge")
        if family.unit:
            lines.append(f"# UNIT {family.name} {family.unit}")
        lines.append(f"# HELP {family.name} {family.help}")
        lines.extend(f"{family.name}{_labels(s.labels)} {_value(s.value)}" for s in family.samples)
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def families(results: dict[str, dict[str, Any]]) -> list[Family]:
    compare = _details(results.get("compare"))
    metrics = _metric_rows(compare)
    left_out = max(0, len(metrics) - MAX_METRICS)
    metrics = metrics[:MAX_METRICS]
    decision = decision_of(results)
    return [
        Family(
            "mlgate_decision",
            "The gate's decision: 1 for the one taken (pass, pass-with-skips, fail, error).",
            tuple(Sample((("decision", d),), float(d == decision)) for d in DECISIONS),
        ),
        Family(
            "mlgate_exit_code",
            "The exit code: 0 pass, 1 blocked, 2 input error, 3 no verdict.",
            (Sample((), float(overall(results)[1])),),
        ),
        Family(
            "mlgate_check_outcome",
            "Each check (gate: validate, repro, compare, drift): 1 for its outcome.",
            tuple(_outcomes(results)),
        ),
        Family(
            "mlgate_metric_value",
            "Each metric's value, on the candidate's side and the baseline's.",
            tuple(
                Sample((("metric", name), ("side", side)), value)
                for name, candidate, baseline in metrics
                for side, value in (("candidate", candidate), ("baseline", baseline))
                if value is not None
            ),
        ),
        Family(
            "mlgate_metric_delta",
            "Each metric's candidate value minus its baseline value.",
            tuple(
                Sample((("metric", name),), candidate - baseline)
                for name, candidate, baseline in metrics
                if candidate is not None and baseline is not None
            ),
        ),
        Family(
            "mlgate_metrics_left_out",
            f"Metrics not listed here (more than {MAX_METRICS}).",
            (Sample((), float(left_out)),) if left_out else (),
        ),
        Family(
            "mlgate_rule_passed",
            "Each judged rule of `gates:` (rule: e.g. max_regression): 1 held, 0 not.",
            tuple(_rules(compare)),
        ),
        Family(
            "mlgate_drift_share",
            "The share of columns that drifted, and the share that counts as drift (side: limit).",
            tuple(_drift(_details(results.get("drift")))),
        ),
        Family(
            "mlgate_duration_seconds",
            'How long each step took (gate: the step; gate="gate" is the whole run).',
            tuple(_durations(results)),
            unit="seconds",
        ),
    ]


def _details(result: dict[str, Any] | None) -> dict[str, Any]:
    details = (result or {}).get("details")
    return details if isinstance(details, dict) else {}


def _numbers(side: object) -> dict[str, float]:
    metrics = side.get("metrics") if isinstance(side, dict) else None
    if not isinstance(metrics, dict):
        return {}
    found = {}
    for name, value in metrics.items():
        if isinstance(value, bool):
            continue  # a flag, not a measurement
        number = as_float(value)
        if number is not None:
            found[str(name)] = number
    return found


def _metric_rows(compare: dict[str, Any]) -> list[tuple[str, float | None, float | None]]:
    candidate = _numbers(compare.get("candidate"))
    baseline = _numbers(compare.get("baseline"))
    names = sorted(set(candidate) | set(baseline))
    return [(name, candidate.get(name), baseline.get(name)) for name in names]


def _outcomes(results: dict[str, dict[str, Any]]) -> Iterator[Sample]:
    outcome = {
        step: str(result.get("status"))
        for step, result in results.items()
        if step in STEPS and result.get("status") in OUTCOMES
    }
    for entry in gate_skips(results):
        outcome.setdefault(str(entry.get("step")), "skipped")
    for step in ("validate", "repro", "compare", "drift"):
        if step in outcome:
            for kind in OUTCOMES:
                yield Sample((("gate", step), ("outcome", kind)), float(outcome[step] == kind))


def _rules(compare: dict[str, Any]) -> Iterator[Sample]:
    seen: set[tuple[str, str]] = set()
    for check in compare.get("checks") or []:
        if not isinstance(check, dict) or check.get("skipped"):
            continue
        key = (str(check.get("metric")), str(check.get("rule")))
        if key in seen or len(seen) >= MAX_METRICS:
            continue
        seen.add(key)
        yield Sample((("metric", key[0]), ("rule", key[1])), float(check.get("passed") is True))


def _drift(drift: dict[str, Any]) -> Iterator[Sample]:
    for side, key in (("current", "drifted_share"), ("limit", "max_drifted_share")):
        value = drift.get(key)
        number = None if isinstance(value, bool) else as_float(value)
        if number is not None:
            yield Sample((("side", side),), number)


def _durations(results: dict[str, dict[str, Any]]) -> Iterator[Sample]:
    for step, result in results.items():
        value = result.get("duration_s")
        seconds = None if isinstance(value, bool) else as_float(value)
        if seconds is not None and math.isfinite(seconds) and seconds >= 0:
            yield Sample((("gate", step),), seconds)


def escape_label_value(text: str) -> str:
    """A label value as the OpenMetrics text format writes it: redacted, bounded, valid UTF-8,
    with backslash, double quote and line feed escaped."""
    text = redact(text)[:MAX_LABEL_CHARS]
    text = text.encode("utf-8", "replace").decode("utf-8")  # a lone surrogate from JSON
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(labels: tuple[tuple[str, str], ...]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{name}="{escape_label_value(value)}"' for name, value in labels) + "}"


def _value(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if number.is_integer() and abs(number) < 2**53:
        return str(int(number))  # 1, not 1.0: what a reader of GitLab's widget expects
    return repr(number)


def push_to_gateway(results: dict[str, dict[str, Any]], url: str, *, timeout: float = 30.0) -> None:
    """Send the families of `report_openmetrics` to the Pushgateway at `url`, as job `mlgate`,
    replacing what that job pushed before. Needs the `metrics` extra (prometheus-client)."""
    shown = safe_url(url) or "the Pushgateway"
    if not url.startswith(("http://", "https://")):
        raise InputError(f"--push-gateway {shown}: give an http:// or https:// URL")
    try:
        from prometheus_client import CollectorRegistry
        from prometheus_client import push_to_gateway as push
        from prometheus_client.core import GaugeMetricFamily
    except ImportError as exc:
        raise InputError(
            "--push-gateway needs prometheus-client: pip install 'mlgate[metrics]'"
        ) from exc

    collected = []
    for family in families(results):
        if not family.samples:
            continue
        names = [name for name, _ in family.samples[0].labels]
        gauge = GaugeMetricFamily(family.name, family.help, labels=names, unit=family.unit)
        for sample in family.samples:
            values = [redact(value)[:MAX_LABEL_CHARS] for _, value in sample.labels]
            gauge.add_metric(values, sample.value)
        collected.append(gauge)

    class Collected:
        def collect(self) -> list[GaugeMetricFamily]:
            return collected

    registry = CollectorRegistry()
    registry.register(Collected())
    try:
        push(url, job=PUSH_JOB, registry=registry, timeout=timeout)
    except OSError as exc:  # URLError and HTTPError are OSErrors
        raise ExternalError(f"could not push the metrics to {shown}: {redact(str(exc))}") from exc
