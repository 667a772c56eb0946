"""`mlgate gate`: every configured step in order, then the report — always the report.

Order: validate the data that exists before training (files the pipeline does not produce),
reproduce the pipeline, validate again with the pipeline's outputs, compare, report. Bad data
skips training and the comparison (their verdict would be about data we already rejected);
a failed reproduction skips the comparison and the outputs' validation.

Nothing is silent: every step that did not run is listed in gate.json with why — left out by
`--skip`, after an earlier step that did not pass, or not configured — and a step that fails in
any way, an mlgate bug included, is that step's error result: the gate still writes gate.json,
the report, the comment and the outputs. All results of one gate share one run id.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlgate.config import Config
from mlgate.core.errors import InputError, MlgateError, NoReferenceYet
from mlgate.data import dvcfiles
from mlgate.report import (
    CHECK_STEPS,
    SKIPPED_BY_OPTION,
    Published,
    ReportContext,
    ReportRequest,
    advisory,
    overall,
    publish,
    report_markdown,
    with_skips,
)
from mlgate.results import (
    STEPS,
    Clock,
    Result,
    RunStamp,
    current_run,
    error_result,
    stamped,
    write_result,
)

GATE_STEPS = ("validate", "repro", "drift", "compare", "report")
# Why a step did not run (gate.json `details.skipped[].cause`); SKIPPED_BY_OPTION ("option",
# --skip STEP) is the only cause that can leave a pass incomplete.
SKIPPED_AFTER_EARLIER_STEP = "earlier_step"
SKIPPED_NO_REFERENCE_YET = "bootstrap"  # a first model: no champion to compare with yet
NOT_CONFIGURED = "not_configured"
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
    debug: bool = False  # log the traceback of a step's unexpected error


@dataclass
class _Run:
    """What one gate run has done so far."""

    request: GateRequest
    stamp: RunStamp
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)

    def skip(self, step: str, reason: str, cause: str) -> None:
        self.skipped.append({"step": step, "reason": reason, "cause": cause})
        self.request.log(f"- {step}: skipped ({reason})")

    def blocked(self) -> bool:
        return any(
            result["status"] != "pass" and not advisory(step, result)
            for step, result in self.results.items()
        )


def run_gate(request: GateRequest) -> Published:
    clock = Clock()
    _clear_old_results(request.results_dir)
    run = _Run(request, current_run(request.config.root, request.results_dir))
    _validate_inputs(run)
    _reproduce(run)
    _drift(run)
    _compare(run)
    if "report" in request.skip:
        run.skip("report", "--skip report: report.md is written, not posted", SKIPPED_BY_OPTION)
    _write_gate_result(run, clock)
    return publish(
        ReportRequest(
            results_dir=request.results_dir,
            root=request.config.root,
            post=request.post and "report" not in request.skip,
            marker_id=request.marker_id,
            require_comment=request.require_comment,
            override_decided_here=True,
        )
    )


def _has_pipeline(request: GateRequest) -> bool:
    return (request.config.root / "dvc.yaml").is_file()


def _will_reproduce(request: GateRequest) -> bool:
    return "repro" not in request.skip and _has_pipeline(request)


# A step that is not configured is reported as such even under --skip: skipping it checks
# nothing less, so it must not turn a pass into pass-with-skips.


def _validate_inputs(run: _Run) -> None:
    """The data before training: what exists now and no stage produces (all of it without a
    pipeline to run)."""
    request = run.request
    if not request.config.data:
        run.skip("validate", "no `data:` in mlgate.yaml", NOT_CONFIGURED)
    elif "validate" in request.skip:
        run.skip("validate", "--skip validate", SKIPPED_BY_OPTION)
    else:
        whole = not _will_reproduce(request)
        _step(run, "validate", lambda: _validate(request, inputs_only=not whole))


def _reproduce(run: _Run) -> None:
    request = run.request
    if not _has_pipeline(request):
        run.skip("repro", "no dvc.yaml", NOT_CONFIGURED)
        return
    if "repro" in request.skip:
        run.skip("repro", "--skip repro", SKIPPED_BY_OPTION)
        return
    if run.blocked():
        run.skip(
            "repro",
            "the data failed validation; training on it would prove nothing",
            SKIPPED_AFTER_EARLIER_STEP,
        )
        return
    _step(run, "repro", lambda: _repro(request))
    if "validate" in request.skip or not request.config.data:
        return
    if run.results["repro"]["status"] == "pass":
        _step(run, "validate", lambda: _validate(request, inputs_only=False))
    else:
        run.skip(
            "validate",
            "the pipeline's outputs were not validated: the reproduction did not pass",
            SKIPPED_AFTER_EARLIER_STEP,
        )


def _drift(run: _Run) -> None:
    """After the data is validated (and produced): a section of the report; it decides the gate
    only under `drift.block: true`. Not configured, it is no step at all."""
    request = run.request
    if request.config.drift is None:
        return
    if run.blocked():
        run.skip("drift", "an earlier step did not pass", SKIPPED_AFTER_EARLIER_STEP)
        return

    def check() -> Result | None:
        try:
            return _run_drift(request)
        except NoReferenceYet as exc:
            run.skip("drift", str(exc), SKIPPED_NO_REFERENCE_YET)
            return None

    _step(run, "drift", check)


def _run_drift(request: GateRequest) -> Result:
    """Under `block: false` even a drift check that could not run (no champion profile yet)
    is reported, not a verdict: its error result says `block: false`."""
    from mlgate.drift import DriftRequest, run_drift

    settings = request.config.drift
    assert settings is not None
    clock = Clock()
    try:
        return run_drift(
            DriftRequest(config=request.config, settings=settings, timeout_s=request.timeout_s)
        )
    except NoReferenceYet:
        raise  # a first model: not run, rather than an error (see `_drift`)
    except MlgateError as exc:
        if settings.block:
            raise
        return Result(
            command="drift",
            status="error",
            summary=f"{exc} (reported only: drift.block is false)",
            started_at=clock.started_at,
            duration_s=clock.elapsed(),
            details={"block": False},
            exit_code=exc.exit_code,
        )


def _compare(run: _Run) -> None:
    request = run.request
    if not request.config.gates:
        run.skip("compare", "no gates in mlgate.yaml", NOT_CONFIGURED)
    elif "compare" in request.skip:
        run.skip("compare", "--skip compare", SKIPPED_BY_OPTION)
    elif run.blocked():
        run.skip("compare", "an earlier step did not pass", SKIPPED_AFTER_EARLIER_STEP)
    else:
        _step(run, "compare", lambda: _run_compare(request))


def _step(run: _Run, name: str, check: Callable[[], Result | None]) -> None:
    """Run one step; whatever it raises — an mlgate error, a bug, a `SystemExit` from code it
    ran — becomes that step's error result, and the gate goes on."""
    request = run.request
    clock = Clock()
    request.log(f"▶ {name}")
    try:
        result = check()
        if result is None:
            return
        result = stamped(result, run.stamp)
        # A result the report cannot show is a bug, not a verdict; found here, the report of
        # the other steps still renders.
        report_markdown({name: result.to_dict()}, ReportContext())
        write_result(request.results_dir, result)
    except (Exception, SystemExit) as exc:
        if request.debug:
            request.log(traceback.format_exc().rstrip())
        elif not isinstance(exc, MlgateError):
            request.log("  (a bug in mlgate, or in code it ran: --debug shows the traceback)")
        result = error_result(name, exc, clock, run.stamp)
        write_result(request.results_dir, result)
    request.log(f"  {result.status}: {result.summary}")
    run.results[name] = result.to_dict()


def _validate(request: GateRequest, *, inputs_only: bool) -> Result | None:
    """None when validating only the inputs and the pipeline produces all configured data."""
    from mlgate.validate import ValidateRequest, run_validate

    paths: list[Path] = []
    if inputs_only:
        paths = _pipeline_inputs(request.config)
        if not paths:
            return None
    return run_validate(
        ValidateRequest(config=request.config, paths=tuple(paths), engine=request.config.engine)
    )


def _repro(request: GateRequest) -> Result:
    from mlgate.repro import run_pipeline

    return run_pipeline(request.config.root, log=request.log, bin_dir=request.bin_dir)


def _run_compare(request: GateRequest) -> Result:
    from mlgate.compare import CompareRequest, run_compare
    from mlgate.gate.record import record_decision

    compare = CompareRequest(
        config=request.config, timeout_s=request.timeout_s, results_dir=request.results_dir
    )
    result = run_compare(compare)
    record_decision(compare, result)
    return result


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
    """What the pipeline writes, relative to dvc.yaml's folder; None when unsure."""
    try:
        pipeline = dvcfiles.read_pipeline(dvc_yaml)
    except InputError:
        return None  # repro reports what is wrong with dvc.yaml
    if pipeline is None or pipeline.templated:
        return None
    return {out.strip("/") for out in pipeline.outs}


def links(root: Path) -> dict[str, str | None]:
    """The CI run and the commit on the forge, for the report (in CI); none when
    the run's event cannot be read — links never cost the gate its result file."""
    from mlgate.core.outbound import safe_url
    from mlgate.forge import ci

    try:
        context = ci.detect(root)
    except MlgateError:
        return {"workflow_run": None, "commit": None}
    return {"workflow_run": safe_url(context.run_url), "commit": safe_url(context.commit_url())}


def _clear_old_results(results_dir: Path) -> None:
    """A gate run's report speaks of this run only: earlier step results go first."""
    for step in (*STEPS, "gate"):
        (results_dir / f"{step}.json").unlink(missing_ok=True)


def _write_gate_result(run: _Run, clock: Clock) -> None:
    decision, code = overall(run.results)
    ran = ", ".join(f"{step} {result['status']}" for step, result in run.results.items())
    left_out = [skip["step"] for skip in run.skipped if skip["step"] in CHECK_STEPS]
    decision_output = with_skips(decision, run.skipped, run.results)
    details: dict[str, Any] = {
        "decision": decision_output,
        "steps": list(run.results),
        "skipped": run.skipped,
        "links": links(run.request.config.root),
    }
    if decision == "fail":
        override = _override(run)
        if override is not None:
            details["override"] = override
            if override["applied"] is not None:
                details["decision"] = decision_output = "overridden"
    write_result(
        run.request.results_dir,
        Result(
            command="gate",
            status=decision,
            summary=f"{decision_output}: {ran or 'no step ran'}"
            + (f"; did not run: {', '.join(left_out)}" if left_out else ""),
            started_at=clock.started_at,
            duration_s=clock.elapsed(),
            details=details,
            exit_code=code if decision == "error" else None,
            run=run.stamp,
        ),
    )


def _override(run: _Run) -> dict[str, Any] | None:
    """A maintainer's override of this blocked run, asked of the forge (gate/override.py)."""
    from mlgate.gate.override_check import check_override

    failed = [
        step
        for step, result in run.results.items()
        if result["status"] == "fail" and not advisory(step, result)
    ]
    record = check_override(run.request.config.override, failed)
    if record is not None and record["applied"] is not None:
        from mlgate.core.outbound import one_line

        applied = record["applied"]
        run.request.log(one_line(f"⚠️ overridden by @{applied['by']}: {applied['reason']}"))
    return record
