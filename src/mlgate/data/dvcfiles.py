"""DVC's own files, read as plain YAML without importing DVC: dvc.yaml, dvc.lock, `.dvc` pointers.

The one place that knows their layout, for the callers that must stay cheap (the pre-commit
shortcut, the gate's plan, validate's matching of staged pointers). Paths come back the way DVC
resolves them: relative to the folder of the file that declares them, through the stage's
`wdir`. Where templating (`vars:`, `${...}`, `foreach`, `matrix`) could change what a stage
reads or writes, `Pipeline.templated` says so and callers must not trust the lists alone.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate.core import yamlio
from mlgate.core.errors import InputError
from mlgate.data.metrics import MAX_VALUES

DVC_YAML = "dvc.yaml"
DVC_LOCK = "dvc.lock"
DEFAULT_PARAMS = "params.yaml"
TEMPLATE_MARK = "${"


@dataclass(frozen=True)
class Stage:
    """One stage of dvc.yaml; every path relative to the folder that holds dvc.yaml."""

    name: str
    wdir: str
    deps: tuple[str, ...]
    outs: tuple[str, ...]  # outs, metrics and plots: everything the stage writes
    params_files: tuple[str, ...]


@dataclass(frozen=True)
class Pipeline:
    stages: tuple[Stage, ...]
    params_files: tuple[str, ...]  # the top-level `params:` list
    vars_files: tuple[str, ...]  # files the top-level `vars:` reads (`file.yaml:key` too)
    templated: bool  # a path may come from templating: the lists above may be incomplete

    @property
    def deps(self) -> set[str]:
        return {dep for stage in self.stages for dep in stage.deps}

    @property
    def outs(self) -> set[str]:
        return {out for stage in self.stages for out in stage.outs}

    def watched_params(self) -> set[str]:
        return {*self.params_files, *(name for s in self.stages for name in s.params_files)}


def read_pipeline(dvc_yaml: Path) -> Pipeline | None:
    """dvc.yaml's stages, or None when the file is absent or not a mapping of stages.

    A file that is not YAML raises `InputError` (exit 2), naming it and the line.
    """
    if not dvc_yaml.is_file():
        return None
    return pipeline_from(yamlio.load_file(dvc_yaml) or {})


def pipeline_from(data: Any) -> Pipeline | None:
    """`read_pipeline` for dvc.yaml's parsed content (e.g. read at a git revision)."""
    stages = data.get("stages") if isinstance(data, dict) else None
    if not isinstance(stages, dict):
        return None
    templated = "vars" in data
    parsed = []
    for name, body in stages.items():
        if not isinstance(body, dict) or "foreach" in body or "matrix" in body:
            templated = True
            continue
        templated = templated or _has_template(body)
        parsed.append(_stage(str(name), body))
    top_params = [_entry_path(entry) for entry in _list(data, "params")]
    vars_files = [entry.split(":")[0] for entry in _list(data, "vars") if isinstance(entry, str)]
    return Pipeline(
        stages=tuple(parsed),
        params_files=tuple(_join(".", path) for path in top_params if path),
        vars_files=tuple(_join(".", path) for path in vars_files),
        templated=templated,
    )


def stage_names(dvc_yaml: Path) -> list[str]:
    """The stage names dvc.yaml declares, in its order; [] when it is absent or unreadable.

    A foreach/matrix stage is listed under its own name; DVC runs it as `name@key`, and those
    names appear in the run's log.
    """
    from mlgate.core.errors import InputError

    try:
        data = yamlio.load_file(dvc_yaml) if dvc_yaml.is_file() else None
    except InputError:
        return []
    stages = data.get("stages") if isinstance(data, dict) else None
    return [str(name) for name in stages] if isinstance(stages, dict) else []


def flatten_params(data: Mapping[str, Any]) -> dict[str, Any]:
    """A params file's values named as `dvc params diff` names them: nested keys joined by dots,
    a list one value written as Python writes it (`['a', 'b']`, `[]`; DVC's `format_dict`), an
    empty mapping no value. Parsed YAML shares an aliased subtree instead of copying it, so a
    few hundred bytes can stand for millions of values: past `MAX_VALUES` is an input error."""
    flat: dict[str, Any] = {}
    _params_into(flat, data, "")
    return flat


def _params_into(flat: dict[str, Any], data: Mapping[str, Any], prefix: str) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _params_into(flat, value, f"{name}.")
            continue
        if len(flat) >= MAX_VALUES or (isinstance(value, list) and _too_many(value)):
            raise InputError(
                f"more than {MAX_VALUES:,} values (at {yamlio.excerpt(name)}); "
                "that is not a params file (aliases repeating a subtree?)"
            )
        if isinstance(value, list):
            flat[name] = str(value)
        elif isinstance(value, str | bool | int | float) or value is None:
            flat[name] = value
        else:
            flat[name] = str(value)


def _too_many(value: list[Any]) -> bool:
    """Whether writing the list out would visit more than MAX_VALUES items (stops there)."""
    pending: list[Any] = [value]
    seen = 0
    while pending:
        item = pending.pop()
        seen += 1
        if seen > MAX_VALUES:
            return True
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, Mapping):
            pending.extend(item.values())
    return False


def lock_stages(dvc_lock: Path) -> dict[str, Any] | None:
    """dvc.lock's `stages:` mapping as written (paths relative to each stage's wdir); None when
    there is no lock."""
    if not dvc_lock.is_file():
        return None
    data = yamlio.load_file(dvc_lock) or {}
    stages = data.get("stages") if isinstance(data, dict) else None
    return stages if isinstance(stages, dict) else {}


def lock_outputs(dvc_lock: Path, source: str | None = None) -> list[Path]:
    """The outputs dvc.lock records, as absolute paths, through the wdir dvc.yaml gives each
    stage (the lock itself does not record it)."""
    data: Any = yamlio.load_file(dvc_lock, source)
    stages = data.get("stages") if isinstance(data, dict) else None
    if not isinstance(stages, dict):
        return []
    pipeline = _pipeline_or_none(dvc_lock.with_name(DVC_YAML))
    wdirs = {stage.name: stage.wdir for stage in pipeline.stages} if pipeline else {}
    base = dvc_lock.resolve().parent
    found = []
    for name, entry in stages.items():
        if not isinstance(entry, dict):
            continue
        wdir = wdirs.get(str(name), ".")
        found += [base / _join(wdir, path) for path in _recorded_paths(entry.get("outs"))]
    return found


def pointer_outputs(pointer: Path, source: str | None = None) -> list[Path]:
    """The outputs a `.dvc` file records, as absolute paths (through its `wdir:`, if any)."""
    data: Any = yamlio.load_file(pointer, source)
    if not isinstance(data, dict):
        return []
    wdir = data["wdir"] if isinstance(data.get("wdir"), str) else "."
    base = pointer.resolve().parent
    return [base / _join(wdir, path) for path in _recorded_paths(data.get("outs"))]


def recorded_outputs(path: Path, source: str | None = None) -> list[Path]:
    """`lock_outputs` for a dvc.lock, `pointer_outputs` for a `.dvc` file."""
    if path.name == DVC_LOCK:
        return lock_outputs(path, source)
    return pointer_outputs(path, source)


def _pipeline_or_none(dvc_yaml: Path) -> Pipeline | None:
    from mlgate.core.errors import InputError

    try:
        return read_pipeline(dvc_yaml)
    except InputError:
        return None  # the outputs are still found, relative to the lock's folder


def _stage(name: str, body: dict[str, Any]) -> Stage:
    wdir = body["wdir"] if isinstance(body.get("wdir"), str) else "."
    outs = [
        _entry_path(entry) for kind in ("outs", "metrics", "plots") for entry in _list(body, kind)
    ]
    params_files = []
    for entry in _list(body, "params"):
        if isinstance(entry, dict):
            params_files += [str(file) for file in entry]  # [{file: [keys]}]
        else:
            params_files.append(DEFAULT_PARAMS)  # a bare key lives in params.yaml
    return Stage(
        name=name,
        wdir=_join(".", wdir),
        deps=tuple(_join(wdir, p) for p in map(_entry_path, _list(body, "deps")) if p),
        outs=tuple(_join(wdir, p) for p in outs if p),
        params_files=tuple(sorted({_join(wdir, p) for p in params_files})),
    )


def _list(body: dict[str, Any], key: str) -> list[Any]:
    value = body.get(key)
    return value if isinstance(value, list) else []


def _entry_path(entry: Any) -> str | None:
    """`path` or `{path: {options}}`, as dvc.yaml lists deps, outs and params files."""
    if isinstance(entry, dict):
        entry = next(iter(entry), None)
    return entry if isinstance(entry, str) else None


def _recorded_paths(entries: Any) -> list[str]:
    """`[{path: ..., md5: ...}]`, as dvc.lock and `.dvc` files record outputs."""
    if not isinstance(entries, list):
        return []
    return [
        entry["path"]
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("path"), str)
    ]


def _join(wdir: str, path: str) -> str:
    """`path` seen from the dvc.yaml folder: `src` + `../model.pkl` is `model.pkl`."""
    return posixpath.normpath(posixpath.join(wdir.replace("\\", "/"), path.replace("\\", "/")))


def _has_template(value: Any) -> bool:
    if isinstance(value, str):
        return TEMPLATE_MARK in value
    if isinstance(value, dict):
        return any(_has_template(key) or _has_template(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_template(item) for item in value)
    return False
