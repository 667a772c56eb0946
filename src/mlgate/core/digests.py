"""The sha256 of a file or a folder as mlgate records it: in compare's identity of the candidate
(the model, metrics and records files), in a drift profile's list of files, and when the
report tells whether a data file changed since validate read it. One definition, so that two
records of the same file always agree."""

from __future__ import annotations

import hashlib
from pathlib import Path

BLOCK = 1 << 20  # read a file a mebibyte at a time: a model or a data file may be large


def sha256_of(path: Path) -> str:
    """A file's sha256; a folder's: of each file's relative path and sha256, sorted."""
    if path.is_dir():
        digest = hashlib.sha256()
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f"{item.relative_to(path).as_posix()}\0{sha256_of(item)}\n".encode())
        return digest.hexdigest()
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()
