"""`mlgate repro`: run the DVC pipeline through the `dvc` CLI and follow it stage by stage.

The CLI (not `Repo.reproduce`) runs the stages: it gives each stage's real output and exit
code, and a crashing stage cannot take mlgate's process down with it.
"""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlgate.core.errors import ExitStatus, ExternalError, InputError
from mlgate.core.paths import folder_relative, folder_shown
from mlgate.data import dvcfiles
from mlgate.repro.check import EditedOutput, collect_stages, edited_outputs, stage_name
from mlgate.repro.metrics import metrics_and_params
from mlgate.repro.remote import default_remote_url, missing_plugin, unreachable
from mlgate.repro.runner import (
    OUTPUT_TAIL_LINES,
    Log,
    dvc_env,
    open_repo,
    pulling_from,
    remote_description,
    require_dvc,
    require_pipeline,
    run_dvc,
    tail,
    transfer_timeout_s,
)
from mlgate.results import Clock, Result

# What `dvc repro` prints around each stage (dvc/stage/run.py, dvc/stage/__init__.py,
# dvc/stage/cache.py, dvc/repo/reproduce.py). Stage output comes between these lines.
# DVC's Python API cannot give what these lines give (checked against DVC 3.x):
# `Repo.reproduce` returns only when every stage is done, with the stages it reproduced, so no
# stage's output or duration as it runs; in that list a stage restored from the run cache
# looks like one that ran (`StageCache.restore` returns nothing and only logs "is cached");
# it has no per-stage callback; and in-process, DVC's logging, locks and signal handling
# would be mlgate's. Success is never read from these lines but from the exit code, and the
# lock and metrics are then read with `dvc.repo.Repo` (`metrics_and_params`).
_RUNNING = re.compile(r"^Running stage '(?P<name>.+)':$")
_SKIPPED = re.compile(r"^Stage '(?P<name>.+)' didn't change, skipping$")
_CACHED = re.compile(r"^Stage '(?P<name>.+)' is cached - skipping run, checking out outputs$")
_FAILED = re.compile(r"^ERROR: failed to reproduce (?:stages: )?'(?P<name>[^']+)'")
_LOCK_UPDATE = re.compile(r"^Updating lock file '")


@dataclass
class StageRun:
    name: str
    # ran | restored (DVC's run cache held the outputs of these inputs: checked out, not run)
    # | skipped (unchanged) | failed | not_run (after a failure)
    status: str
    duration_s: float = 0.0
    output: deque[str] = field(default_factory=lambda: deque(maxlen=OUTPUT_TAIL_LINES))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "duration_s": round(self.duration_s, 3),
            "output_tail": list(self.output),
        }


class _ReproLog:
    """Follows `dvc repro` line by line: which stage is running, its output, its duration."""

    def __init__(self, log: Log) -> None:
        self.log = log
        self.stages: dict[str, StageRun] = {}
        self.current: StageRun | None = None
        self.failed: str | None = None
        self.all_lines: deque[str] = deque(maxlen=OUTPUT_TAIL_LINES)
        self._mark: float | None = None

    def feed(self, line: str) -> None:
        line = line.rstrip("\n")
        self.log(line)
        self.all_lines.append(line)
        now = time.perf_counter()
        if self._mark is None:  # DVC's own start-up is no stage's time
            self._mark = now
        if match := _RUNNING.match(line):
            self._close(now)
            self._mark = now
            self.current = self._stage(match["name"], "ran")
        elif match := _SKIPPED.match(line):
            self._decided(match["name"], "skipped", now)
        elif match := _CACHED.match(line):
            self._decided(match["name"], "restored", now)
        elif _LOCK_UPDATE.match(line):
            self._close(now)
        elif match := _FAILED.match(line):
            name = self.current.name if self.current is not None else match["name"]
            self._close(now)
            self._stage(name, "failed").output.append(line)
            self.failed = name
        elif self.current is not None and line.strip():
            self.current.output.append(line)

    def _decided(self, name: str, status: str, now: float) -> None:
        """A stage DVC did not run: the time is what it took to decide (and to check out)."""
        self._close(now)
        self._stage(name, status).duration_s = now - (self._mark or now)
        self._mark = now

    def finish(self) -> None:
        self._close(time.perf_counter())

    def _stage(self, name: str, status: str) -> StageRun:
        stage = self.stages.setdefault(name, StageRun(name, status))
        stage.status = status
        return stage

    def _close(self, now: float) -> None:
        """The running stage (if any) ends now; the next stage's time starts counting."""
        if self.current is not None and self._mark is not None:
            self.current.duration_s = now - self._mark
            self.current = None
            self._mark = now


def run_pipeline(
    root: Path,
    *,
    targets: Sequence[str] = (),
    pull: bool = False,
    force: bool = False,
    log: Log = lambda _line: None,
    bin_dir: Path | None = None,
) -> Result:
    """`dvc repro` (after `dvc pull` with `pull`), followed stage by stage, as a Result.

    A stage that fails gives an error Result (exit 3) naming it, with its last output lines.
    """
    clock = Clock()
    require_pipeline(root)
    require_dvc()
    if pull:
        _refuse_edits(root, _edited_outputs(root, targets), force)  # its checkout overwrites
        pull_data(root, targets, log)
    lock = root / "dvc.lock"
    lock_before = lock.read_bytes() if lock.is_file() else None
    edited, noop = _before_running(root, targets, force=force, log=log, clock=clock, pull=pull)
    if noop is not None:
        return noop
    if edited:
        log("Overwriting outputs edited since their stage ran (--force): " + _listed(edited))
    args = ["repro", *(["--force"] if force else []), *targets]
    follower = _ReproLog(log)
    env = dvc_env(bin_dir)
    env["PYTHONUNBUFFERED"] = "1"  # stage output reaches the screen as it is printed
    with subprocess.Popen(
        [sys.executable, "-m", "dvc", *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as process:
        reader = threading.Thread(target=_follow, args=(process, follower), daemon=True)
        reader.start()
        # Loading DVC costs about half a no-op `dvc repro`: do it while that runs. The Repo
        # reads dvc.yaml, dvc.lock and the metrics lazily, after the run.
        repo = open_repo(root)
        importlib.import_module("dvc.repo.metrics.show")
        importlib.import_module("dvc.repo.params.show")
        reader.join()
        code = process.wait()
    follower.finish()

    stages = _ordered_stages(root, follower.stages)
    details: dict[str, Any] = {
        "mode": "run",
        "root": folder_relative(root),
        "targets": list(targets),
        "pulled": pull,
        "forced": force,
        "overwritten_outputs": [output.to_dict() for output in edited],
        "stages": [stage.to_dict() for stage in stages],
    }
    if code != 0:
        repo.close()
        return _failed_run(clock, details, follower, code, args)

    lock_after = lock.read_bytes() if lock.is_file() else None
    details["lock_changed"] = lock_after != lock_before
    with repo:
        details["metrics"], details["params"] = metrics_and_params(root, repo)
    summary = _run_summary(stages)
    summary += "; dvc.lock changed" if details["lock_changed"] else "; dvc.lock unchanged"
    if edited:
        summary += f"; overwrote edited output(s) (--force): {_listed(edited)}"
    return Result(
        command="repro",
        status="pass",
        summary=summary,
        started_at=clock.started_at,
        duration_s=clock.elapsed(),
        details=details,
    )


def _run_summary(stages: Sequence[StageRun]) -> str:
    by_status: dict[str, list[str]] = {}
    for stage in stages:
        by_status.setdefault(stage.status, []).append(stage.name)
    ran, restored = by_status.get("ran", []), by_status.get("restored", [])
    unchanged = len(by_status.get("skipped", []))
    if not ran and not restored:
        return f"nothing to run: all {unchanged} stage(s) unchanged"
    parts = [f"ran {len(ran)} stage(s) ({', '.join(ran)})"] if ran else []
    if restored:
        restored_count = f"{len(restored)}" if ran else f"{len(restored)} stage(s)"
        parts.append(f"restored {restored_count} from DVC's run cache ({', '.join(restored)})")
    return ", ".join([*parts, f"{unchanged} unchanged"])


def _edited_outputs(root: Path, targets: Sequence[str]) -> list[EditedOutput]:
    from dvc.exceptions import DvcException

    with open_repo(root) as repo:
        try:
            return edited_outputs(collect_stages(repo, targets), root)
        except DvcException:
            return []  # DVC cannot read the pipeline: `dvc pull`/`dvc repro` say why


def _refuse_edits(root: Path, edited: list[EditedOutput], force: bool) -> None:
    """A file edited by hand is never overwritten without the user asking (`--force`)."""
    if edited and not force:
        raise InputError(
            f"{folder_shown(root)}: {len(edited)} output(s) differ from dvc.lock, edited since "
            f"their stage last ran: {_listed(edited)}. `dvc repro` would overwrite them. To keep "
            "your version, record it in dvc.lock (`dvc commit STAGE`); to discard it and rerun, "
            "`mlgate repro --force`"
        )


def _listed(edited: list[EditedOutput]) -> str:
    return ", ".join(str(output) for output in edited)


def _before_running(
    root: Path, targets: Sequence[str], *, force: bool, log: Log, clock: Clock, pull: bool
) -> tuple[list[EditedOutput], Result | None]:
    """The outputs that running would overwrite (refused without `force`), and the no-op
    result when no stage would run, both in one DVC session.

    No-op uses DVC's own predicate, `Stage.changed()`: `dvc repro` skips exactly the stages for
    which it is False; when it is False for all, starting `dvc repro` would only pay DVC's
    start-up again.
    """
    with open_repo(root) as repo:
        from dvc.exceptions import DvcException

        try:
            stages = collect_stages(repo, targets)
            with repo.lock:  # Stage.changed() asserts the repo lock, as `dvc repro` holds it
                edited = edited_outputs(stages, root)
                _refuse_edits(root, edited, force)
                if force or any(stage.changed() for stage in stages):
                    return edited, None
        except DvcException:
            return [], None  # let `dvc repro` report it, with its own message
        names = [stage_name(stage, root) for stage in stages if hasattr(stage, "cmd_changed")]
        for name in names:
            log(f"Stage '{name}' didn't change, skipping")
        metrics, params = metrics_and_params(root, repo)
    return [], Result(
        command="repro",
        status="pass",
        summary=f"nothing to run: all {len(names)} stage(s) unchanged; dvc.lock unchanged",
        started_at=clock.started_at,
        duration_s=clock.elapsed(),
        details={
            "mode": "run",
            "root": folder_relative(root),
            "targets": list(targets),
            "pulled": pull,
            "forced": False,
            "overwritten_outputs": [],
            "stages": [StageRun(name, "skipped").to_dict() for name in names],
            "lock_changed": False,
            "metrics": metrics,
            "params": params,
        },
    )


def _follow(process: subprocess.Popen[str], follower: _ReproLog) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        follower.feed(line)


def _failed_run(
    clock: Clock, details: dict[str, Any], follower: _ReproLog, code: int, args: Sequence[str]
) -> Result:
    name = follower.failed
    if name is None:
        # DVC stopped before any stage (a broken dvc.yaml, a lock held by another process).
        raise ExternalError(
            f"`dvc {' '.join(args)}` failed (exit {code}):\n" + "\n".join(follower.all_lines)
        )
    stage = follower.stages[name]
    last = next((line for line in reversed(stage.output) if not line.startswith("ERROR:")), None)
    details["failed_stage"] = name
    details["lock_changed"] = None
    summary = f"stage {name!r} failed" + (f": {last}" if last else "")
    error = next((line for line in stage.output if line.startswith("ERROR:")), "")
    if "does not exist" in error or "missing" in error:
        summary += " (its input data is missing: try `mlgate repro --pull`)"
    return Result(
        command="repro",
        status="error",
        summary=summary,
        started_at=clock.started_at,
        duration_s=clock.elapsed(),
        details=details,
        exit_code=ExitStatus.NO_VERDICT,
    )


def _ordered_stages(root: Path, seen: dict[str, StageRun]) -> list[StageRun]:
    """Stages in the order DVC handled them, then those it never reached (after a failure)."""
    ordered = list(seen.values())
    for name in dvcfiles.stage_names(root / dvcfiles.DVC_YAML):
        if name not in seen:
            ordered.append(StageRun(name, "not_run"))
    return ordered


def pull_data(root: Path, targets: Sequence[str], log: Log) -> None:
    """`dvc pull`: the pipeline's inputs and cached outputs from the DVC remote."""
    log("$ dvc pull " + " ".join(targets))
    completed = run_dvc(
        root,
        ["pull", *targets],
        timeout_s=transfer_timeout_s(),
        waiting_on=lambda: pulling_from(root),
    )
    output = completed.stdout
    for line in output.strip().splitlines():
        log(line)
    if completed.returncode == 0:
        return
    # In-process, `Repo.pull` would raise NoRemoteError or CheckoutError instead of printing
    # them; but a hung remote could then not be stopped at the deadline. So the process, and
    # its message read here, only to pick the hint.
    lowered = output.lower()
    if "no remote specified" in lowered or "no default remote" in lowered:
        raise InputError(
            f"{folder_shown(root)}: `--pull` needs a DVC remote and none is set: add one with "
            "`dvc remote add -d NAME URL` (and commit .dvc/config)"
        )
    plugin = missing_plugin(output)
    if plugin is not None:
        scheme, package = plugin
        raise InputError(
            f"{folder_shown(root)}: {remote_description(root)} is a {scheme} remote, and DVC "
            f"reads one only with its plugin, which is not installed: pip install {package}"
        )
    if "missing cache files" in lowered or "do not exist neither locally nor on remote" in lowered:
        url = default_remote_url(root)
        why = unreachable(url, root) if url else None
        if why is not None:  # DVC counts what it could not reach as missing
            raise ExternalError(
                f"`dvc pull` in {folder_shown(root)}: {remote_description(root)} is unreachable: "
                f"{why}; the data may well be there (DVC reports it as missing)"
            )
        raise ExternalError(
            f"`dvc pull` in {folder_shown(root)}: some data is on neither the local cache nor "
            f"the remote; push it from where it was produced (`dvc push`):\n{tail(output)}"
        )
    raise ExternalError(
        f"`dvc pull` failed in {folder_shown(root)} (exit {completed.returncode}); check that "
        f"the remote is reachable and its credentials are set:\n{tail(output)}"
    )
