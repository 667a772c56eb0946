"""What changed besides the metrics: compare.json `details.changes` (the report's "What changed").

- `params`: the params that differ between the candidate and the baseline, as `dvc params diff`
  shows them: for a registry baseline from the params `mlgate promote` logged on the version's
  run (the same resolution on the REST and the MlflowClient path), for `git:REF` as DVC reads
  them at REF (the keys the stages track, as `dvc params diff REF` shows them; the workspace's
  likewise), unknown for a `file:` baseline.
- `data`: per configured data file its rows (counted by validate, when it ran in this gate) and
  whether its bytes differ from the baseline's: the champion's stored profile (registry) or the
  file at REF (git-tracked data).

Nothing here can fail a comparison: a side that cannot be read leaves `missing_reason` (params)
or nulls (data), saying why where it can.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import posixpath
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from mlgate.core import yamlio
from mlgate.core.errors import MlgateError
from mlgate.core.outbound import MASK, param_digest, redact, secret_name
from mlgate.core.paths import repo_relative
from mlgate.core.yamlio import excerpt_text
from mlgate.data import dvcfiles
from mlgate.registry import MLFLOW_PARAM_CHARS
from mlgate.results import MAX_RECORDED_CHANGES, MAX_RECORDED_CHARS

if TYPE_CHECKING:
    from mlgate.compare.types import CompareRequest, Side

Params = dict[tuple[str, str], Any]  # (params file, flattened name) -> value
# `mlgate promote` logs `params.yaml.train.seed` (from repro.json, one mapping per file) or
# `train.seed` (from params.yaml alone): a key naming a params file is split at its end.
_FILE_KEY = re.compile(r"^(.+?\.(?:ya?ml|json|toml|py))\.(.+)$")
_ABSENT = object()


class _Unknown(Exception):
    """The baseline's (or candidate's) params cannot be known: the reason, for the report."""


def changes(
    request: CompareRequest,
    candidate_spec: str,
    candidate: Side,
    baseline_spec: str,
    baseline: Side,
) -> dict[str, Any]:
    try:
        data = data_changes(request, baseline_spec, baseline)
    except (MlgateError, OSError):
        data = None  # unknown: what changed is for the reader, never part of the verdict
    return {
        "params": params_changes(request, candidate_spec, candidate, baseline_spec, baseline),
        "data": data,
    }


# --- params ------------------------------------------------------------------------------------


def params_changes(
    request: CompareRequest,
    candidate_spec: str,
    candidate: Side,
    baseline_spec: str,
    baseline: Side,
) -> dict[str, Any]:
    source = _baseline_label(baseline_spec, baseline)
    try:
        ours = _candidate_params(request, candidate_spec, candidate)
        theirs = _baseline_params(request, baseline_spec, baseline, ours)
    except _Unknown as exc:
        return _unknown(source, str(exc))
    except MlgateError as exc:
        return _unknown(source, f"could not read the params: {exc}")
    # Values are compared as they are kept: a registry baseline's as promote logged them
    # (masked, cut), repro.json's as stored (masked), or an unchanged value would differ.
    kept = as_shown if baseline_spec.startswith("git:") else as_logged
    return {"source": source, "missing_reason": None, **params_diff(theirs, ours, kept)}


def as_shown(value: Any) -> str:
    """A param's value as a result file keeps it: text, redacted."""
    return redact(str(value))


def as_logged(value: Any) -> str:
    """A param's value as `mlgate promote` logs it on MLflow: redacted, cut at MLflow's limit."""
    return as_shown(value)[:MLFLOW_PARAM_CHARS]


def params_diff(
    baseline: Params, candidate: Params, kept: Callable[[Any], str] = as_shown
) -> dict[str, Any]:
    """Changed, added (baseline null) and removed (candidate null) params, and how many are
    equal. Values are compared as text as `kept` keeps them (MLflow keeps params as text), so
    a champion's logged params diff cleanly against the workspace's typed ones."""
    changed: list[dict[str, Any]] = []
    unchanged = not_recorded = 0
    for file, name in sorted(baseline.keys() | candidate.keys()):
        old = baseline.get((file, name), _ABSENT)
        new = candidate.get((file, name), _ABSENT)
        if old is not _ABSENT and new is not _ABSENT and _same(name, old, new, kept):
            unchanged += 1
            continue
        if len(changed) == MAX_RECORDED_CHANGES:
            not_recorded += 1
            continue
        changed.append(
            {
                "file": file,
                "name": name,
                "baseline": None if old is _ABSENT else _storable(name, old),
                "candidate": None if new is _ABSENT else _storable(name, new),
            }
        )
    return {"changed": changed, "not_recorded": not_recorded, "unchanged": unchanged}


def _same(name: str, old: Any, new: Any, kept: Callable[[Any], str]) -> bool:
    """Whether a param kept its value. A credential's (`secret_name`) is masked on both sides,
    so its digests are compared; one masked without a digest cannot be shown unchanged."""
    if secret_name(name):
        digest = param_digest(old)
        return digest is not None and digest == param_digest(new)
    return kept(old) == kept(new)


def _storable(name: str, value: Any) -> Any:
    """A value a result file holds as it is (a JSON scalar a float can stand for), else its
    text: NaN, a 400-digit integer, and a null param as `null` (a null side is an absent one).
    A credential's value is the mask alone: not even its digest is shown."""
    if secret_name(name):
        return MASK
    if value is None:
        return "null"
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and abs(value) <= sys.float_info.max:
        return value
    text = str(value)
    return text if len(text) <= MAX_RECORDED_CHARS else text[: MAX_RECORDED_CHARS - 1] + "…"


def logged_params(logged: dict[str, str], files: Iterable[str] = ()) -> Params:
    """Params as `mlgate promote` logs them on MLflow, by file and name (see `_FILE_KEY`)."""
    prefixes = sorted({*files, dvcfiles.DEFAULT_PARAMS}, key=len, reverse=True)
    params: Params = {}
    for key, text in logged.items():
        file = next((prefix for prefix in prefixes if key.startswith(f"{prefix}.")), None)
        if file is not None:
            params[(file, key[len(file) + 1 :])] = _typed(text)
        elif match := _FILE_KEY.match(key):
            params[(match[1], match[2])] = _typed(text)
        else:
            params[(dvcfiles.DEFAULT_PARAMS, key)] = _typed(text)
    return params


def _typed(text: str) -> Any:
    """The value `str()` made `text` from, where that is unambiguous (100, 0.1, True)."""
    for convert in (int, float):
        try:
            value = convert(text)
        except ValueError:
            continue
        if str(value) == text and math.isfinite(value):
            return value
    return {"True": True, "False": False, "None": None}.get(text, text)


def _candidate_params(request: CompareRequest, spec: str, candidate: Side) -> Params:
    if candidate.run_id and not (spec == "dvc" or spec.startswith("file:")):
        return logged_params(request.registry().run_params(candidate.run_id))
    reproduced = _repro_params(request.results_dir)
    if reproduced is not None:
        return reproduced
    root = request.root
    if (root / dvcfiles.DVC_YAML).is_file() and importlib.util.find_spec("dvc") is not None:
        from mlgate.repro import workspace_params

        return _by_file(workspace_params(root))
    return read_params(lambda path: _read_workspace(root / path))


def _by_file(files: dict[str, dict[str, Any]]) -> Params:
    return {(file, name): value for file, values in files.items() for name, value in values.items()}


def _repro_params(results_dir: Path | None) -> Params | None:
    """The params `mlgate repro` read in this gate run (repro.json), per file; None without."""
    from mlgate.results import read_result

    if results_dir is None or not (results_dir / "repro.json").is_file():
        return None
    files = read_result(results_dir / "repro.json").get("details", {}).get("params")
    if not isinstance(files, dict):
        return None
    return _by_file(
        {str(file): values for file, values in files.items() if isinstance(values, dict)}
    )


def _baseline_params(request: CompareRequest, spec: str, baseline: Side, ours: Params) -> Params:
    """The baseline's params; `ours` (the candidate's) name the files a champion's logged
    keys split into, and tell a champion's logged params from a training script's own."""
    files = {file for file, _ in ours}
    if spec == "none":
        raise _Unknown("no baseline (--baseline none)")
    if spec.startswith("file:"):
        raise _Unknown("a file: baseline holds metrics only, not the params behind them")
    if spec.startswith("git:"):  # as `dvc params diff REV` reads them (the metrics need DVC too)
        from mlgate.repro import params_at_revision

        return _by_file(params_at_revision(request.root, spec.removeprefix("git:")))
    if baseline.version is None:
        raise _Unknown(baseline.missing_reason or "no baseline version yet")
    label = f"{baseline.model} v{baseline.version}"
    if baseline.run_id is None:
        raise _Unknown(f"{label} has no run, so no logged params")
    theirs = logged_params(request.registry().run_params(baseline.run_id), files)
    if not theirs:
        raise _Unknown(f"{label}'s run logged no params (promoted by hand, or by an older mlgate)")
    if ours and not theirs.keys() & ours.keys():
        raise _Unknown(
            f"{label}'s run logged {len(theirs):,} params, none of them the pipeline's "
            "(logged by the training code, not by mlgate promote?)"
        )
    return theirs


def read_params(read: Callable[[str], bytes | None]) -> Params:
    """The params files the pipeline declares (dvc.yaml's `params:`, and params.yaml), each
    read by `read(path relative to the root)`, named as `dvc params diff` names them. A file
    outside the project is refused, as DVC refuses it: it is not the pipeline's."""
    declared = read(dvcfiles.DVC_YAML)
    pipeline = None
    if declared is not None:
        pipeline = dvcfiles.pipeline_from(_parse(dvcfiles.DVC_YAML, declared))
    files = {dvcfiles.DEFAULT_PARAMS, *(pipeline.watched_params() if pipeline else ())}
    params: Params = {}
    for file in sorted(files):
        if _outside(file):
            raise _Unknown(f"{file}: outside the project, where DVC reads no params file")
        content = read(file)
        if content is None:
            continue
        params.update({(file, name): value for name, value in _flat(file, content).items()})
    return params


def _outside(file: str) -> bool:
    path = PurePosixPath(posixpath.normpath(file.replace("\\", "/")))
    return path.is_absolute() or path.parts[:1] == ("..",)


def _flat(file: str, content: bytes) -> dict[str, Any]:
    data = _parse(file, content)
    if not isinstance(data, dict):
        return {}
    try:
        return dvcfiles.flatten_params(data)
    except RecursionError:  # TOML has no depth limit (YAML and JSON stop at yamlio.MAX_DEPTH)
        raise _Unknown(f"{file}: nested deeper than mlgate reads") from None


def _parse(file: str, content: bytes) -> Any:
    if file.endswith(".py"):
        raise _Unknown(f"{file}: Python params files are not read")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Unknown(f"{file}: not UTF-8 text ({exc})") from exc
    if file.endswith(".toml"):
        return _toml(file, text)
    return yamlio.load(text, file)  # YAML, and JSON (YAML reads it)


def _toml(file: str, text: str) -> Any:
    try:
        tomllib: Any = importlib.import_module("tomllib")
    except ImportError:  # Python 3.10
        raise _Unknown(f"{file}: TOML params files are read on Python 3.11 and later") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _Unknown(f"{file}: not TOML ({exc})") from exc
    except ValueError as exc:  # a number with more digits than Python converts
        raise _Unknown(f"{file}: not readable ({excerpt_text(str(exc))})") from exc
    except RecursionError:  # arrays nested thousands deep
        raise _Unknown(f"{file}: nested deeper than mlgate reads") from None


def _read_workspace(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _Unknown(f"{repo_relative(path)}: cannot read ({exc})") from exc


def _baseline_label(spec: str, baseline: Side) -> str | None:
    if baseline.version:
        run = f" (run {baseline.run_id})" if baseline.run_id else ""
        return f"{baseline.model} v{baseline.version}{run}"
    return None if spec == "none" else spec


def _unknown(source: str | None, reason: str) -> dict[str, Any]:
    return {"source": source, "missing_reason": reason, "changed": [], "unchanged": 0}


# --- data --------------------------------------------------------------------------------------


def data_changes(request: CompareRequest, spec: str, baseline: Side) -> list[dict[str, Any]]:
    """Per configured data file: its rows (from this gate's validate.json; no extra pass over
    the data) and the baseline's, and whether the bytes differ; null where unknown."""
    counted = _validated_rows(request.results_dir)
    files = _data_files(request)
    if spec.startswith("git:"):
        compare = _against_revision(request.root, spec.removeprefix("git:"))
    elif spec == "registry" and baseline.version is not None:
        compare = _against_profile(request)
    else:
        compare = _nothing_known
    entries = []
    for path in files:
        shown = repo_relative(path, request.root)
        rows = counted.get(shown)
        baseline_rows, changed = compare(path, shown)
        if changed is False:  # the same bytes hold the same rows
            rows = baseline_rows if rows is None else rows
            baseline_rows = rows if baseline_rows is None else baseline_rows
        entries.append(
            {"path": shown, "rows": rows, "baseline_rows": baseline_rows, "changed": changed}
        )
    return entries


Known = tuple[int | None, bool | None]  # the baseline's rows, whether the bytes changed


def _nothing_known(_path: Path, _shown: str) -> Known:
    return None, None


def _data_files(request: CompareRequest) -> list[Path]:
    root = request.root.resolve()
    found: list[Path] = []
    for entry in request.config.data:
        for pattern in entry.paths:
            # The folder resolved, not the file: DVC links a data file from its cache, which
            # a team shares outside the repository (cache.dir, cache.type symlink).
            found += sorted(
                path
                for path in root.glob(pattern)
                if path.is_file() and path.parent.resolve().is_relative_to(root)
            )
    return list(dict.fromkeys(found))


def _validated_rows(results_dir: Path | None) -> dict[str, int]:
    from mlgate.results import read_result

    if results_dir is None or not (results_dir / "validate.json").is_file():
        return {}
    files = read_result(results_dir / "validate.json").get("details", {}).get("files", [])
    return {
        str(item["path"]): item["rows"]
        for item in files
        if isinstance(item, dict) and isinstance(item.get("rows"), int)
    }


def _against_profile(request: CompareRequest) -> Callable[[Path, str], Known]:
    """The champion's stored profile (what drift's `reference: registry` reads): its files'
    rows and sha256. Only with `drift:` configured: promote stores a profile only then."""
    from mlgate.core.digests import sha256_of
    from mlgate.registry import champion_profile_files

    mlflow = request.config.mlflow
    if request.config.drift is None or mlflow.model is None:
        return _nothing_known
    try:
        files = champion_profile_files(
            mlflow.tracking_uri, request.root, mlflow.model, mlflow.alias, request.timeout_s
        )
    except MlgateError:
        return _nothing_known
    stored = {str(item.get("path")): item for item in files}

    def known(path: Path, shown: str) -> Known:
        item = stored.get(shown)
        if item is None:
            return None, None
        rows = item.get("rows")
        digest = item.get("sha256")
        changed = sha256_of(path) != digest if isinstance(digest, str) else None
        return (rows if isinstance(rows, int) else None), changed

    return known


def _against_revision(root: Path, rev: str) -> Callable[[Path, str], Known]:
    """Whether a git-tracked data file differs from REF's (git compares, nothing is parsed)."""
    from mlgate.core.scm import diff_from_revision

    try:
        diff = diff_from_revision(root, rev)
    except MlgateError:
        return _nothing_known

    def known(path: Path, _shown: str) -> Known:
        return None, diff.differs(path.relative_to(root.resolve()).as_posix())

    return known
