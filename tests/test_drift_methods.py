"""Each drift statistic is judged as what it is: a method either computes itself on a column's
kind or is an error naming the column and the methods that fit; identical data never drifts and
disjoint data always does, whatever the method and the kind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlgate.config.model import DRIFT_METHODS
from mlgate.drift.profile import CATEGORICAL, NUMERIC, Profiler, pandas_chunk
from mlgate.drift.stats import METHODS_FOR_KIND, P_VALUE_METHODS, judge
from tests.helpers.cli import RunMlgate

MIN_ROWS = 20  # fewer rows than this and a test cannot tell disjoint samples apart at p < 0.05


def profiles(ref: pd.Series, cur: pd.Series) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both sides profiled the way `mlgate drift` does: the current data on the reference's bins."""
    reference = Profiler()
    reference.add(pandas_chunk(pd.DataFrame({"c": ref})), "ref")
    ref_profile = reference.finish([])["columns"]["c"]
    grids = {}
    if ref_profile["kind"] == NUMERIC and len(ref_profile["bins"]["edges"]) >= 2:
        grids["c"] = np.array(ref_profile["bins"]["edges"], dtype="float64")
    current = Profiler(grids=grids)
    current.add(pandas_chunk(pd.DataFrame({"c": cur})), "cur")
    return ref_profile, current.finish([], merge=False)["columns"]["c"]


numbers = st.lists(
    st.one_of(
        st.integers(-50, 50).map(float),  # few distinct values: the profile keeps them exact
        st.floats(-1e6, 1e6, allow_nan=False),  # many: the profile keeps bins
    ),
    min_size=MIN_ROWS,
    max_size=400,
)
words = st.lists(st.sampled_from([f"w{i}" for i in range(40)]), min_size=MIN_ROWS, max_size=400)


def kinds_and_methods() -> list[tuple[str, str]]:
    return [(kind, method) for kind in (NUMERIC, CATEGORICAL) for method in DRIFT_METHODS]


def fits(kind: str, method: str) -> bool:
    return method == "auto" or method in METHODS_FOR_KIND[kind]


def moved(kind: str, values: list[Any]) -> tuple[pd.Series, pd.Series]:
    """The values, and values that share none of them (numbers shifted past the whole range)."""
    if kind == NUMERIC:
        ref = pd.Series(values, dtype="float64")
        return ref, ref + (ref.max() - ref.min()) + 1.0
    ref = pd.Series(values, dtype="object")
    return ref, "moved-" + ref


@pytest.mark.parametrize(("kind", "method"), [p for p in kinds_and_methods() if fits(*p)])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_identical_data_never_drifts_and_disjoint_data_always_does(
    kind: str, method: str, data: st.DataObject
) -> None:
    values = data.draw(numbers if kind == NUMERIC else words)
    ref, shifted = moved(kind, values)

    same = judge(*profiles(ref, ref.copy()), method, None)
    assert not same.drifted, same
    apart = judge(*profiles(ref, shifted), method, None)
    assert apart.drifted, apart
    for verdict in (same, apart):
        assert verdict.method in METHODS_FOR_KIND[kind] or verdict.method == "z"
        assert verdict.is_p_value == (verdict.method in P_VALUE_METHODS)


def write_case(folder: Path, yaml_drift: str) -> None:
    frame = pd.DataFrame({"amount": np.arange(100.0), "city": ["a", "b"] * 50})
    frame.to_csv(folder / "ref.csv", index=False)
    frame.assign(amount=frame["amount"] + 1000, city="z").to_csv(folder / "cur.csv", index=False)
    (folder / "mlgate.yaml").write_text(
        "version: 1\ndrift:\n  reference: file:ref.csv\n  current: [cur.csv]\n" + yaml_drift,
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    ("yaml_drift", "line", "key"),
    [
        ("  method: ks\n", 5, "drift.method"),
        ("  method: wasserstein\n", 5, "drift.method"),
        ("  columns:\n    city:\n      method: ks\n", 7, "drift.columns.city.method"),
        ("  columns:\n    city: {method: wasserstein}\n", 6, "drift.columns.city.method"),
    ],
)
def test_a_method_that_does_not_fit_a_text_column_is_a_config_error(
    mlgate: RunMlgate, tmp_path: Path, yaml_drift: str, line: int, key: str
) -> None:
    """Before: ks on a text column was a Jensen-Shannon distance judged as a p-value, so a
    column that moved completely said "no drift" (exit 0)."""
    write_case(tmp_path, yaml_drift)
    run = mlgate("drift", cwd=tmp_path)
    assert run.code == 2, run.out + run.err
    assert f"mlgate.yaml:{line}" in run.err
    assert key in run.err
    assert "'city'" in run.err
    assert "chi2, js, psi" in run.err
    assert "Traceback" not in run.err


def test_a_numeric_method_on_numbers_with_a_text_override_computes_each(
    mlgate: RunMlgate, tmp_path: Path
) -> None:
    write_case(tmp_path, "  method: ks\n  columns:\n    city: {method: js}\n")
    run = mlgate("drift", cwd=tmp_path)
    assert run.code == 1, run.out + run.err
    details = json.loads((tmp_path / ".mlgate" / "drift.json").read_text("utf-8"))["details"]
    by_name = {column["column"]: column for column in details["columns"]}
    assert (by_name["amount"]["method"], by_name["amount"]["statistic_kind"]) == ("ks", "p_value")
    assert (by_name["city"]["method"], by_name["city"]["statistic_kind"]) == ("js", "distance")
    assert by_name["city"]["drifted"] is True
