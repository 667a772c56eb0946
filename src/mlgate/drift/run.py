"""`mlgate drift`: has the data moved away from what the model learned from?

The reference is a profile (mlgate.drift.profile): the champion's, stored with it in the registry; a
file (a profile, or data profiled now); or the configured data at a git revision. The current
data (the `data:` paths, or a serving sample for skew) is profiled in one pass on the
reference's bins. Each column gets a statistic, its threshold and a verdict; the dataset drifts
when at least `max_drifted_share` of its columns do (Evidently's rule).

Exit codes: 1 the dataset drifted, 0 not, 2 unusable input (a column on one side only, a type
that changed, a bad profile), 3 the reference could not be fetched.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate.config import ColumnDrift, Config, DriftConfig, is_import_path
from mlgate.core import yamlio
from mlgate.core.errors import ConfigError, ExternalError, InputError, MlgateError
from mlgate.core.paths import confined
from mlgate.drift.profile import CATEGORICAL, NUMERIC, is_profile, profile_paths, read_profile
from mlgate.drift.stats import METHODS_FOR_KIND, comparable, judge
from mlgate.results import Clock, Result

TOP_SHOWN = 3  # categories shown per side in a column's summary


@dataclass(frozen=True)
class DriftRequest:
    config: Config
    settings: DriftConfig
    current: tuple[Path, ...] = ()  # --current: wins over the config
    reference: str | None = None  # --reference: wins over the config; a file: path in it is
    # relative to the working directory, one in the config to the config's folder
    timeout_s: float = 30.0
    engine: str | None = None  # --engine: wins over `engine:` in the config


def run_drift(request: DriftRequest) -> Result:
    clock = Clock()
    settings = request.settings
    source = request.reference or settings.reference
    base = Path.cwd() if request.reference else request.config.root
    reference = load_reference(request.config, source, request.timeout_s, base, request.engine)
    details = compare(reference, request, source)
    drifted = details["dataset_drifted"]
    count = sum(1 for column in details["columns"] if column["drifted"])
    total = len(details["columns"])
    summary = (
        f"{'drift' if drifted else 'no drift'}: {count} of {total} column"
        f"{'' if total == 1 else 's'} drifted (the dataset drifts at "
        f"{settings.max_drifted_share:.0%})"
    )
    return Result(
        command="drift",
        status="fail" if drifted else "pass",
        summary=summary,
        started_at=clock.started_at,
        duration_s=clock.elapsed(),
        details=details,
    )


def compare(reference: dict[str, Any], request: DriftRequest, source: str) -> dict[str, Any]:
    settings = request.settings
    overrides = {column.name: column for column in settings.columns}
    judged = [
        name for name in reference["columns"] if not overrides.get(name, ColumnDrift(name)).ignore
    ]
    renamed = {
        name: overrides[name].current or name if name in overrides else name for name in judged
    }
    grids = {
        renamed[name]: _grid(reference["columns"][name])
        for name in judged
        if reference["columns"][name]["kind"] == NUMERIC
    }
    current = profile_current(request, grids=grids, merge=False)
    _require_known_columns(request.config, reference, current, settings)
    if not judged:
        raise _nothing_to_compare(request.config, reference, settings, source)
    current_files_shown = ", ".join(f["path"] for f in current["files"])
    _require_rows(reference, source, "reference")
    _require_rows(current, current_files_shown, "current data")
    sides = f"{source} vs {current_files_shown}"
    _require_same_columns(reference, current, renamed, overrides, sides)
    columns = []
    for name in judged:
        ref, cur = reference["columns"][name], current["columns"][renamed[name]]
        if ref["kind"] != cur["kind"]:
            raise InputError(
                f"{sides}: column {name!r} changed type: {ref['kind']} in the reference, "
                f"{cur['kind']} in the current data"
            )
        override = overrides.get(name, ColumnDrift(name))
        _require_fitting_method(request.config, name, ref["kind"], settings, override)
        columns.append(
            _judge_column(
                name,
                ref,
                cur,
                current_name=renamed[name],
                settings=settings,
                override=override,
                reference_shown=_files_shown(reference, source),
            )
        )
    drifted = sum(1 for column in columns if column["drifted"])
    share = drifted / len(columns) if columns else 0.0
    return {
        "reference": {
            "source": source,
            "rows": reference.get("rows"),
            "files": reference.get("files", []),
            **({"champion": reference["champion"]} if "champion" in reference else {}),
        },
        "current": {"rows": current["rows"], "files": current["files"]},
        "method": settings.method,
        "block": settings.block,
        "max_drifted_share": settings.max_drifted_share,
        "drifted_share": share,
        "dataset_drifted": bool(columns) and share >= settings.max_drifted_share,
        "columns": columns,
        "ignored": sorted(set(reference["columns"]) - set(judged)),
    }


def _files_shown(profile: dict[str, Any], source: str) -> str:
    """The files a profile was made from, as its messages name them; else where it came from."""
    files = [str(entry["path"]) for entry in profile.get("files", []) if entry.get("path")]
    return ", ".join(files) if files else source


def _require_known_columns(
    config: Config, reference: dict[str, Any], current: dict[str, Any], settings: DriftConfig
) -> None:
    """A `drift.columns` entry for a column the data does not have is a typo, not a no-op:
    unused, it would leave the real column judged by the defaults. Only `ignore` may name a
    column the current data alone has (a serving-only field)."""
    from mlgate.config import close_matches

    known = tuple(reference["columns"])
    for column in settings.columns:
        if column.name in reference["columns"] or (
            column.ignore and column.name in current["columns"]
        ):
            continue
        close = close_matches(column.name, known)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else f"its columns are {', '.join(map(repr, known[:20]))}"
            + (f" and {len(known) - 20} more" if len(known) > 20 else "")
        )
        raise ConfigError(
            f"the reference has no column {column.name!r}; {hint}",
            path=str(config.path),
            line=column.line or None,
            key=f"drift.columns.{column.name}",
        )


def _nothing_to_compare(
    config: Config, reference: dict[str, Any], settings: DriftConfig, source: str
) -> InputError:
    if not reference["columns"]:
        return InputError(f"{source}: the reference has no columns: nothing to compare")
    return ConfigError(
        "every column is ignored (`drift.columns.NAME.ignore: true`): nothing to compare; "
        "judge at least one column, or remove the `drift:` section",
        path=str(config.path),
        line=settings.line or None,
        key="drift",
    )


def _require_rows(profile: dict[str, Any], where: str, side: str) -> None:
    if not profile.get("rows"):
        raise InputError(f"{where}: the {side} has no rows: nothing to compare")


def _grid(column: dict[str, Any]) -> Any:
    import numpy as np

    edges = column["bins"]["edges"]
    return np.array(edges, dtype="float64") if len(edges) >= 2 else None


def _require_same_columns(
    reference: dict[str, Any],
    current: dict[str, Any],
    renamed: dict[str, str],
    overrides: dict[str, ColumnDrift],
    sides: str,
) -> None:
    missing = [name for name in renamed if renamed[name] not in current["columns"]]
    if missing:
        shown = ", ".join(
            repr(renamed[n]) + (f" (for {n!r})" if renamed[n] != n else "") for n in missing
        )
        raise InputError(
            f"{sides}: the current data has no column {shown}, which the reference has; map a "
            "renamed feature with `drift.columns.NAME.current`, or leave it out with `ignore: true`"
        )
    ignored_current = {overrides[n].current or n for n in overrides if overrides[n].ignore}
    extra = sorted(
        set(current["columns"])
        - set(renamed.values())
        - ignored_current
        - set(reference["columns"])
    )
    if extra:
        raise InputError(
            f"{sides}: the reference has no column {', '.join(map(repr, extra))}, which the "
            "current data has; leave it out with `drift.columns.NAME.ignore: true`"
        )


# Schema dtypes whose drift kind is certain before any data is read.
_DECLARED_NUMERIC = re.compile(r"^(u?int|float)\d*$", re.IGNORECASE)
_DECLARED_TEXT = frozenset({"str", "string", "object", "category"})


def require_methods_fit_declared(config: Config) -> None:
    """`config check`: every drift method fits each column a YAML schema declares, judged as
    `mlgate drift` would judge it once the data is read (a ConfigError naming the key)."""
    settings = config.drift
    if settings is None:
        return
    overrides = {column.name: column for column in settings.columns}
    for name, kind in _declared_kinds(config).items():
        override = overrides.get(name, ColumnDrift(name))
        if not override.ignore:
            _require_fitting_method(config, name, kind, settings, override)


def _declared_kinds(config: Config) -> dict[str, str]:
    """Column -> drift kind, from the data's YAML/JSON schemas (Python schemas are not
    imported: `config check` runs on every commit). An unreadable schema tells nothing here;
    validate reports it."""
    kinds: dict[str, str] = {}
    for entry in config.data:
        if is_import_path(entry.schema):
            continue
        try:
            schema = yamlio.load_file(config.root / entry.schema)
        except MlgateError:
            continue
        columns = schema.get("columns") if isinstance(schema, dict) else None
        for name, stats in (columns if isinstance(columns, dict) else {}).items():
            dtype = str(stats.get("dtype", "")) if isinstance(stats, dict) else ""
            if _DECLARED_NUMERIC.match(dtype):
                kinds[str(name)] = NUMERIC
            elif dtype.lower() in _DECLARED_TEXT:
                kinds[str(name)] = CATEGORICAL
    return kinds


def _require_fitting_method(
    config: Config, name: str, kind: str, settings: DriftConfig, override: ColumnDrift
) -> None:
    """A method computes itself or is refused: never one statistic judged as another."""
    method = override.method or settings.method
    fitting = METHODS_FOR_KIND[kind]
    if method == "auto" or method in fitting:
        return
    own = override.method is not None
    key = f"drift.columns.{name}.method" if own else "drift.method"
    hint = "" if own else f"; set `drift.columns.{name}.method` for this column"
    raise ConfigError(
        f"{method} does not compute on column {name!r}, which holds {kind} values; methods "
        f"that fit: {', '.join(fitting)} (or auto){hint}",
        path=str(config.path),
        line=(override.method_line if own else settings.method_line) or None,
        key=key,
    )


def _judge_column(
    name: str,
    ref: dict[str, Any],
    cur: dict[str, Any],
    *,
    current_name: str,
    settings: DriftConfig,
    override: ColumnDrift,
    reference_shown: str,
) -> dict[str, Any]:
    method = override.method or settings.method
    threshold = override.threshold if override.threshold is not None else settings.threshold
    if not comparable(ref):
        raise InputError(
            f"{reference_shown}: column {name!r} holds no value to compare in the reference "
            "(all null or infinite)"
        )
    base: dict[str, Any] = {"column": name, "kind": ref["kind"]}
    if current_name != name:
        base["current_column"] = current_name
    if not comparable(cur):
        return {
            **base,
            "method": method,
            "statistic": None,
            "threshold": threshold,
            "drifted": True,
            "note": "no value to compare in the current data (all null or infinite)",
            "reference": _summary(ref),
            "current": _summary(cur),
        }
    verdict = judge(ref, cur, method, threshold)
    return {
        **base,
        "method": verdict.method,
        "statistic": verdict.statistic,
        "statistic_kind": "p_value" if verdict.is_p_value else "distance",
        "threshold": verdict.threshold,
        "drifted": verdict.drifted,
        "reference": _summary(ref),
        "current": _summary(cur),
    }


def _summary(column: dict[str, Any]) -> dict[str, Any]:
    summary = {"rows": column["rows"], "nulls": column["nulls"]}
    if column["kind"] == NUMERIC:
        return {**summary, **{key: column.get(key) for key in ("mean", "std", "min", "max")}}
    top = sorted(column["top"].items(), key=lambda item: -item[1])[:TOP_SHOWN]
    return {**summary, "distinct": column.get("distinct"), "top": dict(top)}


# --- where the data comes from ---------------------------------------------------------------


def profile_current(
    request: DriftRequest, *, grids: dict[str, Any] | None = None, merge: bool = True
) -> dict[str, Any]:
    """The profile of the current data (`current_files`), by the request's engine; a data lake
    URI is read in the format its `data:` entry names."""
    config = request.config
    paths = current_files(request)
    formats = {entry.format for entry in config.data for uri in entry.uris if uri in paths}
    return profile_paths(
        paths,
        data_format=formats.pop() if len(formats) == 1 else None,
        grids=grids,
        merge=merge,
        engine=request.engine or config.engine,
        spark=config.spark,
    )


def current_files(request: DriftRequest) -> tuple[Path | str, ...]:
    """The current data: --current, else `drift.current`, else `data:` (its files, and its data
    lake URIs as they are, which the spark engine reads)."""
    if request.current:
        return request.current
    config = request.config
    if request.settings.current:
        return tuple(_expand(config, request.settings.current, "drift.current"))
    patterns = tuple(p for e in config.data for p in e.paths)
    uris = tuple(uri for e in config.data for uri in e.uris)
    if not patterns and not uris:
        raise InputError(
            f"{config.path}: nothing to compare: set `drift.current`, or `data:`, or pass --current"
        )
    return (*_expand(config, patterns, "data"), *uris)


def _expand(config: Config, patterns: tuple[str, ...], key: str) -> list[Path]:
    root = config.root.resolve()
    found: list[Path] = []
    for pattern in patterns:
        matches = sorted(p for p in root.glob(pattern) if p.is_file())
        if not matches:
            raise InputError(
                f"{config.path}: data path {pattern!r} matches no file "
                "(not produced or pulled yet? run `dvc pull` or `dvc repro`)"
            )
        found.extend(confined(p, root, f"{config.path}: {key}") for p in matches)
    return found


def load_reference(
    config: Config,
    source: str,
    timeout_s: float,
    base: Path | None = None,
    engine: str | None = None,
) -> dict[str, Any]:
    """The reference profile: read from a profile, or made now (by `engine`, else the config's)
    from data files."""
    chosen = engine or config.engine
    if source.startswith("file:"):
        path = Path(source.removeprefix("file:"))
        path = path if path.is_absolute() else (base or config.root) / path
        if not path.is_file():
            raise InputError(f"{source}: no such file")
        if is_profile(path):
            return read_profile(path)
        return profile_paths([path], engine=chosen, spark=config.spark)
    if source.startswith("git:"):
        return _profile_at_revision(config, source.removeprefix("git:"), chosen)
    if source == "registry":
        return _champion_profile(config, timeout_s)
    raise InputError(f"unknown drift reference {source!r}")


def _champion_profile(config: Config, timeout_s: float) -> dict[str, Any]:
    from mlgate.registry import Registry, champion_profile_file, resolve_tracking_uri

    model = config.mlflow.model
    if model is None:
        raise InputError(
            f"{config.path}: `drift.reference: registry` needs `mlflow.model` (the registered "
            "model whose champion carries the profile)"
        )
    uri = resolve_tracking_uri(config.mlflow.tracking_uri, config.root, config.path)
    registry = Registry(uri, timeout_s)
    with tempfile.TemporaryDirectory(prefix="mlgate-profile-") as folder:
        local, version = champion_profile_file(registry, model, config.mlflow.alias, Path(folder))
        where = f"models:/{model}@{config.mlflow.alias} profile"
        return {**read_profile(local, where), "champion": version}


def _profile_at_revision(config: Config, ref: str, engine: str) -> dict[str, Any]:
    """The configured data as it was at `ref`, as DVC sees it: the files git holds there and
    the files DVC tracks there (read from the local cache, else the DVC remote), profiled."""
    from mlgate.core.scm import git, require_revision
    from mlgate.validate import glob_regex

    root = config.root.resolve()
    require_revision(root, ref)
    prefix = git(root, "rev-parse", "--show-prefix").strip()
    try:
        listed = git(root, "ls-tree", "-r", "--name-only", "--full-tree", ref, "--", ".")
    except ExternalError as exc:
        raise ExternalError(f"git:{ref}: cannot read that revision: {exc}") from exc
    patterns = [glob_regex(p) for e in config.data for p in e.paths]
    in_git = [n.removeprefix(prefix) for n in listed.splitlines() if n.startswith(prefix)]
    names = sorted(
        {
            name
            for name in [*in_git, *_tracked_by_dvc(root, ref)]
            if any(pattern.match(name) for pattern in patterns)
        }
    )
    if not names:
        raise InputError(
            f"git:{ref}: no file there matches the `data:` paths, in git or tracked by DVC"
        )
    with tempfile.TemporaryDirectory(prefix="mlgate-drift-") as folder:
        paths = []
        for index, name in enumerate(names):
            target = Path(folder) / str(index) / Path(name).name
            target.parent.mkdir(parents=True)
            target.write_bytes(_bytes_at(root, ref, name))
            paths.append(target)
        return profile_paths(paths, engine=_local(engine), spark=config.spark)


def _local(engine: str) -> str:
    """The files of a past revision are copied to a temporary folder, several of them: a
    Spark cluster could not read them there, and they are small enough for one machine."""
    return "auto" if engine == "spark" else engine


def _tracked_by_dvc(root: Path, ref: str) -> list[str]:
    """The files DVC tracks at `ref`; none where the folder is no DVC project."""
    from mlgate.repro import in_dvc_repository, tracked_files_at_revision

    return tracked_files_at_revision(root, ref) if in_dvc_repository(root) else []


def _bytes_at(root: Path, ref: str, name: str) -> bytes:
    from mlgate.core.scm import file_at_revision

    blob = file_at_revision(root, ref, name)
    if blob is not None:
        return blob
    from mlgate.repro import file_at_revision as dvc_file_at_revision

    found = dvc_file_at_revision(root, ref, name)
    if found is None:
        raise ExternalError(
            f"git:{ref}: {name} is tracked by DVC there, and neither the local cache nor the "
            f"DVC remote holds it: fetch it (`dvc fetch {name}` on a checkout of {ref}), or "
            f"`dvc push` where {ref} was built"
        )
    return found
