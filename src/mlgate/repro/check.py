"""`mlgate repro --check`: does dvc.lock match the workspace? Runs nothing, changes nothing.

DVC's own answers are not enough for a gate: `dvc repro --dry` exits 0 when stages would run;
`dvc status` calls an output that was never pulled "not in cache" without looking at the
workspace, so `--allow-missing` skips it even when files were edited inside it; and its
pre-commit hook never fails. So each stage is checked here entry by entry with DVC's own
objects (`dvc.repo.Repo`, in-process: structured statuses and hashes, and DVC's hash cache
keeps a second run fast), looking at the workspace first and the cache second, and data that
is merely absent (not pulled, not checked out) is kept apart from data that changed.
"""

from __future__ import annotations

import importlib.util
import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from mlgate.core.errors import ExternalError, InputError
from mlgate.core.paths import folder_relative, folder_shown, repo_relative
from mlgate.data import dvcfiles, flatten
from mlgate.repro.runner import dvc_message, open_repo, require_dvc, require_pipeline
from mlgate.results import Clock, Result

LISTED_FILES = 10  # changed files named per directory; the rest are counted


@dataclass(frozen=True)
class Reason:
    kind: str  # cmd | deps | params | outs | lock
    change: str  # modified | deleted | new | added | ...
    path: str | None = None
    key: str | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass(frozen=True)
class Absent:
    """Data the lock records that is not in the workspace: not stale, just not fetched."""

    path: str
    kind: str  # out | dep
    in_cache: bool
    files: int | None = None  # for a partly present directory: how many of its files are absent
    # `cache: false`: DVC keeps no copy, so no pull brings it; only rerunning the stage makes
    # it. A fresh clone lacks it by design (it is often gitignored), and DVC's own
    # `repro --dry --allow-missing` calls such a stage up to date, so it is not stale either.
    cached: bool = True

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"path": self.path, "kind": self.kind, "in_cache": self.in_cache}
        if self.files is not None:
            entry["files_absent"] = self.files
        if not self.cached:
            entry["not_cached"] = True
        return entry


@dataclass
class StageCheck:
    name: str
    reasons: list[Reason] = field(default_factory=list)
    absent: list[Absent] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.reasons:
            return "stale"
        return "not_pulled" if self.absent else "up_to_date"

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "name": self.name,
            "state": self.state,
            "reasons": [reason.to_dict() for reason in self.reasons],
            "absent": [absent.to_dict() for absent in self.absent],
        }
        if self.notes:
            entry["notes"] = self.notes
        return entry


@dataclass
class Inspection:
    stages: list[StageCheck]
    # dvc.lock entries of stages dvc.yaml no longer declares. Not stale: DVC never reads them,
    # and no DVC command drops them (`dvc repro` and `dvc commit -f` keep them, `dvc remove`
    # refuses a stage dvc.yaml lacks), so advising a rerun would never clear the check.
    orphans: list[str] = field(default_factory=list)

    @property
    def stale(self) -> list[StageCheck]:
        return [check for check in self.stages if check.state == "stale"]


def check_lock(root: Path, targets: Sequence[str] = ()) -> Result:
    clock = Clock()
    require_pipeline(root)
    inspection = inspect_pipeline(root, targets)
    return check_result(inspection, clock, root=root, targets=targets)


def check_result(
    inspection: Inspection, clock: Clock, *, root: Path, targets: Sequence[str]
) -> Result:
    checks = inspection.stages
    stale = inspection.stale
    absent = [absent for check in checks for absent in check.absent]
    if stale:
        summary = f"dvc.lock is stale: {len(stale)} of {len(checks)} stage(s) changed (" + (
            "; ".join(f"{check.name}: {describe(check.reasons[0])}" for check in stale)
            + "); run `dvc repro` and commit dvc.lock"
        )
    else:
        summary = f"dvc.lock matches the workspace ({len(checks)} stage(s))"
    if absent:
        uncached = sum(1 for item in absent if not item.cached)
        not_pulled = sum(1 for item in absent if item.cached and not item.in_cache)
        summary += (
            f"; {len(absent)} path(s) not in the workspace ({not_pulled} not pulled, "
            f"{len(absent) - not_pulled - uncached} in the local cache"
            + (f", {uncached} not cached (`cache: false`)" if uncached else "")
            + "): not stale, `dvc pull` or `dvc checkout` brings them"
            + (", `dvc repro` the uncached ones" if uncached else "")
        )
    if inspection.orphans:
        summary += "; " + orphans_note(inspection.orphans)
    return Result(
        command="repro",
        status="fail" if stale else "pass",
        summary=summary,
        started_at=clock.started_at,
        duration_s=clock.elapsed(),
        details={
            "mode": "check",
            "root": folder_relative(root),
            "targets": list(targets),
            "stale_stages": [check.name for check in stale],
            "stages": [check.to_dict() for check in checks],
            "orphan_lock_entries": inspection.orphans,
        },
    )


def orphans_note(names: Sequence[str]) -> str:
    listed = ", ".join(names[:LISTED_FILES]) + (
        f" and {len(names) - LISTED_FILES} more" if len(names) > LISTED_FILES else ""
    )
    one = len(names) == 1
    return (
        f"dvc.lock keeps {len(names)} {'entry' if one else 'entries'} for "
        f"{'a stage' if one else 'stages'} dvc.yaml no longer has ({listed}): not stale "
        "(DVC ignores such entries, and no DVC command removes them); "
        f"delete {'it' if one else 'them'} from dvc.lock to tidy up"
    )


def describe(reason: Reason) -> str:
    """One reason as a phrase: `params params.yaml:train.seed modified (42 -> 7)`."""
    where = reason.path or ""
    if reason.key:
        where = f"{where}:{reason.key}" if where else reason.key
    text = f"{reason.kind} {where} {reason.change}" if where else f"{reason.kind} {reason.change}"
    return f"{text} ({reason.detail})" if reason.detail else text


def inspect_pipeline(root: Path, targets: Sequence[str] = ()) -> Inspection:
    require_dvc()  # before the first `from dvc...`: without the extra, exit 2 naming it
    from dvc.exceptions import DvcException
    from dvc.stage import PipelineStage

    try:
        with open_repo(root) as repo:
            stages = collect_stages(repo, targets)
            everything = list(repo.index.stages)
            # Which stage (or .dvc file) produces each path, and the hash its lock records.
            producers = {
                PurePosixPath(Path(out.fs_path).as_posix()): (stage, out)
                for stage in everything
                for out in stage.outs
            }
            checks = [
                _check_stage(stage, producers, root)
                for stage in stages
                if isinstance(stage, PipelineStage)
            ]
            orphans = [] if targets else _orphan_lock_entries(root, stages)
            return Inspection(checks, orphans)
    except DvcException as exc:
        raise InputError(
            f"{folder_shown(root)}: DVC cannot read the pipeline: {dvc_message(exc)}"
        ) from exc
    except OSError as exc:
        raise ExternalError(f"{folder_shown(root)}: cannot read the workspace: {exc}") from exc


def collect_stages(repo: Any, targets: Sequence[str]) -> list[Any]:
    if not targets:
        return list(repo.index.stages)
    stages: list[Any] = []
    for target in targets:
        for stage in repo.stage.collect(target, with_deps=True):
            if stage not in stages:
                stages.append(stage)
    return stages


def _lock_entries(dvcfile: Path) -> dict[str, Any] | None:
    return dvcfiles.lock_stages(dvcfile.with_name(dvcfiles.DVC_LOCK))


def _orphan_lock_entries(root: Path, stages: list[Any]) -> list[str]:
    names = {stage.name for stage in stages if hasattr(stage, "cmd_changed")}
    entries = _lock_entries(root / "dvc.yaml") or {}
    return [str(name) for name in entries if name not in names]


Producers = dict[PurePosixPath, tuple[Any, Any]]


def _check_stage(stage: Any, producers: Producers, root: Path) -> StageCheck:
    check = StageCheck(stage_name(stage, root))
    entries = _lock_entries(Path(stage.dvcfile.path))
    if entries is None or stage.name not in entries:
        check.reasons.append(
            Reason("lock", "missing", detail="the stage is not in dvc.lock: it never ran")
        )
        return check
    if stage.cmd_changed:
        check.reasons.append(
            Reason("cmd", "changed", detail=f"dvc.lock has {entries[stage.name].get('cmd')!r}")
        )
    if stage.frozen:
        check.notes.append("frozen: its dependencies are not checked (DVC never reruns it)")
    else:
        for dep in stage.deps:
            _check_dep(check, dep, producers, root)
    for out in stage.outs:
        _check_out(check, out, root)
    if stage.always_changed:
        check.notes.append("always_changed: `dvc repro` reruns it every time")
    return check


@dataclass(frozen=True)
class EditedOutput:
    """An output whose workspace content is not what dvc.lock records: `dvc repro` would
    overwrite it (rerunning its stage, or restoring the locked version from the cache)."""

    stage: str
    path: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v}

    def __str__(self) -> str:
        return f"{self.path} ({self.stage}{': ' + self.detail if self.detail else ''})"


def edited_outputs(stages: Iterable[Any], root: Path) -> list[EditedOutput]:
    """The outputs of `stages` edited since their stage last ran (by hand, or by a script run
    outside DVC). Absent outputs are not edits; neither are `persist` outputs (their stage
    updates them in place) nor those of frozen stages (DVC never reruns them)."""
    from dvc.stage import PipelineStage

    edited = []
    for stage in stages:
        if not isinstance(stage, PipelineStage) or stage.frozen:
            continue
        check = StageCheck(stage_name(stage, root))
        for out in stage.outs:
            if out.persist or not out.hash_info or not out.exists:
                continue
            _compare_present(check, out, "outs", _shown(out, root))
        edited += [
            EditedOutput(check.name, reason.path or "", reason.detail) for reason in check.reasons
        ]
    return edited


def _check_dep(check: StageCheck, dep: Any, producers: Producers, root: Path) -> None:
    from dvc.dependency.param import ParamsDependency

    if isinstance(dep, ParamsDependency):
        _check_params(check, dep)
        return
    if not getattr(dep, "is_in_repo", True):
        check.notes.append(f"{dep}: outside the repository, not checked")
        return
    path = _shown(dep, root)
    if not dep.hash_info:
        check.reasons.append(Reason("deps", "new", path, detail="not in dvc.lock"))
        return
    if not dep.exists:
        producer, inside = _producer(producers, dep.fs_path)
        if producer is None:
            check.reasons.append(
                Reason("deps", "deleted", path, detail="no stage or .dvc file produces it")
            )
        elif inside is not None:
            _check_dep_inside(check, dep, producer, inside, path=path, root=root)
        elif producer[1].hash_info != dep.hash_info:
            check.reasons.append(
                Reason(
                    "deps",
                    "modified",
                    path,
                    detail=f"{stage_name(producer[0], root)} produced another version since this "
                    "stage last ran",
                )
            )
        else:
            check.absent.append(
                Absent(path, "dep", in_cache=_in_cache(producer[1]), cached=producer[1].use_cache)
            )
        return
    _compare_present(check, dep, "deps", path, producers)


def _producer(
    producers: Producers, fs_path: str
) -> tuple[tuple[Any, Any] | None, tuple[str, ...] | None]:
    """The output that is `fs_path`, or the directory output that holds it (with the path's
    parts inside that directory); (None, None) when nothing produces it."""
    wanted = PurePosixPath(Path(fs_path).as_posix())
    if wanted in producers:
        return producers[wanted], None
    for parent in wanted.parents:
        if parent in producers:
            return producers[parent], wanted.relative_to(parent).parts
    return None, None


def _check_dep_inside(
    check: StageCheck,
    dep: Any,
    producer: tuple[Any, Any],
    inside: tuple[str, ...],
    *,
    path: str,
    root: Path,
) -> None:
    """A dependency on a file inside another stage's directory output, absent here: compare it
    with the directory's file list when the cache holds that list, else it is merely absent."""
    stage, out = producer
    listed = _listed_hash(out, inside)
    if listed is not None and listed != dep.hash_info:
        check.reasons.append(
            Reason(
                "deps",
                "modified",
                path,
                detail=f"{stage_name(stage, root)} produced another version since this "
                "stage last ran",
            )
        )
        return
    check.absent.append(Absent(path, "dep", in_cache=_in_cache(out), cached=out.use_cache))


def _listed_hash(out: Any, inside: tuple[str, ...]) -> Any:
    """The hash a directory output's lock listing records for the file `inside` it; None when
    the listing is not in the local cache (a fresh clone) or does not name the file."""
    from dvc_data.hashfile.tree import Tree

    if not out.hash_info or not out.hash_info.isdir:
        return None
    try:
        listing = out.get_obj()
    except Exception:  # dvc_data raises several kinds for an object that is not there
        return None
    if not isinstance(listing, Tree):
        return None
    tree: Any = listing  # dvc_data's Tree is untyped
    entry = tree.as_dict().get(inside)
    return entry[1] if entry is not None else None


def _check_out(check: StageCheck, out: Any, root: Path) -> None:
    path = _shown(out, root)
    if not out.hash_info:
        check.reasons.append(Reason("outs", "new", path, detail="not in dvc.lock"))
        return
    if not out.exists:
        check.absent.append(Absent(path, "out", in_cache=_in_cache(out), cached=out.use_cache))
        return
    _compare_present(check, out, "outs", path)


def _compare_present(
    check: StageCheck, entry: Any, kind: str, path: str, producers: Producers | None = None
) -> None:
    # The workspace first, the cache second: DVC's Output.status() answers "not in cache"
    # before it looks at the files, which hides edits inside an output never pulled.
    if entry.hash_info == entry.get_hash():
        return
    if entry.hash_info.isdir and entry.isdir():
        files = _dir_changes(entry)
        if files is not None:
            changed, absent = files
            if not changed:
                check.absent.append(
                    Absent(path, kind.rstrip("s"), in_cache=False, files=len(absent))
                )
                return
            shown = ", ".join(changed[:LISTED_FILES])
            more = f" and {len(changed) - LISTED_FILES} more" if len(changed) > LISTED_FILES else ""
            check.reasons.append(Reason(kind, "modified", path, detail=f"{shown}{more}"))
            return
        unpulled = _unpulled_outputs_explain(entry, producers) if producers else None
        if unpulled is not None:
            check.absent.append(
                Absent(path, kind.rstrip("s"), in_cache=unpulled[0], files=unpulled[1])
            )
            return
        check.reasons.append(
            Reason(
                kind,
                "modified",
                path,
                detail="its file list is not in the local cache, so mlgate cannot say which "
                "files differ (`dvc pull` it to compare file by file)",
            )
        )
        return
    check.reasons.append(Reason(kind, "modified", path))


def _unpulled_outputs_explain(entry: Any, producers: Producers) -> tuple[bool, int] | None:
    """For a directory whose file list is not in the local cache (a fresh clone): whether the
    DVC outputs inside it that are absent (a `dvc add`-ed file whose pointer sits beside it)
    are its whole difference from dvc.lock: the folder as it is, with their recorded hashes
    put back, hashes to what the lock records. (whether all of them are in the local cache,
    how many) when so; None when anything else differs, or when it cannot tell."""
    from dvc_data.hashfile.build import build
    from dvc_data.hashfile.tree import Tree

    folder = PurePosixPath(Path(entry.fs_path).as_posix())
    inside = {
        path.relative_to(folder).parts: out
        for path, (_stage, out) in producers.items()
        if folder in path.parents and not out.exists
    }
    if not inside or any(not out.hash_info or out.hash_info.isdir for out in inside.values()):
        return None  # an absent directory output would need its own listing
    _, _, built = build(
        entry.cache, entry.fs_path, entry.fs, entry.hash_name, ignore=entry.dvcignore, dry_run=True
    )
    if not isinstance(built, Tree):
        return None
    tree: Any = built  # dvc_data's Tree is untyped
    for key, out in inside.items():
        tree.add(key, out.meta, out.hash_info)
    tree.digest()
    if tree.hash_info.value != entry.hash_info.value:
        return None
    return all(_in_cache(out) for out in inside.values()), len(inside)


def _dir_changes(entry: Any) -> tuple[list[str], list[str]] | None:
    """(files changed or added, files absent) inside a directory, against its lock listing."""
    from dvc_data.hashfile.build import build
    from dvc_data.hashfile.tree import Tree

    expected = entry.get_obj()
    if not isinstance(expected, Tree):
        return None
    _, _, actual = build(
        entry.cache, entry.fs_path, entry.fs, entry.hash_name, ignore=entry.dvcignore, dry_run=True
    )
    if not isinstance(actual, Tree):
        return None
    listed: Any = expected  # dvc_data's Tree is untyped
    built: Any = actual
    before = {key: info for key, (_meta, info) in listed.as_dict().items()}
    after = {key: info for key, (_meta, info) in built.as_dict().items()}
    changed = sorted(
        "/".join(key) + (" (added)" if key not in before else "")
        for key, info in after.items()
        if before.get(key) != info
    )
    absent = sorted("/".join(key) for key in before if key not in after)
    return changed, absent


def _check_params(check: StageCheck, dep: Any) -> None:
    path = str(dep)
    status = dep.workspace_status().get(path)
    if not status:
        return
    if isinstance(status, str):  # the params file itself is deleted or new
        check.reasons.append(Reason("params", status, path))
        return
    recorded = dep.hash_info.value if isinstance(dep.hash_info.value, dict) else {}
    actual = dep.read_params()
    for key, change in status.items():
        detail = ""
        if change == "modified":
            detail = _value_change(recorded.get(key), actual.get(key))
        check.reasons.append(Reason("params", change, path, key=key, detail=detail))


def _value_change(before: Any, after: Any) -> str:
    if isinstance(before, dict) and isinstance(after, dict):
        old, new = flatten(before), flatten(after)
        return ", ".join(
            f"{name}: {old.get(name)!r} -> {new.get(name)!r}"
            for name in sorted(set(old) | set(new))
            if old.get(name) != new.get(name)
        )
    return f"{before!r} -> {after!r}"


def stage_name(stage: Any, root: Path) -> str:
    """`train` for root/dvc.yaml, `sub/dvc.yaml:train` below it; DVC's addressing is cwd-based."""
    dvcfile = Path(stage.dvcfile.path).resolve()
    if dvcfile == (root / "dvc.yaml").resolve():
        return str(stage.name)
    try:
        where = dvcfile.relative_to(root.resolve()).as_posix()
    except ValueError:
        where = str(dvcfile)
    return f"{where}:{stage.name}" if hasattr(stage, "cmd_changed") else where


def _in_cache(out: Any) -> bool:
    return bool(out.use_cache) and not out.changed_cache()


def _shown(entry: Any, root: Path) -> str:
    """A dep's or out's path as reports show it: from the repository's root (mlgate.core.paths)."""

    return repo_relative(entry.fs_path, root) if entry.fs_path else str(entry)


def _relpath(entry: Any, root: Path) -> str:
    try:
        return Path(entry.fs_path).relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(entry)


# --- for the pre-commit hook: is any changed file one the pipeline cares about? ---------------


def touches_pipeline(root: Path, paths: Iterable[str]) -> bool:
    """True when a path is a DVC file, a params file or a stage dependency (or cannot tell).

    Reads dvc.yaml and dvc.lock as plain YAML (`dvcfiles`, each path through its stage's
    `wdir`), without importing DVC: a hook with nothing to check must cost no more than
    starting Python. Where templating could name any file (`vars:`, `${...}`, `foreach`), DVC
    resolves the pipeline when it is installed; without it, every path concerns it.
    """
    given = [posixpath.normpath(Path(path).as_posix()) for path in paths]
    if any(
        PurePosixPath(path).name in {"dvc.yaml", "dvc.lock", ".dvcignore"} or path.endswith(".dvc")
        for path in given
    ):
        return True
    watched = _watched_paths(root)
    if watched is None:
        return True
    return any(
        path == item or path.startswith(item.rstrip("/") + "/")
        for path in given
        for item in watched
    )


def _watched_paths(root: Path) -> set[str] | None:
    """The deps and params files of every stage, relative to root; None when unsure."""
    try:
        pipeline = dvcfiles.read_pipeline(root / dvcfiles.DVC_YAML)
        locked = dvcfiles.lock_stages(root / dvcfiles.DVC_LOCK) or {}
    except InputError:
        return None  # a broken file is for the check itself to report
    if pipeline is None:
        return None
    if pipeline.templated:
        resolved = _watched_by_dvc(root)
        return None if resolved is None else resolved | set(pipeline.vars_files)
    watched = {
        dvcfiles.DEFAULT_PARAMS,
        *pipeline.vars_files,
        *pipeline.deps,
        *pipeline.watched_params(),
    }
    wdirs = {stage.name: stage.wdir for stage in pipeline.stages}
    for name, entry in locked.items():
        if isinstance(entry, dict):
            wdir = wdirs.get(str(name), ".")
            watched.update(
                posixpath.normpath(posixpath.join(wdir, dep)) for dep in _lock_deps(entry)
            )
    return watched


def _lock_deps(entry: dict[str, Any]) -> list[str]:
    deps = [
        dep["path"] for dep in entry.get("deps") or [] if isinstance(dep, dict) and "path" in dep
    ]
    params = entry.get("params")
    return [*deps, *(str(name) for name in params)] if isinstance(params, dict) else deps


def _watched_by_dvc(root: Path) -> set[str] | None:
    """The deps and params files of every stage as DVC resolves them (templating, `wdir`,
    `foreach`); None when DVC is not installed or cannot load the pipeline."""
    if importlib.util.find_spec("dvc") is None:
        return None
    try:
        with open_repo(root) as repo:
            return {_relpath(dep, root) for stage in repo.index.stages for dep in stage.deps} | {
                dvcfiles.DEFAULT_PARAMS
            }
    except Exception:  # any failure means "unsure": then the check itself runs
        return None
