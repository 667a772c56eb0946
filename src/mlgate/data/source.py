"""What an engine reads: one data file, by path, with the name shown to the user and its format.

`validate`'s Target (and the readers' callers in drift and compare) fit it without importing
anything from here: the data layer may not import the features above it."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class Source(Protocol):
    @property
    def path(self) -> Path: ...  # absolute

    @property
    def display(self) -> str: ...  # as shown to the user: relative to the working directory

    @property
    def data_format(self) -> str: ...  # a name of `dataformats`: csv, tsv, parquet, jsonl
