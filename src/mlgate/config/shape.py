"""The shape of mlgate.yaml, declared once: which keys each section takes, their types, the
words and forms their values may take, and their bounds.

The reader (`model.py`) takes its allowed keys, words and forms from here, and
`json_schema()` turns the same declaration into the JSON Schema editors use
(`schema/mlgate.schema.json`, `mlgate config schema`). What a JSON Schema cannot say (a
duplicate YAML key, a path that leaves the config's folder, two rules that no value could
both meet, a registry baseline without `mlflow.model`) only the reader checks; the test
`tests/test_config_schema.py` lists each such rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlgate.config.rule_names import AMOUNT_RULES
from mlgate.config.statistic_names import STATISTICS
from mlgate.data import ENGINES, dataformats

SUPPORTED_VERSION = 1
# At the repository's moving major tag (`v1`, as the Action's `@v1`): editors follow the schema
# of the config format's major version.
SCHEMA_ID = f"https://raw.githubusercontent.com/mlgate/mlgate/v{SUPPORTED_VERSION}/schema/mlgate.schema.json"

DIRECTIONS = ("higher", "lower")
PASS_OR_FAIL = ("pass", "fail")
DRIFT_METHODS = ("auto", "psi", "ks", "wasserstein", "js", "chi2")
CANDIDATE_SOURCE = (
    r"^(dvc|file:.+|run:[0-9A-Za-z_-]+|models:/[^/@]+/[0-9]+|models:/[^/@]+@[A-Za-z0-9_-]+)$"
)
BASELINE_SOURCE = r"^(registry|none|git:\S+|file:.+)$"
# Repository permissions as GitHub's permission API names them, weakest first.
OVERRIDE_PERMISSIONS = ("write", "maintain", "admin")
# The steps a maintainer may override; validate only when named (bad data is rarely accepted).
OVERRIDABLE_STEPS = ("validate", "repro", "drift", "compare")
DRIFT_REFERENCE = r"^(registry|git:\S+|file:.+)$"
# What MLflow accepts as an alias to set (model.alias_problem says why not, in words): word
# characters and dashes, at most 255, and not `latest` or `v<N>`, which name versions.
ALIAS = r"^(?![Ll][Aa][Tt][Ee][Ss][Tt]$)(?![Vv][0-9]+$)[\w-]{1,255}$"


@dataclass(frozen=True)
class Scalar:
    type: str  # string | number | integer | boolean
    description: str = ""
    words: tuple[str, ...] = ()  # the only values allowed
    pattern: str = ""
    minimum: float | None = None
    exclusive_minimum: float | None = None
    maximum: float | None = None
    exclusive_maximum: float | None = None


@dataclass(frozen=True)
class Section:
    """A mapping with known keys."""

    keys: dict[str, Any]
    required: tuple[str, ...] = ()
    description: str = ""
    # A key that only makes sense with another: {key: (the keys it needs)}.
    needs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.keys)


@dataclass(frozen=True)
class MapOf:
    """A mapping whose keys are names the user picks (a metric, a column)."""

    value: Any
    description: str = ""


@dataclass(frozen=True)
class ListOf:
    item: Any
    description: str = ""


@dataclass(frozen=True)
class OneOf:
    shapes: tuple[Any, ...]
    description: str = ""


TEXT = Scalar("string", pattern=r"\S")  # a non-empty string
NUMBER = Scalar("number")
AMOUNT = Scalar("number", minimum=0)
BOOLEAN = Scalar("boolean")
GLOBS = OneOf((TEXT, ListOf(TEXT)), "a glob, or a list of globs, relative to this file")

DATA_ENTRY = Section(
    keys={
        "path": GLOBS,
        "schema": Scalar("string", "Pandera YAML schema, or package.module:Name", pattern=r"\S"),
        "format": Scalar("string", "read the files as this format", words=dataformats.NAMES),
    },
    required=("path", "schema"),
)
MLFLOW = Section(
    keys={
        "tracking_uri": Scalar("string", "MLFLOW_TRACKING_URI wins", pattern=r"\S"),
        "model": Scalar("string", "the registered model's name", pattern=r"\S"),
        "alias": Scalar("string", "the alias of the production version", pattern=ALIAS),
        "model_path": Scalar("string", "the DVC output promote registers", pattern=r"\S"),
    },
    description="where the production baseline lives and where promote registers",
)
PER_EXAMPLE = Section(
    keys={
        "candidate": TEXT,
        "baseline": TEXT,
        "y_true": TEXT,
        "y_pred": TEXT,
        "y_score": TEXT,
        "id": TEXT,
        "weight": TEXT,
    },
    required=("candidate",),
)
METRICS = Section(
    keys={
        "candidate": Scalar(
            "string", "where the change's metrics come from", pattern=CANDIDATE_SOURCE
        ),
        "baseline": Scalar("string", "what they are compared with", pattern=BASELINE_SOURCE),
        "on_missing_baseline": Scalar("string", "no baseline yet (bootstrap)", words=PASS_OR_FAIL),
        "per_example": OneOf(
            (TEXT, PER_EXAMPLE), "per-example records that gates with `confidence` are judged on"
        ),
    }
)
GATE = Section(
    keys={
        "direction": Scalar("string", "which way is better", words=DIRECTIONS),
        "threshold": Scalar("number", "the bound the candidate must meet, baseline or not"),
        **{rule.name: AMOUNT for rule in AMOUNT_RULES},
        "required": Scalar("boolean", "a missing metric fails the gate"),
        "confidence": Scalar(
            "number",
            "judge on the paired interval from per-example records",
            exclusive_minimum=0,
            exclusive_maximum=1,
        ),
        "on_inconclusive": Scalar(
            "string", "when the interval straddles the limit", words=PASS_OR_FAIL
        ),
        "statistic": Scalar("string", "what the records recompute", words=STATISTICS),
    },
    required=("direction",),
    needs={"on_inconclusive": ("confidence",), "statistic": ("confidence",)},
)
DRIFT_THRESHOLD = Scalar("number", exclusive_minimum=0)
COLUMN_DRIFT = Section(
    keys={
        "ignore": BOOLEAN,
        "method": Scalar("string", words=DRIFT_METHODS),
        "threshold": DRIFT_THRESHOLD,
        "current": TEXT,
    }
)
DRIFT = Section(
    keys={
        "reference": Scalar("string", "what the data is compared with", pattern=DRIFT_REFERENCE),
        "current": GLOBS,
        "method": Scalar("string", words=DRIFT_METHODS),
        "threshold": DRIFT_THRESHOLD,
        "columns": MapOf(COLUMN_DRIFT),
        "max_drifted_share": Scalar("number", exclusive_minimum=0, maximum=1),
        "block": Scalar("boolean", "in the gate: block on drift, or only report it"),
    }
)
OVERRIDE = Section(
    keys={
        "min_permission": Scalar(
            "string", "who may override: the repository permission", words=OVERRIDE_PERMISSIONS
        ),
        "allow_author": Scalar("boolean", "may the change's author override their own change"),
        "gates": ListOf(
            Scalar("string", words=OVERRIDABLE_STEPS), "the steps that may be overridden"
        ),
    },
    description="a maintainer's override of a blocked verdict, from a comment on the change",
)
PROMOTE = Section(
    keys={"allow_overridden": Scalar("boolean", "promote a model whose gate was overridden")},
    description="what a promotion accepts",
)
SPARK = Section(
    keys={
        "master": Scalar(
            "string",
            "local[*], sc://host:15002 (Spark Connect), yarn, k8s://...; SPARK_REMOTE or "
            "MLGATE_SPARK_MASTER win",
            pattern=r"\S",
        ),
        "conf": MapOf(
            OneOf((Scalar("string"), Scalar("number"), Scalar("boolean"))),
            "Spark settings, as spark-submit's --conf",
        ),
    },
    description="where the Spark engine (engine: spark) runs",
)
CONFIG = Section(
    keys={
        "version": Scalar(
            "integer", "the config format", minimum=SUPPORTED_VERSION, maximum=SUPPORTED_VERSION
        ),
        "data": ListOf(DATA_ENTRY, "`mlgate validate`: data files and their schemas"),
        "mlflow": MLFLOW,
        "metrics": METRICS,
        "gates": MapOf(GATE, "the rules each metric must meet; every rule set must hold"),
        "drift": DRIFT,
        "override": OVERRIDE,
        "promote": PROMOTE,
        "spark": SPARK,
        "engine": Scalar(
            "string", "how validate reads and checks tables (default pandas)", words=ENGINES
        ),
    },
    required=("version",),
    description="mlgate.yaml",
)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 7) of mlgate.yaml, from the declaration above."""
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "mlgate.yaml",
        **_node(CONFIG),
    }


def _node(node: Any) -> dict[str, Any]:
    built: dict[str, Any]
    if isinstance(node, Scalar):
        built = _scalar(node)
    elif isinstance(node, Section):
        built = {
            "type": "object",
            "properties": {name: _node(value) for name, value in node.keys.items()},
            "additionalProperties": False,
        }
        if node.required:
            built["required"] = list(node.required)
        if node.needs:
            built["dependencies"] = {key: list(keys) for key, keys in node.needs.items()}
    elif isinstance(node, MapOf):
        built = {"type": "object", "additionalProperties": _node(node.value)}
    elif isinstance(node, ListOf):
        built = {"type": "array", "items": _node(node.item)}
    else:
        built = {"oneOf": [_node(shape) for shape in node.shapes]}
    if node.description:
        built["description"] = node.description
    return built


def _scalar(node: Scalar) -> dict[str, Any]:
    built: dict[str, Any] = {"type": node.type}
    if node.words:
        built["enum"] = list(node.words)
    if node.pattern:
        built["pattern"] = node.pattern
    bounds = {
        "minimum": node.minimum,
        "exclusiveMinimum": node.exclusive_minimum,
        "maximum": node.maximum,
        "exclusiveMaximum": node.exclusive_maximum,
    }
    built.update({key: value for key, value in bounds.items() if value is not None})
    return built
