"""The recording of a decision: compare's verdict written back on the candidate's MLflow run.
The caller (the compare command, the gate's step) does it after compare returns its result, so
that compare never calls a renderer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlgate.core.errors import MlgateError
from mlgate.forge import ci
from mlgate.report import render_compare
from mlgate.results import Result

if TYPE_CHECKING:  # compare's face loads numpy; the hooks import this package on every commit
    from mlgate.compare import CompareRequest


def record_decision(request: CompareRequest, result: Result) -> None:
    """Record compare's decision (tags and the rendered comparison) on the candidate's run, when
    the candidate is a run and the request asks for it; trouble here never changes the verdict."""
    candidate = result.details.get("candidate")
    if not request.log_decision or not isinstance(candidate, dict):
        return  # a result without a candidate is a bug compare reports, not ours to record
    run_id = candidate.get("run_id")
    if run_id and str(candidate.get("source")).startswith("run:"):
        result.details["recorded_on_run"] = _record(
            request, run_id, result.details["baseline"], result
        )


def _record(request: CompareRequest, run_id: str, baseline: dict[str, Any], result: Result) -> bool:
    try:
        context = ci.detect(request.root)
        tags = {
            "mlgate.decision": result.status,
            "mlgate.summary": result.summary[:5000],
            "mlgate.baseline": baseline["source"],
        }
        optional = {
            "mlgate.baseline_version": baseline["version"],
            "mlgate.commit": context.commit,
            "mlgate.pr": str(context.pr_number) if context.pr_number else None,
            "mlgate.workflow_run": context.run_url,
        }
        tags.update({key: value for key, value in optional.items() if value})
        request.registry().record_decision(
            run_id, tags, render_compare(result.to_dict(), "markdown")
        )
    except MlgateError as exc:
        result.details.setdefault("notes", []).append(f"could not record the decision: {exc}")
        return False
    return True
