"""Metric files (JSON or YAML) read into flat `{name: value}` mappings.

Naming rule, shared by every source: nested keys are joined with "." (`{"test": {"acc": 1}}`
gives `test.acc`); list items by their index (`scores.0`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlgate.core import yamlio
from mlgate.core.errors import InputError
from mlgate.core.paths import repo_relative

MetricValue = float | str | bool | None
MAX_VALUES = 100_000


def load_metrics_file(path: Path) -> dict[str, MetricValue]:
    shown = repo_relative(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise InputError(f"{shown}: cannot read the metrics file: {reason}") from exc
    return parse_metrics(text, shown, yaml_format=path.suffix.lower() in (".yaml", ".yml"))


def parse_metrics(text: str, source: str, *, yaml_format: bool) -> dict[str, MetricValue]:
    data = yamlio.load(text, source) if yaml_format else _load_json(text, source)
    if not isinstance(data, Mapping):
        raise InputError(f"{source}: a metrics file must hold a mapping of names to values")
    try:
        flat = flatten(data, one_value_per_name=True)
    except RecursionError as exc:
        raise InputError(f"{source}: nested too deeply to be a metrics file") from exc
    except InputError as exc:
        raise InputError(f"{source}: {exc}") from exc
    for name, value in flat.items():
        _require_float_range(value, name, source)
    return flat


def _load_json(text: str, source: str) -> Any:
    """JSON with duplicate keys refused (json takes the last one silently) and bounded errors."""
    try:
        return json.loads(text, object_pairs_hook=unique_keys)
    except DuplicateKey as exc:
        line = _line_of_second(text, exc.key)
        where = f"{source}:{line}" if line else source
        raise InputError(f"{where}: duplicate key {yamlio.excerpt(exc.key)}") from exc
    except RecursionError as exc:
        raise InputError(f"{source}: not valid JSON: nested too deeply") from exc
    except ValueError as exc:  # JSONDecodeError; also an integer beyond Python's digit limit
        raise InputError(f"{source}: not valid JSON: {yamlio.excerpt_text(str(exc))}") from exc


class DuplicateKey(Exception):
    """A JSON object gave `key` twice (raised by `unique_keys`, the `object_pairs_hook`)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise DuplicateKey(key)
        mapping[key] = value
    return mapping


def _line_of_second(text: str, key: str) -> int | None:
    """The line of the key's second occurrence, when the text has exactly two (the hook that
    finds the duplicate does not know where it is)."""
    quoted = json.dumps(key, ensure_ascii=False)
    positions = [m.start() for m in re.finditer(re.escape(quoted) + r"\s*:", text)]
    return text.count("\n", 0, positions[1]) + 1 if len(positions) == 2 else None


def _require_float_range(value: MetricValue, name: str, source: str) -> None:
    # JSON and YAML integers stay int, and an int may be beyond a float's range
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            float(value)
        except OverflowError as exc:
            raise InputError(
                f"{source}: metric {yamlio.excerpt(name)} is an integer too large "
                "to compare (beyond a float's range)"
            ) from exc


class EmptyValue(str):
    """An empty list or mapping under a metric's name (`{"loss": []}`): kept as a value, shown
    as the file writes it, so gating that name is the file's mistake, named (exit 2), not a
    metric or a baseline that is missing."""

    @property
    def kind(self) -> str:
        return "an empty list" if self == "[]" else "an empty mapping"


def flatten(
    data: Mapping[str, Any], prefix: str = "", *, one_value_per_name: bool = False
) -> dict[str, MetricValue]:
    """The values under `data`, named by the naming rule; at most MAX_VALUES of them.

    Parsed YAML shares an aliased subtree instead of copying it (DVC's reader too), so a
    400-byte file can stand for millions of values: more than the cap is an input error.
    `one_value_per_name` (metrics): `{"x": {"y": 0.1}, "x.y": 0.99}` names `x.y` twice, an
    input error naming both keys; otherwise (params) the last one is kept, as DVC shows it.
    """
    flat: dict[str, MetricValue] = {}
    keys: dict[str, tuple[str, ...]] | None = {} if one_value_per_name else None
    _flatten_into(flat, data, prefix, (), keys)
    return flat


def _flatten_into(
    flat: dict[str, MetricValue],
    data: Mapping[str, Any],
    prefix: str,
    path: tuple[str, ...],
    keys: dict[str, tuple[str, ...]] | None,
) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        where = (*path, str(key))
        if keys is not None and isinstance(value, Mapping | list) and not value:
            _require_new_name(keys, name, where)
            flat[name] = EmptyValue("{}" if isinstance(value, Mapping) else "[]")
        elif isinstance(value, Mapping):
            _flatten_into(flat, value, f"{name}.", where, keys)
        elif isinstance(value, list):
            items = {str(i): item for i, item in enumerate(value)}
            _flatten_into(flat, items, f"{name}.", where, keys)
        elif len(flat) >= MAX_VALUES:
            raise InputError(
                f"more than {MAX_VALUES:,} values (at {yamlio.excerpt(name)}); "
                "that is not a metrics or params file (aliases repeating a subtree?)"
            )
        else:
            if keys is not None:
                _require_new_name(keys, name, where)
            flat[name] = _leaf(value)


def _leaf(value: Any) -> MetricValue:
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def _require_new_name(keys: dict[str, tuple[str, ...]], name: str, where: tuple[str, ...]) -> None:
    first = keys.setdefault(name, where)
    if first != where:
        raise InputError(
            f"metric {yamlio.excerpt(name)} has two values: under {_key_path(first)} and under "
            f"{_key_path(where)}; rename one of them"
        )


def _key_path(keys: tuple[str, ...]) -> str:
    """The keys that lead to a value, as a reader finds them in the file: `"x" → "y"`."""
    return " → ".join(yamlio.excerpt(key) for key in keys)


def numeric(value: MetricValue, metric: str, source: str) -> float:
    """The value as a finite float, or an input error naming the metric and the source."""
    if isinstance(value, EmptyValue):
        raise InputError(f"{source}: metric {yamlio.excerpt(metric)} is {value.kind}, not a number")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(
            f"{source}: metric {yamlio.excerpt(metric)} is {yamlio.excerpt(value)}, not a number"
        )
    if not math.isfinite(value):
        raise InputError(
            f"{source}: metric {yamlio.excerpt(metric)} is {value}, which cannot be compared"
        )
    return float(value)


def require_single_value(metrics: Mapping[str, MetricValue], metric: str, source: str) -> None:
    """A gated metric that is a list or a mapping in the file flattens to `metric.0`,
    `metric.x`: that is the file's mistake (exit 2), not a missing metric (exit 1)."""
    found = metrics.get(metric)
    if isinstance(found, EmptyValue):
        raise InputError(f"{source}: metric {yamlio.excerpt(metric)} is {found.kind}, not a number")
    if metric in metrics:
        return
    prefix = f"{metric}."
    inner = next((name for name in metrics if name.startswith(prefix)), None)
    if inner is not None:
        raise InputError(
            f"{source}: metric {yamlio.excerpt(metric)} is a list or a mapping "
            f"(it holds {yamlio.excerpt(inner)}), not a number; gate one of its entries"
        )
