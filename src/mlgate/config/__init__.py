"""Layer 2: mlgate.yaml read into frozen dataclasses (model: the declaration, the reader, the
source parsers; to be split next), and the names of rules and statistics the config and the
report share."""

from __future__ import annotations

from mlgate.config.model import (
    GATE_KEYS,
    OVERRIDE_PERMISSIONS,
    ColumnDrift,
    Config,
    DataEntry,
    DriftConfig,
    GateRule,
    MetricsConfig,
    MlflowConfig,
    OverrideConfig,
    PerExample,
    PromoteConfig,
    SparkConfig,
    alias_problem,
    close_matches,
    find_config,
    is_import_path,
    load_config,
    parse_baseline_source,
    parse_candidate_source,
    per_example_path,
    require_config,
)
from mlgate.config.rule_names import (
    AMOUNT_RULES,
    ON_MISSING_BASELINE,
    REQUIRED,
    AmountRule,
    RuleKind,
    amount_rule,
    left_unjudged,
)
from mlgate.config.shape import SCHEMA_ID, json_schema
from mlgate.config.statistic_names import LABEL_STATISTICS, LOSS_STATISTICS, STATISTICS

__all__ = [
    "AMOUNT_RULES",
    "GATE_KEYS",
    "LABEL_STATISTICS",
    "LOSS_STATISTICS",
    "ON_MISSING_BASELINE",
    "OVERRIDE_PERMISSIONS",
    "REQUIRED",
    "SCHEMA_ID",
    "STATISTICS",
    "AmountRule",
    "ColumnDrift",
    "Config",
    "DataEntry",
    "DriftConfig",
    "GateRule",
    "MetricsConfig",
    "MlflowConfig",
    "OverrideConfig",
    "PerExample",
    "PromoteConfig",
    "RuleKind",
    "SparkConfig",
    "alias_problem",
    "amount_rule",
    "close_matches",
    "find_config",
    "is_import_path",
    "json_schema",
    "left_unjudged",
    "load_config",
    "parse_baseline_source",
    "parse_candidate_source",
    "per_example_path",
    "require_config",
]
