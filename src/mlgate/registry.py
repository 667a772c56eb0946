"""MLflow tracking server and Model Registry: the one module that imports mlflow.

Every lookup is O(1) in the size of the registry: alias -> version -> its logged model or
run. Nothing here lists or searches versions or runs.

Which metrics stand for a model version (README "Where baseline metrics come from"):
1. In MLflow 3 a version's `source` is a LoggedModel (`models:/m-...`) whose metrics carry the
   dataset they were computed on. Those are used, matched to the candidate's evaluation
   dataset when both record one (same digest, else same name); when they span several
   datasets and none matches, the metrics logged without a dataset, else the most recently
   logged dataset's; the origin names which.
2. Otherwise (no LoggedModel, or one without metrics) the latest metrics of the version's run.
3. A version with neither is an error: there is nothing to compare against.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, TypeVar

from mlgate.errors import ExternalError, InputError, MissingExtra
from mlgate.metrics import MetricValue
from mlgate.outbound import redact, redact_data

DEFAULT_TIMEOUT_S = 30.0
TIMEOUT_ENV = "MLGATE_MLFLOW_TIMEOUT"
T = TypeVar("T")

# MLflow's own defaults retry a refused connection for about four minutes; these bound one
# lookup to seconds. A user's own setting of any of them wins.
_HTTP_DEFAULTS = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0.5",
}


@dataclass(frozen=True)
class Dataset:
    name: str | None
    digest: str | None

    def label(self) -> str:
        return f"{self.name or '?'}@{self.digest}" if self.digest else (self.name or "?")


@dataclass(frozen=True)
class ModelMetrics:
    """The metrics standing for one registered model version (or one run)."""

    metrics: dict[str, MetricValue]
    origin: str
    model: str | None = None
    version: str | None = None
    run_id: str | None = None
    dataset: Dataset | None = None
    url: str | None = None


def resolve_tracking_uri(configured: str | None, root: Path) -> str:
    """MLFLOW_TRACKING_URI wins; a relative sqlite path is relative to the config's folder."""
    uri = os.environ.get("MLFLOW_TRACKING_URI") or configured
    if not uri:
        raise InputError(
            "no MLflow tracking URI: set `mlflow.tracking_uri` in mlgate.yaml or the "
            "MLFLOW_TRACKING_URI environment variable"
        )
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri.startswith(prefix + "/"):
        return prefix + str((root / uri[len(prefix) :]).resolve())
    return uri


def timeout_from_env() -> float:
    raw = os.environ.get(TIMEOUT_ENV)
    if raw is None:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise InputError(f"{TIMEOUT_ENV}={raw!r}: expected a number of seconds above 0")
    return value


class Registry:
    """A connection to one tracking server; every call ends within `timeout_s` or fails."""

    def __init__(self, tracking_uri: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.tracking_uri = tracking_uri
        self.timeout_s = timeout_s
        for key, value in _HTTP_DEFAULTS.items():
            os.environ.setdefault(key, value)
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", str(max(1, int(timeout_s / 3))))
        try:
            from mlflow import MlflowClient
        except ImportError as exc:
            raise MissingExtra("mlflow", "mlflow") from exc
        # MLflow logs schema migrations of a new sqlite store at INFO on stderr: not ours to
        # show. Set after the import, which configures mlflow's logger.
        logging.getLogger("mlflow").setLevel(logging.WARNING)
        self.client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)

    def alias_version(
        self, model: str, alias: str, match: Dataset | None = None
    ) -> ModelMetrics | None:
        """The metrics of the version `alias` points to; None when there is no such version."""
        try:
            version = self.call(
                f"models:/{model}@{alias}", self.client.get_model_version_by_alias, model, alias
            )
        except _Missing:
            return None
        return self._version_metrics(version, match)

    def version_metrics(
        self, model: str, version: str, match: Dataset | None = None
    ) -> ModelMetrics:
        where = f"models:/{model}/{version}"
        try:
            found = self.call(where, self.client.get_model_version, model, version)
        except _Missing as exc:
            raise ExternalError(f"{where}: no such model version in {self.tracking_uri}") from exc
        return self._version_metrics(found, match)

    def run_metrics(self, run_id: str) -> ModelMetrics:
        try:
            run = self.call(f"run {run_id}", self.client.get_run, run_id)
        except _Missing as exc:
            raise ExternalError(f"run {run_id}: not found in {self.tracking_uri}") from exc
        inputs = run.inputs.dataset_inputs if run.inputs else []
        datasets = {Dataset(item.dataset.name, item.dataset.digest) for item in inputs}
        return ModelMetrics(
            metrics={key: float(value) for key, value in run.data.metrics.items()},
            origin=f"run {run_id}",
            run_id=run_id,
            dataset=datasets.pop() if len(datasets) == 1 else None,
        )

    def record_decision(self, run_id: str, tags: dict[str, str], markdown: str) -> None:
        """Tags and the report on the candidate's run, so the MLflow UI shows the verdict."""

        def record() -> None:
            for key, value in redact_data(tags).items():
                self.client.set_tag(run_id, key, value)
            self.client.log_text(run_id, redact(markdown), "mlgate/compare.md")

        try:
            self.call(f"run {run_id}", record)
        except _Missing as exc:
            raise ExternalError(f"run {run_id}: not found in {self.tracking_uri}") from exc

    def _version_metrics(self, version: Any, match: Dataset | None) -> ModelMetrics:
        where = f"models:/{version.name}/{version.version}"
        model_id = version.model_id or _logged_model_id(version.source)
        found: ModelMetrics | None = None
        if model_id:
            try:
                logged = self.call(where, self.client.get_logged_model, model_id)
            except _Missing:
                logged = None
            if logged is not None and logged.metrics:
                found = _from_logged_metrics(logged.metrics, match, model_id)
        if found is None and version.run_id:
            found = self.run_metrics(version.run_id)
        if found is None or not found.metrics:
            raise ExternalError(
                f"{where} has no metrics (neither its logged model nor its run): log the "
                "evaluation metrics with the model, or choose another `metrics.baseline`"
            )
        return ModelMetrics(
            metrics=found.metrics,
            origin=found.origin,
            model=version.name,
            version=str(version.version),
            run_id=version.run_id or found.run_id,
            dataset=found.dataset,
            url=self._version_url(version.name, str(version.version)),
        )

    def _version_url(self, model: str, version: str) -> str | None:
        if self.tracking_uri.startswith(("http://", "https://")):
            return f"{self.tracking_uri.rstrip('/')}/#/models/{model}/versions/{version}"
        return None

    def call(self, where: str, func: Callable[..., T], *args: Any) -> T:
        """Call MLflow in a daemon thread, so that a server that never answers cannot hang us."""
        outcome: dict[str, Any] = {}

        def target() -> None:
            try:
                outcome["value"] = func(*args)
            except BaseException as exc:  # re-raised in the calling thread below
                outcome["error"] = exc

        worker = threading.Thread(target=target, name="mlgate-mlflow", daemon=True)
        with _mlflow_output_redacted():
            worker.start()
            worker.join(self.timeout_s)
        if worker.is_alive():
            raise ExternalError(
                f"MLflow at {self.tracking_uri} did not answer within {self.timeout_s:g} s "
                f"({where}); is the tracking server up? (set {TIMEOUT_ENV} to wait longer)"
            )
        if "error" in outcome:
            raise self._translate(where, outcome["error"])
        return outcome["value"]  # type: ignore[no-any-return]

    def _translate(self, where: str, exc: BaseException) -> BaseException:
        from mlflow.exceptions import MlflowException

        if isinstance(exc, MlflowException):
            # MLflow reports a missing alias as INVALID_PARAMETER_VALUE, a missing model or
            # version as RESOURCE_DOES_NOT_EXIST: both mean "not there", not an outage.
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST" or (
                exc.error_code == "INVALID_PARAMETER_VALUE" and "alias" in str(exc).lower()
            ):
                return _Missing(str(exc))
            return self._external(where, exc)
        if isinstance(exc, Exception):
            return self._external(where, exc)
        return exc

    def _external(self, where: str, exc: Exception) -> ExternalError:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return ExternalError(f"MLflow at {self.tracking_uri} failed ({where}): {message}")


class _Missing(Exception):
    """MLflow said the thing asked for does not exist."""


class _RedactedLines(io.TextIOBase):
    """A stream that writes whole lines, redacted, to `target`."""

    def __init__(self, target: TextIO) -> None:
        self._target = target
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            self._target.write(redact(line) + "\n")
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._target.write(redact(self._pending))
            self._pending = ""
        self._target.flush()


@contextlib.contextmanager
def _mlflow_output_redacted() -> Iterator[None]:
    """MLflow prints "View run ... at: <tracking URI>" on stdout: that URI may hold a password,
    and stdout is for mlgate's own output (`--format json`). Send it to stderr, redacted."""
    lines = _RedactedLines(sys.stderr)
    try:
        with contextlib.redirect_stdout(lines), contextlib.redirect_stderr(lines):
            yield
    finally:
        lines.flush()


def _logged_model_id(source: str | None) -> str | None:
    prefix = "models:/m-"
    if source and source.startswith(prefix) and "/" not in source[len("models:/") :]:
        return source[len("models:/") :]
    return None


def _from_logged_metrics(logged: list[Any], match: Dataset | None, model_id: str) -> ModelMetrics:
    groups: dict[Dataset, list[Any]] = {}
    for metric in logged:
        groups.setdefault(Dataset(metric.dataset_name, metric.dataset_digest), []).append(metric)
    chosen, why = _choose_dataset(groups, match)
    latest: dict[str, Any] = {}
    for metric in sorted(groups[chosen], key=lambda m: (m.step, m.timestamp)):
        latest[metric.key] = metric
    origin = f"logged model {model_id}"
    if chosen != Dataset(None, None):
        origin += f" on dataset {chosen.label()}"
    if why:
        origin += f" ({why})"
    return ModelMetrics(
        metrics={key: float(metric.value) for key, metric in latest.items()},
        origin=origin,
        dataset=None if chosen == Dataset(None, None) else chosen,
    )


def _choose_dataset(groups: dict[Dataset, list[Any]], match: Dataset | None) -> tuple[Dataset, str]:
    if match is not None:
        for dataset in groups:
            if match.digest and dataset.digest == match.digest:
                return dataset, "same dataset digest as the candidate"
        for dataset in groups:
            if match.name and dataset.name == match.name:
                return dataset, "same dataset name as the candidate"
    if len(groups) == 1:
        return next(iter(groups)), ""
    undated = Dataset(None, None)
    if undated in groups:
        return undated, "several datasets, none the candidate's: metrics logged without one"
    newest = max(groups, key=lambda d: max(m.timestamp for m in groups[d]))
    return newest, "several datasets, none the candidate's: the most recently logged"


LOCK_PREFIX = "mlgate-lock--"
LOCK_LEASE_S = 600.0


@dataclass(frozen=True)
class RegisteredVersion:
    model: str
    version: str
    run_id: str | None
    tags: dict[str, str]


class Promotions:
    """The writes promote and rollback make, on top of a `Registry` connection."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._client = registry.client

    def holder(self, model: str, alias: str) -> RegisteredVersion | None:
        """The version holding `alias` now, or None."""
        try:
            found = self.registry.call(
                f"models:/{model}@{alias}", self._client.get_model_version_by_alias, model, alias
            )
        except _Missing:
            return None
        return _registered(found)

    def version(self, model: str, version: str) -> RegisteredVersion:
        where = f"models:/{model}/{version}"
        try:
            found = self.registry.call(where, self._client.get_model_version, model, version)
        except _Missing as exc:
            raise ExternalError(f"{where}: no such model version") from exc
        return _registered(found)

    def model_tags(self, model: str) -> dict[str, str]:
        try:
            found = self.registry.call(model, self._client.get_registered_model, model)
        except _Missing:
            return {}
        return dict(found.tags)

    def set_alias(self, model: str, alias: str, version: str) -> None:
        self.registry.call(
            f"models:/{model}@{alias}",
            self._client.set_registered_model_alias,
            model,
            alias,
            version,
        )

    def tag_version(self, model: str, version: str, tags: dict[str, str]) -> None:
        def write() -> None:
            for key, value in redact_data(tags).items():
                self._client.set_model_version_tag(model, version, key, value)

        self.registry.call(f"models:/{model}/{version}", write)

    def tag_model(self, model: str, tags: dict[str, str]) -> None:
        def write() -> None:
            for key, value in redact_data(tags).items():
                self._client.set_registered_model_tag(model, key, value)

        self.registry.call(model, write)

    def register_run_model(self, model: str, run_id: str, artifact_path: str) -> RegisteredVersion:
        """A new version of `model` from the model an MLflow run logged."""
        import mlflow

        def register() -> Any:
            # register_model resolves runs:/ and models:/ URIs through the global tracking URI.
            mlflow.set_tracking_uri(self.registry.tracking_uri)
            mlflow.set_registry_uri(self.registry.tracking_uri)
            return mlflow.register_model(f"runs:/{run_id}/{artifact_path}", model)

        return _registered(self.registry.call(f"run {run_id}", register))

    def register_files(
        self,
        model: str,
        files: list[Path],
        *,
        params: dict[str, str],
        metrics: dict[str, float],
        tags: dict[str, str],
    ) -> RegisteredVersion:
        """A new version of `model` from model files a pipeline produced (a DVC output).

        Logged the MLflow 3 way: a run with the params and metrics, a LoggedModel holding the
        files with the metrics attached, and a model version whose source is that LoggedModel.
        """
        from mlflow.entities import Metric, Param

        params, tags = redact_data(params), redact_data(tags)  # what MLflow shows to everyone

        def register() -> Any:
            experiment = self._client.get_experiment_by_name(model)
            experiment_id = (
                experiment.experiment_id if experiment else self._client.create_experiment(model)
            )
            run_id = self._client.create_run(experiment_id, tags=tags).info.run_id
            logged = self._client.create_logged_model(
                experiment_id, name="model", source_run_id=run_id, tags=tags
            )
            now = int(time.time() * 1000)
            self._client.log_batch(
                run_id,
                metrics=[
                    Metric(key, value, now, 0, model_id=logged.model_id, run_id=run_id)
                    for key, value in metrics.items()
                ],
                params=[Param(key, value[:6000]) for key, value in params.items()],
            )
            for path in files:
                if path.is_dir():
                    self._client.log_model_artifacts(logged.model_id, str(path))
                else:
                    self._client.log_model_artifact(logged.model_id, str(path))
            self._client.finalize_logged_model(logged.model_id, "READY")
            self._client.set_terminated(run_id)
            import mlflow

            mlflow.set_tracking_uri(self.registry.tracking_uri)
            return self._client.create_model_version(
                model,
                source=f"models:/{logged.model_id}",
                run_id=run_id,
                model_id=logged.model_id,
                tags=tags,
            )

        self._ensure_model(model)
        return _registered(self.registry.call(f"models:/{model}", register))

    def _ensure_model(self, model: str) -> None:
        from mlflow.exceptions import MlflowException

        def create() -> None:
            try:
                self._client.create_registered_model(model)
            except MlflowException as exc:
                if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                    raise

        self.registry.call(model, create)

    def acquire_lock(self, model: str, holder: str, wait_s: float) -> str:
        """Take the promotion lock of `model`, waiting up to `wait_s`; return its name.

        MLflow has no compare-and-set on aliases. Creating a registered model is atomic (the
        store's unique name), so a registered model named `mlgate-lock--<model>` is the mutex.
        A lock older than LOCK_LEASE_S (a promotion that died) is broken.
        """
        from mlflow.exceptions import MlflowException

        name = f"{LOCK_PREFIX}{model}"
        deadline = time.monotonic() + wait_s

        def try_create() -> bool:
            try:
                self._client.create_registered_model(
                    name,
                    tags={"mlgate.holder": holder},
                    description=f"Held by an mlgate promotion of {model}; deleted when it ends.",
                )
            except MlflowException as exc:
                if exc.error_code == "RESOURCE_ALREADY_EXISTS":
                    return False
                raise
            return True

        while not self.registry.call(name, try_create):
            self._break_stale_lock(name)
            if time.monotonic() > deadline:
                raise ExternalError(
                    f"another promotion of {model!r} holds the lock {name!r}; waited "
                    f"{wait_s:g} s (it is broken after {LOCK_LEASE_S:g} s if its holder died)"
                )
            time.sleep(0.5)
        return name

    def release_lock(self, name: str) -> None:
        with contextlib.suppress(_Missing):
            self.registry.call(name, self._client.delete_registered_model, name)

    def _break_stale_lock(self, name: str) -> None:
        try:
            lock = self.registry.call(name, self._client.get_registered_model, name)
        except _Missing:
            return
        age_s = time.time() - lock.creation_timestamp / 1000
        if age_s > LOCK_LEASE_S:
            self.release_lock(name)


def _registered(version: Any) -> RegisteredVersion:
    return RegisteredVersion(
        model=version.name,
        version=str(version.version),
        run_id=version.run_id,
        tags=dict(version.tags or {}),
    )
