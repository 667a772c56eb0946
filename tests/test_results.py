from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlgate import __version__
from mlgate.errors import InputError
from mlgate.results import (
    Clock,
    Result,
    read_result,
    resolve_results_dir,
    write_atomic,
    write_result,
)


def make_result(status: str = "pass") -> Result:
    clock = Clock()
    return Result(
        command="compare",
        status=status,  # type: ignore[arg-type]
        summary="accuracy 0.97 >= 0.90",
        started_at=clock.started_at,
        duration_s=clock.elapsed(),
        details={"checks": []},
        exit_code=3 if status == "error" else None,
    )


def test_envelope_fields(tmp_path: Path) -> None:
    path = write_result(tmp_path / "out", make_result())
    assert path == tmp_path / "out" / "compare.json"
    data = json.loads(path.read_text())
    assert set(data) == {
        "mlgate",
        "schema",
        "command",
        "status",
        "summary",
        "started_at",
        "duration_s",
        "details",
    }
    assert data["mlgate"] == __version__
    assert data["schema"] == 1
    assert data["status"] == "pass"
    assert read_result(path)["summary"] == "accuracy 0.97 >= 0.90"


@pytest.mark.parametrize(("status", "code"), [("pass", 0), ("fail", 1), ("error", 3)])
def test_status_maps_to_exit_code(status: str, code: int) -> None:
    assert make_result(status).code == code


def test_error_envelope_records_its_exit_code(tmp_path: Path) -> None:
    data = json.loads(write_result(tmp_path, make_result("error")).read_text())
    assert data["exit_code"] == 3


def test_atomic_write_keeps_the_old_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "compare.json"
    target.write_text("old")

    def disk_full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", disk_full)
        with pytest.raises(InputError, match="No space left"):
            write_atomic(target, "new")
    assert target.read_text() == "old"
    with pytest.raises(InputError):
        write_atomic(tmp_path / "compare.json" / "nested", "x")  # parent is a file
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compare.json"]


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    for i in range(3):
        write_atomic(tmp_path / "r.json", f"{i}")
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
    assert (tmp_path / "r.json").read_text() == "2"


def test_results_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MLGATE_RESULTS_DIR", raising=False)
    assert resolve_results_dir(None) == Path(".mlgate")
    monkeypatch.setenv("MLGATE_RESULTS_DIR", str(tmp_path))
    assert resolve_results_dir(None) == tmp_path
    assert resolve_results_dir(Path("x")) == Path("x")


def test_read_result_rejects_other_files(tmp_path: Path) -> None:
    other = tmp_path / "x.json"
    other.write_text('{"a": 1}')
    with pytest.raises(InputError, match="not an mlgate result file"):
        read_result(other)
