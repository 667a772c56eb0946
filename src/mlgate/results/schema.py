"""What a result file may hold, checked before anything reads it (exit 2, file and place).

A result file can come from elsewhere: the privileged `workflow_run` poster renders the artifact
a fork's pull request uploaded. Whatever the renderers and `promote` take from a file is checked
here for its type (a status is one of the known words, a version is a number, a check's
`passed` is true or false), so that a forged or damaged file is an input error naming the field,
never a crash or a Markdown injection through a field of an unexpected type. Fields not listed
are left alone: renderers do not read them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlgate.core.errors import InputError
from mlgate.core.yamlio import excerpt

STATUSES = ("pass", "fail", "error")
# An envelope's status may also be `not-gated` (compare with no config: a view, no verdict).
ENVELOPE_STATUSES = (*STATUSES, "not-gated")


@dataclass(frozen=True)
class Record:
    """A JSON object; `required` keys must be present; other keys are not checked."""

    required: Mapping[str, Any] = field(default_factory=dict)
    optional: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ListOf:
    item: Any


@dataclass(frozen=True)
class MapOf:
    value: Any


@dataclass(frozen=True)
class OneOf:
    """One of the given words, or (with `pattern`) a string matching it."""

    words: tuple[str, ...] = ()
    pattern: str = ""


@dataclass(frozen=True)
class Either:
    shapes: tuple[Any, ...]


NUMBER = (int, float)
SCALAR = Either((str, NUMBER, bool, type(None)))
ANY = object
METRICS = MapOf(SCALAR)


def maybe(shape: Any) -> Either:
    return Either((shape, type(None)))


VERSION = Either((int, OneOf(pattern=r"[0-9]{1,20}")))

EVIDENCE_WORDS = ("holds", "violated", "inconclusive", "point")
# The interval a check with `confidence` was judged on (paired.Interval.to_dict).
INTERVAL = Record(
    required=dict.fromkeys(("estimate", "low", "high", "confidence"), NUMBER),
    optional={"method": str, "rows": int, "resamples": maybe(int)},
)
CHECK = Record(
    required={"metric": str, "rule": str, "passed": bool, "message": str},
    optional={
        "skipped": bool,
        "direction": str,
        **{name: maybe(NUMBER) for name in ("limit", "candidate", "baseline", "delta")},
        "delta_pct": maybe(NUMBER),
        "evidence": maybe(OneOf(EVIDENCE_WORDS)),
        "interval": maybe(INTERVAL),
        "pairing": maybe(OneOf(("paired", "partial", "unpaired"))),
        "paired_rows": maybe(int),
        "rows_needed": maybe(int),
    },
)
PER_EXAMPLE = Record(
    optional={
        "candidate": Record(required={"path": str, "rows": int}),
        "baseline": maybe(Record(required={"source": str, "rows": int})),
        "pairing": maybe(OneOf(("paired", "partial", "unpaired"))),
        "paired_rows": maybe(int),
        "note": maybe(str),
        "missing_reason": maybe(str),
    }
)
SHA256 = OneOf(pattern=r"[0-9a-f]{64}")
# What the candidate was when judged (mlgate.compare.identity), which promote checks the
# workspace against.
IDENTITY = Record(
    optional={
        "model": maybe(Record(required={"path": str, "sha256": SHA256})),
        "metrics": maybe(Record(required={"sha256": SHA256}, optional={"files": MapOf(SHA256)})),
        "per_example": maybe(Record(required={"path": str, "sha256": SHA256})),
        "commit": maybe(str),
        "dirty": maybe(bool),
    }
)
SIDE = maybe(
    Record(
        optional={
            **{name: maybe(str) for name in ("source", "origin", "url", "missing_reason")},
            "model": maybe(str),
            "version": maybe(VERSION),
            "metrics": maybe(METRICS),
            "resolution": maybe(OneOf(("found", "bootstrap", "none"))),
            "identity": maybe(IDENTITY),
        }
    )
)
# What changed besides the metrics (mlgate.compare.changes): the report's "What changed".
CHANGES = Record(
    optional={
        "params": maybe(
            Record(
                optional={
                    "source": maybe(str),
                    "missing_reason": maybe(str),
                    "changed": ListOf(
                        Record(
                            required={"file": str, "name": str},
                            optional={"baseline": SCALAR, "candidate": SCALAR},
                        )
                    ),
                    "not_recorded": int,
                    "unchanged": int,
                }
            )
        ),
        "data": maybe(
            ListOf(
                Record(
                    required={"path": str},
                    optional={
                        "rows": maybe(int),
                        "baseline_rows": maybe(int),
                        "changed": maybe(bool),
                    },
                )
            )
        ),
    }
)
COMPARE = Record(
    optional={
        "changes": CHANGES,
        "checks": ListOf(CHECK),
        "ungated": ListOf(
            Record(required={"metric": str, "candidate": SCALAR, "baseline": SCALAR})
        ),
        "notes": ListOf(str),
        "baseline": SIDE,
        "candidate": SIDE,
        "history": ListOf(Record(required={"version": VERSION}, optional={"metrics": METRICS})),
        "per_example": PER_EXAMPLE,
        "view": bool,
        # The view's rows (compare without a config), every metric of either side.
        "metrics": ListOf(
            Record(
                required={"metric": str, "candidate": SCALAR, "baseline": SCALAR},
                optional={"delta": maybe(NUMBER), "delta_pct": maybe(NUMBER)},
            )
        ),
    }
)
FAILURE = Record(
    required={"column": maybe(str), "check": str},
    optional={
        "rows": maybe(int),
        "examples": ListOf(Record(optional={"row": int, "line": int, "value": ANY})),
    },
)
VALIDATE = Record(
    optional={
        "files": ListOf(
            Record(
                required={"path": str, "status": OneOf(STATUSES)},
                optional={
                    "error": str,
                    "rows": int,
                    "columns": int,
                    "failing_rows": maybe(int),
                    "failures": ListOf(FAILURE),
                },
            )
        )
    }
)
_REASON = Record(
    required={"kind": str, "change": str},
    optional={"path": str, "key": maybe(str), "detail": maybe(str)},
)
_ABSENT = Record(
    required={"path": str, "kind": str, "in_cache": bool}, optional={"files_absent": int}
)
_STAGE_CHECKED = Record(
    required={"name": str, "state": OneOf(("stale", "not_pulled", "up_to_date"))},
    optional={"reasons": ListOf(_REASON), "absent": ListOf(_ABSENT), "notes": ListOf(str)},
)
_STAGE_RUN = Record(
    required={"name": str, "status": str},
    optional={"duration_s": NUMBER, "output_tail": ListOf(str)},
)
_OUTPUT = Record(
    required={"path": str, "stage": str, "reproduced": bool}, optional={"files": ListOf(str)}
)
_MOVED = Record(
    required={"name": str, "committed": SCALAR, "reproduced": SCALAR}, optional={"delta": SCALAR}
)
_SUMMARY = Record(
    required={"rows": int, "nulls": int},
    optional={
        **{name: maybe(NUMBER) for name in ("mean", "std", "min", "max")},
        "distinct": maybe(int),
        "top": MapOf(int),
    },
)
DRIFT = Record(
    optional={
        "reference": Record(optional={"source": str, "rows": maybe(int)}),
        "current": Record(optional={"rows": maybe(int)}),
        "method": str,
        "max_drifted_share": NUMBER,
        "drifted_share": NUMBER,
        "dataset_drifted": bool,
        "block": bool,
        "ignored": ListOf(str),
        "columns": ListOf(
            Record(
                required={"column": str, "method": str, "drifted": bool},
                optional={
                    "current_column": str,
                    "kind": OneOf(("numeric", "categorical")),
                    "statistic": maybe(NUMBER),
                    "statistic_kind": OneOf(("p_value", "distance")),
                    "threshold": maybe(NUMBER),
                    "note": str,
                    "reference": _SUMMARY,
                    "current": _SUMMARY,
                },
            )
        ),
    }
)
GATE = Record(
    optional={
        "links": Record(optional={"workflow_run": maybe(str), "commit": maybe(str)}),
        "steps": ListOf(str),
        "skipped": ListOf(Record(required={"step": str, "reason": str})),
        # A maintainer's override (mlgate.gate.override): the renderers and promote read it.
        "override": Record(
            optional={
                "min_permission": maybe(str),
                "command": maybe(str),
                "refused": ListOf(str),
                "applied": maybe(
                    Record(
                        required={"by": str, "at": str, "reason": str, "commit": str, "url": str},
                        optional={"failed": ListOf(str)},
                    )
                ),
            }
        ),
    }
)


def check_result(data: dict[str, Any], where: str) -> None:
    """InputError naming `where` and the field, unless `data` fits the result schema."""
    envelope = Record(
        required={"command": str, "status": OneOf(ENVELOPE_STATUSES), "summary": str},
        optional={
            "started_at": str,
            "duration_s": NUMBER,
            "exit_code": int,
            "details": Record(),
        },
    )
    _check(data, envelope, where, "")
    details = data.get("details") or {}
    _check(details, _details_shape(data["command"], details), where, "details")


def _details_shape(command: str, details: Mapping[str, Any]) -> Record:
    if command == "repro":
        checked = details.get("mode") == "check" or "stale_stages" in details
        stage = _STAGE_CHECKED if checked else _STAGE_RUN
        return Record(
            optional={
                "mode": maybe(str),
                "stages": ListOf(stage),
                "orphan_lock_entries": ListOf(str),
                "metrics": maybe(METRICS),
                "outputs": ListOf(_OUTPUT),
                "metrics_moved": ListOf(_MOVED),
            }
        )
    return {"compare": COMPARE, "validate": VALIDATE, "gate": GATE, "drift": DRIFT}.get(
        command, Record()
    )


def _check(value: Any, shape: Any, where: str, place: str) -> None:
    problem = _problem(value, shape, where, place)
    if problem is not None:
        raise InputError(f"{where}: {place or 'the file'}: {problem}; not a result mlgate wrote")


def _problem(value: Any, shape: Any, where: str, place: str) -> str | None:
    """What is wrong with `value` itself, or None; what is wrong inside it raises at once."""
    if isinstance(shape, Either):
        problems = [_problem(value, choice, where, place) for choice in shape.shapes]
        return None if None in problems else f"expected {_expected(shape)}, got {_kind(value)}"
    if isinstance(shape, Record):
        return _record_problem(value, shape, where, place)
    if isinstance(shape, ListOf | MapOf):
        return _container_problem(value, shape, where, place)
    if _fits(value, shape):
        return None
    return f"expected {_expected(shape)}, got {_kind(value)}"


def _record_problem(value: Any, shape: Record, where: str, place: str) -> str | None:
    if not isinstance(value, dict):
        return f"expected an object, got {_kind(value)}"
    missing = next((name for name in shape.required if name not in value), None)
    if missing is not None:
        return f"missing {missing!r}"
    for name, inner in {**shape.optional, **shape.required}.items():
        if name in value:
            _check(value[name], inner, where, f"{place}.{name}" if place else name)
    return None


def _container_problem(value: Any, shape: ListOf | MapOf, where: str, place: str) -> str | None:
    if isinstance(shape, ListOf):
        if not isinstance(value, list):
            return f"expected a list, got {_kind(value)}"
        for index, item in enumerate(value):
            _check(item, shape.item, where, f"{place}[{index}]")
        return None
    if not isinstance(value, dict):
        return f"expected an object, got {_kind(value)}"
    for key, item in value.items():
        _check(item, shape.value, where, f"{place}[{excerpt(key)}]")
    return None


def _fits(value: Any, shape: Any) -> bool:
    if isinstance(shape, OneOf):
        return isinstance(value, str) and (
            value in shape.words or bool(shape.pattern and re.fullmatch(shape.pattern, value))
        )
    if shape is object:
        return True
    if isinstance(value, bool):  # a bool is an int to Python, not to a result file
        return shape is bool or (isinstance(shape, tuple) and bool in shape)
    if shape == NUMBER and isinstance(value, int) and abs(value) > sys.float_info.max:
        return False  # a 400-digit number is no metric: no float holds it, no renderer shows it
    return isinstance(value, shape)


def _expected(shape: Any) -> str:
    if isinstance(shape, Either):
        return " or ".join(_expected(choice) for choice in shape.shapes)
    if isinstance(shape, OneOf):
        return " or ".join(repr(word) for word in shape.words) or "a version number"
    if isinstance(shape, Record | MapOf):
        return "an object"
    if isinstance(shape, ListOf):
        return "a list"
    if shape == NUMBER:
        return "a number"
    names = {str: "a string", int: "an integer", bool: "true or false", type(None): "null"}
    types = shape if isinstance(shape, tuple) else (shape,)
    return " or ".join(names.get(kind, kind.__name__) for kind in types)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {excerpt(value)}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
