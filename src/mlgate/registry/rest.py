"""MLflow's REST API, for the registry reads of `mlgate compare`: the module that talks to it.

`import mlflow` costs one to two seconds, most of a `mlgate compare` against a tracking server.
For an http(s) tracking URI the baseline is read instead with `requests`, through the same
documented endpoints MlflowClient calls (https://mlflow.org/docs/latest/rest-api.html):
registered-models/alias, model-versions/get, registered-models/get, registered-models/search,
model-versions/search, logged-models/{id}, runs/get (metrics, params, inputs). MLflow's own
settings apply: credentials (MLFLOW_TRACKING_USERNAME/PASSWORD, ~/.mlflow/credentials,
MLFLOW_TRACKING_TOKEN), TLS
(MLFLOW_TRACKING_INSECURE_TLS, MLFLOW_TRACKING_SERVER_CERT_PATH and _CLIENT_CERT_PATH),
MLFLOW_WORKSPACE, and MLFLOW_HTTP_REQUEST_MAX_RETRIES, _BACKOFF_FACTOR and _TIMEOUT (not the
jitter, which urllib3 1.26 lacks).

`RestRegistry` is a `registry.Registry` whose client is `RestClient`, a stand-in for the
MlflowClient reads Registry makes, returning objects with the attributes Registry reads. So
which version an alias means, which metrics stand for it (dataset matching), and every error
(missing alias, typo, bootstrap) are decided by the same code whichever client answered.
Writes (the decision tags on a run) and artifacts (per-example records) go through
MlflowClient; so does everything for `databricks` and local stores, and for settings only
MLflow understands (auth plugins).
"""

from __future__ import annotations

import base64
import configparser
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from mlgate.core.errors import InputError
from mlgate.registry.client import DEFAULT_TIMEOUT_S, Registry

API = "/api/2.0/mlflow"
# What MLflow retries (mlflow.utils.request_utils): a timeout, rate limiting, a server in trouble.
RETRY_STATUSES = (408, 429, 500, 502, 503, 504)
# Statuses a server that is not MLflow's API answers with (a page, a route it does not have)
# when they carry no MLflow error object.
NOT_AN_MLFLOW_ANSWER = (400, 404, 405, 501)
HEADER_PLUGINS = "mlflow.request_header_provider"


def open_registry(tracking_uri: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Registry:
    """The registry reader for `tracking_uri`: REST for a plain tracking server, else MLflow's."""
    if rest_applies(tracking_uri):
        return RestRegistry(tracking_uri, timeout_s)
    return Registry(tracking_uri, timeout_s)


def rest_applies(tracking_uri: str) -> bool:
    if not tracking_uri.startswith(("http://", "https://")):
        return False
    # An auth plugin, AWS request signing: their meaning lives in MLflow's code.
    if os.environ.get("MLFLOW_TRACKING_AUTH") or _env_flag("MLFLOW_TRACKING_AWS_SIGV4"):
        return False
    return not _header_plugins_installed()


def _header_plugins_installed() -> bool:
    """A package may add headers to every MLflow request (an SSO token): only MLflow adds them."""
    from importlib.metadata import entry_points

    return bool(entry_points(group=HEADER_PLUGINS))


class RestRegistry(Registry):
    """A Registry reading through MLflow's REST API; writes go through MlflowClient."""

    def _open(self) -> RestClient:
        return RestClient(self.tracking_uri, _settings())

    def _translate(self, where: str, exc: BaseException) -> BaseException:
        if isinstance(exc, RestError) and exc.error_code:
            return self._classify(where, exc.error_code, exc)
        if isinstance(exc, NotMlflow):
            return self.not_mlflow(where, str(exc))
        if isinstance(exc, Exception):
            return self._external(where, exc)
        return exc

    @cached_property
    def _mlflow(self) -> Registry:
        """MlflowClient, for what these reads do not cover: writes, and artifacts (which may
        live in any store MLflow knows: the server's proxy, S3, ...)."""
        return Registry(self.tracking_uri, self.timeout_s)

    def record_decision(self, run_id: str, tags: dict[str, str], markdown: str) -> None:
        self._mlflow.record_decision(run_id, tags, markdown)

    def per_example_records(self, model: str, version: str, folder: Path) -> Path | None:
        return self._mlflow.per_example_records(model, version, folder)


class RestError(Exception):
    """An answer other than 200, worded as MLflow's RestException words it."""

    def __init__(self, error_code: str | None, message: str) -> None:
        super().__init__(f"{error_code}: {message}" if error_code else message)
        self.error_code = error_code


@dataclass(frozen=True)
class Settings:
    headers: dict[str, str]
    verify: bool | str
    client_cert: str | None
    timeout_s: float
    retry: Retry


def _settings() -> Settings:
    """MLflow's HTTP settings from the environment, read as mlflow.utils.rest_utils reads them."""
    headers = {"User-Agent": "mlgate"}
    username, password = _credentials()
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    if username and password:
        pair = base64.b64encode(f"{username}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {pair}"
    elif token:
        headers["Authorization"] = f"Bearer {token}"
    workspace = os.environ.get("MLFLOW_WORKSPACE", "").strip()
    if workspace:
        headers["X-MLFLOW-WORKSPACE"] = workspace
    insecure = _env_flag("MLFLOW_TRACKING_INSECURE_TLS")
    server_cert = os.environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH")
    if insecure and server_cert:
        raise InputError(
            "MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH are both set: "
            "set only one (MLflow refuses both too)"
        )
    retries = _env_number("MLFLOW_HTTP_REQUEST_MAX_RETRIES", 7)
    retry = Retry(
        total=int(retries),
        connect=int(retries),
        read=int(retries),
        redirect=int(retries),
        status=int(retries),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=_env_number("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", 2),
        allowed_methods=None,
        raise_on_status=True,
    )
    return Settings(
        headers=headers,
        verify=server_cert or not insecure,
        client_cert=os.environ.get("MLFLOW_TRACKING_CLIENT_CERT_PATH"),
        timeout_s=_env_number("MLFLOW_HTTP_REQUEST_TIMEOUT", 120),
        retry=retry,
    )


def _credentials() -> tuple[str | None, str | None]:
    """Username and password: each from the environment, else from ~/.mlflow/credentials."""
    from_file: dict[str, str] = {}
    path = Path("~/.mlflow/credentials").expanduser()
    if path.is_file():
        parser = configparser.ConfigParser()
        parser.read(path)
        if parser.has_section("mlflow"):
            from_file = dict(parser["mlflow"])
    username = os.environ.get("MLFLOW_TRACKING_USERNAME") or from_file.get(
        "mlflow_tracking_username"
    )
    password = os.environ.get("MLFLOW_TRACKING_PASSWORD") or from_file.get(
        "mlflow_tracking_password"
    )
    return username, password


def _env_flag(name: str) -> bool:
    value = os.environ.get(name)
    if value is None:
        return False
    if value.lower() not in ("true", "false", "1", "0"):
        raise InputError(f"{name}={value!r}: must be one of true, false, 1, 0")
    return value.lower() in ("true", "1")


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise InputError(f"{name}={value!r}: must be a number") from None


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: str
    run_id: str | None
    source: str | None
    model_id: str | None


@dataclass(frozen=True)
class RegisteredModel:
    name: str
    creation_timestamp: int
    aliases: dict[str, str]
    latest_versions: list[ModelVersion]
    tags: dict[str, str]


@dataclass(frozen=True)
class Metric:
    key: str
    value: float  # read from MLflow's number, or its "NaN", "Infinity" text
    timestamp: int
    step: int
    dataset_name: str | None = None
    dataset_digest: str | None = None


@dataclass(frozen=True)
class LoggedModel:
    metrics: list[Metric]


@dataclass(frozen=True)
class DatasetRef:
    name: str | None
    digest: str | None


@dataclass(frozen=True)
class DatasetInput:
    dataset: DatasetRef


@dataclass(frozen=True)
class RunInputs:
    dataset_inputs: list[DatasetInput]


@dataclass(frozen=True)
class RunData:
    metrics: dict[str, float]
    params: dict[str, str]


@dataclass(frozen=True)
class Run:
    data: RunData
    inputs: RunInputs


class Page(list[Any]):
    """One page of a search, and the token of the next (MLflow's PagedList)."""

    def __init__(self, items: list[Any], token: str | None) -> None:
        super().__init__(items)
        self.token = token


@dataclass
class RestClient:
    """The MlflowClient reads Registry makes, over HTTP."""

    base_url: str
    settings: Settings
    _session: requests.Session = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._session = requests.Session()
        adapter = HTTPAdapter(max_retries=self.settings.retry)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        found = self._get("registered-models/alias", {"name": name, "alias": alias})
        return _model_version(_required(found, "model_version"))

    def get_model_version(self, name: str, version: str) -> ModelVersion:
        found = self._get("model-versions/get", {"name": name, "version": str(version)})
        return _model_version(_required(found, "model_version"))

    def get_registered_model(self, name: str) -> RegisteredModel:
        found = self._get("registered-models/get", {"name": name})
        return _registered_model(_required(found, "registered_model"))

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int | None = None,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> Page:
        params: dict[str, Any] = {
            "filter": filter_string,
            "max_results": max_results,
            "page_token": page_token,
        }
        if order_by:
            params["order_by"] = order_by
        found = self._get("registered-models/search", params)
        models = [_registered_model(item) for item in _objects(found, "registered_models")]
        return Page(models, _text(found, "next_page_token"))

    def search_model_versions(
        self, filter_string: str | None = None, max_results: int | None = None
    ) -> Page:
        found = self._get(
            "model-versions/search", {"filter": filter_string, "max_results": max_results}
        )
        versions = [_model_version(item) for item in _objects(found, "model_versions")]
        return Page(versions, _text(found, "next_page_token"))

    def get_logged_model(self, model_id: str) -> LoggedModel:
        found = self._get(f"logged-models/{quote(model_id, safe='')}", {})
        data = _object(_required(found, "model"), "data")
        return LoggedModel([_metric(item) for item in _objects(data, "metrics")])

    def get_run(self, run_id: str) -> Run:
        run = _required(self._get("runs/get", {"run_id": run_id}), "run")
        data = _object(run, "data")
        metrics = {
            _required_text(item, "key"): _number(item.get("value"), "metric value")
            for item in _objects(data, "metrics")
        }
        params = {
            _required_text(item, "key"): _text(item, "value") or ""
            for item in _objects(data, "params")
        }
        inputs = [
            DatasetInput(DatasetRef(_text(dataset, "name"), _text(dataset, "digest")))
            for dataset in (
                _required(item, "dataset")
                for item in _objects(_object(run, "inputs"), "dataset_inputs")
            )
        ]
        return Run(RunData(metrics, params), RunInputs(inputs))

    def _get(self, endpoint: str, params: dict[str, Any]) -> dict[str, Any]:
        path = f"{API}/{endpoint}"
        response = self._session.get(
            f"{self.base_url}{path}",
            params={key: value for key, value in params.items() if value is not None},
            headers=self.settings.headers,
            verify=self.settings.verify,
            cert=self.settings.client_cert,
            timeout=self.settings.timeout_s,
        )
        try:
            body = response.json()
        except (ValueError, RecursionError):
            body = None
        if response.status_code != 200:
            if isinstance(body, dict) and ("error_code" in body or "message" in body):
                code = body.get("error_code")
                raise RestError(str(code) if code else None, str(body.get("message", body)))
            if response.status_code in NOT_AN_MLFLOW_ANSWER:
                # MLflow answers "not found" with its own error object, never with a bare 404.
                raise NotMlflow(f"HTTP {response.status_code} for {path}")
            raise RestError(
                None,
                f"API request to endpoint {path} failed with error code "
                f"{response.status_code} != 200. Response body: {response.text[:500]!r}",
            )
        if not isinstance(body, dict):
            raise NotMlflow(f"{path} answered {response.text[:100]!r}, not a JSON object")
        return body


def _model_version(item: dict[str, Any]) -> ModelVersion:
    return ModelVersion(
        name=_required_text(item, "name"),
        version=str(_integer(item, "version", required=True)),
        run_id=_text(item, "run_id"),
        source=_text(item, "source"),
        model_id=_text(item, "model_id"),
    )


def _registered_model(item: dict[str, Any]) -> RegisteredModel:
    return RegisteredModel(
        name=_required_text(item, "name"),
        creation_timestamp=_integer(item, "creation_timestamp"),
        aliases={
            _required_text(alias, "alias"): str(_integer(alias, "version", required=True))
            for alias in _objects(item, "aliases")
        },
        latest_versions=[_model_version(version) for version in _objects(item, "latest_versions")],
        tags={
            _required_text(tag, "key"): _text(tag, "value") or "" for tag in _objects(item, "tags")
        },
    )


def _metric(item: dict[str, Any]) -> Metric:
    return Metric(
        key=_required_text(item, "key"),
        value=_number(item.get("value", 0.0), "metric value"),
        timestamp=_integer(item, "timestamp"),
        step=_integer(item, "step"),
        dataset_name=_text(item, "dataset_name"),
        dataset_digest=_text(item, "dataset_digest"),
    )


# --- the shape of MLflow's answers ------------------------------------------------------------
# A server that is not MLflow (a proxy's page, another API on the same address) may answer 200
# with any JSON. Each field is read as MLflow's protobuf JSON has it, or the answer is not
# MLflow's (NotMlflow): read loosely, `{}` would be "no tags", "no metrics", "no models".

# MLflow writes int64 fields as numbers or decimal strings; none is outside int64.
_INT64 = 2**63
_NON_FINITE = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}


class NotMlflow(Exception):
    """An answer of a shape MLflow's REST API never gives."""


def _required(item: dict[str, Any], key: str) -> dict[str, Any]:
    if key not in item:
        raise NotMlflow(f"no {key!r} in the answer")
    return _as_object(item[key], key)


def _object(item: dict[str, Any], key: str) -> dict[str, Any]:
    """An optional object field: MLflow leaves an empty one out."""
    return _as_object(item.get(key, {}), key)


def _as_object(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise NotMlflow(f"{key!r} is {_kind(value)}, not an object")
    return value


def _objects(item: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """An optional list of objects: MLflow leaves an empty one out."""
    value = item.get(key, [])
    if not isinstance(value, list):
        raise NotMlflow(f"{key!r} is {_kind(value)}, not a list")
    return [_as_object(element, key) for element in value]


def _text(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise NotMlflow(f"{key!r} is {_kind(value)}, not text")
    return value or None


def _required_text(item: dict[str, Any], key: str) -> str:
    value = _text(item, key)
    if value is None:
        raise NotMlflow(f"no {key!r} in an entry of the answer")
    return value


def _integer(item: dict[str, Any], key: str, *, required: bool = False) -> int:
    value = item.get(key)
    if value is None and not required:
        return 0
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit():
        number = int(value) if len(value) < 21 else None
    if number is None or not -_INT64 <= number < _INT64:
        raise NotMlflow(f"{key!r} is {_kind(value)}, not an integer MLflow writes")
    return number


def _number(value: Any, what: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            pass
    elif isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    raise NotMlflow(f"a {what} is {_kind(value)}, not a number")


def _kind(value: Any) -> str:
    """What a value is, for a message: its JSON type and a short excerpt."""
    names = {dict: "an object", list: "a list", str: "text", bool: "a boolean", type(None): "null"}
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return f"{names.get(type(value), 'a number')} {shown}"
