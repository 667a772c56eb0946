"""Small pieces of the sentences mlgate prints."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 check`, `2 checks`, `12,345 failing rows`."""
    word = noun if count == 1 else (plural or f"{noun}s")
    return f"{count:,} {word}"


def round_rows(rows: int) -> int:
    """Two significant figures: the estimate is rough."""
    if rows < 100:
        return rows
    scale = 10 ** (len(str(rows)) - 2)
    return int(-(-rows // scale) * scale)
