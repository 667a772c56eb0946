"""`mlgate compare`: load the candidate's and the baseline's metrics, decide, build the result.

MLflow is imported only for the sources that need it (`run:`, `models:/`, `registry`), DVC only
for `dvc` and `git:`; `--candidate file:a.json --baseline file:b.json` needs neither.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate.compare.changes import changes
from mlgate.compare.rules import Check, Decision, decide
from mlgate.compare.stats.evidence import gather
from mlgate.compare.types import CompareRequest, Side
from mlgate.config import (
    REQUIRED,
    Config,
    left_unjudged,
    parse_baseline_source,
    parse_candidate_source,
    per_example_path,
)
from mlgate.core.errors import InputError
from mlgate.core.outbound import shorten
from mlgate.core.paths import repo_relative
from mlgate.data import MetricValue, load_metrics_file
from mlgate.results import Clock, Result

if TYPE_CHECKING:  # the registry is reached on first use only (tests/test_structure.py)
    from mlgate.registry import ModelMetrics

DECISION_TAG_PREFIX = "mlgate."


def run_compare(request: CompareRequest) -> Result:
    clock = Clock()
    config = request.config
    if not config.gates:
        raise InputError(f"{config.path}: no `gates:`, so there is nothing to compare")
    candidate_spec = parse_candidate_source(
        request.candidate or config.metrics.candidate,
        "--candidate" if request.candidate else f"{config.path}: metrics.candidate",
    )
    baseline_spec = parse_baseline_source(
        request.baseline or config.metrics.baseline,
        "--baseline" if request.baseline else f"{config.path}: metrics.baseline",
    )
    loaded = load_candidate(request, candidate_spec)
    metrics = loaded.metrics
    assert metrics is not None
    candidate = replace(loaded, identity=_identity(request, candidate_spec, metrics))
    baseline = load_baseline(request, baseline_spec, candidate)
    records = gather(request, candidate_spec, candidate, baseline)
    decision = decide(
        config.gates,
        metrics,
        baseline.metrics,
        candidate_source=_label(candidate),
        baseline_source=_label(baseline),
        missing_baseline_fails=config.metrics.on_missing_baseline == "fail",
        missing_baseline_reason=baseline.missing_reason,
        evidence=records.evidence,
    )
    _require_a_judged_check(config, decision, baseline)
    notes = [*records.notes, *decision.notes]
    if baseline_spec == "none":
        notes.append("baseline: none, so only absolute thresholds were checked")
    details = _details(candidate, baseline, decision, notes)
    details["changes"] = changes(request, candidate_spec, candidate, baseline_spec, baseline)
    if records.details is not None:
        details["per_example"] = records.details
    if baseline_spec == "registry" and baseline.version:
        details["history"] = _alias_history(request, baseline)
    return Result(
        command="compare",
        status="pass" if decision.passed else "fail",
        summary=_summary(decision, baseline),
        started_at=clock.started_at,
        duration_s=clock.elapsed(),
        details=details,
    )


def load_candidate(request: CompareRequest, spec: str) -> Side:
    if spec == "dvc":
        from mlgate.repro import workspace_metrics

        return Side(source=spec, metrics=workspace_metrics(request.root), origin="dvc metrics")
    if spec.startswith("file:"):
        return _file_side(request, spec)
    if spec.startswith("run:"):
        found = request.registry().run_metrics(spec.removeprefix("run:"))
    else:
        from mlgate.registry import FirstModel

        model, version, alias = _model_ref(spec)
        if alias is not None:
            held = request.registry().alias_version(model, alias)
            if isinstance(held, FirstModel):
                raise InputError(f"candidate {spec}: {held.reason}")
            found = held
        else:
            found = request.registry().version_metrics(model, version)
    return _registry_side(spec, found)


def candidate_metrics_files(request: CompareRequest, spec: str) -> list[Path]:
    """The metrics files a local candidate was read from (none for `dvc`: DVC reads them)."""
    return [_path(request.root, spec)] if spec.startswith("file:") else []


def _identity(
    request: CompareRequest, spec: str, metrics: dict[str, MetricValue]
) -> dict[str, Any] | None:
    """What a local candidate is (model and metrics hashes), for promote to check; a registry
    candidate is a version or run, which is its own identity."""
    if spec != "dvc" and not spec.startswith("file:"):
        return None
    from mlgate.compare.identity import candidate_identity

    files = candidate_metrics_files(request, spec)
    return candidate_identity(
        request.root,
        request.config.mlflow.model_path,
        metrics,
        files,
        per_example=per_example_path(request.config),
    )


def load_baseline(request: CompareRequest, spec: str, candidate: Side) -> Side:
    if spec == "none":
        return Side(source=spec, metrics=None, resolution="none")
    if spec.startswith("file:"):
        return _file_side(request, spec)
    if spec.startswith("git:"):
        from mlgate.repro import metrics_at_revision

        rev = spec.removeprefix("git:")
        metrics = metrics_at_revision(request.root, rev)
        if metrics is None:  # unreadable revisions raise: None is "no metrics declared there"
            return Side(
                source=spec,
                metrics=None,
                origin=f"dvc metrics at {rev}",
                missing_reason=f"the pipeline has no metrics at {rev}",
                resolution="bootstrap",
            )
        return Side(source=spec, metrics=metrics, origin=f"dvc metrics at {rev}")
    return _registry_baseline(request, candidate)


def _registry_baseline(request: CompareRequest, candidate: Side) -> Side:
    mlflow = request.config.mlflow
    if mlflow.model is None:
        raise InputError(
            f"{request.config.path}: `mlflow.model` must name the registered model for the "
            "registry baseline"
        )
    from mlgate.registry import FirstModel

    found = request.registry().alias_version(mlflow.model, mlflow.alias, candidate.dataset)
    source = f"models:/{mlflow.model}@{mlflow.alias}"
    if isinstance(found, FirstModel):
        return Side(
            source=source,
            metrics=None,
            model=mlflow.model,
            alias=mlflow.alias,
            missing_reason=found.reason,
            resolution="bootstrap",
        )
    return _registry_side(source, found, alias=mlflow.alias)


def _registry_side(source: str, found: ModelMetrics, alias: str | None = None) -> Side:
    """A side whose metrics stand for a registered version or a run."""
    return Side(
        source=source,
        metrics=found.metrics,
        origin=found.origin,
        model=found.model,
        alias=alias,
        version=found.version,
        run_id=found.run_id,
        url=found.url,
        dataset=found.dataset,
    )


def _file_side(request: CompareRequest, spec: str) -> Side:
    path = _path(request.root, spec)
    return Side(
        source=spec, metrics=load_metrics_file(path), origin=repo_relative(path, request.root)
    )


HISTORY_VERSIONS = 5


def _alias_history(request: CompareRequest, baseline: Side) -> list[dict[str, Any]]:
    """The metrics of the last versions that held the baseline alias, oldest first, for the
    report's chart. From mlgate's history tags; without them, the current holder alone."""
    from mlgate.core.errors import MlgateError
    from mlgate.registry import Promotions, history_events

    assert baseline.model and baseline.alias and baseline.version
    registry = request.registry()
    events = history_events(Promotions(registry).model_tags(baseline.model), baseline.alias)
    versions = list(dict.fromkeys(str(event["version"]) for event in reversed(events)))
    if baseline.version not in versions:
        versions.insert(0, baseline.version)
    history = []
    for version in reversed(versions[:HISTORY_VERSIONS]):
        if version == baseline.version:
            history.append({"version": version, "metrics": baseline.metrics})
            continue
        try:
            found = registry.version_metrics(baseline.model, version)
        except MlgateError:
            continue  # a deleted or metric-less old version is left out of the chart
        history.append({"version": version, "metrics": found.metrics})
    return history


def _details(
    candidate: Side, baseline: Side, decision: Decision, notes: list[str]
) -> dict[str, Any]:
    return {
        "candidate": {
            "source": candidate.source,
            "origin": candidate.origin,
            "model": candidate.model,
            "version": candidate.version,
            "run_id": candidate.run_id,
            "url": candidate.url,
            "metrics": candidate.metrics,
            "identity": candidate.identity,
        },
        "baseline": {
            "source": baseline.source,
            "origin": baseline.origin,
            "model": baseline.model,
            "alias": baseline.alias,
            "version": baseline.version,
            "run_id": baseline.run_id,
            "url": baseline.url,
            "metrics": baseline.metrics,
            "missing_reason": baseline.missing_reason or None,
            "resolution": baseline.resolution,
        },
        "checks": [asdict(check) for check in decision.checks],
        "ungated": [
            {"metric": name, "candidate": value, "baseline": reference}
            for name, value, reference in decision.ungated
        ],
        "notes": notes,
    }


def _unjudged(decision: Decision, baseline: Side) -> list[Check]:
    found = baseline.metrics is not None
    return [
        check
        for check in decision.checks
        if left_unjudged(skipped=check.skipped, rule=check.rule, baseline_found=found)
    ]


def _require_a_judged_check(config: Config, decision: Decision, baseline: Side) -> None:
    """Nothing checked is no pass: every gated metric missing (`required: false`), or only
    rules that need a baseline where there is none (`--baseline none`), is exit 2. A first
    model whose metrics are there passes on bootstrap, which its headline says."""
    if any(not check.skipped for check in decision.checks):
        return
    missing = [check.metric for check in decision.checks if check.rule == REQUIRED]
    if baseline.resolution == "bootstrap" and len(missing) < len(config.gates):
        return
    if missing:
        why = (
            f"every gated metric is missing from the candidate ({', '.join(missing[:5])}"
            f"{', ...' if len(missing) > 5 else ''}; `required: false`)"
        )
    else:
        why = (
            f"there is no baseline ({baseline.source}) and no gate sets a `threshold`, the "
            "only rule that needs none"
        )
    raise InputError(f"{config.path}: nothing was compared: {why}")


def _summary(decision: Decision, baseline: Side) -> str:
    against = _against(baseline)
    failed = decision.failed_checks
    if failed:
        return f"blocked against {against}: {_reasons(failed)}"
    held = sum(1 for check in decision.checks if not check.skipped)
    checks = f"{held} check holds" if held == 1 else f"{held} checks hold"
    undecided = sum(1 for check in decision.checks if check.evidence == "inconclusive")
    if undecided:
        checks += f" ({undecided} inconclusive, let through by on_inconclusive: pass)"
    if any(check.evidence == "point" for check in decision.checks):
        checks += " (NO BASELINE RECORDS: judged on point estimates)"
    if baseline.resolution == "bootstrap":
        return f"passed (bootstrap: no baseline yet): {checks}; {baseline.missing_reason}"
    left_out = _unjudged(decision, baseline)
    if left_out:
        return f"passed with skips: {checks} against {against}; not judged: {_reasons(left_out)}"
    return f"passed: {checks} against {against}"


# The first check's message in a summary is cut here: an interval's message is a paragraph,
# which the report and the details carry whole.
SUMMARY_MESSAGE_CHARS = 80


def _reasons(checks: list[Check] | tuple[Check, ...]) -> str:
    """One line: the first check with its message (cut), the next two by metric and rule,
    and how many more."""
    first = checks[0]
    named = [f"{first.metric} {first.rule}: {shorten(first.message, SUMMARY_MESSAGE_CHARS)}"]
    named += [f"{check.metric} {check.rule}" for check in checks[1:3]]
    more = f" (+{len(checks) - 3} more)" if len(checks) > 3 else ""
    return "; ".join(named) + more


def _against(baseline: Side) -> str:
    if baseline.metrics is None:
        return "no baseline" if baseline.source != "none" else "absolute thresholds"
    if baseline.version:
        alias = f" ({baseline.alias})" if baseline.alias else ""
        return f"{baseline.model} v{baseline.version}{alias}"
    return baseline.source


def _label(side: Side) -> str:
    if side.version:
        return f"{side.source} (v{side.version})"
    return side.source


def _path(root: Path, spec: str) -> Path:
    path = Path(spec.removeprefix("file:"))
    return path if path.is_absolute() else root / path


def _model_ref(spec: str) -> tuple[str, str, str | None]:
    """`models:/NAME/VERSION` or `models:/NAME@ALIAS` -> (name, version, alias)."""
    ref = spec.removeprefix("models:/")
    if "@" in ref:
        name, alias = ref.split("@", 1)
        return name, "", alias
    name, version = ref.split("/", 1)
    return name, version, None
