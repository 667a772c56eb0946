"""The two sides of a comparison and the request: shared by compare's run, its evidence and
its changes, so that none of them imports another for a type."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlgate.config import Config
from mlgate.data import MetricValue

if TYPE_CHECKING:  # the registry's face is light, but compare's types need only its names
    from mlgate.registry import Dataset, Registry


@dataclass(frozen=True)
class Side:
    """One side of the comparison: where its metrics came from, and what they are."""

    source: str
    metrics: dict[str, MetricValue] | None
    origin: str = ""
    model: str | None = None
    alias: str | None = None
    version: str | None = None
    run_id: str | None = None
    url: str | None = None
    dataset: Dataset | None = None  # the data the metrics were computed on, when logged
    missing_reason: str = ""
    # How the baseline resolved: found, bootstrap (none by design: a first model, a base
    # revision whose pipeline declares no metrics) or none (`--baseline none`).
    resolution: str = "found"
    identity: dict[str, Any] | None = None


@dataclass
class CompareRequest:
    config: Config
    candidate: str | None = None
    baseline: str | None = None
    log_decision: bool = True
    timeout_s: float = 30.0
    # This gate run's results (validate.json's rows, repro.json's params) for "What changed";
    # None for a compare of its own, which reads the workspace instead.
    results_dir: Path | None = None
    _registry: Registry | None = field(default=None, repr=False)

    @property
    def root(self) -> Path:
        return self.config.root

    def registry(self) -> Registry:
        """The MLflow connection, made on first use only (REST reads for a tracking server)."""
        if self._registry is None:
            from mlgate.registry import open_registry, resolve_tracking_uri

            uri = resolve_tracking_uri(self.config.mlflow.tracking_uri, self.root, self.config.path)
            self._registry = open_registry(uri, timeout_s=self.timeout_s)
        return self._registry
