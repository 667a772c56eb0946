"""The one YAML reader: YAML 1.2 scalars as DVC reads them, bounded work, plain data only.

PyYAML alone reads YAML 1.1, where `1e-2` is a string, `010` is 8, `1:30` is 90 and `no` is
false. DVC reads YAML 1.2 (ruamel.yaml), so mlgate resolves scalars with ruamel's 1.2 rules:
only true/false are booleans, `010` is 10, `1e-4` is a float, `1:30` and dates stay strings.

Hostile input is refused with the file and line (exit 2) before anything is built from it:
tags other than the plain ones (`!!python/...`), nesting deeper than `MAX_DEPTH`, and aliases
that would repeat more than `MAX_ALIAS_NODES` nodes (a "billion laughs" alias bomb). Duplicate
keys are refused; merge keys (`<<`) are supported as DVC supports them, explicit keys winning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import yaml

from mlgate.core.errors import ConfigError, InputError

MAX_DEPTH = 100
MAX_ALIAS_NODES = 10_000
MESSAGE_EXCERPT = 80

Pair = tuple[yaml.Node, yaml.Node]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_PLAIN_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _SEQ, _MAP})

# ruamel.yaml's YAML 1.2 patterns (what DVC reads with), each tried only for values starting
# with one of its first characters (so `_` or `_1` stay strings); no timestamps: a date stays
# a string.
_IMPLICIT = (
    (_BOOL, "tTfF", r"^(?:true|True|TRUE|false|False|FALSE)$"),
    (
        _FLOAT,
        "-+0123456789.",
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
    ),
    (
        _INT,
        "-+0123456789",
        r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$",
    ),
    (_MERGE, "<", r"^(?:<<)$"),
    (_NULL, "~nN", r"^(?:~|null|Null|NULL)$"),
)

# What `Resolver.resolve` looks up: by the value's first character ("" for an empty value).
_RESOLVERS: dict[str, list[tuple[str, re.Pattern[str]]]] = {"": [(_NULL, re.compile("^$"))]}
for _tag, _firsts, _pattern in _IMPLICIT:
    for _first in _firsts:
        _RESOLVERS.setdefault(_first, []).append((_tag, re.compile(_pattern, re.X)))


class _Constructor(yaml.constructor.SafeConstructor):
    """Plain data from checked nodes: 1.2 numbers and booleans, merge keys, no duplicates."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = str(self.construct_scalar(node)).replace("_", "")
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        bases = {"0b": 2, "0x": 16, "0o": 8}
        base = bases.get(digits[:2], 10)
        try:
            return sign * int(digits[2:] if base != 10 else digits, base)
        except ValueError as exc:  # `!!int x`, or more digits than Python converts
            raise _error(f"cannot read {excerpt_text(text)} as an integer", node) from exc

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        text = str(self.construct_scalar(node)).replace("_", "").lower()
        sign = -1.0 if text.startswith("-") else 1.0
        digits = text.lstrip("+-")
        if digits == ".inf":
            return sign * float("inf")
        if digits == ".nan":
            return float("nan")
        try:
            return sign * float(digits)
        except ValueError as exc:  # `!!float x`
            raise _error(f"cannot read {excerpt_text(text)} as a number", node) from exc

    def construct_yaml_bool(self, node: yaml.ScalarNode) -> bool:
        text = str(self.construct_scalar(node)).lower()
        if text not in ("true", "false"):  # `!!bool yes`
            raise _error(f"cannot read {excerpt_text(text)} as true or false", node)
        return text == "true"

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise _error(f"expected a mapping, got {kind(node)}", node)
        explicit, merged = mapping_pairs(node)
        mapping: dict[Any, Any] = {}
        lines: dict[Any, int] = {}
        for key_node, value_node in explicit:
            key = self._key(key_node)
            if key in mapping:
                raise _error(
                    f"duplicate key {excerpt(key)} (first set on line {lines[key]})", key_node
                )
            lines[key] = key_node.start_mark.line + 1
            mapping[key] = self.construct_object(value_node, deep=deep)
        for key_node, value_node in merged:
            key = self._key(key_node)
            if key not in mapping:
                mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def _key(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise _error(f"a key must be a single value, not {kind(node)}", node)
        return self.construct_object(node)

    yaml_constructors: ClassVar[dict[Any, Any]] = {
        _NULL: yaml.constructor.SafeConstructor.construct_yaml_null,
        _BOOL: construct_yaml_bool,
        _INT: construct_yaml_int,
        _FLOAT: construct_yaml_float,
        _STR: yaml.constructor.SafeConstructor.construct_yaml_str,
        _SEQ: yaml.constructor.SafeConstructor.construct_yaml_seq,
        _MAP: yaml.constructor.SafeConstructor.construct_yaml_map,
    }


def compose(text: str, source: str) -> yaml.Node | None:
    """The checked node tree of `text` (None when empty), for readers that report lines."""
    # libyaml's parser when PyYAML has it: fast, and it caps nesting itself.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    loader.yaml_implicit_resolvers = _RESOLVERS
    try:
        root: yaml.Node | None = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(
            f"invalid YAML: {excerpt_text(str(exc.problem or exc.context))}",
            path=source,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from exc
    except (yaml.YAMLError, RecursionError) as exc:
        raise ConfigError(f"invalid YAML: {excerpt_text(str(exc))}", path=source) from exc
    finally:
        loader.dispose()
    if root is not None:
        _check(root, source)
    return root


def load(text: str, source: str) -> Any:
    """The plain data (dicts, lists, str, int, float, bool, None) in `text`; None when empty."""
    root = compose(text, source)
    if root is None:
        return None
    try:
        return _Constructor().construct_document(root)
    except ConfigError as exc:
        raise ConfigError(exc.reason, path=source, line=exc.line, column=exc.column) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise ConfigError(
            excerpt_text(str(exc.problem)),
            path=source,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from exc
    except RecursionError as exc:
        raise ConfigError("nested too deeply", path=source) from exc


def load_file(path: Path, source: str | None = None) -> Any:
    """`load` of a file; InputError when it cannot be read as UTF-8 text."""
    where = source or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{where}: cannot read: {exc}") from exc
    return load(text, where)


def scalar(node: yaml.ScalarNode) -> Any:
    """One checked scalar node's value: str, int, float, bool or None."""
    return _Constructor().construct_object(node)


def mapping_pairs(node: yaml.MappingNode) -> tuple[list[Pair], list[Pair]]:
    """The explicit (key, value) pairs and, after them, those merge keys (`<<`) bring in.

    A merged key yields to an explicit one and to an earlier merged one; duplicate explicit
    keys are for the caller to refuse, with its own way of naming the place.
    """
    explicit: list[Pair] = []
    merged: list[Pair] = []
    for key_node, value_node in node.value:
        if key_node.tag != _MERGE:
            explicit.append((key_node, value_node))
            continue
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise _error(
                    f"a merge key (<<) takes a mapping or a list of mappings, not {kind(source)}",
                    source,
                )
            inner_explicit, inner_merged = mapping_pairs(source)
            merged.extend(inner_explicit + inner_merged)
    return explicit, merged


def kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return "a single value"


def excerpt(value: object) -> str:
    """`repr(value)`, cut to a length fit for an error message, whatever the value's size."""
    if isinstance(value, str | int | float | bool) or value is None:
        return excerpt_text(repr(value) if not isinstance(value, int) else _int_text(value))
    return f"<{type(value).__name__}>"


def excerpt_text(text: str) -> str:
    if len(text) <= MESSAGE_EXCERPT:
        return text
    return f"{text[: MESSAGE_EXCERPT - 1]}… ({len(text):,} characters)"


def _int_text(value: int) -> str:
    try:
        return str(value)
    except ValueError:  # beyond sys.int_info.str_digits_check_threshold
        return "<an integer too long to print>"


def _check(root: yaml.Node, source: str) -> None:
    """Refuse unknown tags, deep nesting and alias expansion beyond the limits, in one walk
    that itself stops at the limits (so a bomb costs at most MAX_ALIAS_NODES steps)."""
    seen: set[int] = set()
    repeated = 0
    for node, depth in _walk(root):
        if depth > MAX_DEPTH:
            raise _located(f"nested deeper than {MAX_DEPTH} levels", node, source)
        if id(node) in seen:
            repeated += 1
            if repeated > MAX_ALIAS_NODES:
                raise _located(
                    f"aliases expand to more than {MAX_ALIAS_NODES:,} repeated nodes "
                    "(an alias bomb?); write the values out",
                    node,
                    source,
                )
            continue
        seen.add(id(node))
        if node.tag not in _PLAIN_TAGS and node.tag != _MERGE:
            raise _located(
                f"the tag {excerpt_text(node.tag)} is not supported; mlgate reads plain "
                "YAML data (mappings, lists, strings, numbers, true/false, null)",
                node,
                source,
            )


def _walk(root: yaml.Node) -> Iterator[tuple[yaml.Node, int]]:
    stack: list[tuple[yaml.Node, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        yield node, depth
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in reversed(node.value):
                stack.append((value_node, depth + 1))
                stack.append((key_node, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in reversed(node.value))


def _error(message: str, node: yaml.Node) -> ConfigError:
    mark = node.start_mark
    return ConfigError(message, path="", line=mark.line + 1, column=mark.column + 1)


def _located(message: str, node: yaml.Node, source: str) -> ConfigError:
    mark = node.start_mark
    return ConfigError(message, path=source, line=mark.line + 1, column=mark.column + 1)
