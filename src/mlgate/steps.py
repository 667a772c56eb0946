"""`mlgate gate`: every configured step in order, then the report — always the report.

Order: validate the data that exists before training (files the pipeline does not produce),
reproduce the pipeline, validate again with the pipeline's outputs, compare, report. Bad data
skips training and the comparison (their verdict would be about data we already rejected);
a failed reproduction skips the comparison. Skipped steps are listed in the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate import yamlio
from mlgate.config import Config
from mlgate.errors import InputError, MlgateError
from mlgate.publish import Published, ReportRequest, publish
from mlgate.report import STEPS, overall
from mlgate.results import Clock, Result, write_result

GATE_STEPS = ("validate", "repro", "compare", "report")
Log = Callable[[str], None]


@dataclass(frozen=True)
class GateRequest:
    config: Config
    results_dir: Path
    skip: frozenset[str] = frozenset()
    post: bool = False
    marker_id: str = "default"
    require_comment: bool = False
    timeout_s: float = 30.0
    bin_dir: Path | None = None  # first on PATH for pipeline stages (the demo's own Python)
    log: Log = lambda _line: None


def run_gate(request: GateRequest) -> Published:
    clock = Clock()
    config = request.config
    _clear_old_results(request.results_dir)
    results: dict[str, dict[str, Any]] = {}
    skipped: list[dict[str, str]] = []

    def skip(step: str, reason: str) -> None:
        skipped.append({"step": step, "reason": reason})
        request.log(f"- {step}: skipped ({reason})")

    will_repro = "repro" not in request.skip and (config.root / "dvc.yaml").is_file()
    validating = "validate" not in request.skip and bool(config.data)
    if validating:
        inputs = _pipeline_inputs(config) if will_repro else None  # None: all the data
        if inputs is None or inputs:
            results["validate"] = _step(request, "validate", lambda: _validate(request, inputs))
    if will_repro:
        if _blocked(results):
            skip("repro", "the data failed validation; training on it would prove nothing")
        else:
            results["repro"] = _step(request, "repro", lambda: _repro(request))
            if validating and results["repro"]["status"] == "pass":
                results["validate"] = _step(request, "validate", lambda: _validate(request, None))
    elif "repro" not in request.skip:
        skip("repro", "no dvc.yaml")
    if "compare" not in request.skip and config.gates:
        if _blocked(results):
            skip("compare", "an earlier step did not pass")
        else:
            results["compare"] = _step(request, "compare", lambda: _compare(request))
    elif "compare" not in request.skip:
        skip("compare", "no gates in mlgate.yaml")
    _write_gate_result(request, results, skipped, clock)
    return publish(
        ReportRequest(
            results_dir=request.results_dir,
            root=config.root,
            post=request.post and "report" not in request.skip,
            marker_id=request.marker_id,
            require_comment=request.require_comment,
        )
    )


def _blocked(results: dict[str, dict[str, Any]]) -> bool:
    return any(result["status"] != "pass" for result in results.values())


def _step(request: GateRequest, name: str, run: Callable[[], Result]) -> dict[str, Any]:
    """Run one step; an error becomes that step's error result, and the gate goes on."""
    clock = Clock()
    request.log(f"▶ {name}")
    try:
        result = run()
    except MlgateError as exc:
        result = Result(
            command=name,
            status="error",
            summary=str(exc),
            started_at=clock.started_at,
            duration_s=clock.elapsed(),
            exit_code=exc.exit_code if exc.exit_code in (2, 3) else 3,
        )
    write_result(request.results_dir, result)
    request.log(f"  {result.status}: {result.summary}")
    return result.to_dict()


def _validate(request: GateRequest, paths: list[Path] | None) -> Result:
    from mlgate.validate import ValidateRequest, run_validate

    return run_validate(ValidateRequest(config=request.config, paths=tuple(paths or ())))


def _repro(request: GateRequest) -> Result:
    from mlgate.repro_run import run_pipeline

    return run_pipeline(request.config.root, log=request.log, bin_dir=request.bin_dir)


def _compare(request: GateRequest) -> Result:
    from mlgate.compare import CompareRequest, run_compare

    return run_compare(CompareRequest(config=request.config, timeout_s=request.timeout_s))


def _pipeline_inputs(config: Config) -> list[Path]:
    """The configured data files that exist now and that no pipeline stage produces.

    None of them when the outputs cannot be told from dvc.yaml alone (templated stages):
    then all data is validated after the pipeline ran.
    """
    outputs = _pipeline_outputs(config.root / "dvc.yaml")
    if outputs is None:
        return []
    found = []
    for entry in config.data:
        for pattern in entry.paths:
            for path in sorted(config.root.glob(pattern)):
                relative = path.relative_to(config.root).as_posix()
                if path.is_file() and not any(
                    relative == out or relative.startswith(f"{out}/") for out in outputs
                ):
                    found.append(path)
    return found


def _pipeline_outputs(dvc_yaml: Path) -> set[str] | None:
    try:
        data = yamlio.load_file(dvc_yaml) or {}
    except InputError:
        return None  # repro reports what is wrong with dvc.yaml
    if not isinstance(data, dict):
        return None
    outputs: set[str] = set()
    for stage in (data.get("stages") or {}).values():
        if not isinstance(stage, dict) or "foreach" in stage or "matrix" in stage:
            return None
        for kind in ("outs", "metrics", "plots"):
            for out in stage.get(kind) or []:
                name = next(iter(out)) if isinstance(out, dict) else out
                if isinstance(name, str):
                    outputs.add(name.strip("/"))
    return outputs


def _clear_old_results(results_dir: Path) -> None:
    """A gate run's report speaks of this run only: earlier step results go first."""
    for step in (*STEPS, "gate"):
        (results_dir / f"{step}.json").unlink(missing_ok=True)


def _write_gate_result(
    request: GateRequest,
    results: dict[str, dict[str, Any]],
    skipped: list[dict[str, str]],
    clock: Clock,
) -> None:
    decision, code = overall(results) if results else ("pass", 0)
    ran = ", ".join(f"{step} {result['status']}" for step, result in results.items())
    write_result(
        request.results_dir,
        Result(
            command="gate",
            status="pass" if decision == "pass" else "fail" if decision == "fail" else "error",
            summary=f"{decision}: {ran or 'no step ran'}",
            started_at=clock.started_at,
            duration_s=clock.elapsed(),
            details={"steps": list(results), "skipped": skipped},
            exit_code=code if decision == "error" else None,
        ),
    )
