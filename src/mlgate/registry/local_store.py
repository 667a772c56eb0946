"""A local MLflow store (a sqlite file, a file store's folder): where it is, whether it exists.

MLflow creates a store, and the folders above it, wherever a tracking URI points. A typo
(`stroe.db` for `store.db`) would be a fresh empty registry in which every model is "not
registered", and compare would pass on bootstrap. So (docs/compare.md, "Where baseline metrics
come from"): a local store whose folder does not exist, or with a file of a similar name beside
it, is the user's input to fix; a store that does not exist yet is read as empty without being
created (`Registry(create=False)`), and only `promote` (and `demo`) create one.
"""

from __future__ import annotations

import difflib
import itertools
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from mlgate.core.errors import InputError
from mlgate.core.paths import repo_relative

SQLITE = "sqlite:///"
TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"
# Entries of the store's folder looked at for a typo: a folder of a million files is not read.
MAX_NEIGHBOURS = 10_000
SIMILAR_NAME_RATIO = 0.75  # difflib ratio: stroe.db/store.db 0.75, mlrun/mlruns 0.91
# Names MLflow reads as a store kind, not as a path (mlflow.tracking.registry).
_NAMED_STORES = {"databricks", "databricks-uc", "uc"}


def local_store_path(uri: str) -> Path | None:
    """The sqlite file or file-store folder a tracking URI names, as MLflow reads the URI;
    None for every other store (a server, a database server, sqlite in memory)."""
    if uri.startswith(SQLITE):
        database = unquote(uri[len(SQLITE) :].split("?", 1)[0])
        return Path(database) if database and database != ":memory:" else None
    if uri in _NAMED_STORES:
        return None
    parts = urlsplit(uri)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path:
            return None
        return Path(unquote(parts.path))
    # A Windows drive letter parses as a one-letter scheme: a path, as MLflow reads it.
    if len(parts.scheme) > 1:
        return None
    return Path(uri)


def with_absolute_path(uri: str, root: Path) -> str:
    """`uri` with a relative local store path made relative to `root` (the config's folder),
    not to whatever folder mlgate runs in."""
    path = local_store_path(uri)
    if path is None or path.is_absolute():
        return uri
    absolute = (root / path).resolve()
    if uri.startswith(SQLITE):
        query = uri[len(SQLITE) :].partition("?")[1:]
        return SQLITE + str(absolute) + "".join(query)
    if uri.startswith("file:"):
        return absolute.as_uri()
    return str(absolute)


def store_exists(uri: str, path: Path) -> bool:
    """A sqlite store is a non-empty file (MLflow would lay its schema into an empty one); a
    file store is whatever is at its path (MLflow says what is wrong with a file there)."""
    if uri.startswith(SQLITE):
        return path.is_file() and path.stat().st_size > 0
    return path.exists()


def check_local_store(uri: str, setting: str) -> Path | None:
    """None when `uri` names no local store or one that exists; the path of a local store that
    does not exist yet (a first model); InputError when its folder does not exist or a file
    with a similar name does (a typo). `setting` says where the URI came from."""
    path = local_store_path(uri)
    if path is None or store_exists(uri, path):
        return None
    shown = repo_relative(path)
    if not path.parent.is_dir():
        raise InputError(
            f"{setting}: the MLflow store {shown} does not exist, nor does its folder "
            f"{repo_relative(path.parent)}: fix the tracking URI (mlgate reads no store it would "
            "have to create)"
        )
    similar = similar_names(path, folders=not uri.startswith(SQLITE))
    if similar:
        names = ", ".join(repr(repo_relative(path.parent / name)) for name in similar)
        raise InputError(
            f"{setting}: the MLflow store {shown} does not exist; did you mean {names}? Fix the "
            "tracking URI"
        )
    return path


def similar_names(path: Path, *, folders: bool) -> list[str]:
    """Files (or `folders`) beside `path` whose names look like a typo of its name; not names
    that extend it (a backup `mlflow.db.bak`, sqlite's `mlflow.db-journal`), which are no typo,
    nor a folder beside a sqlite file (`mlflow/` beside `mlflow.db`)."""
    try:
        with os.scandir(path.parent) as entries:
            names = [
                entry.name
                for entry in itertools.islice(entries, MAX_NEIGHBOURS)
                if entry.is_dir() == folders and not entry.name.startswith(path.name)
            ]
    except OSError:
        return []
    return difflib.get_close_matches(path.name, names, n=3, cutoff=SIMILAR_NAME_RATIO)


def tracking_uri_setting(config_path: Path | None) -> str:
    """Where the tracking URI in use was set, for a message."""
    if os.environ.get(TRACKING_URI_ENV):
        return TRACKING_URI_ENV
    where = repo_relative(config_path) if config_path else "mlgate.yaml"
    return f"{where}: mlflow.tracking_uri"
