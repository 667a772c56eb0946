"""Read `mlgate.yaml` into frozen dataclasses, or fail with the file, line and key.

The YAML is composed into nodes (not loaded into plain dicts) so that every error can
point at the line a user has to edit, and so that duplicate keys, which PyYAML would
silently overwrite, are caught.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import yaml

from mlgate.config import shape
from mlgate.config.rule_names import AMOUNT_RULES, AmountRule
from mlgate.config.shape import SUPPORTED_VERSION
from mlgate.core import paths, yamlio
from mlgate.core.errors import ConfigError, InputError
from mlgate.core.outbound import redact
from mlgate.core.paths import git_toplevel
from mlgate.data import ENGINES, dataformats, is_data_lake_uri

CONFIG_FILENAMES = ("mlgate.yaml", "mlgate.yml")

Direction = Literal["higher", "lower"]

CANDIDATE_SOURCE_FORMS = "dvc, file:PATH, run:RUN_ID, models:/NAME/VERSION, models:/NAME@ALIAS"
BASELINE_SOURCE_FORMS = "registry, git:REF, file:PATH, none"
_CANDIDATE_SOURCE = re.compile(shape.CANDIDATE_SOURCE)
_BASELINE_SOURCE = re.compile(shape.BASELINE_SOURCE)

# A gate's keys besides the amount rules (rule_names.AMOUNT_RULES).
GATE_KEYS = tuple(name for name in shape.GATE.names if name not in {r.name for r in AMOUNT_RULES})
DIRECTIONS = shape.DIRECTIONS


@dataclass(frozen=True)
class DataEntry:
    """One `data:` entry: the files its globs match are validated against `schema`."""

    paths: tuple[str, ...]  # globs inside the config's folder
    schema: str
    format: str | None = None
    line: int = 0
    schema_line: int = 0
    uris: tuple[str, ...] = ()  # data lake URIs (s3a://, abfss://, ...): engine: spark reads them


@dataclass(frozen=True)
class MlflowConfig:
    tracking_uri: str | None = None
    model: str | None = None
    alias: str = "champion"
    model_path: str | None = None


@dataclass(frozen=True)
class PerExample:
    """`metrics.per_example`: the per-example records gates with `confidence` are judged on.

    `baseline` names the baseline's file for `file:` baselines (the mapping form); the other
    baselines read `candidate`'s path at their revision or from the registry.
    """

    candidate: str
    baseline: str | None = None
    y_true: str = "y_true"
    y_pred: str = "y_pred"
    y_score: str = "y_score"
    id: str = "id"
    weight: str = "weight"


PER_EXAMPLE_KEYS = shape.PER_EXAMPLE.names


@dataclass(frozen=True)
class MetricsConfig:
    candidate: str = "dvc"
    baseline: str = "registry"
    on_missing_baseline: Literal["pass", "fail"] = "pass"
    per_example: PerExample | None = None


@dataclass(frozen=True)
class GateRule:
    """The rules one metric must meet; every rule that is set must hold."""

    metric: str
    direction: Direction
    threshold: float | None = None
    max_regression: float | None = None
    max_regression_pct: float | None = None
    min_improvement: float | None = None
    min_improvement_pct: float | None = None
    max_improvement: float | None = None
    max_improvement_pct: float | None = None
    required: bool = True
    # Judged on the paired interval from `metrics.per_example` when set (docs/noise-aware-
    # gates.md); `statistic` is what the records recompute, the gate's name by default.
    confidence: float | None = None
    on_inconclusive: Literal["pass", "fail"] = "fail"
    statistic: str | None = None


DRIFT_METHODS = shape.DRIFT_METHODS
_DRIFT_REFERENCE = re.compile(shape.DRIFT_REFERENCE)
DRIFT_REFERENCE_FORMS = "registry, file:PATH (data or a profile), git:REF"


@dataclass(frozen=True)
class ColumnDrift:
    """`drift.columns.NAME`: left out, or judged by its own method and threshold; `current`
    names the column in the current data when it was renamed there (serving features)."""

    name: str
    ignore: bool = False
    method: str | None = None
    threshold: float | None = None
    current: str | None = None
    line: int = 0  # of its entry, where an error about the column points
    method_line: int = 0


@dataclass(frozen=True)
class DriftConfig:
    reference: str = "registry"
    current: tuple[str, ...] = ()  # empty: the paths of `data:`
    method: str = "auto"
    threshold: float | None = None  # None: each method's own default
    columns: tuple[ColumnDrift, ...] = ()
    max_drifted_share: float = 0.5
    block: bool = False
    line: int = 0
    method_line: int = 0


OVERRIDE_PERMISSIONS = shape.OVERRIDE_PERMISSIONS
OVERRIDABLE_STEPS = shape.OVERRIDABLE_STEPS
DEFAULT_OVERRIDE_GATES = ("repro", "drift", "compare")


@dataclass(frozen=True)
class OverrideConfig:
    """`override:`: who may turn a blocked verdict into `overridden` from a PR comment."""

    min_permission: str = "maintain"
    allow_author: bool = False
    gates: tuple[str, ...] = DEFAULT_OVERRIDE_GATES
    line: int = 0


@dataclass(frozen=True)
class SparkConfig:
    """`spark:`: where the Spark engine runs. SPARK_REMOTE or MLGATE_SPARK_MASTER, when set,
    win over `master` (the job's environment knows the cluster)."""

    master: str = "local[*]"
    conf: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PromoteConfig:
    """`promote:`: what a promotion accepts."""

    allow_overridden: bool = True


@dataclass(frozen=True)
class Config:
    path: Path
    version: int = SUPPORTED_VERSION
    data: tuple[DataEntry, ...] = ()
    mlflow: MlflowConfig = field(default_factory=MlflowConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    gates: tuple[GateRule, ...] = ()
    warnings: tuple[str, ...] = ()
    drift: DriftConfig | None = None
    override: OverrideConfig = field(default_factory=OverrideConfig)
    promote: PromoteConfig = field(default_factory=PromoteConfig)
    spark: SparkConfig = field(default_factory=SparkConfig)
    # how validate reads and checks tables (mlgate.data.ENGINES); pandas unless set
    engine: str = "auto"

    @property
    def root(self) -> Path:
        """Paths in the config are relative to the folder that holds it."""
        return self.path.parent

    def to_dict(self) -> dict[str, Any]:
        """The normalised config, defaults filled in, as `config check --format json` shows it."""
        return {
            "path": str(self.path),
            "version": self.version,
            "data": [
                {
                    "path": [*entry.paths, *entry.uris],
                    "schema": entry.schema,
                    "format": entry.format,
                }
                for entry in self.data
            ],
            "mlflow": asdict(self.mlflow),
            "metrics": asdict(self.metrics),  # per_example: a mapping, or None
            "gates": {gate.metric: _gate_dict(gate) for gate in self.gates},
            "drift": None if self.drift is None else _without_lines(asdict(self.drift)),
            "override": {k: v for k, v in asdict(self.override).items() if k not in _LINE_KEYS},
            "promote": asdict(self.promote),
            "engine": self.engine,
            "spark": {"master": self.spark.master, "conf": dict(self.spark.conf)},
            "warnings": list(self.warnings),
        }


# Where a drift entry was read (for error messages): internal, never part of the config shown.
_LINE_KEYS = ("line", "method_line")


def _without_lines(drift: dict[str, Any]) -> dict[str, Any]:
    shown = {key: value for key, value in drift.items() if key not in _LINE_KEYS}
    shown["columns"] = [
        {key: value for key, value in column.items() if key not in _LINE_KEYS}
        for column in drift["columns"]
    ]
    return shown


def _gate_dict(gate: GateRule) -> dict[str, Any]:
    """A gate's rules; the interval keys only for a gate judged on its interval."""
    interval_keys = ("confidence", "on_inconclusive", "statistic")
    return {
        key: value
        for key, value in asdict(gate).items()
        if key != "metric" and (gate.confidence is not None or key not in interval_keys)
    }


def find_config(explicit: Path | None, cwd: Path | None = None) -> Path | None:
    """The config to use: the one named, else the nearest mlgate.yaml (or .yml) in the working
    directory or a folder above it, up to the repository's top, as git, DVC and pre-commit
    find theirs (outside a repository, the working directory's only)."""
    if explicit is not None:
        if not explicit.is_file():
            raise InputError(f"{explicit}: config file not found")
        return explicit
    for folder in _config_folders(cwd or Path.cwd()):
        for name in CONFIG_FILENAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


def _config_folders(start: Path) -> list[Path]:
    """`start` and its parents up to the repository's top, nearest first; the path stays as
    given (not resolved) so that messages name it as the user typed."""
    top = git_toplevel(start.resolve())
    if top is None:
        return [start]
    folders = [start]
    for parent in start.parents:
        if not parent.resolve().is_relative_to(top):
            break
        folders.append(parent)
    return folders


def require_config(explicit: Path | None, *, baseline_from_cli: bool = False) -> Config:
    """Load the config a command cannot work without, or say how to provide one.

    `baseline_from_cli`: the command line names the baseline, so the config's own baseline
    need not be usable (the command checks the one it uses).
    """
    path = find_config(explicit)
    if path is None:
        raise InputError(
            f"no mlgate.yaml in {Path.cwd()} or a folder above it in the repository; pass "
            "--config PATH, or write one with `mlgate init` "
            "(see https://mlgate.github.io/mlgate/configuration/)"
        )
    return load_config(path, baseline_from_cli=baseline_from_cli)


def load_config(path: Path, *, baseline_from_cli: bool = False) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the config: {exc}") from exc
    return parse_config(text, path, baseline_from_cli=baseline_from_cli)


def parse_config(text: str, path: Path, *, baseline_from_cli: bool = False) -> Config:
    reader = _Reader(str(path), path.parent)
    root = yamlio.compose(text, str(path))
    if root is None:
        raise ConfigError("the file is empty; it needs at least `version: 1`", path=str(path))
    top = reader.mapping(root, "")
    reader.reject_unknown(top, shape.CONFIG.names, "")
    _, version_node = reader.require(top, "version", "", root)
    version = reader.integer(version_node, "version")
    if version != SUPPORTED_VERSION:
        raise reader.error(
            f"unsupported config version {version}; this mlgate reads version {SUPPORTED_VERSION}",
            version_node,
            "version",
        )
    data = _read_data(reader, top.get("data"), path.parent)
    mlflow = _read_mlflow(reader, top.get("mlflow"))
    metrics = _read_metrics(reader, top.get("metrics"))
    gates = _read_gates(reader, top.get("gates"))
    if metrics.per_example is None:
        for gate in gates:
            if gate.confidence is not None:
                gates_node = top["gates"][1]
                rule_node = reader.mapping(gates_node, "gates")[gate.metric][1]
                raise reader.error(
                    "`confidence` judges the gate on per-example records, but "
                    "`metrics.per_example` names none (e.g. per_example: eval/predictions.csv)",
                    reader.mapping(rule_node, "")["confidence"][1],
                    f"gates.{gate.metric}.confidence",
                )
    if gates and metrics.baseline == "registry" and mlflow.model is None and not baseline_from_cli:
        node = top["metrics"][0] if "metrics" in top else root
        raise reader.error(
            "the baseline is the MLflow registry (the default), so `mlflow.model` must name "
            "the registered model; or set `metrics.baseline` to git:REF, file:PATH or none",
            node,
            "mlflow.model",
        )
    engine = reader.choice(top["engine"][1], "engine", ENGINES) if "engine" in top else "auto"
    _require_spark_for_uris(path, data, engine)
    return Config(
        path=path,
        version=version,
        data=data,
        mlflow=mlflow,
        metrics=metrics,
        gates=gates,
        warnings=tuple(_unmatched_globs(data, path)),
        drift=_read_drift(reader, top.get("drift")),
        override=_read_override(reader, top.get("override")),
        promote=_read_promote(reader, top.get("promote")),
        spark=_read_spark(reader, top.get("spark")),
        engine=engine,
    )


# What MLflow accepts as an alias (mlflow/utils/validation.py: `_validate_model_alias_name` and
# `_validate_model_alias_name_reserved`): word characters and dashes, at most 255, and neither
# `latest` nor `v<N>`, which MLflow reserves for "the newest version" and "version N".
_ALIAS = re.compile(r"^[\w-]+$")
_RESERVED_ALIAS = re.compile(r"^(latest|v\d+)$", re.IGNORECASE)
MAX_ALIAS_LENGTH = 255


def alias_problem(alias: str, *, to_set: bool = True) -> str | None:
    """Why MLflow would reject `alias` as a registered model alias, or None.

    `to_set=False` for an alias only read: MLflow resolves `latest` and `v<N>` when reading.
    """
    if not _ALIAS.match(alias):
        return "MLflow accepts only letters, digits, underscores (_) and dashes (-) in an alias"
    if len(alias) > MAX_ALIAS_LENGTH:
        return f"MLflow accepts at most {MAX_ALIAS_LENGTH} characters in an alias"
    if to_set and _RESERVED_ALIAS.match(alias):
        return "MLflow reserves `latest` and `v<N>` (they name a version, not an alias)"
    return None


def parse_candidate_source(value: str, where: str) -> str:
    if not _CANDIDATE_SOURCE.match(value):
        raise InputError(
            f"{where}: unknown candidate source {value!r}; expected {CANDIDATE_SOURCE_FORMS}"
        )
    return value


def parse_baseline_source(value: str, where: str) -> str:
    if not _BASELINE_SOURCE.match(value):
        raise InputError(
            f"{where}: unknown baseline source {value!r}; expected {BASELINE_SOURCE_FORMS}"
        )
    return value


Entry = tuple[yaml.Node, yaml.Node]


class _Reader:
    """Typed access to YAML nodes; every error names the file, line and dotted key."""

    def __init__(self, path: str, root: Path) -> None:
        self.path = path
        self.root = root  # the folder that holds the config: its paths stay inside it

    def error(self, message: str, node: yaml.Node, key: str) -> ConfigError:
        mark = node.start_mark
        return ConfigError(
            message,
            path=self.path,
            line=mark.line + 1,
            column=mark.column + 1,
            key=yamlio.excerpt_text(key) or None,
        )

    def mapping(self, node: yaml.Node, key: str) -> dict[str, Entry]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(f"expected a mapping, got {yamlio.kind(node)}", node, key)
        try:
            explicit, merged = yamlio.mapping_pairs(node)
        except ConfigError as exc:
            raise ConfigError(
                exc.reason, path=self.path, line=exc.line, column=exc.column, key=key or None
            ) from exc
        entries: dict[str, Entry] = {}
        for key_node, value_node in explicit:
            name = self._key(key_node, key)
            if name in entries:
                first = entries[name][0].start_mark.line + 1
                raise self.error(
                    f"duplicate key {yamlio.excerpt(name)} (first set on line {first})",
                    key_node,
                    _join(key, name),
                )
            entries[name] = (key_node, value_node)
        for key_node, value_node in merged:  # `<<: *anchor`: explicit keys win
            entries.setdefault(self._key(key_node, key), (key_node, value_node))
        return entries

    def _key(self, node: yaml.Node, key: str) -> str:
        name = self.scalar(node)
        if not isinstance(name, str):
            raise self.error(f"keys must be strings, got {_describe(name)}", node, key)
        return name

    def reject_unknown(self, entries: dict[str, Entry], allowed: tuple[str, ...], key: str) -> None:
        for name, (key_node, _value) in entries.items():
            if name in allowed:
                continue
            close = close_matches(name, allowed)
            hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(allowed)}"
            raise self.error(
                f"unknown key {yamlio.excerpt(name)}{hint}", key_node, _join(key, name)
            )

    def require(self, entries: dict[str, Entry], name: str, key: str, parent: yaml.Node) -> Entry:
        if name not in entries:
            raise self.error(f"missing required key {name!r}", parent, _join(key, name))
        return entries[name]

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return node  # callers report the wrong kind with the node's position
        try:
            return yamlio.scalar(node)
        except ConfigError as exc:  # `!!int x`: the tag and the text disagree
            raise self.error(exc.reason, node, "") from exc

    def string(self, node: yaml.Node, key: str) -> str:
        value = self.scalar(node)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"expected a non-empty string, got {_describe(value)}", node, key)
        return value

    def integer(self, node: yaml.Node, key: str) -> int:
        value = self.scalar(node)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"expected an integer, got {_describe(value)}", node, key)
        return value

    def number(self, node: yaml.Node, key: str) -> float:
        value = self.scalar(node)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"expected a number, got {_describe(value)}", node, key)
        try:
            number = float(value)
        except OverflowError:  # an integer of hundreds of digits: no float holds it
            raise self.error(
                f"{yamlio.excerpt(value)} is too large for a number", node, key
            ) from None
        if not math.isfinite(number):
            raise self.error(f"expected a finite number, got {value}", node, key)
        return number

    def boolean(self, node: yaml.Node, key: str) -> bool:
        value = self.scalar(node)
        if not isinstance(value, bool):
            raise self.error(f"expected true or false, got {_describe(value)}", node, key)
        return value

    def choice(self, node: yaml.Node, key: str, allowed: tuple[str, ...]) -> str:
        value = self.string(node, key)
        if value not in allowed:
            close = close_matches(value, allowed)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise self.error(
                f"{yamlio.excerpt(value)} is not one of {', '.join(allowed)}{hint}", node, key
            )
        return value

    def sequence(self, node: yaml.Node, key: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(f"expected a list, got {yamlio.kind(node)}", node, key)
        return list(node.value)

    def inside(self, value: str, node: yaml.Node, key: str) -> str:
        """`value`, a path in the config, when it stays inside the config's folder."""
        how = paths.leaves_folder(value, self.root)
        if how is not None:
            raise self.error(f"{yamlio.excerpt(value)} {paths.OUTSIDE.format(how=how)}", node, key)
        return value

    def strings(self, node: yaml.Node, key: str) -> tuple[str, ...]:
        """A string or a non-empty list of strings."""
        if isinstance(node, yaml.SequenceNode):
            items = tuple(self.string(item, f"{key}[{i}]") for i, item in enumerate(node.value))
            if not items:
                raise self.error("expected at least one entry", node, key)
            return items
        return (self.string(node, key),)


def _read_data(reader: _Reader, entry: Entry | None, root: Path) -> tuple[DataEntry, ...]:
    if entry is None:
        return ()
    entries = []
    for index, item in enumerate(reader.sequence(entry[1], "data")):
        key = f"data[{index}]"
        fields = reader.mapping(item, key)
        reader.reject_unknown(fields, shape.DATA_ENTRY.names, key)
        _, path_node = reader.require(fields, "path", key, item)
        _, schema_node = reader.require(fields, "schema", key, item)
        data_format = None
        if "format" in fields:
            data_format = reader.choice(fields["format"][1], f"{key}.format", dataformats.NAMES)
        patterns, uris = _data_paths(reader, path_node, f"{key}.path")
        schema = reader.string(schema_node, f"{key}.schema")
        if not is_import_path(schema):
            reader.inside(schema, schema_node, f"{key}.schema")
        entries.append(
            DataEntry(
                paths=patterns,
                schema=schema,
                format=data_format,
                line=path_node.start_mark.line + 1,
                schema_line=schema_node.start_mark.line + 1,
                uris=uris,
            )
        )
    return tuple(entries)


def _data_paths(
    reader: _Reader, node: yaml.Node, key: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A `data:` entry's globs, and its data lake URIs, which name no file in the repository
    and are not confined to it: Spark reads them where they are."""
    given = reader.strings(node, key)
    local = tuple(path for path in given if not is_data_lake_uri(path))
    uris = tuple(path for path in given if is_data_lake_uri(path))
    return _checked_globs(reader, local, node, key), uris


def _require_spark_for_uris(path: Path, data: tuple[DataEntry, ...], engine: str) -> None:
    """Only Spark reads a data lake URI: with another engine the data would go unchecked."""
    for index, entry in enumerate(data):
        if entry.uris and engine != "spark":
            raise ConfigError(
                f"{yamlio.excerpt(redact(entry.uris[0]))} is a data lake URI, which only the spark "
                "engine reads: set `engine: spark` (and `spark.master`), or name files in the "
                "repository",
                path=str(path),
                line=entry.line or None,
                key=f"data[{index}].path",
            )


def _globs(reader: _Reader, node: yaml.Node, key: str) -> tuple[str, ...]:
    """A glob or a list of globs, each one `Path.glob` reads as naming files inside the
    config's folder."""
    return _checked_globs(reader, reader.strings(node, key), node, key)


def _checked_globs(
    reader: _Reader, patterns: tuple[str, ...], node: yaml.Node, key: str
) -> tuple[str, ...]:
    for pattern in patterns:
        problem = glob_problem(pattern)
        if problem:
            raise reader.error(f"{yamlio.excerpt(pattern)} {problem}", node, key)
        reader.inside(pattern, node, key)
    return patterns


_IMPORT_PATH = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


def is_import_path(schema: str) -> bool:
    """`package.module:Name`, as opposed to a schema file's path."""
    return bool(_IMPORT_PATH.match(schema))


def glob_problem(pattern: str) -> str | None:
    """Why `pattern` names no files the way `Path.glob` reads it (which raises on some), or
    None. `**` ending a pattern matches folders on Python 3.11 and files from 3.13 on: refused,
    so the files a config names do not depend on the Python version."""
    parts = PurePosixPath(pattern.replace("\\", "/")).parts  # pathlib drops `.` parts
    if not parts:
        return "names the config's folder itself, not files in it (e.g. data/*.csv)"
    if "\0" in pattern:
        return "holds a NUL character, which no path can hold"
    if any("**" in part and part != "**" for part in parts):
        return "uses `**` inside a name; `**` must be a whole path part (e.g. data/**/*.csv)"
    if parts[-1] == "**":
        return "ends in `**`, which matches folders, not files (e.g. data/**/*.csv)"
    return None


def _read_mlflow(reader: _Reader, entry: Entry | None) -> MlflowConfig:
    if entry is None:
        return MlflowConfig()
    fields = reader.mapping(entry[1], "mlflow")
    reader.reject_unknown(fields, shape.MLFLOW.names, "mlflow")
    values = {name: reader.string(fields[name][1], f"mlflow.{name}") for name in fields}
    if "model_path" in values:
        reader.inside(values["model_path"], fields["model_path"][1], "mlflow.model_path")
    if "alias" in values:
        problem = alias_problem(values["alias"])
        if problem:
            raise reader.error(
                f"{values['alias']!r} is not an alias MLflow accepts: {problem}",
                fields["alias"][1],
                "mlflow.alias",
            )
    return MlflowConfig(**values)


def _read_metrics(reader: _Reader, entry: Entry | None) -> MetricsConfig:
    if entry is None:
        return MetricsConfig()
    fields = reader.mapping(entry[1], "metrics")
    reader.reject_unknown(
        fields, ("candidate", "baseline", "on_missing_baseline", "per_example"), "metrics"
    )
    config = MetricsConfig()
    if "candidate" in fields:
        candidate = _source(reader, fields["candidate"][1], "candidate", _CANDIDATE_SOURCE)
        config = replace(config, candidate=candidate)
    if "baseline" in fields:
        baseline = _source(reader, fields["baseline"][1], "baseline", _BASELINE_SOURCE)
        config = replace(config, baseline=baseline)
    if "on_missing_baseline" in fields:
        node = fields["on_missing_baseline"][1]
        choice = reader.choice(node, "metrics.on_missing_baseline", shape.PASS_OR_FAIL)
        config = replace(config, on_missing_baseline="pass" if choice == "pass" else "fail")
    if "per_example" in fields:
        config = replace(config, per_example=_read_per_example(reader, fields["per_example"][1]))
    return config


def _read_per_example(reader: _Reader, node: yaml.Node) -> PerExample:
    key = "metrics.per_example"
    if not isinstance(node, yaml.MappingNode):
        return PerExample(candidate=_relative_path(reader, node, key))
    fields = reader.mapping(node, key)
    reader.reject_unknown(fields, PER_EXAMPLE_KEYS, key)
    _, candidate_node = reader.require(fields, "candidate", key, node)
    values: dict[str, Any] = {
        "candidate": _relative_path(reader, candidate_node, f"{key}.candidate")
    }
    if "baseline" in fields:
        values["baseline"] = _relative_path(reader, fields["baseline"][1], f"{key}.baseline")
    for name in PER_EXAMPLE_KEYS[2:]:
        if name in fields:
            values[name] = reader.string(fields[name][1], f"{key}.{name}")
    return PerExample(**values)


def _relative_path(reader: _Reader, node: yaml.Node, key: str) -> str:
    return reader.inside(reader.string(node, key), node, key)


def _source(reader: _Reader, node: yaml.Node, name: str, pattern: re.Pattern[str]) -> str:
    value = reader.string(node, f"metrics.{name}")
    if not pattern.match(value):
        forms = CANDIDATE_SOURCE_FORMS if name == "candidate" else BASELINE_SOURCE_FORMS
        raise reader.error(
            f"unknown source {yamlio.excerpt(value)}; expected {forms}", node, f"metrics.{name}"
        )
    if value.startswith("file:"):
        reader.inside(value.removeprefix("file:"), node, f"metrics.{name}")
    return value


def _read_gates(reader: _Reader, entry: Entry | None) -> tuple[GateRule, ...]:
    if entry is None:
        return ()
    gates = []
    for metric, (key_node, rule_node) in reader.mapping(entry[1], "gates").items():
        gates.append(_read_gate(reader, metric, key_node, rule_node))
    return tuple(gates)


def _read_gate(reader: _Reader, metric: str, key_node: yaml.Node, node: yaml.Node) -> GateRule:
    key = f"gates.{metric}"
    fields = reader.mapping(node, key)
    reader.reject_unknown(fields, shape.GATE.names, key)
    _, direction_node = reader.require(fields, "direction", key, key_node)
    direction = reader.choice(direction_node, f"{key}.direction", DIRECTIONS)
    amounts: dict[str, Any] = {}
    for rule in AMOUNT_RULES:
        if rule.name in fields:
            node = fields[rule.name][1]
            value = reader.number(node, f"{key}.{rule.name}")
            if value < 0:
                raise reader.error(
                    f"must be zero or more, got {value:g} (the direction already says which "
                    "way is worse)",
                    node,
                    f"{key}.{rule.name}",
                )
            amounts[rule.name] = value
    for percent in (False, True):
        low = AmountRule("min_improvement", percent).name
        high = AmountRule("max_improvement", percent).name
        if low in amounts and high in amounts and amounts[low] > amounts[high]:
            raise reader.error(
                f"{low} ({amounts[low]:g}) is larger than {high} ({amounts[high]:g}): "
                "no value could pass",
                fields[high][1],
                f"{key}.{high}",
            )
    threshold = None
    if "threshold" in fields:
        threshold = reader.number(fields["threshold"][1], f"{key}.threshold")
    required = True
    if "required" in fields:
        required = reader.boolean(fields["required"][1], f"{key}.required")
    gate = GateRule(
        metric=metric,
        direction="higher" if direction == "higher" else "lower",
        threshold=threshold,
        required=required,
    )
    return replace(gate, **amounts, **_read_confidence(reader, metric, fields))


def _read_confidence(reader: _Reader, metric: str, fields: dict[str, Entry]) -> dict[str, Any]:
    """`confidence`, `on_inconclusive` and `statistic` of a gate judged on the interval."""
    from mlgate.config.statistic_names import STATISTICS

    key = f"gates.{metric}"
    if "confidence" not in fields:
        for name in shape.GATE.needs:  # each needs `confidence`
            if name in fields:
                raise reader.error(
                    f"`{name}` applies to a gate judged on its interval: set `confidence` "
                    "(e.g. 0.95) too",
                    fields[name][0],
                    f"{key}.{name}",
                )
        return {}
    node = fields["confidence"][1]
    confidence = reader.number(node, f"{key}.confidence")
    if not 0 < confidence < 1:
        raise reader.error(
            f"must be between 0 and 1 (e.g. 0.95), got {confidence:g}", node, f"{key}.confidence"
        )
    values: dict[str, Any] = {"confidence": confidence}
    if "on_inconclusive" in fields:
        values["on_inconclusive"] = reader.choice(
            fields["on_inconclusive"][1], f"{key}.on_inconclusive", shape.PASS_OR_FAIL
        )
    statistic_node = fields["statistic"][1] if "statistic" in fields else node
    statistic = (
        reader.string(fields["statistic"][1], f"{key}.statistic")
        if "statistic" in fields
        else metric
    )
    if statistic not in STATISTICS:
        said = "`statistic`" if "statistic" in fields else f"the gate's name {metric!r}"
        raise reader.error(
            f"{said} is not a statistic mlgate can recompute from per-example records; "
            f"set `statistic:` to one of {', '.join(STATISTICS)}",
            statistic_node,
            f"{key}.statistic",
        )
    values["statistic"] = statistic
    return values


def _read_drift(reader: _Reader, entry: Entry | None) -> DriftConfig | None:
    if entry is None:
        return None
    fields = reader.mapping(entry[1], "drift")
    reader.reject_unknown(fields, shape.DRIFT.names, "drift")
    config = DriftConfig(line=entry[0].start_mark.line + 1)
    if "reference" in fields:
        node = fields["reference"][1]
        reference = reader.string(node, "drift.reference")
        if not _DRIFT_REFERENCE.match(reference):
            raise reader.error(
                f"unknown reference {yamlio.excerpt(reference)}; expected {DRIFT_REFERENCE_FORMS}",
                node,
                "drift.reference",
            )
        if reference.startswith("file:"):
            reader.inside(reference.removeprefix("file:"), node, "drift.reference")
        config = replace(config, reference=reference)
    if "current" in fields:
        config = replace(config, current=_globs(reader, fields["current"][1], "drift.current"))
    if "method" in fields:
        method = reader.choice(fields["method"][1], "drift.method", DRIFT_METHODS)
        config = replace(config, method=method, method_line=_line(fields["method"][1]))
    if "threshold" in fields:
        config = replace(
            config, threshold=_drift_threshold(reader, fields["threshold"][1], "drift")
        )
    if "max_drifted_share" in fields:
        node = fields["max_drifted_share"][1]
        share = reader.number(node, "drift.max_drifted_share")
        if not 0 < share <= 1:
            raise reader.error(
                f"must be more than 0 and at most 1, got {share:g}", node, "drift.max_drifted_share"
            )
        config = replace(config, max_drifted_share=share)
    if "block" in fields:
        config = replace(config, block=reader.boolean(fields["block"][1], "drift.block"))
    if "columns" in fields:
        columns = reader.mapping(fields["columns"][1], "drift.columns")
        config = replace(
            config,
            columns=tuple(
                replace(_read_column_drift(reader, name, node), line=_line(key))
                for name, (key, node) in columns.items()
            ),
        )
    return config


def _read_override(reader: _Reader, entry: Entry | None) -> OverrideConfig:
    if entry is None:
        return OverrideConfig()
    fields = reader.mapping(entry[1], "override")
    reader.reject_unknown(fields, shape.OVERRIDE.names, "override")
    config = OverrideConfig(line=entry[0].start_mark.line + 1)
    if "min_permission" in fields:
        node = fields["min_permission"][1]
        permission = reader.choice(node, "override.min_permission", OVERRIDE_PERMISSIONS[::-1])
        config = replace(config, min_permission=permission)
    if "allow_author" in fields:
        node = fields["allow_author"][1]
        config = replace(config, allow_author=reader.boolean(node, "override.allow_author"))
    if "gates" in fields:
        node = fields["gates"][1]
        items = reader.sequence(node, "override.gates")
        gates = tuple(
            reader.choice(item, f"override.gates[{i}]", OVERRIDABLE_STEPS)
            for i, item in enumerate(items)
        )
        config = replace(config, gates=gates)
    return config


def _read_spark(reader: _Reader, entry: Entry | None) -> SparkConfig:
    if entry is None:
        return SparkConfig()
    fields = reader.mapping(entry[1], "spark")
    reader.reject_unknown(fields, shape.SPARK.names, "spark")
    master = reader.string(fields["master"][1], "spark.master") if "master" in fields else None
    conf: list[tuple[str, str]] = []
    if "conf" in fields:
        for name, (_, node) in reader.mapping(fields["conf"][1], "spark.conf").items():
            value = reader.scalar(node)
            if not isinstance(value, str | int | float | bool):
                raise reader.error(
                    f"expected a string, number or boolean, got {_describe(value)}",
                    node,
                    f"spark.conf.{name}",
                )
            text = str(value).lower() if isinstance(value, bool) else str(value)
            conf.append((name, text))
    return SparkConfig(master=master or SparkConfig.master, conf=tuple(conf))


def _read_promote(reader: _Reader, entry: Entry | None) -> PromoteConfig:
    if entry is None:
        return PromoteConfig()
    fields = reader.mapping(entry[1], "promote")
    reader.reject_unknown(fields, shape.PROMOTE.names, "promote")
    if "allow_overridden" not in fields:
        return PromoteConfig()
    node = fields["allow_overridden"][1]
    return PromoteConfig(allow_overridden=reader.boolean(node, "promote.allow_overridden"))


def _drift_threshold(reader: _Reader, node: yaml.Node, key: str) -> float:
    value = reader.number(node, f"{key}.threshold")
    if value <= 0:
        raise reader.error(f"must be more than 0, got {value:g}", node, f"{key}.threshold")
    return value


def _read_column_drift(reader: _Reader, name: str, node: yaml.Node) -> ColumnDrift:
    key = f"drift.columns.{name}"
    fields = reader.mapping(node, key)
    reader.reject_unknown(fields, shape.COLUMN_DRIFT.names, key)
    return ColumnDrift(
        name=name,
        ignore=reader.boolean(fields["ignore"][1], f"{key}.ignore")
        if "ignore" in fields
        else False,
        method=(
            reader.choice(fields["method"][1], f"{key}.method", DRIFT_METHODS)
            if "method" in fields
            else None
        ),
        threshold=_drift_threshold(reader, fields["threshold"][1], key)
        if "threshold" in fields
        else None,
        current=reader.string(fields["current"][1], f"{key}.current")
        if "current" in fields
        else None,
        method_line=_line(fields["method"][1]) if "method" in fields else 0,
    )


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _unmatched_globs(data: tuple[DataEntry, ...], config_path: Path) -> list[str]:
    warnings = []
    for entry in data:
        for pattern in entry.paths:
            if next(config_path.parent.glob(pattern), None) is None:
                warnings.append(
                    f"{config_path}:{entry.line}: data path {yamlio.excerpt(pattern)} matches "
                    "no file yet "
                    "(a pipeline output not produced yet, or data not pulled with `dvc pull`?)"
                )
    return warnings


def close_matches(word: str, allowed: tuple[str, ...]) -> list[str]:
    """The allowed word a typo most likely meant (for "did you mean"), if any is close."""
    import difflib  # only on an error: config check runs on every commit

    if len(word) > 100:  # no allowed word is near it, and difflib's time grows with its length
        return []
    return difflib.get_close_matches(word, allowed, n=1, cutoff=0.6)


def _join(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _describe(value: Any) -> str:
    if isinstance(value, yaml.Node):
        return yamlio.kind(value)
    if value is None:
        return "nothing (null)"
    if isinstance(value, str):
        return f"the string {yamlio.excerpt(value)}"
    return f"{type(value).__name__} {yamlio.excerpt(value)}"


def per_example_path(config: Config) -> Path | None:
    """The candidate's per-example records, when the config names them."""
    per_example = config.metrics.per_example
    return None if per_example is None else config.root / per_example.candidate
