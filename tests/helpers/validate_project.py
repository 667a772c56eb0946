"""A validate project in a tmp dir: a Pandera schema, CSV rows, the result file mlgate writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA = """\
schema_type: dataframe
columns:
  id:
    dtype: int64
    nullable: false
    unique: true
  x:
    dtype: float64
    nullable: false
    in_range: {min_value: 0, max_value: 10}
  label:
    dtype: str
    isin: [a, b, c]
strict: true
"""


HEADER = "id,x,label\n"


def rows(n: int, start: int = 0) -> str:
    return "".join(f"{i},{i % 10}.5,{'abc'[i % 3]}\n" for i in range(start, start + n))


def project(tmp_path: Path, data: dict[str, str | bytes], pattern: str = "data/*.csv") -> Path:
    (tmp_path / "schemas").mkdir(exist_ok=True)
    (tmp_path / "schemas" / "s.yaml").write_text(SCHEMA)
    (tmp_path / "mlgate.yaml").write_text(
        f"version: 1\ndata:\n  - path: {pattern}\n    schema: schemas/s.yaml\n"
    )
    for name, content in data.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return tmp_path


def result_file(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / ".mlgate" / "validate.json").read_text())
    return data
