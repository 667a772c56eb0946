"""`mlgate promote`, `rollback` and `history`: move the production alias, with a way back.

Safety rules (docs/promote.md):
- Promote only on a passing `compare` decision for this candidate, made against the version the
  baseline alias holds *now*; if it moved since, refuse (exit 1): compare again.
- Register only what was judged: the model file(s) and metrics in the workspace must be those
  the decision recorded (`details.candidate.identity`, see `mlgate.compare.identity`), else refuse.
- Every move happens under a registry-wide lock (see `registry.Promotions.acquire_lock`), and
  the alias is re-read under that lock right before it moves. MLflow offers no compare-and-set
  on aliases, so the remaining race is with a writer that does not take the lock (a person in
  the MLflow UI, another tool) between that re-read and the move: one round trip.
- Everything that can fail as the user's input (options, the CI event, the files) is read
  before the alias moves; after it, only the audit trail is written, and its failures are notes.
- The audit trail lives in tags, because MLflow keeps no alias history (mlflow/mlflow#2169):
  on the version (`mlgate.previous.<alias>`, commit, PR, run URL, decision) and one
  `mlgate.history.<alias>.<ms>` tag per move on the registered model.
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate.config import Config, alias_problem, per_example_path
from mlgate.core import yamlio
from mlgate.core.errors import InputError, MlgateError
from mlgate.core.outbound import redact_param
from mlgate.core.paths import repo_relative
from mlgate.data import dvcfiles
from mlgate.forge import ci
from mlgate.registry import history_events, history_key
from mlgate.results import Clock, Result, read_result

if TYPE_CHECKING:  # MLflow is imported where a promotion connects, not when promote is
    from mlgate.registry import Lock, Promotions

LOCK_WAIT_S = 60.0
AUDIT_TRIES = 3


@dataclass(frozen=True)
class PromoteRequest:
    config: Config
    decision_path: Path
    results_dir: Path
    alias: str | None = None
    from_alias: str | None = None
    artifact_path: str = "model"
    dry_run: bool = False
    timeout_s: float = 30.0
    lock_wait_s: float = LOCK_WAIT_S


def _connect(config: Config, timeout_s: float, *, create: bool = False) -> Promotions:
    """Promotions on the configured registry. Only `create` (a promotion that writes) opens a
    local store that does not exist yet, which MLflow then creates; saying so on stderr."""
    from mlgate.registry import (
        Promotions,
        Registry,
        local_store_path,
        resolve_tracking_uri,
        store_exists,
    )

    uri = resolve_tracking_uri(config.mlflow.tracking_uri, config.root, config.path)
    local = local_store_path(uri)
    if create and local is not None and not store_exists(uri, local):
        print(f"mlgate: creating the MLflow store {repo_relative(local)}", file=sys.stderr)
    return Promotions(Registry(uri, timeout_s=timeout_s, create=create))


def _absent_store(promotions: Promotions) -> str | None:
    """The repo path of the local store `promotions` reads that does not exist yet, or None."""
    absent: Path | None = promotions.registry.absent_store
    return repo_relative(absent) if absent is not None else None


def _model(config: Config) -> str:
    if not config.mlflow.model:
        raise InputError(f"{config.path}: `mlflow.model` must name the registered model")
    return config.mlflow.model


def _check_alias(alias: str, where: str, *, to_set: bool = True) -> None:
    problem = alias_problem(alias, to_set=to_set)
    if problem:
        raise InputError(f"{where}: {alias!r} is not an alias MLflow accepts: {problem}")


@dataclass(frozen=True)
class _Plan:
    """What the decision says: which version to promote, judged against which baseline."""

    candidate_source: str
    candidate_version: str | None
    baseline_alias: str
    baseline_version: str | None
    summary: str
    metrics: dict[str, Any]
    identity: dict[str, Any] | None = None
    override: dict[str, Any] | None = None  # the maintainer's override of a blocked gate


def run_promote(request: PromoteRequest) -> Result:
    clock = Clock()
    config = request.config
    model = _model(config)
    alias = request.alias or config.mlflow.alias
    _check_alias(alias, "--alias" if request.alias else f"{config.path}: mlflow.alias")
    if request.from_alias:
        _check_alias(request.from_alias, "--from-alias", to_set=False)
    context_tags = _context_tags(config.root)
    promotions = _connect(config, request.timeout_s, create=not request.dry_run)
    if request.from_alias:
        plan_or_refusal = _plan_from_alias(promotions, model, request.from_alias, alias)
    else:
        plan_or_refusal = _plan_from_decision(
            request.decision_path, model, allow_overridden=config.promote.allow_overridden
        )
    if isinstance(plan_or_refusal, str):
        return _result("promote", "fail", plan_or_refusal, clock, {"model": model, "alias": alias})
    plan = plan_or_refusal
    details: dict[str, Any] = {
        "model": model,
        "alias": alias,
        "candidate": plan.candidate_source,
        "baseline_alias": plan.baseline_alias,
        "baseline_version": plan.baseline_version,
        "dry_run": request.dry_run,
        "dirty": (plan.identity or {}).get("dirty"),
        "notes": [],
    }
    upload = _upload(request, plan, context_tags)
    if isinstance(upload, str):
        return _result("promote", "fail", upload, clock, details)
    if request.dry_run:
        return _dry_run(promotions, plan, details, clock)
    with training_profile(config, plan.candidate_version is None) as profile_file:
        lock = promotions.acquire_lock(model, _holder(), request.lock_wait_s)
        try:
            refusal = _stale(promotions, model, plan)
            if refusal:
                return _result("promote", "fail", refusal, clock, details)
            version = plan.candidate_version or _register(promotions, request, model, plan, upload)
            details["version"] = version
            if plan.candidate_version is None and upload is not None and upload.records is not None:
                promotions.store_per_example(model, version, upload.records)
                details["per_example"] = upload.records.relative_to(request.config.root).as_posix()
            if profile_file is not None:
                _store_profile(promotions, model, version, profile_file, details)
            previous = promotions.holder(model, alias)
            details["previous_version"] = previous.version if previous else None
            if previous and previous.version == version:
                summary = f"{model} v{version} already holds {alias!r}; nothing to do"
                return _result("promote", "pass", summary, clock, details)
            promotions.verify_lock(lock)
            promotions.set_alias(model, alias, version)
        finally:
            _release(promotions, lock, details)
    _audit(promotions, plan, details, context_tags)
    was = f" (was v{previous.version})" if previous else " (first holder)"
    return _result(
        "promote", "pass", f"{model} v{version} now holds {alias!r}{was}", clock, details
    )


def _plan_from_decision(path: Path, model: str, *, allow_overridden: bool) -> _Plan | str:
    if not path.is_file():
        raise InputError(f"{path}: no decision to promote on; run `mlgate compare` first")
    decision = read_result(path)
    if decision.get("command") != "compare":
        raise InputError(f"{path}: not a `mlgate compare` result")
    override = None
    if decision.get("status") != "pass":
        override = _override_of_the_gate(path, decision)
        if override is None:
            return (
                f"the decision in {path} did not pass, so nothing is promoted: "
                f"{decision['summary']}"
            )
        if not allow_overridden:
            return (
                f"the gate was overridden by @{override['by']} ({override['reason']}), and "
                "promote.allow_overridden is false: nothing is promoted"
            )
    details = decision.get("details", {})
    baseline = details.get("baseline", {})
    prefix = f"models:/{model}@"
    if not str(baseline.get("source", "")).startswith(prefix):
        raise InputError(
            f"{path}: the decision compared against {baseline.get('source')!r}; promotion needs "
            f"a decision against the registry (`--baseline registry`, i.e. {prefix}<alias>)"
        )
    candidate = details.get("candidate", {})
    candidate_version = None
    if str(candidate.get("source", "")).startswith("models:/"):
        if candidate.get("model") != model:
            raise InputError(f"{path}: the candidate is a version of {candidate.get('model')!r}")
        candidate_version = candidate.get("version")
    return _Plan(
        candidate_source=str(candidate.get("source")),
        candidate_version=candidate_version,
        baseline_alias=str(baseline["source"]).removeprefix(prefix),
        baseline_version=baseline.get("version"),
        summary=str(decision.get("summary", "")),
        metrics=candidate.get("metrics") or {},
        identity=candidate.get("identity"),
        override=override,
    )


def _override_of_the_gate(compare_path: Path, compare: dict[str, Any]) -> dict[str, Any] | None:
    """The override gate.json beside compare.json records for the same gate run, if any: a
    blocked comparison is promoted only on that record (who, why, which commit, the URL)."""
    from mlgate.core import scm

    gate_path = compare_path.parent / "gate.json"
    # A gate.json in git came with a change, not from a gate that asked GitHub: not a record.
    if not gate_path.is_file() or scm.is_tracked(gate_path):
        return None
    gate = read_result(gate_path)
    if gate.get("run_id") is None or gate.get("run_id") != compare.get("run_id"):
        return None
    override = (gate.get("details") or {}).get("override")
    applied = override.get("applied") if isinstance(override, dict) else None
    if gate.get("command") != "gate" or not isinstance(applied, dict):
        return None
    return applied


def override_tags(override: dict[str, Any] | None) -> dict[str, str]:
    """`mlgate.override.by`, `.reason`, `.commit`, `.url` of a version promoted on an override."""
    if override is None:
        return {}
    return {
        f"mlgate.override.{key}": str(override[key]) for key in ("by", "reason", "commit", "url")
    }


def _plan_from_alias(
    promotions: Promotions, model: str, source_alias: str, alias: str
) -> _Plan | str:
    """Staged roll-out: promote what `source_alias` holds, judged when it was promoted there."""
    staged = promotions.holder(model, source_alias)
    if staged is None:
        return f"no version of {model!r} holds {source_alias!r}; nothing to promote"
    compared_with = staged.tags.get("mlgate.baseline_alias")
    if staged.tags.get("mlgate.decision_status") != "pass" or compared_with != alias:
        return (
            f"{model} v{staged.version} ({source_alias}) carries no passing mlgate decision "
            f"against {alias!r}; compare it (`mlgate compare --candidate "
            f"models:/{model}@{source_alias}`) and promote on that decision"
        )
    recorded = staged.tags.get("mlgate.baseline_version")
    return _Plan(
        candidate_source=f"models:/{model}@{source_alias}",
        candidate_version=staged.version,
        baseline_alias=alias,
        baseline_version=None if recorded in (None, "none") else recorded,
        summary=staged.tags.get("mlgate.decision", ""),
        metrics={},
    )


def _stale(promotions: Promotions, model: str, plan: _Plan) -> str:
    """Why the decision no longer holds (the baseline alias moved), or ''."""
    now = promotions.holder(model, plan.baseline_alias)
    now_version = now.version if now else None
    if now_version == plan.baseline_version:
        return ""
    judged = f"v{plan.baseline_version}" if plan.baseline_version else "no version"
    holds = f"v{now_version}" if now_version else "no version"
    return (
        f"{plan.baseline_alias!r} moved since the comparison: it was judged against {judged}, "
        f"and {holds} holds it now; compare again and promote on the new decision"
    )


@dataclass(frozen=True)
class _Upload:
    """What registering the workspace's model takes, all read before the lock is taken."""

    files: list[Path]
    params: dict[str, str]
    tags: dict[str, str]
    records: Path | None = None  # the per-example records judged, stored with the version


@contextlib.contextmanager
def training_profile(config: Config, new_version: bool) -> Iterator[Path | None]:
    """The training data's profile, made before the lock (it reads all the data) when `drift:`
    is configured and a new version is registered; the version carries it (mlgate drift's
    `reference: registry`)."""
    if config.drift is None or not new_version:
        yield None
        return
    from mlgate.drift import DriftRequest, profile_current, write_profile

    settings = replace(config.drift, current=()) if config.data else config.drift
    made = profile_current(DriftRequest(config=config, settings=settings))
    with tempfile.TemporaryDirectory(prefix="mlgate-profile-") as folder:
        target = Path(folder) / "profile.json"
        write_profile(made, target)
        yield target


def _store_profile(
    promotions: Promotions, model: str, version: str, profile_file: Path, details: dict[str, Any]
) -> None:
    from mlgate.registry import PROFILE_ARTIFACT, store_profile

    run_id = promotions.version(model, version).run_id
    if run_id is None:
        details["notes"].append(f"v{version} has no run: the data profile was not stored")
        return
    store_profile(promotions.registry, run_id, profile_file)
    details["profile"] = PROFILE_ARTIFACT


def _upload(
    request: PromoteRequest, plan: _Plan, context_tags: dict[str, str]
) -> _Upload | str | None:
    """What registering the workspace's model takes (None when the candidate is already in
    MLflow), read before the lock; or why the workspace is not what was judged."""
    if plan.candidate_version is not None or plan.candidate_source.startswith("run:"):
        return None
    files = _judged_files(request, plan)
    if isinstance(files, str):
        return files
    records = per_example_path(request.config)
    return _Upload(
        files,
        _params(request),
        {**context_tags, **_identity_tags(plan)},
        records=records if records is not None and records.is_file() else None,
    )


def _judged_files(request: PromoteRequest, plan: _Plan) -> list[Path] | str:
    """The model files to register, when they and the metrics are those the decision judged;
    else why not (a refusal: compare again)."""
    from mlgate.compare import (
        CompareRequest,
        candidate_identity,
        candidate_metrics_files,
        load_candidate,
    )

    config = request.config
    source = plan.candidate_source
    if not config.mlflow.model_path:
        raise InputError(
            f"{config.path}: `mlflow.model_path` must name the model file (a DVC output) to "
            f"register for the {source!r} candidate"
        )
    path = config.root / config.mlflow.model_path
    if not path.exists():
        raise InputError(f"model file(s) not found: {path}; run the pipeline first")
    judged = plan.identity
    if not judged or not judged.get("model"):
        return (
            f"the decision in {request.decision_path} does not record the model it judged (no "
            f"{config.mlflow.model_path} when it was made, or an older mlgate): compare again"
        )
    compare_request = CompareRequest(config=config, timeout_s=request.timeout_s)
    metrics = load_candidate(compare_request, source).metrics or {}
    files = candidate_metrics_files(compare_request, source)
    now = candidate_identity(
        config.root, config.mlflow.model_path, metrics, files, per_example=per_example_path(config)
    )
    if now["model"] != judged["model"]:
        return (
            f"the model at {config.mlflow.model_path} is not the one the decision judged "
            f"(sha256 {_short(now['model'])} now, {_short(judged['model'])} when compared); "
            "compare again and promote on the new decision"
        )
    if now["metrics"] != judged.get("metrics"):
        return (
            f"the candidate's metrics ({source}) changed since the decision; compare again and "
            "promote on the new decision"
        )
    if now["per_example"] != judged.get("per_example"):
        return (
            f"the per-example records ({_shown_records(now, judged)}) changed since the "
            "decision; compare again and promote on the new decision"
        )
    return [path]


def _shown_records(now: dict[str, Any], judged: dict[str, Any]) -> str:
    found = now.get("per_example") or judged.get("per_example") or {}
    return str(found.get("path", "metrics.per_example"))


def _short(model: dict[str, str] | None) -> str:
    return (model or {}).get("sha256", "none")[:12]


def _register(
    promotions: Promotions, request: PromoteRequest, model: str, plan: _Plan, upload: _Upload | None
) -> str:
    source = plan.candidate_source
    if source.startswith("run:"):
        registered = promotions.register_run_model(
            model, source.removeprefix("run:"), request.artifact_path
        )
        return str(registered.version)
    assert upload is not None
    metrics = {
        key: float(value)
        for key, value in plan.metrics.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
    registered = promotions.register_files(
        model,
        upload.files,
        params=upload.params,
        metrics=metrics,
        tags={"mlgate.source": source, **upload.tags},
    )
    return str(registered.version)


def _identity_tags(plan: _Plan) -> dict[str, str]:
    identity = plan.identity or {}
    tags = {"mlgate.dirty": str(identity.get("dirty")).lower()} if identity else {}
    model = identity.get("model")
    if model:
        tags["mlgate.model_sha256"] = model["sha256"]
    return tags


def _release(promotions: Promotions, lock: Lock, details: dict[str, Any]) -> None:
    """Release the lock; a failure is a note (the move, if any, stands), never the verdict."""
    try:
        promotions.release_lock(lock)
    except MlgateError as exc:
        details["notes"].append(
            f"the promotion lock {lock.name!r} could not be released ({exc}); it is broken "
            "after its lease if it stays"
        )


def _params(request: PromoteRequest) -> dict[str, str]:
    """The pipeline's params: from `mlgate repro`'s result when there is one, else params.yaml."""
    repro_result = request.results_dir / "repro.json"
    params: Any = None
    if repro_result.is_file():
        params = read_result(repro_result).get("details", {}).get("params")
    if params is None and (request.config.root / "params.yaml").is_file():
        params = yamlio.load_file(request.config.root / "params.yaml")
    if not isinstance(params, dict):
        return {}
    # Named as compare names the candidate's (a list one value), credentials masked, so the
    # champion's params diff cleanly.
    flat = dvcfiles.flatten_params(params)
    return {key: redact_param(key, value) for key, value in flat.items()}


def _audit(
    promotions: Promotions, plan: _Plan, details: dict[str, Any], context_tags: dict[str, str]
) -> None:
    """The audit trail, written after the move; retried, and reported when it still fails."""
    model, alias, version = details["model"], details["alias"], details["version"]
    previous = details["previous_version"]
    version_tags = {
        f"mlgate.previous.{alias}": previous or "none",
        "mlgate.decision": plan.summary[:5000],
        "mlgate.decision_status": "overridden" if plan.override else "pass",
        "mlgate.baseline_alias": plan.baseline_alias,
        "mlgate.baseline_version": plan.baseline_version or "none",
        f"mlgate.promoted_at.{alias}": _now_iso(),
        **context_tags,
        **_identity_tags(plan),
        **override_tags(plan.override),
    }
    event = {
        "action": "promote",
        "version": version,
        "previous": previous,
        "at": _now_iso(),
        **{key.removeprefix("mlgate."): value for key, value in context_tags.items()},
        **({"dirty": details["dirty"]} if details["dirty"] is not None else {}),
        **({"override": override_tags(plan.override)} if plan.override else {}),
    }
    _write_with_retries(
        details,
        ("version tags", lambda: promotions.tag_version(model, version, version_tags)),
        ("history", lambda: _record_history(promotions, model, alias, event)),
    )


def run_rollback(
    config: Config, alias: str | None, *, dry_run: bool, timeout_s: float, lock_wait_s: float
) -> Result:
    clock = Clock()
    model = _model(config)
    where = "--alias" if alias else f"{config.path}: mlflow.alias"
    alias = alias or config.mlflow.alias
    _check_alias(alias, where)
    context_tags = _context_tags(config.root)
    promotions = _connect(config, timeout_s)
    details: dict[str, Any] = {"model": model, "alias": alias, "dry_run": dry_run, "notes": []}
    absent = _absent_store(promotions)
    if absent is not None:  # checked before the lock, whose write would create the store
        summary = f"the MLflow store {absent} does not exist yet: nothing to roll back"
        return _result("rollback", "fail", summary, clock, details)
    lock = None if dry_run else promotions.acquire_lock(model, _holder(), lock_wait_s)
    try:
        current = promotions.holder(model, alias)
        if current is None:
            return _result(
                "rollback", "fail", f"no version of {model!r} holds {alias!r}", clock, details
            )
        previous = current.tags.get(f"mlgate.previous.{alias}")
        details["from_version"] = current.version
        if previous in (None, "none"):
            summary = (
                f"{model} v{current.version} holds {alias!r} and no earlier holder is recorded; "
                "nothing to roll back to"
            )
            return _result("rollback", "fail", summary, clock, details)
        details["to_version"] = previous
        if dry_run:
            summary = f"would move {alias!r} of {model} from v{current.version} back to v{previous}"
            return _result("rollback", "pass", summary, clock, details)
        promotions.version(model, previous)  # still there? (deleted versions cannot hold it)
        assert lock is not None  # taken unless a dry run, which returned above
        promotions.verify_lock(lock)
        promotions.set_alias(model, alias, previous)
    finally:
        if lock:
            _release(promotions, lock, details)
    event = {
        "action": "rollback",
        "version": previous,
        "previous": current.version,
        "at": _now_iso(),
        **{k.removeprefix("mlgate."): v for k, v in context_tags.items()},
    }
    _write_with_retries(
        details, ("history", lambda: _record_history(promotions, model, alias, event))
    )
    summary = f"{model} v{previous} holds {alias!r} again (rolled back from v{current.version})"
    return _result("rollback", "pass", summary, clock, details)


def history(
    config: Config, alias: str | None, timeout_s: float
) -> tuple[list[dict[str, Any]], str | None]:
    """Every recorded move of the alias, oldest first, and the local store that does not
    exist yet (so none are recorded), if so."""
    model = _model(config)
    alias = alias or config.mlflow.alias
    from mlgate.registry import Promotions, open_registry, resolve_tracking_uri

    uri = resolve_tracking_uri(config.mlflow.tracking_uri, config.root, config.path)
    promotions = Promotions(open_registry(uri, timeout_s=timeout_s))  # reads only
    return history_events(promotions.model_tags(model), alias), _absent_store(promotions)


def _record_history(promotions: Promotions, model: str, alias: str, event: dict[str, Any]) -> None:
    promotions.tag_model(model, {history_key(alias): json.dumps(event, sort_keys=True)})


def _write_with_retries(details: dict[str, Any], *writes: tuple[str, Any]) -> None:
    for what, write in writes:
        for attempt in range(1, AUDIT_TRIES + 1):
            try:
                write()
                break
            except MlgateError as exc:
                if attempt == AUDIT_TRIES:
                    details["notes"].append(
                        f"the alias moved, but the audit {what} could not be written after "
                        f"{AUDIT_TRIES} tries: {exc}"
                    )
                else:
                    time.sleep(attempt)


def _dry_run(promotions: Promotions, plan: _Plan, details: dict[str, Any], clock: Clock) -> Result:
    model, alias = details["model"], details["alias"]
    refusal = _stale(promotions, model, plan)
    if refusal:
        return _result("promote", "fail", refusal, clock, details)
    previous = promotions.holder(model, alias)
    what = (
        f"v{plan.candidate_version}"
        if plan.candidate_version
        else f"a new version from {plan.candidate_source}"
    )
    was = f"v{previous.version}" if previous else "no version"
    details["previous_version"] = previous.version if previous else None
    summary = f"dry run: would move {alias!r} of {model} from {was} to {what}; nothing changed"
    return _result("promote", "pass", summary, clock, details)


def _context_tags(root: Path) -> dict[str, str]:
    context = ci.detect(root)
    tags = {
        "mlgate.commit": context.commit,
        "mlgate.pr": str(context.pr_number) if context.pr_number else None,
        "mlgate.workflow_run": context.run_url,
    }
    return {key: value for key, value in tags.items() if value}


def _holder() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def _now_iso() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _result(
    command: str, status: str, summary: str, clock: Clock, details: dict[str, Any]
) -> Result:
    return Result(
        command=command,
        status="pass" if status == "pass" else "fail",
        summary=summary,
        started_at=clock.started_at,
        duration_s=clock.elapsed(),
        details=details,
    )
