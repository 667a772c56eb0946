"""`repro --verify` compares each output by the hash dvc.lock records for it, not only md5.

The lock entries are written out as DVC writes them for outputs it hashes without the md5
cache layout (an etag from a cloud file system); making such an output for real needs a cloud
remote, which cannot run here.
"""

from __future__ import annotations

from pathlib import Path

from mlgate.repro.verify import compare_outputs

ETAG = {"path": "s3://bucket/model.pkl", "etag": "8f1c0e4d2a"}


def compare(committed: dict[str, object], rerun: dict[str, object]) -> dict[str, object]:
    key = ("train", "model.pkl")
    (record,) = compare_outputs({key: committed}, {key: rerun}, Path("/no"), Path("/no"))
    return record


def test_an_etag_output_that_reproduces_is_the_same() -> None:
    record = compare(ETAG, dict(ETAG))
    assert record["reproduced"] is True
    assert record["hash"] == "etag"


def test_an_etag_output_that_changed_differs() -> None:
    assert compare(ETAG, {**ETAG, "etag": "0000"})["reproduced"] is False


def test_an_output_without_a_recorded_hash_is_skipped_with_the_reason() -> None:
    record = compare({"path": "model.pkl"}, {"path": "model.pkl"})
    assert record["reproduced"] is None
    assert "records no content hash" in str(record["skipped"])
