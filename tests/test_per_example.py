"""Per-example records files: read as `mlgate validate` reads data, paired by id or by order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlgate.compare.stats.paired import independent_interval, interval
from mlgate.compare.stats.per_example import pair, read_records
from mlgate.core.errors import InputError


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_rows_pair_by_order_and_probability_columns_are_read_in_label_order(
    tmp_path: Path,
) -> None:
    header = "y_true,y_pred,proba_2,proba_0,proba_1\n"
    cand = write(tmp_path / "c.csv", header + "0,0,0.1,0.8,0.1\n2,2,0.7,0.2,0.1\n1,0,0.3,0.4,0.3\n")
    base = write(tmp_path / "b.csv", header + "0,0,0.2,0.6,0.2\n2,1,0.3,0.2,0.5\n1,1,0.1,0.2,0.7\n")
    found = pair(read_records(cand, "c.csv"), read_records(base, "b.csv"), ("c.csv", "b.csv"))
    assert found.pairing == "paired" and found.paired_rows == 3
    assert found.candidate.classes == (0, 1, 2)
    assert found.candidate.proba[0].tolist() == [0.8, 0.1, 0.1]
    assert interval("accuracy", found.candidate, found.baseline, 0.95).estimate == pytest.approx(0)


def test_rows_in_another_order_pair_by_id(tmp_path: Path) -> None:
    cand = write(tmp_path / "c.csv", "id,y_true,y_pred\na,1,1\nb,0,0\nc,1,0\n")
    base = write(tmp_path / "b.csv", "id,y_true,y_pred\nc,1,1\na,1,1\nb,0,1\n")
    found = pair(read_records(cand, "c"), read_records(base, "b"), ("c", "b"))
    assert found.pairing == "paired"
    assert found.baseline.y_pred.tolist() == [1, 1, 1]  # reordered as a, b, c
    assert found.candidate.y_pred.tolist() == [1, 0, 0]


def test_different_truth_without_ids_is_an_input_error(tmp_path: Path) -> None:
    cand = write(tmp_path / "c.csv", "y_true,y_pred\n1,1\n0,0\n")
    base = write(tmp_path / "b.csv", "y_true,y_pred\n0,1\n0,0\n")
    with pytest.raises(InputError, match="disagree on y_true at row 0"):
        pair(read_records(cand, "c"), read_records(base, "b"), ("c", "b"))


def test_evaluation_sets_that_barely_overlap_are_judged_unpaired(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{i % 2},{i % 2}" for i in range(100))
    others = "\n".join(f"{i + 50},{i % 2},{(i + 1) % 2}" for i in range(100))
    cand = write(tmp_path / "c.csv", "id,y_true,y_pred\n" + rows + "\n")
    base = write(tmp_path / "b.csv", "id,y_true,y_pred\n" + others + "\n")
    found = pair(read_records(cand, "c"), read_records(base, "b"), ("c", "b"))
    assert found.pairing == "unpaired" and "share 50 ids" in found.note
    combined = independent_interval("accuracy", found.candidate, found.baseline, 0.95)
    assert combined.estimate == pytest.approx(1.0)
    assert combined.low <= 1.0 <= combined.high


def test_a_repeated_id_is_an_input_error(tmp_path: Path) -> None:
    cand = write(tmp_path / "c.jsonl", '{"id": 1, "y_true": 1}\n{"id": 1, "y_true": 0}\n')
    base = write(tmp_path / "b.jsonl", '{"id": 1, "y_true": 1}\n{"id": 2, "y_true": 0}\n')
    with pytest.raises(InputError, match="more than one row"):
        pair(read_records(cand, "c"), read_records(base, "b"), ("c", "b"))


def test_a_binary_score_column_gives_both_class_probabilities(tmp_path: Path) -> None:
    records = write(tmp_path / "r.csv", "y_true,y_score\n1,0.9\n0,0.2\n")
    found = pair(read_records(records, "r"), read_records(records, "r"), ("r", "r"))
    assert np.allclose(found.candidate.proba, [[0.1, 0.9], [0.8, 0.2]])
    assert found.candidate.classes == (0, 1)
