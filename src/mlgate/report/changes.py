"""The report's "What changed": params against the baseline's, the stages that ran or were
restored, and each data file's rows against the baseline's.

Pure: the results of one run in, Markdown or text lines out. Names and values come from the
change itself; they pass `mlgate.core.outbound` before Markdown.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mlgate.core.outbound import bounded, code, md, shorten
from mlgate.core.wording import counted
from mlgate.results import MAX_RECORDED_CHANGES

MAX_PARAMS = 50
MAX_FILES = 20
MAX_STAGE_NAMES = 20
# A param's name or a file's path, and a param's value, are cut at these lengths in a table.
MAX_NAME = 200
MAX_VALUE = 80
MAX_COUNT = 30  # characters of a row count: a quadrillion rows is 25
HEADING = "### 📝 What changed"


def _details(results: dict[str, dict[str, Any]], step: str) -> dict[str, Any]:
    details = (results.get(step) or {}).get("details")
    return details if isinstance(details, dict) else {}


def _changes(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    changes = _details(results, "compare").get("changes")
    return changes if isinstance(changes, dict) else {}


def _value(value: object) -> str:
    """A param's value as written (never rounded: 0.1234 and 0.1235 must not both read 0.123),
    numbers as numbers, anything else as code (strings are untrusted)."""
    if value is None:
        return "—"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return md(repr(value), limit=MAX_VALUE)
    return code(value if isinstance(value, str) else json.dumps(value), limit=MAX_VALUE)


# --- params ------------------------------------------------------------------------------


def _param_entries(params: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry for entry in params.get("changed") or [] if isinstance(entry, dict)]


def params_markdown(params: dict[str, Any], no_baseline: bool = False) -> list[str]:
    changed = _param_entries(params)
    unchanged = params.get("unchanged")
    source = params.get("source")
    if no_baseline:  # the comparison says why; the reason is not repeated here
        return ["Params: no baseline to diff against."]
    if params.get("missing_reason") or source is None:
        reason = params.get("missing_reason") or "no source recorded"
        return [f"Params: the baseline's are unknown ({md(reason)}), so no diff."]
    if not changed:
        return [f"Params: none changed against {md(source)}."]
    files = {str(entry.get("file")) for entry in changed}
    shown, more = bounded(changed, MAX_PARAMS)
    not_recorded = _not_recorded(params)
    lines = ["| param | baseline | candidate |", "|---|---:|---:|"]
    for entry in shown:
        name = str(entry.get("name"))
        if len(files) > 1:
            name = f"{entry.get('file')}:{name}"
        baseline, candidate = entry.get("baseline"), entry.get("candidate")
        old = "— (added)" if baseline is None else _value(baseline)
        new = "— (removed)" if candidate is None else _value(candidate)
        lines.append(f"| {code(name, limit=MAX_NAME)} | {old} | {new} |")
    if more or not_recorded:
        kept = f" (compare.json keeps the first {MAX_RECORDED_CHANGES:,})"
        where = kept if not_recorded else " in compare.json"
        more_changed = counted(more + not_recorded, "more changed param")
        lines.append(f"| … {more_changed}{where} | | |")
    kept = f"; {unchanged:,} unchanged" if isinstance(unchanged, int) else ""
    return [*lines, "", f"Baseline's params from {md(source)}{md(kept)}."]


def params_text(params: dict[str, Any], no_baseline: bool = False) -> list[str]:
    if no_baseline:
        return ["params: no baseline to diff against"]
    if params.get("missing_reason") or params.get("source") is None:
        reason = params.get("missing_reason") or "no source recorded"
        return [f"params: the baseline's are unknown ({reason})"]
    changed = _param_entries(params)
    if not changed:
        return [f"params: none changed against {params.get('source')}"]
    shown, more = bounded(changed, MAX_PARAMS)
    more += _not_recorded(params)
    tail = f" and {more} more" if more else ""
    return [f"params (vs {params.get('source')}): " + ", ".join(map(_change_text, shown)) + tail]


def _not_recorded(params: dict[str, Any]) -> int:
    """Changes compare.json counted but did not keep (beyond its first MAX_RECORDED_CHANGES)."""
    count = params.get("not_recorded")
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 0


def _change_text(entry: dict[str, Any]) -> str:
    """`lr 0.1 -> 0.05`, `seed added (7)`, `depth removed (was 8)`: null is an absent side,
    as in the table (a param whose value is null reads None)."""
    name = shorten(entry.get("name"), MAX_NAME)
    old, new = (shorten(entry.get(side), MAX_VALUE) for side in ("baseline", "candidate"))
    if entry.get("baseline") is None:
        return f"{name} added ({new})"
    if entry.get("candidate") is None:
        return f"{name} removed (was {old})"
    return f"{name} {old} -> {new}"


# --- stages ------------------------------------------------------------------------------

STAGE_WORDS = (("ran", "ran"), ("restored", "restored from the run cache"), ("failed", "failed"))


def _stages_by_status(results: dict[str, dict[str, Any]]) -> list[tuple[str, list[str]]]:
    stages = _details(results, "repro").get("stages") or []
    by_status: dict[str, list[str]] = {}
    for stage in stages:
        if isinstance(stage, dict):
            by_status.setdefault(str(stage.get("status")), []).append(str(stage.get("name")))
    return [(word, by_status[status]) for status, word in STAGE_WORDS if by_status.get(status)]


def _stage_parts(results: dict[str, dict[str, Any]], shown_as: Callable[[str], str]) -> list[str]:
    """`ran train, evaluate` per status, at most MAX_STAGE_NAMES names each."""
    parts = []
    for word, names in _stages_by_status(results):
        shown, more = bounded(names, MAX_STAGE_NAMES)
        listed = ", ".join(map(shown_as, shown))
        parts.append(f"{word} {listed}" + (f" and {more:,} more" if more else ""))
    return parts


def stages_markdown(results: dict[str, dict[str, Any]]) -> list[str]:
    parts = _stage_parts(results, lambda name: code(name, limit=MAX_NAME))
    return [f"Stages: {'; '.join(parts)}."] if parts else []


def without_stage_names(summary: str, results: dict[str, dict[str, Any]]) -> str:
    """repro's summary without the names it lists in brackets ("ran 2 stage(s) (train,
    evaluate)"), which the stages line of "What changed" says: each fact once."""
    for _, names in _stages_by_status(results):
        summary = summary.replace(f" ({', '.join(names)})", "", 1)
    return summary


def stages_text(results: dict[str, dict[str, Any]]) -> list[str]:
    parts = _stage_parts(results, lambda name: shorten(name, MAX_NAME))
    return [f"stages: {'; '.join(parts)}"] if parts else []


# --- data files --------------------------------------------------------------------------


def data_rows(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each data file once: compare's rows against the baseline's, then the files only
    validation read (their baseline unknown)."""
    rows = [entry for entry in _changes(results).get("data") or [] if isinstance(entry, dict)]
    known = [str(entry.get("path")) for entry in rows]
    for entry in _details(results, "validate").get("files") or []:
        if not isinstance(entry, dict):
            continue
        path = str(entry.get("path"))
        if any(path == other or path.endswith("/" + other) for other in known):
            continue
        rows.append({"path": path, "rows": entry.get("rows"), "baseline_rows": None})
    return rows


def _content(entry: dict[str, Any]) -> str:
    changed = entry.get("changed")
    if changed is True:
        return "changed"
    return "unchanged" if changed is False else "—"


def _count(value: object) -> str:
    """A row count; cut like any untrusted text (a forged file's 4,000-digit count)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return shorten(f"{value:,}", MAX_COUNT)
    return "—"


def data_markdown(results: dict[str, dict[str, Any]]) -> list[str]:
    rows, more = bounded(data_rows(results), MAX_FILES)
    if not rows:
        return []
    if not any(e.get("baseline_rows") is not None or e.get("changed") is not None for e in rows):
        # Nothing known of the baseline's data: the rows alone, no columns of dashes.
        lines = ["| data file | rows |", "|---|---:|"]
        lines += [
            f"| {code(e.get('path'), limit=MAX_NAME)} | {_count(e.get('rows'))} |" for e in rows
        ]
        return lines + ([f"| … {counted(more, 'more data file')} | |"] if more else [])
    lines = ["| data file | rows | baseline rows | content |", "|---|---:|---:|---|"]
    for entry in rows:
        lines.append(
            f"| {code(entry.get('path'), limit=MAX_NAME)} | {_count(entry.get('rows'))} "
            f"| {_count(entry.get('baseline_rows'))} | {_content(entry)} |"
        )
    if more:
        lines.append(f"| … {counted(more, 'more data file')} | | | |")
    return lines


def _against(entry: dict[str, Any]) -> str:
    if entry.get("baseline_rows") is None and entry.get("changed") is None:
        return ""
    return f" (baseline {_count(entry.get('baseline_rows'))}, {_content(entry)})"


def data_text(results: dict[str, dict[str, Any]]) -> list[str]:
    rows, more = bounded(data_rows(results), MAX_FILES)
    parts = [
        f"{shorten(entry.get('path'), MAX_NAME)} {_count(entry.get('rows'))} rows{_against(entry)}"
        for entry in rows
    ]
    tail = f" and {more} more" if more else ""
    return [f"data: {', '.join(parts)}{tail}"] if parts else []


# --- the section -------------------------------------------------------------------------


def _no_baseline(results: dict[str, dict[str, Any]]) -> bool:
    """Whether there is nothing to diff the params against: the comparison had no baseline
    (then it, not the params, says why) and no params were read at a known revision. A first
    model against `git:REF`, or a baseline whose metrics are unreadable, still has the params
    at that revision, and their diff is shown."""
    baseline = _details(results, "compare").get("baseline")
    if not (isinstance(baseline, dict) and baseline.get("metrics") is None):
        return False
    params = _changes(results).get("params")
    diffed = isinstance(params, dict) and params.get("source") and not params.get("missing_reason")
    return not diffed


def changes_markdown(results: dict[str, dict[str, Any]]) -> str:
    """The "What changed" section, or "" when the results say nothing about it."""
    params = _changes(results).get("params")
    blocks = []
    if isinstance(params, dict):
        blocks.append(params_markdown(params, _no_baseline(results)))
    for block in (stages_markdown(results), data_markdown(results)):
        if block:
            blocks.append(block)
    if not blocks:
        return ""
    lines = [HEADING]
    for block in blocks:
        lines += ["", *block]
    return "\n".join(lines)


def changes_text(results: dict[str, dict[str, Any]]) -> list[str]:
    params = _changes(results).get("params")
    lines = params_text(params, _no_baseline(results)) if isinstance(params, dict) else []
    return lines + stages_text(results) + data_text(results)
