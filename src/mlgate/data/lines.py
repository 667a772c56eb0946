"""Where a CSV/TSV row is in its file: line numbers, short rows and the first bad byte.

pandas says nothing about lines: a row is reported as line `row + 2` (the header is line
1), which holds while every record is one line and no line is blank. The reader counts
line ends as pandas reads (one byte count per buffer); when the count says a record spans
lines or a line is blank, the file is read once more with the csv module to map rows to
lines. A row with fewer fields than the header, which pandas fills with nulls, is checked
the same way: only rows whose last field is null are looked at.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlgate.core.errors import InputError

BLOCK = 1 << 20
FIRST_ROW_LINE = 2  # line 1 is the header


def open_text_bytes(path: Path) -> Any:
    """The file's bytes, decompressed when it is gzip'd."""
    raw = path.open("rb")
    return gzip.GzipFile(fileobj=raw) if path.name.lower().endswith(".gz") else raw


def line_end_byte(head: bytes) -> bytes:
    """The byte that ends a line in this file: `\\r` for CR-only files, else `\\n`."""
    newline, carriage = head.find(b"\n"), head.find(b"\r")
    if carriage != -1 and (newline == -1 or newline > carriage + 1):
        return b"\r"
    return b"\n"


class CountingReader(io.RawIOBase):
    """Passes bytes through and counts line ends, so that no second read is needed when
    every record is one line."""

    def __init__(self, inner: Any, line_end: bytes) -> None:
        self._inner = inner
        self._line_end = line_end
        self.line_ends = 0
        self.last = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        if size:
            self.line_ends += data.count(self._line_end)
            self.last = data[-1:]
        return size

    def one_line_per_row(self, rows: int) -> bool:
        lines = self.line_ends + (0 if self.last in (b"\n", b"\r", b"") else 1)
        return lines == rows + 1


@dataclass
class LineMap:
    """Row -> line where records span lines or lines are blank; `row + 2` elsewhere."""

    rows: array[int] = field(default_factory=lambda: array("q"))
    offsets: array[int] = field(default_factory=lambda: array("q"))

    def line(self, row: int) -> int:
        at = bisect_right(self.rows, row) - 1
        return row + (self.offsets[at] if at >= 0 else FIRST_ROW_LINE)

    def add(self, row: int, line: int) -> None:
        offset = line - row
        if (self.offsets[-1] if self.offsets else FIRST_ROW_LINE) != offset:
            self.rows.append(row)
            self.offsets.append(offset)


def records(path: Path, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, fields) of each data record, as pandas counts them (blank lines skipped)."""
    with open_text_bytes(path) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        reader = csv.reader(text, delimiter=delimiter)
        next(reader, None)  # the header
        line = reader.line_num
        for fields in reader:
            first, line = line + 1, reader.line_num
            if fields:
                yield first, fields


def map_lines(path: Path, delimiter: str, header_fields: int, display: str) -> LineMap:
    """The row -> line map of a file whose records do not each take one line; InputError
    for a short row (pandas would fill it with nulls)."""
    lines = LineMap()
    row = -1
    try:
        for row, (line, fields) in enumerate(records(path, delimiter)):
            lines.add(row, line)
            if len(fields) < header_fields:
                raise short_row(display, line, len(fields), header_fields)
    except csv.Error as exc:
        raise InputError(f"{display}: not valid CSV after row {row + 1}: {exc}") from exc
    return lines


def short_row(display: str, line: int, fields: int, header_fields: int) -> InputError:
    return InputError(
        f"{display}: line {line}: {fields} field{'s' if fields != 1 else ''}, but the header "
        f"has {header_fields} (a short row; a field left empty still needs its delimiter)"
    )


class FieldCounter:
    """Counts the fields on given lines of a file, read once front to back a block at a
    time with numpy; for checking the rows whose last field is null."""

    def __init__(self, path: Path, line_end: bytes, delimiter: str) -> None:
        self._stream = open_text_bytes(path)
        self._end = line_end[0]
        self._delimiter = delimiter
        self._window = b""  # starts at the start of line self._line
        self._line = 1
        self._eof = False

    def close(self) -> None:
        self._stream.close()

    def fields(self, lines: Any) -> Any:
        """Fields on each of `lines` (increasing, not before the last call's); -1 past the end."""
        import numpy as np

        counts = np.full(len(lines), -1, dtype=np.int64)
        done = 0
        while done < len(lines):
            data = np.frombuffer(self._window, dtype=np.uint8)
            ends = np.flatnonzero(data == self._end)
            if self._eof and len(data) and (not len(ends) or ends[-1] != len(data) - 1):
                ends = np.append(ends, len(data))  # the last line, without a line end
            wanted = lines[done:]
            wanted = wanted[wanted < self._line + len(ends)]
            if len(wanted):
                counts[done : done + len(wanted)] = self._count(data, ends, wanted)
                done += len(wanted)
            if done == len(lines) or self._eof:
                break
            complete = int(ends[-1]) + 1 if len(ends) else 0
            block = self._stream.read(BLOCK)
            self._eof = not block
            self._line += len(ends)
            self._window = self._window[complete:] + block
        return counts

    def _count(self, data: Any, ends: Any, wanted: Any) -> Any:
        import numpy as np

        index = wanted - self._line
        starts = np.concatenate(([0], ends[:-1] + 1))[index]
        stops = ends[index]
        delimiters = np.concatenate(([0], np.cumsum(data == ord(self._delimiter))))
        quotes = np.concatenate(([0], np.cumsum(data == ord('"'))))
        counts = delimiters[stops] - delimiters[starts] + 1
        for at in np.flatnonzero(quotes[stops] - quotes[starts]):  # quoted: let csv count
            line = bytes(data[starts[at] : stops[at]])
            counts[at] = field_count(line, self._delimiter)
        return counts


def field_count(line: bytes, delimiter: str) -> int:
    text = line.decode("utf-8", errors="replace").rstrip("\r\n")
    if '"' not in text:
        return text.count(delimiter) + 1
    return len(next(csv.reader([text], delimiter=delimiter), []))


def first_bad_byte(path: Path, line_end: bytes) -> tuple[int, str] | None:
    """The line of the first byte that is not UTF-8, and why; read on the error path only."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with open_text_bytes(path) as stream:
        while block := stream.read(BLOCK):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return line + block[: max(exc.start, 0)].count(line_end), exc.reason
            line += block.count(line_end)
    return None
