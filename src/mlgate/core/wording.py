"""Small pieces of the sentences mlgate prints."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 check`, `2 checks`, `12,345 failing rows`."""
    word = noun if count == 1 else (plural or f"{noun}s")
    return f"{count:,} {word}"


def rows_would(rows: int, needed: int) -> str:
    """How many rows would decide an inconclusive check, next to the `rows` that cannot:
    never "45 cannot ...; about 45 would" when the rounded estimate is no more than `rows`."""
    about = round_rows(needed)
    return f"about {about:,} would" if about > rows else f"a few more than {rows:,} would"


def round_rows(rows: int) -> int:
    """Two significant figures: the estimate is rough."""
    if rows < 100:
        return rows
    scale = 10 ** (len(str(rows)) - 2)
    return int(-(-rows // scale) * scale)
