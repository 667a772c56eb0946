"""`mlgate repro --verify`: does the committed pipeline reproduce its dvc.lock bit for bit?

Every stage reruns (forced) in a throwaway copy of HEAD (`git archive`, so neither the work
tree, the index nor `.git` changes) whose DVC cache is a new temp dir: the user's cache is only
read, as a local remote that supplies the pipeline's input data (`.dvc` files). Then each
output's hash is compared with the one the committed dvc.lock records.
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlgate.core import scm
from mlgate.core.errors import ExternalError, InputError
from mlgate.core.paths import folder_relative, folder_shown
from mlgate.data import MetricValue, dvcfiles
from mlgate.repro.check import check_result, inspect_pipeline, touches_pipeline
from mlgate.repro.metrics import pipeline_metrics
from mlgate.repro.run import run_pipeline
from mlgate.repro.runner import (
    Log,
    dvc,
    open_repo,
    pulling_from,
    require_dvc,
    require_pipeline,
    run_dvc,
    tail,
    transfer_timeout_s,
)
from mlgate.results import Clock, Result

SOURCE_REMOTE = "mlgate-source"
# The hashes dvc.lock may record for an output, in the order compared: md5 for the local
# cache layout, etag or checksum for outputs DVC hashes as a cloud or external file system
# reports them (a cloud-versioned remote adds `cloud:` beside md5, which is left out).
CONTENT_HASHES = ("md5", "etag", "checksum")


def verify_pipeline(
    root: Path, *, targets: Sequence[str] = (), pull: bool = False, log: Log = lambda _l: None
) -> Result:
    clock = Clock()
    require_pipeline(root)
    require_dvc()
    root = root.resolve()
    toplevel = Path(scm.git(root, "rev-parse", "--show-toplevel").strip()).resolve()
    if not scm.current_commit(root):
        raise InputError(
            f"{folder_shown(root)}: no commit yet; --verify reruns the committed pipeline"
        )
    _refuse_dirty(root, toplevel)
    commit = scm.git(root, "rev-parse", "HEAD").strip()
    with open_repo(root) as repo:
        source_cache = Path(repo.cache.local_cache_dir)

    with tempfile.TemporaryDirectory(prefix="mlgate-verify-") as temp:
        tree = Path(temp) / "tree"
        work = tree / root.relative_to(toplevel)
        log(f"Copying commit {commit[:12]} to a temporary folder (its own DVC cache)")
        _export_head(toplevel, tree, Path(temp) / "head.tar")
        _commit_copy(tree, commit)
        _isolate_cache(root, work, Path(temp) / "cache", source_cache)
        _fetch_sources(work, pull, log)

        # Comparing with a stale lock would blame nondeterminism for an edit nobody reran.
        inspection = inspect_pipeline(work, targets)
        if inspection.stale:
            stale = check_result(inspection, clock, root=root, targets=targets)
            return Result(
                command="repro",
                status="fail",
                summary=f"dvc.lock at {commit[:12]} does not match its own pipeline, so there is "
                f"nothing to verify against: {stale.summary}",
                started_at=clock.started_at,
                duration_s=clock.elapsed(),
                details={**stale.details, "mode": "verify", "commit": commit, "outputs": []},
            )

        committed_lock = _lock_outs(work)
        committed_metrics = _metrics_or_empty(work)
        log("Rerunning every stage: dvc repro --force")
        run = run_pipeline(work, targets=targets, force=True, log=log)
        details: dict[str, Any] = {
            "mode": "verify",
            "root": folder_relative(root),
            "commit": commit,
            "targets": list(targets),
            "stages": run.details["stages"],
        }
        if run.status == "error":
            details["failed_stage"] = run.details.get("failed_stage")
            return Result(
                command="repro",
                status="error",
                summary=run.summary,
                started_at=clock.started_at,
                duration_s=clock.elapsed(),
                details=details,
                exit_code=run.exit_code,
            )
        rerun_lock = _lock_outs(work)
        outputs = compare_outputs(committed_lock, rerun_lock, source_cache, Path(temp) / "cache")
        moved = _moved_metrics(committed_metrics, run.details.get("metrics") or {})

    details["outputs"] = outputs
    details["metrics_moved"] = moved
    differs = [out for out in outputs if out["reproduced"] is False]
    compared = [out for out in outputs if out["reproduced"] is not None]
    skipped = [out["path"] for out in outputs if out["reproduced"] is None]
    skipped_note = (
        f"; {len(skipped)} output(s) not compared, dvc.lock records no hash for them "
        f"({', '.join(skipped)})"
        if skipped
        else ""
    )
    if outputs and not compared:
        return Result(
            command="repro",
            status="error",
            summary=f"no verdict: no output of the pipeline at {commit[:12]} has a hash in "
            f"dvc.lock to compare the rerun with{skipped_note}",
            started_at=clock.started_at,
            duration_s=clock.elapsed(),
            details=details,
        )
    if differs:
        summary = (
            f"not reproducible: {len(differs)} of {len(outputs)} output(s) differ from dvc.lock "
            f"at {commit[:12]} ({', '.join(out['path'] for out in differs)})"
        )
        if moved:
            summary += "; metrics moved: " + ", ".join(
                f"{m['name']} {m['delta']:+.6g}" if m.get("delta") is not None else m["name"]
                for m in moved
            )
        summary += "; look for unseeded randomness, threads, or time in those stages"
    else:
        summary = f"reproducible: all {len(compared)} output(s) match dvc.lock at {commit[:12]}"
    summary += skipped_note
    return Result(
        command="repro",
        status="fail" if differs else "pass",
        summary=summary,
        started_at=clock.started_at,
        duration_s=clock.elapsed(),
        details=details,
    )


def _refuse_dirty(root: Path, toplevel: Path) -> None:
    """Uncommitted edits to pipeline files would not be in the copy: say so rather than mislead."""
    status = scm.git(root, "status", "--porcelain", "--untracked-files=no")
    changed = []
    for line in status.splitlines():
        path = (toplevel / line[3:].split(" -> ")[-1]).resolve()
        if path.is_relative_to(root):
            changed.append(path.relative_to(root).as_posix())
    if changed and touches_pipeline(root, changed):
        raise InputError(
            f"{folder_shown(root)}: uncommitted changes to pipeline files "
            f"({', '.join(changed[:5])}); "
            "--verify reruns the committed pipeline (HEAD): commit or stash them first"
        )


def _commit_copy(tree: Path, commit: str) -> None:
    """Make the copy a git repository holding one commit of the exported tree. DVC wants a git
    repository, and a stage that logs with DVCLive reads its HEAD (an empty repository fails
    it: `SCMError: Empty git repo`). Throwaway: a local identity, no hooks, no signing."""
    scm.git(tree, "init", "--quiet")
    scm.git(tree, "add", "--all")
    scm.git(
        tree,
        "-c", "user.name=mlgate verify",
        "-c", "user.email=verify@mlgate.invalid",
        "-c", "commit.gpgsign=false",
        "commit", "--quiet", "--no-verify", "--allow-empty",
        "-m", f"mlgate repro --verify: a copy of {commit}",
    )  # fmt: skip


def _export_head(toplevel: Path, tree: Path, archive: Path) -> None:
    scm.git(toplevel, "archive", "--format=tar", "-o", str(archive), "HEAD")
    tree.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")


def _isolate_cache(root: Path, work: Path, cache: Path, source_cache: Path) -> None:
    dvc_dir = root / ".dvc"
    local = dvc_dir / "config.local"
    if local.is_file():  # remote credentials a user keeps out of git
        shutil.copy2(local, work / ".dvc" / "config.local")
    dvc(work, "config", "--local", "cache.dir", str(cache))
    dvc(work, "remote", "add", "--local", "--force", SOURCE_REMOTE, str(source_cache))


def _fetch_sources(work: Path, pull: bool, log: Log) -> None:
    """The pipeline's input data (`.dvc` files), from the user's cache, else (--pull) the remote."""
    sources = sorted(str(path.relative_to(work)) for path in work.rglob("*.dvc") if path.is_file())
    if not sources:
        return
    log(f"Fetching input data from the local cache: {', '.join(sources)}")
    completed = run_dvc(
        work,
        ["pull", "--remote", SOURCE_REMOTE, *sources],
        timeout_s=transfer_timeout_s(),
        waiting_on=lambda: "a copy from the local DVC cache",
    )
    if completed.returncode == 0:
        return
    if not pull:
        raise ExternalError(
            "the pipeline's input data is not all in the local DVC cache; add --pull to fetch "
            f"it from the DVC remote:\n{tail(completed.stdout)}"
        )
    completed = run_dvc(
        work,
        ["pull", *sources],
        timeout_s=transfer_timeout_s(),
        waiting_on=lambda: pulling_from(work),
    )
    if completed.returncode != 0:
        raise ExternalError(
            f"`dvc pull` of the input data failed; check the remote and its credentials:\n"
            f"{tail(completed.stdout)}"
        )


def _lock_outs(work: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """{(stage, path): lock entry} for every output in dvc.lock."""
    outs: dict[tuple[str, str], dict[str, Any]] = {}
    for stage, entry in (dvcfiles.lock_stages(work / dvcfiles.DVC_LOCK) or {}).items():
        for out in entry.get("outs") or []:
            outs[(stage, out["path"])] = out
    return outs


def compare_outputs(
    committed: dict[tuple[str, str], dict[str, Any]],
    rerun: dict[tuple[str, str], dict[str, Any]],
    source_cache: Path,
    rerun_cache: Path,
) -> list[dict[str, Any]]:
    """One record per committed output: reproduced or not by the hash dvc.lock records for it
    (md5, or etag/checksum where DVC hashes without the md5 cache layout); None when the lock
    records no content hash. A directory that differs lists the files that changed."""
    outputs = []
    for (stage, path), entry in committed.items():
        hash_name = next((name for name in CONTENT_HASHES if entry.get(name)), None)
        if hash_name is None:
            outputs.append(
                {
                    "stage": stage,
                    "path": path,
                    "reproduced": None,
                    "skipped": "dvc.lock records no content hash for it (md5, etag or "
                    "checksum), so there is nothing to compare the rerun with",
                }
            )
            continue
        expected = entry[hash_name]
        actual = rerun.get((stage, path), {}).get(hash_name)
        record: dict[str, Any] = {
            "stage": stage,
            "path": path,
            "hash": hash_name,
            "expected": expected,
            "actual": actual,
            "reproduced": expected == actual,
        }
        if not record["reproduced"] and hash_name == "md5" and str(expected).endswith(".dir"):
            record["files"] = _dir_differences(
                _listing(source_cache, expected), _listing(rerun_cache, actual)
            )
        outputs.append(record)
    return outputs


def _listing(cache: Path, md5: str | None) -> dict[str, str] | None:
    if not md5:
        return None
    path = cache / "files" / "md5" / md5[:2] / md5[2:]
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {item["relpath"]: item["md5"] for item in entries}


def _dir_differences(before: dict[str, str] | None, after: dict[str, str] | None) -> list[str]:
    if before is None or after is None:
        return ["(the committed file list is not in the local cache)"]
    return sorted(
        name + (" (new)" if name not in before else " (gone)" if name not in after else "")
        for name in set(before) | set(after)
        if before.get(name) != after.get(name)
    )


def _metrics_or_empty(work: Path) -> dict[str, MetricValue]:
    try:
        return pipeline_metrics(work)
    except InputError:
        return {}


def _moved_metrics(
    before: dict[str, MetricValue], after: dict[str, MetricValue]
) -> list[dict[str, Any]]:
    moved = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        delta = new - old if isinstance(old, float) and isinstance(new, float) else None
        moved.append({"name": name, "committed": old, "reproduced": new, "delta": delta})
    return moved
