"""Reading a rendered comment as a reader does: its prose lines and sentences, per golden case."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from mlgate.report import ReportContext, report_markdown
from mlgate.report.publish import load_results


def results_of(case: str) -> dict[str, dict[str, Any]]:
    return copy.deepcopy(load_results(FIXTURES / case).results)


def prose_lines(markdown: str) -> list[str]:
    """The lines a reader reads as sentences: not table rows, fences, chart lines or tags."""
    lines, in_fence = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence or not line.strip() or line.startswith(("|", "<", "---")):
            continue
        lines.append(line)
    return lines


def sentences(line: str) -> list[str]:
    """A line's clauses, without its marks, so a sentence repeated inside another is found."""
    text = re.sub(r"^[-#>*\s]*(✅|❌|⚠️|☑️|📝)?\s*", "", line).replace("\\", "")
    text = re.sub(r"\*\*[^*]+\*\*:?\s*", "", text)
    return [part.strip() for part in re.split(r"[;:—]", text) if len(part.strip()) > 15]


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "comment"


COMMIT = "608869fd12193b8d42dc1bf1e024505ef4e15d99"


def comment(results: dict[str, dict[str, Any]]) -> str:
    return report_markdown(results, ReportContext(commit=COMMIT))
