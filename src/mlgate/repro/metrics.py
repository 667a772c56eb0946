"""The pipeline's metrics and params as DVC reads them: in the workspace, at a git revision.

`dvc.repo.Repo` in-process: `Repo.metrics.show` and `Repo.params.show` give structured answers
(per file, per key, errors as values) that the CLI would only give as text to re-parse. Reads
that may reach a DVC remote are bounded by `revision_timeout_s()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from mlgate.core.errors import ExternalError, InputError
from mlgate.core.outbound import redact_param, secret_name
from mlgate.core.paths import folder_shown, repo_relative
from mlgate.data import MetricValue, dvcfiles, flatten
from mlgate.repro.runner import (
    TRANSFER_TIMEOUT_ENV,
    dvc_message,
    open_repo,
    remote_description,
    require_dvc,
    revision_timeout_s,
)

_T = TypeVar("_T")


def pipeline_metrics(root: Path) -> dict[str, MetricValue]:
    """Every `metrics:` file of the pipeline, merged and flattened; {} when there are none."""
    with open_repo(root) as repo:
        return metrics_and_params(root, repo)[0]


def metrics_and_params(
    root: Path, repo: Any
) -> tuple[dict[str, MetricValue], dict[str, dict[str, Any]]]:
    """The workspace's metrics and the params files DVC tracks, read from an open `Repo`.

    Params are named as `dvc params diff` names them (`train.seed`, a list one value) and keep
    their types.
    """
    from dvc.exceptions import DvcException

    cannot_load = f"{repo_relative(root)}: DVC cannot load the pipeline"
    try:
        metric_files = _shown_metric_files(repo, cannot_load)
        _require_unique_json_keys(root, metric_files)
        params_shown: dict[str, Any] = repo.params.show()
    except DvcException as exc:
        raise ExternalError(
            f"{repo_relative(root)}: DVC could not read the metrics or params: {exc}"
        ) from exc
    metrics = _merge_metric_files(metric_files, repo_relative(root), missing_ok=True) or {}
    return metrics, _params_by_file(params_shown, repo_relative(root), cannot_load)


def _params_by_file(
    shown: dict[str, Any], source: str, cannot_load: str
) -> dict[str, dict[str, Any]]:
    """`Repo.params.show()`'s answer as `{params file: {flattened name: value}}`: the keys the
    stages track (a whole file only where it is tracked whole), as `dvc params diff` shows them."""
    result: dict[str, Any] = next(iter(shown.values()), {})
    if "error" in result:
        raise InputError(f"{cannot_load}: {dvc_message(result['error'])}")
    files: dict[str, Any] = result.get("data", {})
    params: dict[str, dict[str, Any]] = {}
    for path, entry in sorted(files.items()):
        if "error" in entry:
            raise InputError(f"{source}: cannot read params file {path}: {entry['error']}")
        params[_posix(path)] = _credentials_masked(dvcfiles.flatten_params(entry.get("data") or {}))
    return params


def _credentials_masked(params: dict[str, Any]) -> dict[str, Any]:
    """A credential's value (`api_key`, `db.password`) leaves DVC's answer masked, with the
    digest that tells a changed one from the same (`outbound.redact_param`)."""
    return {
        name: redact_param(name, value) if secret_name(name) else value
        for name, value in params.items()
    }


def workspace_params(root: Path) -> dict[str, dict[str, Any]]:
    """The params the pipeline tracks, as they stand in the workspace (`dvc params show`)."""
    from dvc.exceptions import DvcException

    with open_repo(root) as repo:
        try:
            shown: dict[str, Any] = repo.params.show()
        except DvcException as exc:
            raise ExternalError(
                f"{repo_relative(root)}: DVC could not read the params: {exc}"
            ) from exc
        # Named as the repository knows it: the reason reaches compare.json and the comment.
        project = repo_relative(root)
        return _params_by_file(
            shown, f"{project} (workspace)", f"{project}: DVC cannot load the pipeline"
        )


def params_at_revision(root: Path, rev: str) -> dict[str, dict[str, Any]]:
    """The params the pipeline tracked at git revision `rev`, read from git objects as
    `dvc params diff REV` reads them; {} where there was no DVC project yet."""
    return _within_deadline(
        lambda: _params_at_revision(root, rev), root, f"the params at git:{rev}"
    )


def _params_at_revision(root: Path, rev: str) -> dict[str, dict[str, Any]]:
    from dvc.exceptions import DvcException, NotDvcRepoError

    source = f"git:{rev}"
    with open_repo(root) as repo:
        _require_revision(repo, root, rev)
        try:
            with repo.switch(rev):
                shown: dict[str, Any] = repo.params.show()
        except NotDvcRepoError:
            return {}
        except DvcException as exc:
            raise ExternalError(f"{source}: DVC could not read the params: {exc}") from exc
    return _params_by_file(shown, source, f"{source}: DVC cannot load the pipeline there")


def workspace_metrics(root: Path) -> dict[str, MetricValue]:
    """The metrics of every `metrics:` file of the pipeline, as they stand in the workspace.

    A cached metrics file missing from the workspace is read through DVC's cache and remote,
    within `revision_timeout_s()`.
    """
    # Named as the repository knows it, not as the runner's absolute path (the Why line).
    source = f"{repo_relative(root)} (workspace)"

    def read() -> dict[str, Any]:
        with open_repo(root) as repo:
            files = _shown_metric_files(repo, f"{source}: DVC cannot load the pipeline")
            _require_fetched(repo, files, source)
            _require_unique_json_keys(root, files)
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
            f"baseline git:{rev} is unreadable: {exc} in {folder_shown(root)}{_shallow_hint(root)}"
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


def _require_unique_json_keys(root: Path, files: dict[str, Any]) -> None:
    """DVC reads a JSON metrics file with `json.loads`, where a key given twice keeps its last
    value silently: the workspace's JSON files are read again with duplicates refused (exit 2,
    file and line), as mlgate's own metrics reader refuses them."""
    from mlgate.data import parse_metrics

    for path in sorted(files):
        local = root / path
        if local.suffix.lower() == ".json" and local.is_file():
            try:
                text = local.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # DVC's own read reports what is wrong with the file
            parse_metrics(text, repo_relative(local), yaml_format=False)


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
        try:
            per_file[_posix(path)] = flatten(entry.get("data") or {}, one_value_per_name=True)
        except InputError as exc:
            raise InputError(f"{source}: metrics file {_posix(path)}: {exc}") from exc
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
    from mlgate.core.scm import is_shallow

    if is_shallow(root):
        return (
            "; this is a shallow clone, so older revisions are missing: fetch the full history "
            "(actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`)"
        )
    return ""


def tracked_files_at_revision(root: Path, rev: str) -> list[str]:
    """The files DVC tracks at git revision `rev` (outputs of `.dvc` files and `dvc.lock`,
    a tracked folder's files included where its listing is at hand), relative to `root`."""

    def listing() -> list[str]:
        from dvc.fs import DVCFileSystem

        with open_repo(root) as repo:
            _require_revision(repo, root, rev)
        from dvc_data.index import DataIndexError

        fs = DVCFileSystem(url=str(root), rev=rev)
        try:
            found = fs.find("/", dvc_only=True, detail=False)
        except DataIndexError as exc:
            raise ExternalError(
                f"git:{rev}: a folder DVC tracks there is in neither the local cache nor a "
                f"remote mlgate reached ({exc}): fetch it (`dvc fetch` on a checkout of {rev})"
            ) from exc
        return sorted(str(name).lstrip("/") for name in found)

    return _within_deadline(listing, root, f"the DVC-tracked files at git:{rev}")


def file_at_revision(root: Path, rev: str, path: str) -> bytes | None:
    """The bytes of `path` (relative to `root`) at git revision `rev` as DVC sees them: from
    git, or, for a DVC-tracked output, from the local cache or the DVC remote; None when
    neither holds it there. Bounded by `revision_timeout_s()` like the metrics at `rev`."""

    def read() -> bytes | None:
        import dvc.api
        from dvc.exceptions import DvcException, PathMissingError
        from dvc_data.index import DataIndexError

        with open_repo(root) as repo:
            _require_revision(repo, root, rev)
        try:
            data: bytes = dvc.api.read(path, repo=str(root), rev=rev, mode="rb")
        except (FileNotFoundError, PathMissingError):
            return None
        # DataIndexError: a tracked folder whose listing neither the cache nor a remote has
        except (DvcException, DataIndexError) as exc:
            raise ExternalError(
                f"{path} at git:{rev} is tracked by DVC and could not be read "
                f"({dvc_message(exc)}): fetch it (`dvc fetch {path}` on a checkout of {rev}) "
                f"or `dvc push` where {rev} was built"
            ) from exc
        return data

    return _within_deadline(read, root, f"{path} at git:{rev}", unreadable=f"git:{rev}: ")
