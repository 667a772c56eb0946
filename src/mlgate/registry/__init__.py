"""Layer 3, the MLflow adapter: the one package that imports mlflow (client: tracking URI, reads,
promotions and the lock, artifacts) and talks to a tracking server over REST (rest). history
holds the format of mlgate's alias-history tags."""

from __future__ import annotations

from mlgate.registry.client import (
    MLFLOW_PARAM_CHARS,
    PROFILE_ARTIFACT,
    Dataset,
    FirstModel,
    Lock,
    ModelMetrics,
    Promotions,
    Registry,
    champion_profile_file,
    champion_profile_files,
    local_artifact_location,
    resolve_tracking_uri,
    store_profile,
)
from mlgate.registry.history import history_events, history_key
from mlgate.registry.local_store import local_store_path, store_exists
from mlgate.registry.rest import RestRegistry, open_registry, rest_applies

__all__ = [
    "MLFLOW_PARAM_CHARS",
    "PROFILE_ARTIFACT",
    "Dataset",
    "FirstModel",
    "Lock",
    "ModelMetrics",
    "Promotions",
    "Registry",
    "RestRegistry",
    "champion_profile_file",
    "champion_profile_files",
    "history_events",
    "history_key",
    "local_artifact_location",
    "local_store_path",
    "open_registry",
    "resolve_tracking_uri",
    "rest_applies",
    "store_exists",
    "store_profile",
]
