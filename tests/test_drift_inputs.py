"""Every input error in drift is exit 2 naming the file and the place, never exit 3 ("internal
error") or a traceback: numbers in mlgate.yaml no float holds, and profiles forged or broken in
any field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.cli import RunMlgate

HUGE = int("9" * 400)  # an integer no float holds


@pytest.mark.parametrize(
    ("section", "line", "key"),
    [
        (f"  threshold: {HUGE}\n", 3, "drift.threshold"),
        (f"  max_drifted_share: {HUGE}\n", 3, "drift.max_drifted_share"),
        (f"  columns:\n    a:\n      threshold: {HUGE}\n", 5, "drift.columns.a.threshold"),
    ],
)
def test_an_integer_too_large_for_a_float_is_a_config_error(
    mlgate: RunMlgate, tmp_path: Path, section: str, line: int, key: str
) -> None:
    """Before: exit 3, "internal error: OverflowError"."""
    (tmp_path / "mlgate.yaml").write_text("version: 1\ndrift:\n" + section, encoding="utf-8")
    run = mlgate("config", "check", cwd=tmp_path)
    assert run.code == 2, run.out + run.err
    assert f"mlgate.yaml:{line}" in run.err
    assert key in run.err
    assert "too large" in run.err


def make_data(folder: Path) -> dict[str, Any]:
    """A genuine profile of data with every kind of column, and current data to compare."""
    rng = np.random.default_rng(5)
    n = 300
    frame = pd.DataFrame(
        {
            "binned": rng.normal(size=n),  # many values: the profile keeps bins
            "exact": rng.integers(0, 4, n).astype(float),  # few: exact values
            "city": rng.choice(["a", "b", "c"], n),
            "sparse": np.where(rng.random(n) < 0.5, np.nan, rng.normal(size=n)),
        }
    )
    frame.to_csv(folder / "ref.csv", index=False)
    frame.sample(n, replace=True, random_state=1).to_csv(folder / "cur.csv", index=False)
    from mlgate.drift.profile import profile_paths

    return profile_paths([folder / "ref.csv"])


def leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document: each key and item, containers included."""
    paths = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            paths.extend(leaf_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):  # a few items of long lists are enough
            paths.extend(leaf_paths(item, (*prefix, index)))
    return paths


FORGED = st.sampled_from(
    [
        HUGE,
        -HUGE,
        -1,
        0,
        1,
        2**63,
        10**20,
        0.5,
        -1e308,
        float("nan"),
        float("inf"),
        "12",
        "",
        None,
        True,
        [],
        [1],
        [[1, 2]],
        {},
        {"edges": [], "counts": []},
    ]
)
DELETE = object()


def mutated(profile: dict[str, Any], path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    forged = copy.deepcopy(profile)
    parent = forged
    for step in path[:-1]:
        parent = parent[step]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return forged


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("profile-fuzz")
    return folder, make_data(folder)


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_forged_profile_is_an_input_error_naming_the_file(
    mlgate: RunMlgate, genuine: tuple[Path, dict[str, Any]], data: st.DataObject
) -> None:
    folder, profile = genuine
    path = data.draw(st.sampled_from(leaf_paths(profile)), label="path")
    value = data.draw(st.one_of(FORGED, st.just(DELETE)) if path else FORGED, label="value")
    (folder / "forged.json").write_text(json.dumps(mutated(profile, path, value)), "utf-8")
    run = mlgate("drift", "--reference", "file:forged.json", "--current", "cur.csv", cwd=folder)
    assert run.code in (0, 1, 2), run.out + run.err
    assert "Traceback" not in run.err and "internal error" not in run.err
    if run.code == 2:
        assert "forged.json" in run.err, run.err


@pytest.mark.parametrize(
    "text",
    ["", "{", "[]", "null", '{"mlgate_profile": 1}', "\ufeff{}", '{"a": ' * 100_000, "\xff"],
)
def test_a_malformed_profile_is_an_input_error(
    mlgate: RunMlgate, genuine: tuple[Path, dict[str, Any]], text: str
) -> None:
    folder, _ = genuine
    (folder / "broken.json").write_text(text, "utf-8", errors="surrogateescape")
    run = mlgate("drift", "--reference", "file:broken.json", "--current", "cur.csv", cwd=folder)
    assert run.code == 2, run.out + run.err
    assert "broken.json" in run.err


def test_a_profile_with_values_and_no_edges_is_named(
    mlgate: RunMlgate, genuine: tuple[Path, dict[str, Any]]
) -> None:
    """Before: exit 3 (numpy on an empty grid)."""
    folder, profile = genuine
    forged = mutated(profile, ("columns", "binned", "bins"), {"edges": [], "counts": []})
    (folder / "edges.json").write_text(json.dumps(forged), "utf-8")
    run = mlgate("drift", "--reference", "file:edges.json", "--current", "cur.csv", cwd=folder)
    assert run.code == 2, run.out + run.err
    assert "edges.json" in run.err and "columns.binned.bins" in run.err
