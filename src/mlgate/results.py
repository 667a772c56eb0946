"""The result envelope every checking command writes to `<results-dir>/<command>.json`.

`mlgate report` reads whichever result files exist; nothing else shares state between
commands, so a file is written whole (temp file + rename) or not at all.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from mlgate import __version__
from mlgate.errors import EXIT_FAIL, EXIT_INPUT, EXIT_NO_VERDICT, EXIT_PASS, InputError
from mlgate.outbound import redact_data

SCHEMA_VERSION = 1
DEFAULT_RESULTS_DIR = ".mlgate"
RESULTS_DIR_ENV = "MLGATE_RESULTS_DIR"

Status = Literal["pass", "fail", "error"]


@dataclass(frozen=True)
class Result:
    command: str
    status: Status
    summary: str
    started_at: str
    duration_s: float
    details: dict[str, Any] = field(default_factory=dict)
    # An error result carries the exit code it stands for: 2 (input) or 3 (no verdict).
    exit_code: int | None = None

    @property
    def code(self) -> int:
        if self.status == "pass":
            return EXIT_PASS
        if self.status == "fail":
            return EXIT_FAIL
        return (
            self.exit_code if self.exit_code in (EXIT_INPUT, EXIT_NO_VERDICT) else EXIT_NO_VERDICT
        )

    def to_dict(self) -> dict[str, Any]:
        envelope: dict[str, Any] = {
            "mlgate": __version__,
            "schema": SCHEMA_VERSION,
            "command": self.command,
            "status": self.status,
            "summary": self.summary,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "details": self.details,
        }
        if self.status == "error":
            envelope["exit_code"] = self.code
        return envelope


class Clock:
    """Start time and duration of one command, for the envelope."""

    def __init__(self) -> None:
        self.started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self._start


def resolve_results_dir(option: Path | None) -> Path:
    """The option wins, then MLGATE_RESULTS_DIR, then `.mlgate` in the working directory."""
    if option is not None:
        return option
    from_env = os.environ.get(RESULTS_DIR_ENV)
    return Path(from_env) if from_env else Path(DEFAULT_RESULTS_DIR)


def write_result(results_dir: Path, result: Result) -> Path:
    target = results_dir / f"{result.command}.json"
    envelope = redact_data(result.to_dict())  # a result file is shared: no secrets in it
    write_atomic(target, json.dumps(envelope, indent=2, sort_keys=False) + "\n")
    return target


def write_atomic(target: Path, text: str) -> None:
    """Write `text` to `target` so that readers see the old file or the new one, never half."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise InputError(f"{target}: cannot write the result: {exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temp_name).replace(target)
    except BaseException as exc:
        Path(temp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"{target}: cannot write the result: {exc}") from exc
        raise


def read_result(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable mlgate result file: {exc}") from exc
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
        raise InputError(f"{path}: not an mlgate result file of schema {SCHEMA_VERSION}")
    return data
