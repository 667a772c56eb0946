"""Pure renderers for `mlgate validate` results: text, Markdown, GitHub annotations. No I/O.

Each takes the result's `details` dict (as written to validate.json), so the PR report can
embed the same Markdown from the file alone.
"""

from __future__ import annotations

import json
from typing import Any

from mlgate.core.outbound import bounded, code, md
from mlgate.core.wording import counted

ANNOTATION_CAP = 10  # GitHub shows 10 error annotations per step; the last says what was left out
# A report lists this many files, sections and failing checks; the rest is counted.
MAX_FILE_ROWS = 50
MAX_FILE_SECTIONS = 20
MAX_FAILURES = 20
MAX_EXAMPLES = 10

_CHECK_NAMES = {
    "column_in_dataframe": "missing column",
    "column_in_schema": "unexpected column (the schema is strict)",
    "not_nullable": "null values",
    "field_uniqueness": "duplicate values",
    "multiple_fields_uniqueness": "duplicate rows",
}
_STATUS_MARK = {"pass": "✅", "fail": "❌", "error": "⚠️"}


def describe_check(check: str) -> str:
    if check in _CHECK_NAMES:
        return _CHECK_NAMES[check]
    if check.startswith("dtype("):
        return f"wrong dtype, expected {check[len('dtype(') : -1].strip(chr(39))}"
    return check


def render_validate(result: dict[str, Any], output_format: str) -> str:
    """A validate result envelope as text, markdown or json."""
    if output_format == "json":
        return json.dumps(result, indent=2)
    if output_format == "markdown":
        return render_validate_markdown(result.get("details", {}), result.get("summary", ""))
    return render_validate_text(result.get("details", {}), result.get("summary", ""))


def _where(example: dict[str, Any]) -> str:
    if "line" in example:
        return f"line {example['line']}"
    if "row" in example:
        return f"row {example['row']}"
    return ""


def _value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _examples_text(failure: dict[str, Any]) -> str:
    parts = []
    for example in failure.get("examples", [])[:MAX_EXAMPLES]:
        where = _where(example)
        parts.append(
            f"{where}: {_value(example.get('value'))}" if where else _value(example.get("value"))
        )
    return "; ".join(parts)


def _count(failure: dict[str, Any]) -> str:
    rows = failure.get("rows")
    if rows is None:
        return ""
    return f"{rows:,} row{'s' if rows != 1 else ''}"


def _failure_line(failure: dict[str, Any]) -> str:
    column = failure.get("column")
    check = describe_check(str(failure.get("check")))
    head = f"{column}: {check}" if column else check
    count = _count(failure)
    examples = _examples_text(failure)
    return "".join([head, f" — {count}" if count else "", f" — {examples}" if examples else ""])


def _file_head(entry: dict[str, Any]) -> str:
    status = entry["status"]
    if status == "error":
        error = str(entry.get("error"))
        return f"{entry['path']}: ERROR — {error.removeprefix(str(entry['path']) + ': ')}"
    sizes = f"{entry.get('rows', 0):,} rows, {entry.get('columns', 0)} columns"
    if status == "fail":
        bad = entry.get("failing_rows") or 0
        failing = counted(bad, "failing row")
        return f"{entry['path']}: FAIL — {sizes}, {failing} (schema {entry['schema']})"
    return f"{entry['path']}: ok — {sizes} (schema {entry['schema']})"


def render_validate_text(details: dict[str, Any], summary: str = "") -> str:
    lines = []
    for entry in details.get("files", []):
        lines.append(_file_head(entry))
        lines.extend(f"  {_failure_line(f)}" for f in entry.get("failures", []))
    # A file's error is the summary when it is the only trouble: say it once.
    if summary and summary not in {str(e.get("error")) for e in details.get("files", [])}:
        lines.append(summary)
    return "\n".join(lines)


def render_validate_markdown(details: dict[str, Any], summary: str = "") -> str:
    files = details.get("files", [])
    worst = "pass"
    for entry in files:
        if entry["status"] == "error" or (entry["status"] == "fail" and worst == "pass"):
            worst = entry["status"]
    lines = [f"### {_STATUS_MARK[worst]} Data validation", ""]
    if summary:
        lines += [md(summary), ""]
    if not files:
        return "\n".join(lines).rstrip()
    # Failing and unreadable files first: they are what a bounded report must show.
    ranked = sorted(files, key=lambda entry: entry["status"] == "pass")
    lines += _files_table(ranked)
    failing = [entry for entry in ranked if entry.get("failures")]
    sections, more_sections = bounded(failing, MAX_FILE_SECTIONS)
    for entry in sections:
        lines += _failures_section(entry)
    if more_sections:
        lines += ["", f"… and {more_sections:,} more failing files: see validate.json."]
    return "\n".join(lines)


def _files_table(ranked: list[dict[str, Any]]) -> list[str]:
    lines = ["| file | schema | rows | result |", "|---|---|---:|---|"]
    shown, more_files = bounded(ranked, MAX_FILE_ROWS)
    for entry in shown:
        if entry["status"] == "error":
            outcome = f"⚠️ {md(entry.get('error'))}"
        elif entry["status"] == "fail":
            checks = len(entry.get("failures", []))
            failing = entry.get("failing_rows") or 0
            outcome = f"❌ {counted(checks, 'check')}, {counted(failing, 'failing row')}"
        else:
            outcome = "✅ valid"
        rows = f"{entry['rows']:,}" if "rows" in entry else "—"
        lines.append(f"| {code(entry['path'])} | {code(entry['schema'])} | {rows} | {outcome} |")
    if more_files:
        lines.append(f"| … {_more_files(ranked[MAX_FILE_ROWS:])} | | | |")
    return lines


def _failures_section(entry: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"#### {code(entry['path'])}",
        "",
        "| column | check | failing rows | examples |",
        "|---|---|---:|---|",
    ]
    failures, more_failures = bounded(entry["failures"], MAX_FAILURES)
    for failure in failures:
        column = md(failure["column"]) if failure.get("column") else "—"
        check = md(describe_check(str(failure["check"])))
        rows = f"{failure['rows']:,}" if failure.get("rows") is not None else "—"
        lines.append(f"| {column} | {check} | {rows} | {md(_examples_text(failure))} |")
    if more_failures:
        lines.append(f"| … {more_failures:,} more failing checks in validate.json | | | |")
    return lines


def _more_files(rest: list[dict[str, Any]]) -> str:
    bad = sum(1 for entry in rest if entry["status"] != "pass")
    text = f"{len(rest):,} more files"
    return text + (f" ({bad:,} of them failing or unreadable)" if bad else "") + " in validate.json"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_annotations(details: dict[str, Any], cap: int = ANNOTATION_CAP) -> list[str]:
    """GitHub workflow commands (`::error file=…,line=…,title=…::…`), at most `cap` of them."""
    items = failure_annotations(details)
    shown = items if len(items) <= cap else items[: cap - 1]
    commands = [_annotation(path, line, title, message) for path, line, title, message in shown]
    if len(shown) < len(items):
        left = len(items) - len(shown)
        path = items[len(shown)][0]
        commands.append(
            _annotation(
                path,
                None,
                "mlgate validate: more failures",
                f"{left} more failing checks are not annotated; see the job log or validate.json",
            )
        )
    return commands


def failure_annotations(details: dict[str, Any]) -> list[tuple[str, int | None, str, str]]:
    """(data file, line of the first failing example, title, message) of each failure and
    unreadable file: the job log's annotations and the check run's."""
    items: list[tuple[str, int | None, str, str]] = []
    for entry in details.get("files", []):
        if entry["status"] == "error":
            items.append(
                (entry["path"], None, "mlgate validate: unreadable data", str(entry.get("error")))
            )
        for failure in entry.get("failures", []):
            first: dict[str, Any] = next(iter(failure.get("examples", [])), {})
            line = first.get("line")
            title = f"mlgate validate: {describe_check(str(failure['check']))}"
            items.append((entry["path"], line, title, _failure_line(failure)))
    return items


def _annotation(path: str, line: int | None, title: str, message: str) -> str:
    props = [f"file={_escape_property(path)}"]
    if line is not None:
        props.append(f"line={line}")
    props.append(f"title={_escape_property(title)}")
    return f"::error {','.join(props)}::{_escape_data(message)}"
