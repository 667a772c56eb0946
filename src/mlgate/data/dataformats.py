"""The data formats mlgate reads (validate, profile, drift, per-example records): one table.

Each format's name (what `format:` and `--format` accept), the file-name suffixes that select
it, and what the readers need to know about its layout. No pandas here: the config check and
the pre-commit hook use the table without loading the data stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DataFormat:
    name: str
    suffixes: tuple[str, ...]  # lower case, longest first where one ends another (.csv.gz)
    delimiter: str | None  # the field separator of a delimited text format, else None
    first_row_line: int | None  # the line of the first row (after a header); None: no lines


FORMATS = (
    DataFormat("csv", (".csv.gz", ".csv"), delimiter=",", first_row_line=2),
    DataFormat("tsv", (".tsv.gz", ".tsv", ".tab"), delimiter="\t", first_row_line=2),
    DataFormat("parquet", (".parquet", ".pq"), delimiter=None, first_row_line=None),
    DataFormat("jsonl", (".jsonl.gz", ".jsonl", ".ndjson"), delimiter=None, first_row_line=1),
)
NAMES = tuple(data_format.name for data_format in FORMATS)
# How to name a file so that its format is found, for messages.
SUFFIX_HINT = ".csv, .tsv, .parquet or .jsonl (optionally .gz)"

_BY_NAME = {data_format.name: data_format for data_format in FORMATS}
# Longest suffix first, so `.csv.gz` is found before a shorter suffix that also ends it.
_BY_SUFFIX = sorted(
    ((suffix, data_format) for data_format in FORMATS for suffix in data_format.suffixes),
    key=lambda pair: len(pair[0]),
    reverse=True,
)


def by_name(name: str) -> DataFormat:
    """The format called `name`; a KeyError for a name not in `NAMES` (callers check first)."""
    return _BY_NAME[name]


def from_suffix(path: Path) -> DataFormat | None:
    """The format the file name's suffix selects (case-insensitive), else None."""
    name = path.name.lower()
    return next((data_format for suffix, data_format in _BY_SUFFIX if name.endswith(suffix)), None)
