"""The engine seam: how validate, profile and drift read tables and compute on them.

An engine takes a data file (`Source`) and a neutral description of what to check
(`TableSpec`: declared column types, row checks, uniqueness), and answers with per-check
failing-row counts and the first examples (`TableChecks`), in the shape `validate.json`
holds. The spec says nothing about Pandera: `validate` translates a schema into it and
refuses, naming the check and the engine, what an engine cannot express (`Unexpressible`).

Engines:
- `pandas` (default, always there): the chunked reader (`read_chunks`); validate checks its
  chunks with Pandera itself, so every Pandera check works.
- `polars` (`mlgate.data.polars`, extra `polars`): lazy scans, every check one expression,
  evaluated in one streaming pass.
- `spark` (`mlgate.data.spark`, extra `spark`): the same spec as Spark column expressions.

Nothing here imports an engine's library at module level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from mlgate.core.errors import InputError
from mlgate.data.source import Source

ENGINES = ("auto", "pandas", "polars", "spark")

# The operations a RowCheck may name; `args` per op:
#   eq, ne, gt, ge, lt, le: (bound,)          in_range: (min, max, include_min, include_max)
#   isin, notin: (values,)                    str_matches, str_contains: (pattern,)
#   str_startswith, str_endswith: (text,)     str_length: (min or None, max or None)
#   not_null: ()
ROW_OPS = frozenset(
    {
        "eq", "ne", "gt", "ge", "lt", "le", "in_range", "isin", "notin", "str_matches",
        "str_contains", "str_startswith", "str_endswith", "str_length", "not_null",
    }
)  # fmt: skip
# Declared column types an engine reads a column as.
KINDS = frozenset({"int", "float", "str", "bool"})


@dataclass(frozen=True)
class RowCheck:
    """One check of each value of one column; a null passes every op but `not_null`."""

    column: str
    name: str  # as validate.json names it (Pandera's name: `in_range(0, 120)`, `not_nullable`)
    op: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class UniqueCheck:
    columns: tuple[str, ...]
    name: str  # field_uniqueness | multiple_fields_uniqueness
    keep: str | bool  # as pandas' duplicated(keep=): "first", "last" or False (every copy)


@dataclass(frozen=True)
class TableSpec:
    """What to check in one table. `kinds`: declared columns and the type each is read as;
    a value a numeric column cannot hold is a failure of `dtype_names[column]` (set for the
    numeric columns) on its row,
    and the row takes part in no other check (as the pandas engine does)."""

    kinds: dict[str, str]
    dtype_names: dict[str, str]
    checks: tuple[RowCheck, ...]
    unique: tuple[UniqueCheck, ...] = ()


@dataclass
class CheckCount:
    """One (column, check): how many rows fail it (None: not about rows), a few examples."""

    column: str | None
    check: str
    rows: int | None = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "check": self.check,
            "rows": self.rows,
            "examples": self.examples,
        }


@dataclass
class TableChecks:
    rows: int
    columns: int
    failing_rows: int  # distinct rows failing at least one check
    failures: list[CheckCount]


class Unexpressible(InputError):
    """A check the chosen engine cannot evaluate: an input error, never a skipped check."""


class NeedsPandasReader(Exception):
    """A file an engine hands back to the pandas reader, whose answer is the reference: a
    text file with blank lines or records over several lines (rows and lines part ways, and
    the pandas reader maps them), a Parquet column whose stored type is not the declared one
    (Pandera reports the dtype; an engine's comparison would not run)."""


@dataclass(frozen=True)
class ColumnChunk:
    """One column of one chunk of rows, as the profile's sketches take it from any engine:
    `numeric` columns give their non-null values as a float64 numpy array, `categorical`
    ones their categories' counts in the order they first appear, in the form the engine's
    `CategoryTally` adds. A column with nothing but nulls in a chunk is numeric there (as
    pandas reads it: floats), whatever it holds elsewhere."""

    name: str
    kind: str  # numeric | categorical
    rows: int
    nulls: int
    numbers: Any = None
    categories: Any = None


class CategoryTally(Protocol):
    """One text column's category counts over every chunk, kept by the engine that counted
    them: the most frequent first (ties in the order they first appeared), the rarest pooled
    as `other` when more than a set number are tracked. Every engine's tally gives the same
    `finish()`: {"distinct": tracked categories, "top": {category: count}, "other": count}."""

    def add(self, counts: Any) -> None: ...

    def finish(self) -> dict[str, Any]: ...


class Engine(Protocol):
    """What validate (and, next, profile and drift) ask of an engine."""

    name: str

    def check_table(self, source: Source, spec: TableSpec, max_examples: int) -> TableChecks:
        """Every check of `spec` over every row of `source`, in one pass where it can."""
        ...
