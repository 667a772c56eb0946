"""The shape of each result file, checked before a report renders it.

The fork-safe poster renders result files a pull request's own run wrote: from a fork, they
are the attacker's. So every field a renderer reads must have the type the producer writes (a
status is one of the known words, a version is digits, numbers are numbers), and a file that
does not fit is refused (exit 2, naming the file and the field) rather than rendered. Fields
no renderer reads are not checked: newer mlgate versions may add them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlgate.errors import InputError
from mlgate.outbound import one_line, shorten

Check = Callable[[Any], bool]
MAX_INT = 2**53  # the largest integer a float holds exactly


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    """An int or a float; an int too large for a float (a 400-digit number) is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, float) or abs(value) <= MAX_INT


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_digits(value: Any) -> bool:
    if _is_int(value):
        return bool(value >= 0)
    return isinstance(value, str) and value.isascii() and value.isdigit()


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | bool) or _is_number(value)


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and _URL.fullmatch(value) is not None


# A link the report makes is percent-encoded (outbound.link); here only the scheme and the
# absence of line breaks and control characters matter. Model names may hold spaces.
_URL = re.compile(r"https?://[^\x00-\x20/?#]+[^\x00-\x1f\x7f]*")


@dataclass(frozen=True)
class OneOf:
    words: tuple[object, ...]


@dataclass(frozen=True)
class Nullable:
    inner: Spec


@dataclass(frozen=True)
class Shape:
    """A JSON object: fields that must be there, fields that may."""

    required: Mapping[str, Spec] = field(default_factory=dict)
    optional: Mapping[str, Spec] = field(default_factory=dict)


@dataclass(frozen=True)
class ListOf:
    item: Spec


@dataclass(frozen=True)
class MapOf:
    """A JSON object with free keys (metric names) and values of one kind."""

    value: Spec


Spec = Check | Shape | ListOf | MapOf | OneOf | Nullable
TYPE_NAMES: dict[Callable[[Any], bool], str] = {
    _is_str: "a string",
    _is_int: "an integer",
    _is_number: "a number",
    _is_bool: "true or false",
    _is_digits: "a version number (digits)",
    _is_scalar: "a string, number, true, false or null",
    _is_url: "an http(s) URL",
}

STRINGS = ListOf(_is_str)
METRICS = MapOf(_is_scalar)
SIDE = Shape(
    optional={
        "source": Nullable(_is_str),
        "origin": Nullable(_is_str),
        "model": Nullable(_is_str),
        "alias": Nullable(_is_str),
        "version": Nullable(_is_digits),
        "run_id": Nullable(_is_str),
        "url": Nullable(_is_url),
        "metrics": Nullable(METRICS),
        "missing_reason": Nullable(_is_str),
    }
)
COMPARE = Shape(
    optional={
        "checks": ListOf(
            Shape(
                required={
                    "metric": _is_str,
                    "rule": _is_str,
                    "passed": _is_bool,
                    "message": _is_str,
                },
                optional={
                    "skipped": _is_bool,
                    **{
                        key: Nullable(_is_number)
                        for key in ("candidate", "baseline", "delta", "delta_pct", "limit")
                    },
                },
            )
        ),
        "ungated": ListOf(
            Shape(required={"metric": _is_str, "candidate": _is_scalar, "baseline": _is_scalar})
        ),
        "notes": STRINGS,
        "candidate": SIDE,
        "baseline": SIDE,
        "history": ListOf(Shape(required={"version": _is_digits, "metrics": METRICS})),
    }
)
VALIDATE = Shape(
    optional={
        "files": ListOf(
            Shape(
                required={
                    "path": _is_str,
                    "schema": _is_str,
                    "status": OneOf(("pass", "fail", "error")),
                },
                optional={
                    "rows": _is_int,
                    "columns": _is_int,
                    "failing_rows": _is_int,
                    "error": _is_str,
                    "failures": ListOf(
                        Shape(
                            required={"check": _is_str},
                            optional={
                                "column": Nullable(_is_str),
                                "rows": Nullable(_is_int),
                                "examples": ListOf(
                                    Shape(optional={"line": _is_int, "row": _is_int})
                                ),
                            },
                        )
                    ),
                },
            )
        )
    }
)
REPRO_STAGE = Shape(
    required={"name": _is_str},
    optional={
        "status": _is_str,
        "duration_s": _is_number,
        "output_tail": STRINGS,
        "state": OneOf(("stale", "not_pulled", "up_to_date")),
        "reasons": ListOf(
            Shape(
                required={"kind": _is_str, "change": _is_str},
                optional={"path": _is_str, "key": _is_str, "detail": _is_str},
            )
        ),
        "absent": ListOf(
            Shape(
                required={"path": _is_str, "kind": _is_str, "in_cache": _is_bool},
                optional={"files_absent": _is_int},
            )
        ),
        "notes": STRINGS,
    },
)
REPRO = Shape(
    optional={
        "mode": OneOf(("run", "check", "verify")),
        "stages": ListOf(REPRO_STAGE),
        "stale_stages": STRINGS,
        "metrics": Nullable(METRICS),
        "outputs": ListOf(
            Shape(
                required={"path": _is_str, "stage": _is_str, "reproduced": _is_bool},
                optional={"files": STRINGS},
            )
        ),
        "metrics_moved": ListOf(
            Shape(
                required={"name": _is_str, "committed": _is_scalar, "reproduced": _is_scalar},
                optional={"delta": _is_scalar},
            )
        ),
    }
)
GATE = Shape(optional={"skipped": ListOf(Shape(required={"step": _is_str, "reason": _is_str}))})
DETAILS: dict[str, Shape] = {
    "compare": COMPARE,
    "validate": VALIDATE,
    "repro": REPRO,
    "gate": GATE,
}


def envelope_shape(step: str) -> Shape:
    return Shape(
        required={
            "command": OneOf((step,)),
            "status": OneOf(("pass", "fail", "error")),
            "summary": _is_str,
        },
        optional={
            "exit_code": OneOf((2, 3)),
            "duration_s": _is_number,
            "details": DETAILS.get(step, Shape()),
        },
    )


def check_result(path: Path, step: str, data: dict[str, Any]) -> None:
    """Raise InputError naming `path` and the first field of `data` that does not fit."""
    problem = _problem(data, envelope_shape(step), "")
    if problem:
        where, expected = problem
        raise InputError(
            f"{path}: field {where or '(top level)'} is not {expected}; "
            "refusing to render a result file mlgate did not write"
        )


Problem = tuple[str, str] | None


def _problem(value: Any, spec: Spec, where: str) -> Problem:
    """The first place in `value` that does not fit `spec`, and what was expected there."""
    if isinstance(spec, Shape):
        return _shape_problem(value, spec, where)
    if isinstance(spec, ListOf | MapOf):
        return _collection_problem(value, spec, where)
    if isinstance(spec, Nullable):
        return None if value is None else _problem(value, spec.inner, where)
    if isinstance(spec, OneOf):
        fits = value in spec.words and type(value) in {type(word) for word in spec.words}
        return None if fits else (where, "one of " + ", ".join(map(str, spec.words)))
    return None if spec(value) else (where, TYPE_NAMES.get(spec, "of the expected kind"))


def _shape_problem(value: Any, spec: Shape, where: str) -> Problem:
    if not isinstance(value, dict):
        return where, "an object"
    missing = [key for key in spec.required if key not in value]
    if missing:
        return _join(where, missing[0]), "there"
    for key, inner in (*spec.required.items(), *spec.optional.items()):
        found = _problem(value[key], inner, _join(where, key)) if key in value else None
        if found:
            return found
    return None


def _collection_problem(value: Any, spec: ListOf | MapOf, where: str) -> Problem:
    if isinstance(spec, ListOf):
        if not isinstance(value, list):
            return where, "a list"
        items = [(f"{where}[{index}]", item) for index, item in enumerate(value)]
        inner = spec.item
    else:
        if not isinstance(value, dict):
            return where, "an object"
        items = [(_join(where, key), item) for key, item in value.items()]
        inner = spec.value
    for place, item in items:
        found = _problem(item, inner, place)
        if found:
            return found
    return None


def _join(where: str, key: object) -> str:
    name = shorten(one_line(str(key)), 60)  # keys may be the attacker's: bounded, one line
    return f"{where}.{name}" if where else name
