"""Layer 4, report: every renderer, fed the result envelopes' dicts only (render: the gate report
and the compare section; metrics, changes, drift, validate, repro: their sections; junit,
openmetrics: the whole run for CI widgets and Prometheus), and publish:
the sticky comment and the step summary through the forge. Never imports compare, registry,
drift, validate, repro, promote or gate."""

from __future__ import annotations

from mlgate.report.checks import post_config_error
from mlgate.report.drift import drift_markdown, render_drift
from mlgate.report.junit import report_junit
from mlgate.report.metrics import compare_reason, metrics_table
from mlgate.report.openmetrics import push_to_gateway, report_openmetrics
from mlgate.report.publish import Published, ReportRequest, load_results, publish
from mlgate.report.render import (
    CHECK_STEPS,
    SKIPPED_BY_OPTION,
    ReportContext,
    advisory,
    fit_markdown,
    overall,
    refused_lines,
    render_compare,
    report_json,
    report_markdown,
    report_text,
    with_skips,
)
from mlgate.report.repro import render_repro, render_repro_markdown
from mlgate.report.validate import (
    describe_check,
    render_annotations,
    render_validate,
    render_validate_markdown,
    render_validate_text,
)

__all__ = [
    "CHECK_STEPS",
    "SKIPPED_BY_OPTION",
    "Published",
    "ReportContext",
    "ReportRequest",
    "advisory",
    "compare_reason",
    "describe_check",
    "drift_markdown",
    "fit_markdown",
    "load_results",
    "metrics_table",
    "overall",
    "post_config_error",
    "publish",
    "push_to_gateway",
    "refused_lines",
    "render_annotations",
    "render_compare",
    "render_drift",
    "render_repro",
    "render_repro_markdown",
    "render_validate",
    "render_validate_markdown",
    "render_validate_text",
    "report_json",
    "report_junit",
    "report_markdown",
    "report_openmetrics",
    "report_text",
    "with_skips",
]
