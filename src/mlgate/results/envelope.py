"""The result envelope every checking command writes to `<results-dir>/<command>.json`.

Nothing else shares state between commands, so a file is written whole (temp file + rename)
or not at all. Each envelope says which run wrote it (`run_id`) and on which checkout
(`commit`, `dirty`): `mlgate report` renders one run and calls anything older stale.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mlgate import __version__
from mlgate.core.errors import NOT_GATED, ExitStatus, InputError, MlgateError, Status
from mlgate.core.outbound import redact_data
from mlgate.results.schema import check_result

SCHEMA_VERSION = 1
DEFAULT_RESULTS_DIR = ".mlgate"
# The commands that write a result file, in the order a report shows them, and the report.
STEPS = ("validate", "repro", "drift", "compare", "promote", "rollback")
REPORT_FILE = "report.md"
RESULTS_DIR_ENV = "MLGATE_RESULTS_DIR"
# Separate commands share a run when this is set; under GitHub Actions, one job is one run.
RUN_ID_ENV = "MLGATE_RUN_ID"
# compare.json stays small whatever the pipeline's params: the first changes, and how many more.
MAX_RECORDED_CHANGES = 1000
MAX_RECORDED_CHARS = 1000


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
    run: RunStamp | None = None  # set when the result is written (`stamped`)

    @property
    def code(self) -> ExitStatus:
        if self.status == NOT_GATED:  # the view itself succeeded; its file is no verdict
            return ExitStatus.PASS
        return ExitStatus.of_result(self.status, self.exit_code)

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
            **(self.run or RunStamp(run_id=None, commit=None, dirty=None)).to_dict(),
        }
        if self.status == "error":
            envelope["exit_code"] = int(self.code)
        return envelope


@dataclass(frozen=True)
class RunStamp:
    """Which run wrote a result, and on which checkout; None where it cannot be known."""

    run_id: str | None
    commit: str | None
    dirty: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "commit": self.commit, "dirty": self.dirty}


def current_run(root: Path, results_dir: Path) -> RunStamp:
    """This run: MLGATE_RUN_ID or a new id; the checkout's HEAD and whether it has changes
    (files under the results dir do not count: writing results must not dirty the tree)."""
    from mlgate.core.scm import current_commit, has_changes

    commit = current_commit(root)
    return RunStamp(
        run_id=run_id_at_hand() or new_run_id(),
        commit=commit,
        dirty=has_changes(root, ignore=results_dir) if commit else None,
    )


def run_id_at_hand() -> str | None:
    """The run this process belongs to, when its environment says: MLGATE_RUN_ID, else the
    GitHub Actions job (run id, attempt, job), so every mlgate command of one job shares it."""
    env = os.environ
    if env.get(RUN_ID_ENV):
        return env[RUN_ID_ENV]
    if env.get("GITHUB_ACTIONS") == "true" and env.get("GITHUB_RUN_ID"):
        attempt = env.get("GITHUB_RUN_ATTEMPT", "1")
        return f"github-{env['GITHUB_RUN_ID']}-{attempt}-{env.get('GITHUB_JOB', '')}"
    return None


def new_run_id() -> str:
    """Sortable by time, unique by its random tail: 20261129T125000Z-3f9a1c2b."""
    now = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{now}-{secrets.token_hex(4)}"


def stamped(result: Result, run: RunStamp) -> Result:
    return replace(result, run=run)


def error_result(command: str, exc: BaseException, clock: Clock, run: RunStamp) -> Result:
    """The result an exception stands for: an mlgate error's own code (a blocked check is a
    fail); anything else — a bug, or a `SystemExit` from code mlgate ran — no verdict."""
    code, summary = ExitStatus.NO_VERDICT, unexpected(exc)
    if isinstance(exc, MlgateError):
        code, summary = exc.exit_code, str(exc)
    return Result(
        command=command,
        status=code.status,
        summary=summary,
        started_at=clock.started_at,
        duration_s=clock.elapsed(),
        exit_code=code if code.status == "error" else None,
        run=run,
    )


def unexpected(exc: BaseException) -> str:
    """What an exception mlgate did not expect says: it is a bug, or code that exited."""
    if isinstance(exc, SystemExit):
        return f"internal error: something mlgate ran called sys.exit({exc.code!r})"
    return f"internal error: {type(exc).__name__}: {exc}"


class Clock:
    """Start time and duration of one command, for the envelope."""

    def __init__(self) -> None:
        self.started_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        self._start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self._start


def resolve_results_dir(option: Path | None) -> Path:
    """The option wins, then MLGATE_RESULTS_DIR, then `.mlgate` in the working directory;
    refused (exit 2) when a result file would replace a versioned file that is not one."""
    from mlgate.results.outputs import require_results_dir_writable

    from_env = os.environ.get(RESULTS_DIR_ENV)
    if option is not None:
        directory, named_by = option, "--results-dir"
    elif from_env:
        directory, named_by = Path(from_env), RESULTS_DIR_ENV
    else:
        directory, named_by = Path(DEFAULT_RESULTS_DIR), "the results dir"
    require_results_dir_writable(directory, result_file_names(), option=named_by)
    return directory


def result_file_names() -> tuple[str, ...]:
    """Every file a command writes into the results dir: checked all at once, so that `gate`
    refuses before its first step writes anything."""
    return (*(f"{step}.json" for step in (*STEPS, "gate")), REPORT_FILE)


def write_result(results_dir: Path, result: Result) -> Path:
    target = results_dir / f"{result.command}.json"
    envelope = redact_data(result.to_dict())  # a result file is shared: no secrets in it
    write_atomic(target, json.dumps(envelope, indent=2, sort_keys=False) + "\n")
    return target


def write_atomic(target: Path, text: str) -> None:
    """Write `text` to `target` so that readers see the old file or the new one, never half."""
    temp = target.parent / f".{target.name}.{secrets.token_hex(8)}.tmp"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Not mkstemp (always 0600): mode 0666 less the umask, like any file the user writes.
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise InputError(f"{target}: cannot write the result: {exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(target)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"{target}: cannot write the result: {exc}") from exc
        raise


def read_result(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise InputError(f"{path}: not a readable mlgate result file: {exc}") from exc
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
        raise InputError(f"{path}: not an mlgate result file of schema {SCHEMA_VERSION}")
    check_result(data, str(path))
    return data
