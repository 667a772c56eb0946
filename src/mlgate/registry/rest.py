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
    value: float | str  # MLflow writes NaN and the infinities as strings
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
    metrics: dict[str, float | str]
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
        return _model_version(found["model_version"])

    def get_model_version(self, name: str, version: str) -> ModelVersion:
        found = self._get("model-versions/get", {"name": name, "version": str(version)})
        return _model_version(found["model_version"])

    def get_registered_model(self, name: str) -> RegisteredModel:
        return _registered_model(
            self._get("registered-models/get", {"name": name})["registered_model"]
        )

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
        models = [_registered_model(item) for item in found.get("registered_models", [])]
        return Page(models, found.get("next_page_token") or None)

    def search_model_versions(
        self, filter_string: str | None = None, max_results: int | None = None
    ) -> Page:
        found = self._get(
            "model-versions/search", {"filter": filter_string, "max_results": max_results}
        )
        versions = [_model_version(item) for item in found.get("model_versions", [])]
        return Page(versions, found.get("next_page_token") or None)

    def get_logged_model(self, model_id: str) -> LoggedModel:
        found = self._get(f"logged-models/{quote(model_id, safe='')}", {})
        metrics = found["model"].get("data", {}).get("metrics", [])
        return LoggedModel([_metric(item) for item in metrics])

    def get_run(self, run_id: str) -> Run:
        run = self._get("runs/get", {"run_id": run_id})["run"]
        data = run.get("data", {})
        metrics = {item["key"]: item["value"] for item in data.get("metrics", [])}
        params = {item["key"]: str(item.get("value", "")) for item in data.get("params", [])}
        inputs = [
            DatasetInput(DatasetRef(item["dataset"].get("name"), item["dataset"].get("digest")))
            for item in run.get("inputs", {}).get("dataset_inputs", [])
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
        except ValueError:
            body = None
        if response.status_code != 200:
            if isinstance(body, dict) and ("error_code" in body or "message" in body):
                code = body.get("error_code")
                raise RestError(str(code) if code else None, str(body.get("message", body)))
            raise RestError(
                None,
                f"API request to endpoint {path} failed with error code "
                f"{response.status_code} != 200. Response body: {response.text[:500]!r}",
            )
        if not isinstance(body, dict):
            raise RestError(
                None,
                f"API request to endpoint {path} was successful but the response body was not "
                f"in a valid JSON format: {response.text[:500]!r}",
            )
        return body


def _model_version(item: dict[str, Any]) -> ModelVersion:
    return ModelVersion(
        name=item["name"],
        version=str(item["version"]),
        run_id=item.get("run_id") or None,
        source=item.get("source"),
        model_id=item.get("model_id") or None,
    )


def _registered_model(item: dict[str, Any]) -> RegisteredModel:
    return RegisteredModel(
        name=item["name"],
        creation_timestamp=int(item.get("creation_timestamp", 0)),
        aliases={alias["alias"]: str(alias["version"]) for alias in item.get("aliases", [])},
        latest_versions=[_model_version(version) for version in item.get("latest_versions", [])],
        tags={tag["key"]: tag.get("value", "") for tag in item.get("tags", [])},
    )


def _metric(item: dict[str, Any]) -> Metric:
    return Metric(
        key=item["key"],
        value=item.get("value", 0.0),
        timestamp=int(item.get("timestamp", 0)),
        step=int(item.get("step", 0)),
        dataset_name=item.get("dataset_name") or None,
        dataset_digest=item.get("dataset_digest") or None,
    )
