"""MkDocs hook: the reference tables of the reusable workflows, generated from their
`on.workflow_call` declarations, so a page cannot name an input the workflow does not have.

A page asks for one with `<!-- workflow-reference: pr-gate.yml -->` on a line of its own.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

WORKFLOWS = Path(__file__).parent.parent / ".github" / "workflows"
MARKER = re.compile(r"^<!-- workflow-reference: ([\w.-]+\.yml) -->$", re.MULTILINE)


def on_page_markdown(markdown: str, **_: Any) -> str:
    return MARKER.sub(lambda match: reference(match.group(1)), markdown)


def reference(name: str) -> str:
    declared = yaml.safe_load((WORKFLOWS / name).read_text())
    call = declared.get("on", declared.get(True))["workflow_call"]  # YAML 1.1 reads `on` as True
    rows = ["| input | type | default | what it does |", "|---|---|---|---|"]
    for key, spec in call.get("inputs", {}).items():
        default = spec.get("default", "")
        text = str(default).lower() if isinstance(default, bool) else str(default)
        shown = f"`{text}`" if text else "(empty)"
        rows.append(f"| `{key}` | {spec['type']} | {shown} | {_cell(spec)} |")
    rows += ["", "| output | what it says |", "|---|---|"]
    rows += [f"| `{key}` | {_cell(spec)} |" for key, spec in call.get("outputs", {}).items()]
    secrets = ", ".join(f"`{key}`" for key in call.get("secrets", {}))
    rows += ["", f"Secrets it passes on (each optional): {secrets}."]
    return "\n".join(rows)


def _cell(spec: dict[str, Any]) -> str:
    return str(spec.get("description", "")).replace("|", "\\|").replace("\n", " ")
