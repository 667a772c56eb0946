"""The run's results as one JUnit XML document: a test case per check (validate, repro,
compare, drift) and one per rule of the comparison, for CI test widgets (GitLab's
`artifacts:reports:junit`, Jenkins, ...).

Fed the result envelopes' dicts only. Text from outside (metric names, summaries, messages) is
redacted, stripped of what XML 1.0 cannot carry, bounded, and escaped.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from mlgate.core.outbound import redact
from mlgate.report.metrics import as_float
from mlgate.report.render import MAX_CHECKS, STEP_TITLES, advisory, gate_skips
from mlgate.results import STEPS

JUNIT_STEPS = ("validate", "repro", "compare", "drift")
MAX_TEXT = 2000
# What XML 1.0 cannot hold, even escaped: C0 controls but tab, newline, carriage return;
# lone surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def report_junit(results: dict[str, dict[str, Any]]) -> str:
    checks = list(_step_cases(results))
    rules = list(_rule_cases(results.get("compare")))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    all_cases = checks + rules
    lines.append(
        f'<testsuites name="mlgate" tests="{len(all_cases)}" '
        f'failures="{_count(all_cases, "failure")}" errors="{_count(all_cases, "error")}">'
    )
    for suite, cases in (("mlgate.checks", checks), ("mlgate.compare", rules)):
        if not cases:
            continue
        lines.append(
            f'  <testsuite name="{suite}" tests="{len(cases)}" '
            f'failures="{_count(cases, "failure")}" errors="{_count(cases, "error")}" '
            f'skipped="{_count(cases, "skipped")}">'
        )
        lines.extend(case for _, case in cases)
        lines.append("  </testsuite>")
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"


def _count(cases: list[tuple[str, str]], kind: str) -> int:
    return sum(1 for outcome, _ in cases if outcome == kind)


def _text(value: object) -> str:
    return _NOT_XML.sub("\ufffd", redact(str(value))[:MAX_TEXT])


def _case(classname: str, name: str, outcome: str, message: str, time: object = None) -> str:
    seconds = as_float(time)
    timed = f' time="{seconds:.3f}"' if seconds is not None and seconds >= 0 else ""
    head = f"    <testcase classname={quoteattr(classname)} name={quoteattr(_text(name))}{timed}"
    if outcome == "pass":
        return head + "/>"
    said = _text(message)
    inner = {
        "failure": f"<failure message={quoteattr(said)}>{escape(said)}</failure>",
        "error": f"<error message={quoteattr(said)}>{escape(said)}</error>",
        "skipped": f"<skipped message={quoteattr(said)}/>",
    }[outcome]
    return f"{head}>\n      {inner}\n    </testcase>"


def _step_cases(results: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    cases = []
    skips = {str(entry.get("step")): entry for entry in gate_skips(results)}
    for step in JUNIT_STEPS:
        title = STEP_TITLES.get(step, step)
        result = results.get(step)
        if result is not None and step in STEPS:
            outcome = {"pass": "pass", "fail": "failure"}.get(str(result.get("status")), "error")
            if outcome == "failure" and advisory(step, result):
                outcome = "pass"  # drift under `block: false` is reported, never blocks
            summary = result.get("summary", "")
            case = _case("mlgate.checks", title, outcome, summary, result.get("duration_s"))
            cases.append((outcome, case))
        elif step in skips:
            reason = f"skipped: {skips[step].get('reason')}"
            cases.append(("skipped", _case("mlgate.checks", title, "skipped", reason)))
    return cases


def _rule_cases(compare: dict[str, Any] | None) -> list[tuple[str, str]]:
    details = (compare or {}).get("details")
    checks = details.get("checks") if isinstance(details, dict) else None
    cases = []
    for check in (checks or [])[:MAX_CHECKS]:
        if not isinstance(check, dict):
            continue
        if check.get("skipped"):
            outcome = "skipped"
        else:
            outcome = "pass" if check.get("passed") is True else "failure"
        name = f"{check.get('metric')} {check.get('rule')}"
        cases.append((outcome, _case("mlgate.compare", name, outcome, check.get("message", ""))))
    return cases
