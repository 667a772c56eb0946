"""Running DVC: the `dvc` process and `dvc.repo.Repo`, with DVC's errors made mlgate's.

Stages run through the `dvc` command line (in this Python, `python -m dvc`) rather than
`dvc.repo.Repo.reproduce`: the CLI gives each stage's real output and exit code, and a
crashing stage cannot take mlgate's process down with it. Metrics, params and the stale-lock
check use `dvc.repo.Repo` in-process instead: those are structured answers (per file, per
key, errors as values) that the CLI would only give us as text to re-parse.
"""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from mlgate.errors import ExternalError, InputError, MissingExtra, MlgateError
from mlgate.metrics import MetricValue, flatten

OUTPUT_TAIL_LINES = 20
Log = Callable[[str], None]
_T = TypeVar("_T")

# Every `dvc`/`git` command mlgate runs has a deadline, so a hung remote or lock ends in
# "no verdict" naming it, not at the CI job's timeout. Stage commands (`dvc repro`) have none:
# training takes what it takes, and the CI job bounds it.
QUICK_TIMEOUT_S = 120.0  # local commands: config, remote, init, checkout, git rev-parse
TRANSFER_TIMEOUT_ENV = "MLGATE_DVC_TIMEOUT"
DEFAULT_TRANSFER_TIMEOUT_S = 1800.0  # `dvc pull`: data can be large


@dataclass(frozen=True)
class DvcRun:
    args: tuple[str, ...]
    output: str


def dvc(root: Path, *args: str, timeout_s: float = QUICK_TIMEOUT_S) -> DvcRun:
    """Run `dvc args` in `root`; a non-zero exit is no verdict (exit 3) with DVC's last lines."""
    completed = run_dvc(root, args, timeout_s=timeout_s)
    if completed.returncode != 0:
        raise ExternalError(
            f"`dvc {' '.join(args)}` failed in {root} (exit {completed.returncode}):\n"
            f"{tail(completed.stdout)}"
        )
    return DvcRun(args=args, output=completed.stdout)


def run_dvc(
    root: Path,
    args: Sequence[str],
    *,
    timeout_s: float = QUICK_TIMEOUT_S,
    waiting_on: Callable[[], str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m dvc args`, killed after `timeout_s`: then no verdict naming `waiting_on()`."""
    require_dvc()
    try:
        return subprocess.run(
            [sys.executable, "-m", "dvc", *args],
            cwd=root,
            env=dvc_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired as exc:
        partial = exc.output or ""  # what it printed so far: bytes on POSIX, even with text=True
        if isinstance(partial, bytes):
            partial = partial.decode(errors="replace")
        raise ExternalError(
            f"`dvc {' '.join(args)}` in {root} did not finish within {timeout_s:g} s and was "
            f"stopped{'; it was waiting on ' + waiting_on() if waiting_on else ''}"
            + (f":\n{tail(partial)}" if partial.strip() else "")
        ) from exc


def transfer_timeout_s() -> float:
    """Seconds a `dvc pull` may take: `MLGATE_DVC_TIMEOUT`, else 30 minutes."""
    return _timeout_from_env(DEFAULT_TRANSFER_TIMEOUT_S)


def revision_timeout_s() -> float:
    """Seconds reading a revision's metrics may take (a few small files, perhaps from the DVC
    remote): `MLGATE_DVC_TIMEOUT`, else 2 minutes."""
    return _timeout_from_env(QUICK_TIMEOUT_S)


def _timeout_from_env(default_s: float) -> float:
    raw = os.environ.get(TRANSFER_TIMEOUT_ENV)
    if raw is None or not raw.strip():
        return default_s
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise InputError(
            f"{TRANSFER_TIMEOUT_ENV}={raw!r}: give the seconds mlgate waits on a DVC remote, "
            "a positive number"
        )
    return value


def remote_description(root: Path) -> str:
    """`the DVC remote 'storage'` (the default one), for messages; never its URL (credentials)."""
    try:
        with open_repo(root) as repo:
            name = repo.config["core"].get("remote")
    except MlgateError:
        name = None
    return f"the DVC remote {name!r}" if name else "the DVC remote"


def pulling_from(root: Path) -> str:
    """What a `dvc pull` that timed out was waiting on."""
    return f"{remote_description(root)} (raise {TRANSFER_TIMEOUT_ENV} for large data)"


def tail(text: str, lines: int = OUTPUT_TAIL_LINES) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def require_dvc() -> None:
    if importlib.util.find_spec("dvc") is None:
        raise MissingExtra("dvc", "dvc")


def init(root: Path) -> None:
    dvc(root, "init", "--quiet")


def require_pipeline(root: Path) -> None:
    """`root` holds dvc.yaml inside a DVC repository, or an input error that says what to do."""
    if not any((parent / ".dvc").is_dir() for parent in (root, *root.parents)):
        raise InputError(f"{root}: not a DVC repository (run `dvc init`, or cd into one)")
    if not (root / "dvc.yaml").is_file():
        raise InputError(
            f"{root}: no dvc.yaml here, so there is no pipeline to reproduce "
            "(run mlgate from the folder that holds dvc.yaml)"
        )


def dvc_env(bin_dir: Path | None = None) -> dict[str, str]:
    # DVC's usage analytics would phone home on every call; CI and laptops may be offline.
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    if bin_dir is not None:
        env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    return env


def open_repo(root: Path) -> Any:
    """`dvc.repo.Repo(root)` with DVC's errors made mlgate's; use it as a context manager."""
    require_dvc()
    os.environ.setdefault("DVC_NO_ANALYTICS", "1")
    from dvc.exceptions import DvcException, NotDvcRepoError
    from dvc.repo import Repo

    try:
        return Repo(str(root))
    except NotDvcRepoError as exc:
        raise InputError(f"{root}: not a DVC repository (run `dvc init`)") from exc
    except DvcException as exc:
        raise InputError(f"{root}: DVC cannot load this repository: {exc}") from exc


def pipeline_metrics(root: Path) -> dict[str, MetricValue]:
    """Every `metrics:` file of the pipeline, merged and flattened; {} when there are none."""
    with open_repo(root) as repo:
        return metrics_and_params(root, repo)[0]


def metrics_and_params(
    root: Path, repo: Any
) -> tuple[dict[str, MetricValue], dict[str, dict[str, Any]]]:
    """The workspace's metrics and the params files DVC tracks, read from an open `Repo`.

    Params are flattened with the metrics naming rule (`train.seed`) but keep their types.
    """
    from dvc.exceptions import DvcException

    cannot_load = f"{root}: DVC cannot load the pipeline"
    try:
        metric_files = _shown_metric_files(repo, cannot_load)
        params_shown: dict[str, Any] = repo.params.show()
    except DvcException as exc:
        raise ExternalError(f"{root}: DVC could not read the metrics or params: {exc}") from exc
    metrics = _merge_metric_files(metric_files, str(root), missing_ok=True) or {}
    params_result: dict[str, Any] = next(iter(params_shown.values()), {})
    if "error" in params_result:
        raise InputError(f"{cannot_load}: {dvc_message(params_result['error'])}")
    param_files: dict[str, Any] = params_result.get("data", {})
    params: dict[str, dict[str, Any]] = {}
    for path, entry in sorted(param_files.items()):
        if "error" in entry:
            raise InputError(f"{root}: cannot read params file {path}: {entry['error']}")
        params[path] = flatten(entry.get("data") or {})
    return metrics, params


# --- metrics, for `mlgate compare` -------------------------------------------------------------


def workspace_metrics(root: Path) -> dict[str, MetricValue]:
    """The metrics of every `metrics:` file of the pipeline, as they stand in the workspace.

    A cached metrics file missing from the workspace is read through DVC's cache and remote,
    within `revision_timeout_s()`.
    """
    source = f"{root} (workspace)"

    def read() -> dict[str, Any]:
        with open_repo(root) as repo:
            files = _shown_metric_files(repo, f"{source}: DVC cannot load the pipeline")
            _require_fetched(repo, files, source)
            return files

    files = _within_deadline(read, root, "the workspace's metrics")
    return _merge_metric_files(files, source, missing_ok=False) or {}


def metrics_at_revision(root: Path, rev: str) -> dict[str, MetricValue] | None:
    """The pipeline's metrics at git revision `rev`, read from git objects (nothing checked out).

    Three outcomes, never two: the metrics (found); None only when the pipeline at `rev`
    declares no metrics at all (bootstrap: it is new on this branch); else an error. A `rev`
    that does not resolve and a revision DVC cannot load are input errors (exit 2); a metrics
    file kept in the DVC cache that neither the local cache nor the DVC remote can supply is
    no verdict (exit 3). DVC reads cached files through the cache, then the remote, as
    `dvc metrics diff` does, so only those files are fetched; a remote that does not answer
    within `revision_timeout_s()` is no verdict too.
    """
    return _within_deadline(
        lambda: _metrics_at_revision(root, rev),
        root,
        f"the metrics at git:{rev}",
        unreadable=f"baseline git:{rev} is unreadable: ",
    )


def _metrics_at_revision(root: Path, rev: str) -> dict[str, MetricValue] | None:
    source = f"git:{rev}"
    with open_repo(root) as repo:
        _require_revision(repo, root, rev)
        from dvc.exceptions import NotDvcRepoError

        try:
            with repo.switch(rev):
                files = _shown_metric_files(
                    repo, f"baseline {source} is unreadable: DVC cannot load the pipeline there"
                )
                if not files:
                    return None
                _require_readable_at_revision(repo, files, rev)
        except NotDvcRepoError:
            return None  # the DVC project (in a subdirectory) does not exist at `rev` yet
    return _merge_metric_files(files, source, missing_ok=False)


def _within_deadline(work: Callable[[], _T], root: Path, what: str, *, unreadable: str = "") -> _T:
    """`work()` (reading `what`) in a thread, or no verdict after `revision_timeout_s()`.

    DVC reads remotes in-process (fsspec) with its own, much longer, retries (minutes for a
    silent HTTP remote) and no deadline we can set. The thread is a daemon: a read that never
    returns cannot keep mlgate alive.
    """
    require_dvc()
    timeout_s = revision_timeout_s()
    outcome: list[_T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="mlgate-dvc-read", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if failure:
        raise failure[0]
    if not outcome:
        raise ExternalError(
            f"{unreadable}reading {what} did not finish within {timeout_s:g} s; DVC reads a "
            f"cached metrics file the local cache lacks from {remote_description(root)}, "
            f"which did not answer in time (set {TRANSFER_TIMEOUT_ENV} to wait longer)"
        )
    return outcome[0]


def _require_revision(repo: Any, root: Path, rev: str) -> None:
    from dvc.exceptions import DvcException
    from dvc.scm import resolve_rev

    try:
        resolve_rev(repo.scm, rev)
    except DvcException as exc:  # RevError, or no git at all
        raise InputError(
            f"baseline git:{rev} is unreadable: {exc} in {root}{_shallow_hint(root)}"
        ) from exc


def _shown_metric_files(repo: Any, cannot_load: str) -> dict[str, Any]:
    """`{path: {"data": ...} | {"error": exc}}` for the pipeline's metrics files, as DVC reads them.

    Repo.metrics.show gives structured results (per file, errors as values); a pipeline DVC
    cannot load at all (a broken dvc.yaml, a dvc.lock in a layout it rejects) is an input error
    that carries DVC's own message.
    """
    import logging

    # DVC logs "failed to load metrics" as a warning and returns the error; we raise it instead.
    show_logger = logging.getLogger("dvc.repo.metrics.show")
    level = show_logger.level
    show_logger.setLevel(logging.ERROR)
    try:
        shown: dict[str, Any] = repo.metrics.show()
    finally:
        show_logger.setLevel(level)
    result: dict[str, Any] = next(iter(shown.values()), {})
    if "error" in result:
        raise InputError(f"{cannot_load}: {dvc_message(result['error'])}")
    files: dict[str, Any] = result.get("data", {})
    return files


def dvc_message(exc: BaseException) -> str:
    """DVC's message with the cause it wraps (a YAML or schema error says where), on one line."""
    message = str(exc)
    cause = exc.__cause__
    if cause is not None and str(cause) and str(cause) not in message:
        message += f" ({' '.join(str(cause).split())})"
    if "dvc.lock" in message and "validation failed" in message:
        message += (
            "; a dvc.lock without `schema: '2.0'` was written by DVC 1.x, whose layout this DVC "
            "no longer reads"
        )
    return message


def _require_readable_at_revision(repo: Any, files: dict[str, Any], rev: str) -> None:
    """Every declared metrics file read at `rev`, or an error that says why and what to run."""
    for path, entry in sorted(files.items()):
        error = entry.get("error")
        if error is None:
            continue
        out = _output_holding(repo, path)
        where = f"baseline git:{rev} is unreadable: metrics file {path}"
        if out is not None and out.use_cache:
            if not out.hash_info:
                raise InputError(
                    f"{where} is declared at {rev} but its dvc.lock records no hash for it "
                    f"(the stage never ran there): run the pipeline and commit dvc.lock on {rev}"
                )
            raise ExternalError(
                f"{where} is kept in the DVC cache (a `metrics:` output is cached unless it "
                f"says `cache: false`), and neither the local cache nor {_remote_name(repo, out)} "
                f"could supply it ({error}). Fetch it, then run mlgate again: "
                f"`dvc fetch --all-branches --type metrics` (or `dvc fetch {path}` on a checkout "
                f"of {rev}); if the remote lacks it, `dvc push` where {rev} was built"
            )
        if isinstance(error, FileNotFoundError):
            raise InputError(
                f"{where} is declared at {rev} but git does not hold it there (not cached by "
                f"DVC, so it must be committed): commit it on {rev}, or pick another baseline"
            )
        raise InputError(f"{where}: {error}")


def _require_fetched(repo: Any, files: dict[str, Any], source: str) -> None:
    """A metrics file DVC could not read because the DVC-tracked output holding it is not in
    the workspace: say so, and what brings it, rather than DVC's "failed to load directory"."""
    for path, entry in sorted(files.items()):
        if "error" not in entry:
            continue
        out = _output_holding(repo, path)
        if out is None or not out.use_cache or out.exists:
            continue
        where = PurePosixPath(repo.fs.relpath(out.fs_path, repo.root_dir)).as_posix()
        held = "" if where == _posix(path) else f" is inside {where}, which"
        if out.changed_cache():
            state, command = "is not pulled", f"dvc pull {where}"
        else:
            state, command = (
                "is not checked out (it is in the local cache)",
                f"dvc checkout {where}",
            )
        raise InputError(f"{source}: metrics file {path}{held} {state} — `{command}`")


def _output_holding(repo: Any, path: str) -> Any:
    """The pipeline output (or `.dvc`-tracked path) that is or contains `path`, else None."""
    wanted = PurePosixPath(Path(path).as_posix())
    for out in repo.index.outs:
        relative = PurePosixPath(repo.fs.relpath(out.fs_path, repo.root_dir))
        if wanted == relative or relative in wanted.parents:
            return out
    return None


def _remote_name(repo: Any, out: Any) -> str:
    name = out.remote or repo.config["core"].get("remote")
    if not name:
        return "a DVC remote (none is configured: `dvc remote add -d NAME URL`)"
    return f"the DVC remote {name!r}"


def _merge_metric_files(
    files: dict[str, Any], source: str, *, missing_ok: bool
) -> dict[str, MetricValue] | None:
    """Merge the metric files into one flat mapping.

    A name defined in one file keeps its plain name (`accuracy`); a name defined in several is
    kept apart by file, as `dvc metrics diff` does: `eval/a.json:accuracy`, `eval/b.json:accuracy`.
    """
    per_file: dict[str, dict[str, MetricValue]] = {}
    missing = []
    for path, entry in sorted(files.items()):
        if "error" in entry:
            if isinstance(entry["error"], FileNotFoundError):
                missing.append(path)
                continue
            raise InputError(f"{source}: cannot read metrics file {path}: {entry['error']}")
        per_file[_posix(path)] = flatten(entry.get("data") or {})
    merged = qualify_colliding(per_file)
    if missing and not merged:
        if missing_ok:
            return None
        raise InputError(
            f"{source}: metrics file(s) {', '.join(missing)} not found; "
            "run the pipeline first (`dvc repro`)"
        )
    if not files and not missing_ok:
        raise InputError(f"{source}: dvc.yaml declares no metrics files")
    return merged or None


def qualify_colliding(per_file: dict[str, dict[str, MetricValue]]) -> dict[str, MetricValue]:
    """One flat mapping; a name found in more than one file becomes `path:name` in each."""
    seen: dict[str, int] = {}
    for metrics in per_file.values():
        for name in metrics:
            seen[name] = seen.get(name, 0) + 1
    merged: dict[str, MetricValue] = {}
    for path, metrics in per_file.items():
        for name, value in metrics.items():
            merged[f"{path}:{name}" if seen[name] > 1 else name] = value
    return merged


def _posix(path: str) -> str:
    return PurePosixPath(Path(path).as_posix()).as_posix()


def _shallow_hint(root: Path) -> str:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "--is-shallow-repository"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            timeout=QUICK_TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""  # only a hint
    if completed.stdout.strip() == "true":
        return (
            "; this is a shallow clone, so older revisions are missing: fetch the full history "
            "(actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`)"
        )
    return ""


def file_at_revision(root: Path, rev: str, path: str) -> bytes | None:
    """The bytes of `path` (relative to `root`) at git revision `rev` as DVC sees them: from
    git, or, for a DVC-tracked output, from the local cache or the DVC remote; None when
    neither holds it there. Bounded by `revision_timeout_s()` like the metrics at `rev`."""

    def read() -> bytes | None:
        import dvc.api
        from dvc.exceptions import DvcException, PathMissingError

        with open_repo(root) as repo:
            _require_revision(repo, root, rev)
        try:
            data: bytes = dvc.api.read(path, repo=str(root), rev=rev, mode="rb")
        except (FileNotFoundError, PathMissingError):
            return None
        except DvcException as exc:
            raise ExternalError(
                f"{path} at git:{rev} is tracked by DVC and could not be read "
                f"({dvc_message(exc)}): fetch it (`dvc fetch {path}` on a checkout of {rev}) "
                f"or `dvc push` where {rev} was built"
            ) from exc
        return data

    return _within_deadline(read, root, f"{path} at git:{rev}", unreadable=f"git:{rev}: ")
