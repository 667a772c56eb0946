"""The per-example records of both sides, turned into the intervals gates with `confidence`
are judged on (rules.Evidence). I/O lives here; rules.py stays pure.

The candidate's records are `metrics.per_example` in the workspace. The baseline's: for
`file:` the mapping form's `baseline:`; for `git:REF` the same path at that revision; for
the registry the file `mlgate promote` stored with the champion. A champion promoted
without records is judged on point estimates, and the result says so loudly.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate.compare.rules import Evidence
from mlgate.config import GateRule, PerExample
from mlgate.core.errors import InputError, MissingExtra
from mlgate.data import MetricValue

if TYPE_CHECKING:
    from mlgate.compare.types import CompareRequest, Side

# Recomputed on all rows, the statistic must give the reported metric to this relative error.
REPRODUCE_REL_TOLERANCE = 1e-6


@dataclass
class Gathered:
    evidence: dict[str, Evidence] = field(default_factory=dict)
    details: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def gather(
    request: CompareRequest, candidate_spec: str, candidate: Side, baseline: Side
) -> Gathered:
    """Evidence for every gate with `confidence`; nothing when no gate has one."""
    config = request.config
    gates = [gate for gate in config.gates if gate.confidence is not None]
    per_example = config.metrics.per_example
    if not gates or per_example is None:
        return Gathered()
    _require_extras()
    from mlgate.compare.stats.per_example import Columns, read_records

    if candidate_spec != "dvc" and not candidate_spec.startswith("file:"):
        raise InputError(
            f"{config.path}: gates with `confidence` need the candidate's per-example records "
            f"in the workspace ({per_example.candidate}), so the candidate must be `dvc` or "
            f"file:PATH, not {candidate_spec!r}"
        )
    columns = Columns(
        y_true=per_example.y_true,
        y_pred=per_example.y_pred,
        y_score=per_example.y_score,
        id=per_example.id,
        weight=per_example.weight,
    )
    candidate_path = config.root / per_example.candidate
    if not candidate_path.is_file():
        raise InputError(
            f"{candidate_path}: the per-example records (metrics.per_example) are not there; "
            "run the evaluation first"
        )
    candidate_frame = read_records(candidate_path, per_example.candidate, columns)
    gathered = Gathered()
    with tempfile.TemporaryDirectory(prefix="mlgate-records-") as scratch:
        located = _baseline_records(request, per_example, baseline, Path(scratch))
        baseline_frame, baseline_shown, missing = None, "", ""
        if isinstance(located, tuple):
            path, baseline_shown = located
            baseline_frame = read_records(path, baseline_shown, columns)
        else:
            missing = located
    sides = _Sides(candidate_frame, per_example.candidate, baseline_frame, columns)
    sides.baseline_shown = baseline_shown
    for gate in gates:
        assert gate.statistic is not None
        _require_reproduced(gate, sides, candidate.metrics, baseline.metrics)
        gathered.evidence[gate.metric] = sides.evidence(gate, missing)
    gathered.details = sides.details(missing)
    if missing and baseline.metrics is not None:
        gathered.notes.append(f"NO BASELINE RECORDS: {missing}")
    return gathered


def _require_extras() -> None:
    for module in ("numpy", "pandas"):
        try:
            __import__(module)
        except ImportError as exc:
            raise MissingExtra(module, "validate") from exc


def _baseline_records(
    request: CompareRequest, per_example: PerExample, baseline: Side, scratch: Path
) -> tuple[Path, str] | str:
    """Where the baseline's records are (a path and how to name it), or why there are none."""
    source = baseline.source
    if baseline.metrics is None:
        return "there is no baseline"
    if source.startswith("file:"):
        if per_example.baseline is None:
            raise InputError(
                f"{request.config.path}: the baseline is {source}, so `metrics.per_example` "
                "must name its records too: per_example: {candidate: ..., baseline: ...}"
            )
        path = request.root / per_example.baseline
        if not path.is_file():
            raise InputError(f"{path}: the baseline's per-example records are not there")
        return path, per_example.baseline
    if source.startswith("git:"):
        from mlgate.core.scm import file_at_revision

        rev = source.removeprefix("git:")
        data = file_at_revision(request.root, rev, per_example.candidate)
        if data is None:
            data = _tracked_by_dvc_at(request.root, rev, per_example.candidate)
        if data is None:
            return f"{per_example.candidate} is not in git (nor tracked by DVC) at {rev}"
        path = scratch / Path(per_example.candidate).name
        path.write_bytes(data)
        return path, f"{per_example.candidate} at {rev}"
    assert baseline.model is not None and baseline.version is not None
    stored = request.registry().per_example_records(baseline.model, baseline.version, scratch)
    if stored is None:
        return (
            f"the champion models:/{baseline.model}/{baseline.version} was promoted without "
            "per-example records (before mlgate stored them); the next promote stores them"
        )
    return stored, f"models:/{baseline.model}/{baseline.version}'s stored records"


def _tracked_by_dvc_at(root: Path, rev: str, path: str) -> bytes | None:
    """A records file DVC caches (an `outs:` entry), read at `rev` through DVC."""
    from mlgate import repro

    return repro.file_at_revision(root, rev, path)


class _Sides:
    """Both sides' records, paired once, and what each gate's statistic says of them."""

    def __init__(self, candidate: Any, shown: str, baseline: Any | None, columns: Any) -> None:
        from mlgate.compare.stats.per_example import pair, to_records

        self.shown = shown
        self.baseline_shown = ""
        self.candidate = to_records(candidate, shown, columns)
        self.baseline = None
        self.pair = None
        if baseline is not None:
            self.baseline = to_records(baseline, "the baseline's records", columns)
            self.pair = pair(candidate, baseline, (shown, "the baseline's records"), columns)

    def value(self, statistic: str, side: str) -> float:
        from mlgate.compare.stats.paired import value

        records = self.candidate if side == "candidate" else self.baseline
        assert records is not None
        return float(self._call(lambda: value(statistic, records)))

    def evidence(self, gate: GateRule, missing: str) -> Evidence:
        from mlgate.compare.stats.paired import independent_interval, interval

        assert gate.statistic is not None and gate.confidence is not None
        statistic, confidence = gate.statistic, gate.confidence
        own = self._call(lambda: interval(statistic, self.candidate, None, confidence))
        if self.pair is None:
            return Evidence(
                candidate=own,
                difference=None,
                on_inconclusive=gate.on_inconclusive,
                missing_reason=missing,
            )
        pair = self.pair
        if pair.pairing == "unpaired":
            assert self.baseline is not None
            base = self.baseline
            difference = self._call(
                lambda: independent_interval(statistic, self.candidate, base, confidence)
            )
        else:
            difference = self._call(
                lambda: interval(statistic, pair.candidate, pair.baseline, confidence)
            )
        return Evidence(
            candidate=own,
            difference=difference,
            pairing=pair.pairing,
            paired_rows=pair.paired_rows,
            on_inconclusive=gate.on_inconclusive,
        )

    def _call(self, compute: Any) -> Any:
        from mlgate.compare.stats.paired import RecordsError

        try:
            return compute()
        except RecordsError as exc:
            raise InputError(f"{self.shown}: {exc}") from exc

    def details(self, missing: str) -> dict[str, Any]:
        return {
            "candidate": {"path": self.shown, "rows": len(self.candidate)},
            "baseline": (
                None
                if self.baseline is None
                else {"source": self.baseline_shown, "rows": len(self.baseline)}
            ),
            "pairing": None if self.pair is None else self.pair.pairing,
            "paired_rows": None if self.pair is None else self.pair.paired_rows,
            "note": None if self.pair is None or not self.pair.note else self.pair.note,
            "missing_reason": missing or None,
        }


def _require_reproduced(
    gate: GateRule,
    sides: _Sides,
    candidate: dict[str, MetricValue] | None,
    baseline: dict[str, MetricValue] | None,
) -> None:
    """The records must be what the metrics were computed from: an evaluation that writes
    one thing and reports another is a bug no gate would otherwise see (exit 2)."""
    assert gate.statistic is not None
    checks = [("candidate", candidate, sides.shown)]
    if sides.baseline is not None:
        checks.append(("baseline", baseline, sides.baseline_shown))
    for side, metrics, shown in checks:
        reported = (metrics or {}).get(gate.metric)
        if isinstance(reported, bool) or not isinstance(reported, int | float):
            continue  # missing or not a number: the gate's own checks say so
        recomputed = sides.value(gate.statistic, side)
        if not math.isclose(recomputed, reported, rel_tol=REPRODUCE_REL_TOLERANCE, abs_tol=1e-12):
            raise InputError(
                f"the per-example records {shown} give {gate.statistic} {recomputed:.6g}, but "
                f"the {side}'s metrics say {gate.metric} {reported:.6g}: they are not the "
                "records the metric was computed from (or the statistic is not the one "
                f"reported: set gates.{gate.metric}.statistic)"
            )
