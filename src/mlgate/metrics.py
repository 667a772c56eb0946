"""Metric files (JSON or YAML) read into flat `{name: value}` mappings.

Naming rule, shared by every source: nested keys are joined with "." (`{"test": {"acc": 1}}`
gives `test.acc`); list items by their index (`scores.0`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlgate.errors import InputError

MetricValue = float | str | bool | None


def load_metrics_file(path: Path) -> dict[str, MetricValue]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the metrics file: {exc}") from exc
    return parse_metrics(text, str(path), yaml_format=path.suffix.lower() in (".yaml", ".yml"))


def parse_metrics(text: str, source: str, *, yaml_format: bool) -> dict[str, MetricValue]:
    try:
        if yaml_format:
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except ValueError as exc:  # JSONDecodeError is a ValueError
        raise InputError(f"{source}: not valid JSON: {exc}") from exc
    except Exception as exc:  # yaml.YAMLError, imported lazily above
        raise InputError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, Mapping):
        raise InputError(f"{source}: a metrics file must hold a mapping of names to values")
    return flatten(data)


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, MetricValue]:
    flat: dict[str, MetricValue] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            flat.update(flatten({str(i): item for i, item in enumerate(value)}, f"{name}."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            flat[name] = value
        else:
            flat[name] = value if isinstance(value, str | bool) or value is None else str(value)
    return flat


def numeric(value: MetricValue, metric: str, source: str) -> float:
    """The value as a finite float, or an input error naming the metric and the source."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{source}: metric {metric!r} is {value!r}, not a number")
    if not math.isfinite(value):
        raise InputError(f"{source}: metric {metric!r} is {value}, which cannot be compared")
    return float(value)
