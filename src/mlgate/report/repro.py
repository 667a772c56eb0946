"""Pure renderers of `repro.json` (`mlgate repro`, `--check`, `--verify`): text and Markdown.

They take the result's `details` (and its summary line) and return text; the PR report embeds
`render_repro_markdown`.
"""

from __future__ import annotations

from typing import Any

from mlgate.core.outbound import bounded, code, fence, html_text, md, shorten

# A report lists this many stages, metrics and outputs, the last lines of this many failed
# stages, and this many of their lines; the rest is counted or cut.
MAX_ROWS = 100
MAX_FAILED_TAILS = 5
MAX_TAIL_LINES = 50
MAX_TAIL_LINE = 300


def render_repro(envelope: dict[str, Any], fmt: str) -> str:
    """The whole result envelope as `text` or `markdown`."""
    details = envelope.get("details", {})
    if fmt == "markdown":
        return render_repro_markdown(
            details, summary=envelope.get("summary", ""), status=envelope.get("status")
        )
    return render_repro_text(details, summary=envelope.get("summary", ""))


def render_repro_text(details: dict[str, Any], summary: str = "") -> str:
    mode = details.get("mode")
    lines: list[str] = []
    if mode == "check" or "stale_stages" in details:  # --verify stops at a stale lock too
        lines += _check_text(details)
    elif mode == "verify":
        lines += _verify_text(details)
    else:
        lines += _run_text(details)
    if summary:
        lines.append(summary)
    return "\n".join(lines)


_STATUS_MARK = {"pass": "✅", "fail": "❌", "error": "⚠️"}
# How the report names a stage's status: DVC's "skipped" is a stage it had no need to run.
_STAGE_STATUS = {"restored": "♻️ restored from the run cache", "skipped": "unchanged"}


def render_repro_markdown(
    details: dict[str, Any], summary: str = "", status: str | None = None
) -> str:
    mode = details.get("mode")
    title = {"check": "dvc.lock check", "verify": "Reproducibility check"}.get(
        str(mode), "Pipeline run"
    )
    mark = _STATUS_MARK.get(str(status))
    lines = [f"### {mark} {title}" if mark else f"### {title}", ""]
    if summary:
        lines += [md(summary), ""]
    if mode == "check" or "stale_stages" in details:
        lines += _check_markdown(details)
    elif mode == "verify":
        lines += _verify_markdown(details)
    else:
        lines += _stages_markdown(details.get("stages", []))
        lines += _metrics_markdown(details.get("metrics") or {})
    return "\n".join(lines).rstrip() + "\n"


# --- mlgate repro ---------------------------------------------------------------------------


def _run_text(details: dict[str, Any]) -> list[str]:
    stages = details.get("stages", [])
    lines = _stages_text(stages)
    for stage in stages:
        if stage.get("status") == "failed":
            lines.append(f"last lines of {stage['name']}:")
            lines += [f"  | {line}" for line in stage.get("output_tail", [])]
    metrics = details.get("metrics") or {}
    if metrics:
        lines.append("metrics: " + ", ".join(f"{k}={_value(v)}" for k, v in metrics.items()))
    return lines


def _stages_text(stages: list[dict[str, Any]]) -> list[str]:
    if not stages:
        return []
    width = max(len(stage["name"]) for stage in stages)
    return [
        f"{stage['name']:<{width}}  {stage['status']:<8} {stage.get('duration_s', 0.0):7.2f}s"
        for stage in stages
    ]


def _stages_markdown(stages: list[dict[str, Any]]) -> list[str]:
    if not stages:
        return []
    lines = ["| stage | status | duration |", "|---|---|---:|"]
    shown, more = bounded(stages, MAX_ROWS)
    lines += [
        f"| {code(stage['name'])} | {_stage_status(stage)} | {stage.get('duration_s', 0.0):.2f} s |"
        for stage in shown
    ]
    if more:
        lines.append(f"| … {more:,} more stages in repro.json | | |")
    failed = [stage for stage in stages if stage.get("status") == "failed"]
    for stage in failed[:MAX_FAILED_TAILS]:
        if stage.get("output_tail"):
            tail = [shorten(line, MAX_TAIL_LINE) for line in stage["output_tail"]]
            lines += [
                "",
                f"<details><summary>last lines of {html_text(stage['name'])}</summary>",
                "",
                *fence(tail[-MAX_TAIL_LINES:]),
                "",
                "</details>",
            ]
    return [*lines, ""]


def _stage_status(stage: dict[str, Any]) -> str:
    status = str(stage.get("status", ""))
    return _STAGE_STATUS.get(status) or md(status)


def _metrics_markdown(metrics: dict[str, Any]) -> list[str]:
    if not metrics:
        return []
    shown, more = bounded(list(metrics.items()), MAX_ROWS)
    rows = [f"| {code(name)} | {md(_value(value))} |" for name, value in shown]
    if more:
        rows.append(f"| … {more:,} more metrics in repro.json | |")
    return ["| metric | value |", "|---|---:|", *rows, ""]


# --- mlgate repro --check ---------------------------------------------------------------------


def _reason(reason: dict[str, Any]) -> str:
    where = reason.get("path", "")
    if reason.get("key"):
        where = f"{where}:{reason['key']}" if where else reason["key"]
    text = f"{reason['kind']} {where} {reason['change']}".replace("  ", " ")
    return f"{text} ({reason['detail']})" if reason.get("detail") else text


def _absent(absent: dict[str, Any]) -> str:
    if absent.get("not_cached"):
        where = "not cached by DVC (`cache: false`), so only `dvc repro` makes it"
    elif absent["in_cache"]:
        where = "in the local cache (`dvc checkout`)"
    else:
        where = "not pulled"
    files = f", {absent['files_absent']} file(s) missing" if "files_absent" in absent else ""
    return f"{absent['path']} ({absent['kind']}{files}): {where}"


def _check_text(details: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for stage in details.get("stages", []):
        label = {"stale": "STALE", "not_pulled": "absent", "up_to_date": "ok"}[stage["state"]]
        lines.append(f"{label:<6} {stage['name']}")
        lines += [f"         {_reason(reason)}" for reason in stage.get("reasons", [])]
        lines += [f"         {_absent(absent)}" for absent in stage.get("absent", [])]
        lines += [f"         note: {note}" for note in stage.get("notes", [])]
    lines += [
        f"note   {name}: in dvc.lock only (removed from dvc.yaml)"
        for name in _orphans(details)[:MAX_ROWS]
    ]
    return lines


def _orphans(details: dict[str, Any]) -> list[str]:
    return [str(name) for name in details.get("orphan_lock_entries") or []]


def _check_markdown(details: dict[str, Any]) -> list[str]:
    lines = ["| stage | state | why |", "|---|---|---|"]
    stages, more = bounded(details.get("stages", []), MAX_ROWS)
    for stage in stages:
        why = [_reason(reason) for reason in stage.get("reasons", [])[:MAX_ROWS]]
        why += [_absent(absent) for absent in stage.get("absent", [])[:MAX_ROWS]]
        state = {"stale": "**stale**", "not_pulled": "not pulled", "up_to_date": "up to date"}
        lines.append(
            f"| {code(stage['name'])} | {state.get(stage.get('state', ''), '—')} | "
            f"{'<br>'.join(md(item) for item in why[:20])} |"
        )
    if more:
        lines.append(f"| … {more:,} more stages in repro.json | | |")
    orphans, more_orphans = bounded(_orphans(details), MAX_ROWS)
    lines += [
        f"| {code(name)} | in dvc.lock only | removed from dvc.yaml: not checked |"
        for name in orphans
    ]
    if more_orphans:
        lines.append(f"| … {more_orphans:,} more dvc.lock entries in repro.json | | |")
    return [*lines, ""]


# --- mlgate repro --verify --------------------------------------------------------------------


def _verify_text(details: dict[str, Any]) -> list[str]:
    lines = _stages_text(details.get("stages", []))
    for out in details.get("outputs", []):
        mark = {True: "same", False: "DIFFERS", None: "skipped"}[out["reproduced"]]
        why = f": {out['skipped']}" if out.get("skipped") else ""
        lines.append(f"{mark:<8} {out['path']} ({out['stage']}){why}")
        lines += [f"           {name}" for name in out.get("files", [])]
    for moved in details.get("metrics_moved", []):
        lines.append(f"metric {moved['name']}: {_moved(moved)}")
    return lines


def _verify_markdown(details: dict[str, Any]) -> list[str]:
    lines = ["| output | stage | reproduced |", "|---|---|---|"]
    outputs, more_outputs = bounded(details.get("outputs", []), MAX_ROWS)
    lines += [
        f"| {code(out['path'])} | {code(out['stage'])} | "
        f"{ {True: 'yes', False: '**no**', None: 'not compared'}[out['reproduced']] } |"
        for out in outputs
    ]
    if more_outputs:
        lines.append(f"| … {more_outputs:,} more outputs in repro.json | | |")
    moved, more_moved = bounded(details.get("metrics_moved", []), MAX_ROWS)
    if moved:
        lines += ["", "| metric | committed | rerun | delta |", "|---|---:|---:|---:|"]
        lines += [
            f"| {code(m['name'])} | {md(_value(m['committed']))} | "
            f"{md(_value(m['reproduced']))} | {md(_value(m.get('delta')))} |"
            for m in moved
        ]
        if more_moved:
            lines.append(f"| … {more_moved:,} more metrics in repro.json | | | |")
    return [*lines, ""]


def _moved(moved: dict[str, Any]) -> str:
    delta = moved.get("delta")
    text = f"{_value(moved['committed'])} -> {_value(moved['reproduced'])}"
    return f"{text} (delta {delta:+.6g})" if isinstance(delta, int | float) else text


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "n/a" if value is None else str(value)
