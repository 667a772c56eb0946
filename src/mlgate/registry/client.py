"""MLflow tracking server and Model Registry: the one module that imports mlflow.

A found baseline costs O(1) lookups in the size of the registry: alias -> version -> its
logged model or run. Only when the alias resolves to nothing are the registered model names
searched (bounded, MAX_NAMES_SEARCHED), to tell a first model (bootstrap) from a typo.

Which metrics stand for a model version (docs/compare.md, "Where baseline metrics come from"):
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
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, TextIO, TypeVar

from mlgate.config import alias_problem
from mlgate.core.errors import ExternalError, InputError, MissingExtra, MlgateError, NoReferenceYet
from mlgate.core.outbound import redact, redact_data, safe_url
from mlgate.core.paths import repo_relative
from mlgate.data import MetricValue

DEFAULT_TIMEOUT_S = 30.0
# Names searched for a typo before a missing registered model counts as a first model.
MAX_NAMES_SEARCHED = 10_000
SEARCH_PAGE = 1000  # MLflow's largest page of registered models
SIMILAR_NAME_RATIO = 0.75  # difflib ratio: wine/wind 0.75, fraud-model/churn-model 0.64
TIMEOUT_ENV = "MLGATE_MLFLOW_TIMEOUT"
DATABASE_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")  # MLflow's SqlAlchemyStore's
# Where promote stores the per-example records with a version: an artifact of its run.
PER_EXAMPLE_ARTIFACT = "mlgate/per_example"
# MLflow refuses a param value longer than this; `mlgate promote` logs the value cut here.
MLFLOW_PARAM_CHARS = 6000
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


class VersionEntity(Protocol):
    """A model version as MLflow's client (`ModelVersion`) or the REST reader answers it: the
    fields mlgate reads. MLflow stays imported inside functions; this names its shape."""

    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str | int: ...
    @property
    def run_id(self) -> str | None: ...
    @property
    def source(self) -> str | None: ...
    @property
    def model_id(self) -> str | None: ...


class TaggedVersion(VersionEntity, Protocol):
    """A model version with its tags (MLflow's client: promotions read and write them)."""

    @property
    def tags(self) -> dict[str, str] | None: ...


class RegisteredEntity(Protocol):
    """A registered model as MLflow's client (`RegisteredModel`) or the REST reader answers it;
    the promotion lock is one, its creation time telling one lock from the next."""

    @property
    def name(self) -> str: ...
    @property
    def latest_versions(self) -> Sequence[VersionEntity] | None: ...
    @property
    def creation_timestamp(self) -> int: ...
    @property
    def tags(self) -> dict[str, str]: ...


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


@dataclass(frozen=True)
class FirstModel:
    """No baseline by design (bootstrap): the model is new; `reason` says how we know."""

    reason: str


def resolve_tracking_uri(
    configured: str | None, root: Path, config_path: Path | None = None
) -> str:
    """MLFLOW_TRACKING_URI wins; a relative local store path is relative to the config's
    folder. A local store that cannot be the one meant (its folder does not exist, a file of a
    similar name does) is the user's input to fix: MLflow would create it, empty."""
    from mlgate.registry.local_store import (
        check_local_store,
        tracking_uri_setting,
        with_absolute_path,
    )

    uri = os.environ.get("MLFLOW_TRACKING_URI") or configured
    if not uri:
        raise InputError(
            "no MLflow tracking URI: set `mlflow.tracking_uri` in mlgate.yaml or the "
            "MLFLOW_TRACKING_URI environment variable"
        )
    uri = with_absolute_path(uri, root)
    check_local_store(uri, tracking_uri_setting(config_path))
    return uri


def local_artifact_location(tracking_uri: str, experiment: str) -> str | None:
    """Where a new experiment keeps its artifacts when the store is a local sqlite file:
    `mlartifacts/<experiment>` beside the database, as `mlflow server` lays it out. None for
    any other store (a server decides its own). Without it MLflow puts them in `./mlruns`
    of whatever folder the process happens to run in."""
    prefix = "sqlite:///"
    if not tracking_uri.startswith(prefix):
        return None
    database = tracking_uri[len(prefix) :].split("?", 1)[0]
    if not database or database == ":memory:":
        return None
    # A folder name from any experiment name: no separators, no `..`.
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", experiment).strip(".") or "experiment"
    folder = Path(database).resolve().parent / "mlartifacts" / name
    return folder.as_uri()


class Registry:
    """A connection to one tracking server; every call ends within `timeout_s` or fails."""

    def __init__(
        self, tracking_uri: str, timeout_s: float = DEFAULT_TIMEOUT_S, *, create: bool = False
    ) -> None:
        """`create`: open a local store that does not exist yet, which MLflow creates (promote);
        without it such a store is read as empty and left uncreated (`absent_store`)."""
        self.tracking_uri = tracking_uri
        self.timeout_s = timeout_s
        self.create = create
        self.absent_store: Path | None = None
        for key, value in _HTTP_DEFAULTS.items():
            os.environ.setdefault(key, value)
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", str(max(1, int(timeout_s / 3))))
        self.client: Any = self._open()

    def _open(self) -> Any:
        """The client every call goes through: MLflow's own here, or none for a local store
        that does not exist yet and is not to be created."""
        import importlib.util

        from mlgate.registry.local_store import local_store_path, store_exists

        local = local_store_path(self.tracking_uri)
        if local is not None and not self.create and not store_exists(self.tracking_uri, local):
            self.absent_store = local
            return _AbsentStore()

        database = self.tracking_uri.split(":", 1)[0].split("+")[0] in DATABASE_SCHEMES
        # mlflow-skinny (the `mlflow` extra) opens a database store only beside sqlalchemy,
        # which the full package brings.
        if database and importlib.util.find_spec("sqlalchemy") is None:
            raise MissingExtra(
                "mlflow",
                "mlflow-local",
                f"the full package, not mlflow-skinny, to open the local store {self.tracking_uri}",
            )
        try:
            from mlflow import MlflowClient
        except ImportError as exc:
            raise MissingExtra("mlflow", "mlflow-local" if database else "mlflow") from exc
        # MLflow logs schema migrations of a new sqlite store at INFO on stderr: not ours to
        # show. Set after the import, which configures mlflow's logger.
        logging.getLogger("mlflow").setLevel(logging.WARNING)
        # Making the client opens the store (a sqlite file is read, a scheme checked): its
        # failures are MLflow's like any other call's.
        uri = self.tracking_uri
        return self.call("opening the store", MlflowClient, uri, uri)

    def alias_version(
        self, model: str, alias: str, match: Dataset | None = None
    ) -> ModelMetrics | FirstModel:
        """The metrics of the version `alias` points to.

        FirstModel only for a first model (bootstrap): `model` is not registered and no registered
        model has a similar name, or it is registered and has no version yet. Every other way
        of finding nothing is the user's input to fix (InputError): a name close to an existing
        one, an alias that none of the model's versions holds, an alias MLflow rejects.
        """
        problem = alias_problem(alias, to_set=False)
        if problem:
            raise InputError(f"alias {alias!r}: {problem}")
        try:
            version = self.call(
                f"models:/{model}@{alias}", self.client.get_model_version_by_alias, model, alias
            )
        except _Missing:
            return self._first_model(model, alias)
        return self._version_metrics(version, match)

    def version_metrics(
        self, model: str, version: str, match: Dataset | None = None
    ) -> ModelMetrics:
        where = f"models:/{model}/{version}"
        try:
            found = self.call(where, self.client.get_model_version, model, version)
        except _Missing as exc:
            raise InputError(f"{where}: no such model version in {self.tracking_uri}") from exc
        return self._version_metrics(found, match)

    def run_metrics(self, run_id: str) -> ModelMetrics:
        """The metrics of the run a user named (`run:RUN_ID`): a missing run is their input."""
        try:
            found = self._run_metrics(run_id)
        except _Missing as exc:
            raise InputError(f"run {run_id}: not found in {self.tracking_uri}") from exc
        return replace(found, url=self._run_url(run_id))

    def _first_model(self, model: str, alias: str) -> FirstModel:
        """Why no version holding `alias` means a first model; else raise what is wrong."""
        try:
            registered = self.call(model, self.client.get_registered_model, model)
        except _Missing:
            if self.absent_store is not None:
                return FirstModel(
                    f"the MLflow store {repo_relative(self.absent_store)} does not exist yet, "
                    f"so registered model {model!r} does not either"
                )
            similar = self._similar_model_names(model)
            if similar:
                names = ", ".join(repr(name) for name in similar)
                raise InputError(
                    f"registered model {model!r} not found in {self.tracking_uri}; did you mean "
                    f"{names}? Fix `mlflow.model`. If {model!r} is a new model, create it "
                    f"(empty) first so its name is on record, e.g. "
                    f"`MlflowClient().create_registered_model({model!r})`, and compare again"
                ) from None
            return FirstModel(f"registered model {model!r} does not exist yet")
        aliases = dict(registered.aliases or {})
        if aliases:
            held = ", ".join(f"{name} (v{version})" for name, version in sorted(aliases.items()))
            close = _close_names(alias, list(aliases))
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise InputError(
                f"no version of {model!r} holds alias {alias!r}; its aliases: {held}.{hint} "
                "Fix `mlflow.alias`, or set the alias on the production version"
            )
        if self._has_versions(registered):
            raise InputError(
                f"{model!r} has versions but none holds alias {alias!r} (it has no aliases): set "
                f"{alias!r} on the version in production (MLflow UI, or "
                f"`MlflowClient().set_registered_model_alias({model!r}, {alias!r}, VERSION)`), "
                "or fix `mlflow.alias`"
            )
        return FirstModel(f"registered model {model!r} has no version yet")

    def _has_versions(self, registered: RegisteredEntity) -> bool:
        if registered.latest_versions:
            return True
        name = registered.name
        quote = "'" if "'" not in name else '"'
        if quote in name:
            return False  # not expressible in a search filter; latest_versions said none
        query = f"name = {quote}{name}{quote}"
        found = self._search(name, self.client.search_model_versions, query, 1)
        return bool(list(found))

    def _search(self, where: str, func: Callable[..., T], *args: Any) -> T:
        """A search: it finds nothing or something, and never answers "does not exist"."""
        try:
            return self.call(where, func, *args)
        except _Missing as exc:
            raise self.not_mlflow(where, _first_line(exc)) from None

    def _similar_model_names(self, model: str) -> list[str]:
        """Registered model names close to `model` (a typo?), from a bounded search."""
        names: list[str] = []
        token: str | None = None
        while True:
            page = self._search(
                "search of registered models",
                self.client.search_registered_models,
                None,
                SEARCH_PAGE,
                None,
                token,
            )
            names.extend(item.name for item in page if not item.name.startswith(LOCK_PREFIX))
            token = page.token
            if not token:
                return _close_names(model, names)
            if len(names) >= MAX_NAMES_SEARCHED:
                raise InputError(
                    f"registered model {model!r} not found in {self.tracking_uri}, which holds "
                    f"more than {MAX_NAMES_SEARCHED} models: too many to rule out a typo. If "
                    f"{model!r} is a new model, create it (empty) first, e.g. "
                    f"`MlflowClient().create_registered_model({model!r})`; else fix `mlflow.model`"
                )

    def _run_metrics(self, run_id: str) -> ModelMetrics:
        run = self.call(f"run {run_id}", self.client.get_run, run_id)
        inputs = run.inputs.dataset_inputs if run.inputs else []
        datasets = {Dataset(item.dataset.name, item.dataset.digest) for item in inputs}
        return ModelMetrics(
            metrics={key: float(value) for key, value in run.data.metrics.items()},
            origin=f"run {run_id}",
            run_id=run_id,
            dataset=datasets.pop() if len(datasets) == 1 else None,
        )

    def run_params(self, run_id: str) -> dict[str, str]:
        """The params logged on a run, as MLflow keeps them (strings): for a registered version
        what `mlgate promote` logged with it."""
        try:
            run = self.call(f"run {run_id}", self.client.get_run, run_id)
        except _Missing as exc:
            raise ExternalError(f"run {run_id}: not found in {self.tracking_uri}") from exc
        return {str(key): str(value) for key, value in run.data.params.items()}

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

    def per_example_records(self, model: str, version: str, folder: Path) -> Path | None:
        """The per-example records `promote` stored with a version (on its run), downloaded
        into `folder`; None when it stored none (promoted before mlgate stored them)."""
        where = f"models:/{model}/{version}"
        try:
            found = self.call(where, self.client.get_model_version, model, version)
        except _Missing as exc:
            raise ExternalError(f"{where}: no such model version") from exc
        if not found.run_id:
            return None
        try:
            stored = self.call(
                where, self.client.list_artifacts, found.run_id, PER_EXAMPLE_ARTIFACT
            )
        except _Missing:
            return None
        files = [item for item in stored if not item.is_dir]
        if not files:
            return None
        # MLflow draws a progress bar on stderr for every download: not ours to show.
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
        local = self.call(
            where, self.client.download_artifacts, found.run_id, files[0].path, str(folder)
        )
        return Path(local)

    def _version_metrics(self, version: VersionEntity, match: Dataset | None) -> ModelMetrics:
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
            with contextlib.suppress(_Missing):  # a deleted run: "no metrics" below
                found = self._run_metrics(version.run_id)
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
        return self._ui_url(f"models/{model}/versions/{version}")

    def _run_url(self, run_id: str) -> str | None:
        return self._ui_url(f"runs/{run_id}")  # the UI's direct run page finds the experiment

    def _ui_url(self, route: str) -> str | None:
        """A page of the MLflow UI on an http(s) tracking server (never with credentials)."""
        if self.tracking_uri.startswith(("http://", "https://")):
            return safe_url(f"{self.tracking_uri.rstrip('/')}/#/{route}")
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
            raise MlflowTimeout(
                f"MLflow at {self.tracking_uri} did not answer within {self.timeout_s:g} s "
                f"({where}); is the tracking server up? (set {TIMEOUT_ENV} to wait longer)",
                worker,
            )
        if isinstance(outcome.get("error"), _Missing):
            raise outcome["error"]  # said by `_AbsentStore`, not by MLflow
        if "error" in outcome:
            raise self._translate(where, outcome["error"])
        return outcome["value"]  # type: ignore[no-any-return]

    def _translate(self, where: str, exc: BaseException) -> BaseException:
        from mlflow.exceptions import MlflowException

        if isinstance(exc, MlflowException):
            return self._classify(where, exc.error_code, exc)
        if isinstance(exc, Exception):
            return self._external(where, exc)
        return exc

    def _classify(self, where: str, error_code: str, exc: Exception) -> Exception:
        """What an error MLflow's API answered with (`error_code`) means for mlgate."""
        # MLflow reports a missing alias as INVALID_PARAMETER_VALUE ("Registered model alias X
        # not found."), a missing model, version or run as RESOURCE_DOES_NOT_EXIST: both mean
        # "not there", not an outage. Any other INVALID_PARAMETER_VALUE is a name or id MLflow
        # rejects: the user's input.
        if error_code == "RESOURCE_DOES_NOT_EXIST" or (
            error_code == "INVALID_PARAMETER_VALUE" and _ALIAS_NOT_FOUND.search(str(exc))
        ):
            return _Missing(str(exc))
        if error_code == "INVALID_PARAMETER_VALUE":
            return InputError(f"MLflow rejected {where}: {_first_line(exc)}")
        if error_code == "ENDPOINT_NOT_FOUND":  # MlflowClient's name for a bare HTTP 404
            return self.not_mlflow(where, _first_line(exc))
        return self._external(where, exc)

    def not_mlflow(self, where: str, what: str) -> ExternalError:
        """The answer of a server that is not an MLflow tracking server (or not only)."""
        return ExternalError(
            f"the server at {self.tracking_uri} did not answer as an MLflow tracking server "
            f"({where}: {what})"
        )

    def _external(self, where: str, exc: Exception) -> ExternalError:
        return ExternalError(f"MLflow at {self.tracking_uri} failed ({where}): {_first_line(exc)}")


class MlflowTimeout(ExternalError):
    """MLflow did not answer in time; `worker` may still complete the call (a write too)."""

    def __init__(self, message: str, worker: threading.Thread) -> None:
        super().__init__(message)
        self.worker = worker


class _Missing(ExternalError):
    """MLflow said the thing asked for does not exist. Where that is no answer a caller
    expects (a search "does not exist"), it is no verdict (an ExternalError), never a crash."""


class _AbsentStore:
    """The client of a local store that does not exist yet: everything asked of it is missing.
    MlflowClient would create the store (and its folders) on the first call."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def missing(*args: Any, **kwargs: Any) -> Any:
            raise _Missing(f"the MLflow store does not exist yet ({name})")

        return missing


_ALIAS_NOT_FOUND = re.compile(r"alias .* not found", re.IGNORECASE | re.DOTALL)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _close_names(name: str, names: list[str]) -> list[str]:
    """`names` that look like a typo of `name` (case aside), closest first."""
    import difflib

    by_lower = {item.lower(): item for item in names}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=SIMILAR_NAME_RATIO)
    return [by_lower[item] for item in close]


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
HOLDER_TAG = "mlgate.holder"


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
        self._tombstones: list[str] = []

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
        if not found.name:  # MlflowClient reads `{}` as a model without name or tags
            raise self.registry.not_mlflow(model, "it answered a model without a name")
        return dict(found.tags)

    def set_alias(self, model: str, alias: str, version: str) -> None:
        """Point `alias` at `version`. A write whose answer was lost (a timeout, a dropped
        connection) may have landed: the alias is read again before anything is decided."""
        where = f"models:/{model}@{alias}"
        try:
            self.registry.call(
                where, self._client.set_registered_model_alias, model, alias, version
            )
            return
        except MlflowTimeout as exc:
            # The write may still be under way: give it one more timeout to land or fail.
            exc.worker.join(self.registry.timeout_s)
            if exc.worker.is_alive():
                raise ExternalError(
                    f"moving {alias!r} of {model} to v{version}: MLflow did not answer, and the "
                    "write may still land; look at the registry before promoting again"
                ) from exc
            failure: MlgateError = exc
        except InputError:
            raise  # MLflow refused the write: nothing moved
        except _Missing as exc:
            raise ExternalError(f"moving {alias!r}: {exc}; nothing was moved") from None
        except ExternalError as exc:
            failure = exc
        now = self.holder(model, alias)
        if now is not None and now.version == version:
            return  # it landed; only the answer was lost
        holds = f"v{now.version}" if now else "no version"
        raise ExternalError(
            f"moving {alias!r} of {model} to v{version} failed ({failure}); read again, "
            f"{holds} holds it: nothing was moved"
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
                experiment.experiment_id
                if experiment
                else self._client.create_experiment(
                    model,
                    artifact_location=local_artifact_location(self.registry.tracking_uri, model),
                )
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
                params=[Param(key, value[:MLFLOW_PARAM_CHARS]) for key, value in params.items()],
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

    def store_per_example(self, model: str, version: str, path: Path) -> None:
        """Store the per-example records the decision judged with the version (on its run),
        so that a later compare can judge against them on paired intervals."""
        registered = self.version(model, version)
        if registered.run_id is None:
            raise ExternalError(
                f"models:/{model}/{version} has no run to store its per-example records on"
            )
        self.registry.call(
            f"models:/{model}/{version}",
            self._client.log_artifact,
            registered.run_id,
            str(path),
            PER_EXAMPLE_ARTIFACT,
        )

    def _ensure_model(self, model: str) -> None:
        from mlflow.exceptions import MlflowException

        def create() -> None:
            try:
                self._client.create_registered_model(model)
            except MlflowException as exc:
                if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                    raise

        self.registry.call(model, create)

    def acquire_lock(self, model: str, holder: str, wait_s: float) -> Lock:
        """Take the promotion lock of `model`, waiting up to `wait_s`.

        MLflow has no compare-and-set on aliases. Creating a registered model is atomic (the
        store's unique name), so a registered model named `mlgate-lock--<model>` is the mutex;
        its `mlgate.holder` tag is this holder's unique token. A lock older than LOCK_LEASE_S
        (a promotion that died) is broken, see `break_lock`.
        """
        lock = Lock(f"{LOCK_PREFIX}{model}", f"{holder}:{uuid.uuid4().hex}")
        deadline = time.monotonic() + wait_s
        while True:
            if self._create_lock(lock, model):
                return lock
            seen = self.read_lock(lock.name)
            if seen is not None and seen.tags.get(HOLDER_TAG) == lock.token:
                return lock  # our create landed although its answer was lost
            if seen is not None and time.time() - seen.creation_timestamp / 1000 > LOCK_LEASE_S:
                self.break_lock(lock.name, seen)
                continue
            if time.monotonic() > deadline:
                self._forget_tombstones()
                raise ExternalError(
                    f"another promotion of {model!r} holds the lock {lock.name!r}; waited "
                    f"{wait_s:g} s (it is broken after {LOCK_LEASE_S:g} s if its holder died)"
                )
            time.sleep(0.5)

    def verify_lock(self, lock: Lock) -> None:
        """Raise unless `lock` is still ours: checked right before the alias moves."""
        seen = self.read_lock(lock.name)
        if seen is None or seen.tags.get(HOLDER_TAG) != lock.token:
            raise ExternalError(
                f"the promotion lock {lock.name!r} was broken while this promotion held it (it "
                f"took longer than {LOCK_LEASE_S:g} s); nothing was moved: promote again"
            )

    def release_lock(self, lock: Lock) -> None:
        """Delete the lock if it is still ours (a broken one may be another's now)."""
        try:
            seen = self.read_lock(lock.name)
            if seen is not None and seen.tags.get(HOLDER_TAG) == lock.token:
                with contextlib.suppress(_Missing):
                    self.registry.call(lock.name, self._client.delete_registered_model, lock.name)
        finally:
            self._forget_tombstones()

    def _create_lock(self, lock: Lock, model: str) -> bool:
        from mlflow.exceptions import MlflowException

        def create() -> bool:
            try:
                self._client.create_registered_model(
                    lock.name,
                    tags={HOLDER_TAG: lock.token},
                    description=f"Held by an mlgate promotion of {model}; deleted when it ends.",
                )
            except MlflowException as exc:
                if exc.error_code == "RESOURCE_ALREADY_EXISTS":
                    return False
                raise
            return True

        try:
            return self.registry.call(lock.name, create)
        except MlflowTimeout:
            return False  # landed or not: the read that follows tells

    def read_lock(self, name: str) -> RegisteredEntity | None:
        """The lock's registered model (its holder tag, its creation time), or None."""
        try:
            found: RegisteredEntity = self.registry.call(
                name, self._client.get_registered_model, name
            )
        except _Missing:
            return None
        return found

    def break_lock(self, name: str, seen: RegisteredEntity) -> None:
        """Break the stale lock `seen`, and no other.

        Deleting by name could delete a fresh lock another waiter made after breaking `seen`.
        Instead the lock is renamed to a tombstone named after `seen`'s creation time: the
        store's unique names let only one waiter do that while the tombstone exists, and a
        waiter late with the same stale reading finds the tombstone taken. A rename that
        caught a newer lock (the stale holder released it, another took it) is undone; if
        undoing fails, that lock's holder finds it gone in `verify_lock` before it moves
        anything.
        """
        from mlflow.exceptions import MlflowException

        tombstone = f"{name}--broken-{seen.creation_timestamp}"

        def rename(old: str, new: str) -> bool:
            try:
                self._client.rename_registered_model(old, new)
            except MlflowException as exc:
                if exc.error_code in ("RESOURCE_ALREADY_EXISTS", "RESOURCE_DOES_NOT_EXIST"):
                    return False
                # Two renames at once: the store may report the loser's as a failed update
                # ("expected to update 1 row(s); 0 were matched"). Lost, if `old` changed.
                if _creation_time(self._client, old) != seen.creation_timestamp:
                    return False
                raise
            return True

        if not self.registry.call(name, rename, name, tombstone):
            return  # another waiter broke this lock, or it was released meanwhile
        self._tombstones.append(tombstone)
        broken = self.read_lock(tombstone)
        if broken is not None and broken.creation_timestamp != seen.creation_timestamp:
            with contextlib.suppress(MlgateError, _Missing):
                if self.registry.call(name, rename, tombstone, name):
                    self._tombstones.remove(tombstone)

    def _forget_tombstones(self) -> None:
        """Delete the tombstones of locks this process broke, once late waiters are past."""
        for tombstone in self._tombstones:
            with contextlib.suppress(MlgateError, _Missing):
                self.registry.call(tombstone, self._client.delete_registered_model, tombstone)
        self._tombstones.clear()


def _creation_time(client: Any, name: str) -> int | None:
    from mlflow.exceptions import MlflowException

    try:
        return int(client.get_registered_model(name).creation_timestamp)
    except MlflowException:
        return None


@dataclass(frozen=True)
class Lock:
    name: str
    token: str


def _registered(version: TaggedVersion) -> RegisteredVersion:
    return RegisteredVersion(
        model=version.name,
        version=str(version.version),
        run_id=version.run_id,
        tags=dict(version.tags or {}),
    )


# --- the training data's profile, stored beside the model (mlgate drift) ----------------------

PROFILE_ARTIFACT = "mlgate/profile.json"


def store_profile(registry: Registry, run_id: str, profile_file: Path) -> None:
    """Log the training data's profile on the version's run, beside the model."""
    import shutil
    import tempfile

    folder, name = PROFILE_ARTIFACT.rsplit("/", 1)
    with tempfile.TemporaryDirectory(prefix="mlgate-profile-") as staging:
        named = Path(staging) / name  # MLflow keeps the file's own name
        shutil.copyfile(profile_file, named)
        registry.call(
            f"run {run_id}: logging {PROFILE_ARTIFACT}",
            registry.client.log_artifact,
            run_id,
            str(named),
            folder,
        )


def champion_profile_file(
    registry: Registry, model: str, alias: str, target: Path
) -> tuple[Path, dict[str, Any]]:
    """Download the profile stored with the version holding `alias` into `target` (a folder),
    with the version's number and creation time (ISO 8601); ExternalError (no verdict) when
    there is no such version or it carries no profile."""
    where = f"models:/{model}@{alias}"
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # stderr stays ours
    try:
        version = registry.call(where, registry.client.get_model_version_by_alias, model, alias)
    except _Missing:
        # A first model is a reference absent by design; a typo'd name or alias is an input
        # error (`_first_model` raises it), never "no reference yet".
        first = registry._first_model(model, alias)
        raise NoReferenceYet(
            f"{where}: {first.reason}, so there is no champion's profile to compare with yet"
        ) from None
    if not version.run_id:
        raise ExternalError(f"{where}: the version has no run, so no stored profile")
    try:
        local = registry.call(
            f"{where}: {PROFILE_ARTIFACT}",
            registry.client.download_artifacts,
            version.run_id,
            PROFILE_ARTIFACT,
            str(target),
        )
    except (_Missing, ExternalError, OSError) as exc:
        raise ExternalError(
            f"{where} (version {version.version}) carries no {PROFILE_ARTIFACT}: promote stores "
            f"it when `drift:` is configured ({exc})"
        ) from exc
    created = datetime.fromtimestamp(version.creation_timestamp / 1000, timezone.utc)
    return Path(local), {
        "model": model,
        "version": str(version.version),
        "created_at": created.isoformat(timespec="seconds"),
    }


def champion_profile_files(
    tracking_uri: str | None, root: Path, model: str, alias: str, timeout_s: float
) -> list[dict[str, Any]]:
    """The `files` entries (path, rows, sha256) of the profile stored with the version holding
    `alias`: what compare's "What changed" holds the workspace's data against. MlgateError when
    there is none to read; the profile's columns are drift's business, not read here."""
    import json
    import tempfile

    registry = Registry(resolve_tracking_uri(tracking_uri, root), timeout_s)
    with tempfile.TemporaryDirectory(prefix="mlgate-profile-") as folder:
        local, _version = champion_profile_file(registry, model, alias, Path(folder))
        try:
            profile = json.loads(local.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            raise InputError(f"models:/{model}@{alias} profile: not readable: {exc}") from exc
    files = profile.get("files") if isinstance(profile, dict) else None
    return [item for item in files if isinstance(item, dict)] if isinstance(files, list) else []
