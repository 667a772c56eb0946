"""Drift statistics between two column profiles (mlgate.drift.profile), as Evidently computes them.

`auto` picks the test the way Evidently's `_get_default_stattest` does: with at most 1,000
reference rows, KS for numbers with more than 5 distinct values, else chi-square (more than 2
values) or a two-proportion z-test; with more rows, the normed Wasserstein distance for numbers
with more than 5 distinct values, else Jensen-Shannon. Thresholds are Evidently's defaults:
p-values drift below 0.05; distances (Wasserstein normed by the reference's standard deviation,
Jensen-Shannon, PSI) drift at 0.1 or more.

From exact values (columns with few distinct values) the statistics are exact. From bins they
are within the binning: the CDFs are known at the edges and taken as linear inside a bin.
scipy and numpy are imported inside functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mlgate.core.errors import MissingExtra
from mlgate.drift.profile import CATEGORICAL, NUMERIC

P_VALUE_METHODS = ("ks", "chi2", "z")
# What each method computes on each kind (Evidently's own table): a KS test or a Wasserstein
# distance needs ordered numbers; categories have class tests and distances between shares.
METHODS_FOR_KIND = {
    NUMERIC: ("chi2", "js", "ks", "psi", "wasserstein"),
    CATEGORICAL: ("chi2", "js", "psi"),
}
DEFAULT_THRESHOLDS = {
    "ks": 0.05,
    "chi2": 0.05,
    "z": 0.05,
    "wasserstein": 0.1,
    "js": 0.1,
    "psi": 0.1,
}
SMALL_REFERENCE_ROWS = 1000  # Evidently: up to this many reference rows, tests; above, distances
FEW_VALUES = 5  # Evidently: a numeric column with at most this many values is treated as classes
EXACT_KS_ROWS = 10_000  # scipy's ks_2samp computes exact p-values below this size
ZERO_FILL = 0.0001  # Evidently's stand-in for an empty bin in PSI
MIN_NORM = 0.001  # Evidently's floor for the Wasserstein norm (a constant reference column)
OTHER = "\x00other"  # the pooled rare categories, a key no category read from text can have


@dataclass(frozen=True)
class Judgement:
    method: str
    statistic: float
    threshold: float
    drifted: bool

    @property
    def is_p_value(self) -> bool:
        return self.method in P_VALUE_METHODS


def present(column: dict[str, Any]) -> int:
    return int(column["rows"]) - int(column["nulls"])


def comparable(column: dict[str, Any]) -> bool:
    """Whether the column holds a value the statistics can use: a numeric column whose only
    values are infinite (INF, an integer no float holds) counts none in its bins or exact values."""
    if present(column) == 0:
        return False
    if column["kind"] != NUMERIC:
        return True
    return bool(column.get("values")) or sum(column["bins"]["counts"]) > 0


def distinct_values(reference: dict[str, Any], current: dict[str, Any]) -> int | None:
    """How many distinct values both sides hold together; None when one side has too many to
    count (more than the profile keeps exactly)."""
    keys: set[Any] = set()
    for column in (reference, current):
        if column["kind"] == NUMERIC:
            if column.get("values") is None:
                return None
            keys.update(value for value, _ in column["values"])
        else:
            if column.get("other"):
                return None
            keys.update(column["top"])
    return len(keys)


def auto_method(reference: dict[str, Any], current: dict[str, Any]) -> str:
    unique = distinct_values(reference, current)
    many = unique is None or unique > FEW_VALUES
    if present(reference) <= SMALL_REFERENCE_ROWS:
        if reference["kind"] == NUMERIC and many:
            return "ks"
        return "chi2" if unique is None or unique > 2 else "z"
    if reference["kind"] == NUMERIC and many:
        return "wasserstein"
    return "js"


def judge(
    reference: dict[str, Any], current: dict[str, Any], method: str, threshold: float | None
) -> Judgement:
    chosen = auto_method(reference, current) if method == "auto" else method
    limit = DEFAULT_THRESHOLDS[chosen] if threshold is None else threshold
    statistic = _statistic(reference, current, chosen)
    drifted = statistic < limit if chosen in P_VALUE_METHODS else statistic >= limit
    return Judgement(chosen, statistic, limit, drifted)


def _statistic(reference: dict[str, Any], current: dict[str, Any], method: str) -> float:
    if method not in METHODS_FOR_KIND[reference["kind"]] and method != "z":
        # drift.py refuses these pairs with the config's line; reaching here is a bug
        raise ValueError(f"{method} does not compute on a {reference['kind']} column")
    if reference["kind"] != NUMERIC:
        ref, cur = _category_counts(reference, current)
        return _on_classes(ref, cur, method)
    if method in ("chi2", "z"):
        ref, cur = _numeric_classes(reference, current)
        return _on_classes(ref, cur, method)
    if method == "ks":
        return _ks(reference, current)
    if method == "wasserstein":
        return _wasserstein(reference, current)
    ref, cur = _sturges_counts(reference, current)
    return _psi(ref, cur) if method == "psi" else _js(ref, cur)


def _scipy_stats() -> Any:
    try:
        from scipy import stats
    except ImportError as exc:
        raise MissingExtra("scipy", "drift") from exc
    return stats


# --- distributions ---------------------------------------------------------------------------


def _exact(column: dict[str, Any]) -> tuple[Any, Any] | None:
    import numpy as np

    if column.get("values") is None:
        return None
    pairs = np.array(column["values"], dtype="float64").reshape(-1, 2)
    return pairs[:, 0], pairs[:, 1]


def _cdf_at(column: dict[str, Any], points: Any) -> Any:
    """How many of the column's values lie below each point (linear inside a bin)."""
    import numpy as np

    exact = _exact(column)
    if exact is not None:
        values, weights = exact
        cumulative = np.concatenate([[0.0], np.cumsum(weights)])
        return cumulative[np.searchsorted(values, points, side="left")]
    edges = np.array(column["bins"]["edges"], dtype="float64")
    cumulative = np.concatenate([[0.0], np.cumsum(column["bins"]["counts"])])
    return np.interp(points, edges, cumulative, left=0.0, right=float(cumulative[-1]))


def _grid(reference: dict[str, Any], current: dict[str, Any]) -> Any:
    """Every edge and exact value of either side, and one point above the largest."""
    import numpy as np

    parts = []
    for column in (reference, current):
        exact = _exact(column)
        parts.append(exact[0] if exact is not None else np.array(column["bins"]["edges"]))
    points = np.unique(np.concatenate(parts))
    return np.append(points, np.nextafter(points[-1], math.inf))


def _ks(reference: dict[str, Any], current: dict[str, Any]) -> float:
    import numpy as np

    stats = _scipy_stats()

    n, m = present(reference), present(current)
    exact_ref, exact_cur = _exact(reference), _exact(current)
    if exact_ref is not None and exact_cur is not None and max(n, m) < EXACT_KS_ROWS:
        return float(
            stats.ks_2samp(
                np.repeat(exact_ref[0], exact_ref[1].astype(int)),
                np.repeat(exact_cur[0], exact_cur[1].astype(int)),
            ).pvalue
        )
    grid = _grid(reference, current)
    distance = float(np.max(np.abs(_cdf_at(reference, grid) / n - _cdf_at(current, grid) / m)))
    # scipy's asymptotic two-sample p-value (ks_2samp, method="asymp")
    return float(stats.kstwo.sf(distance, round(n * m / (n + m))))


def _wasserstein(reference: dict[str, Any], current: dict[str, Any]) -> float:
    import numpy as np

    norm = max(float(reference.get("std") or 0.0), MIN_NORM)
    exact_ref, exact_cur = _exact(reference), _exact(current)
    if exact_ref is not None and exact_cur is not None:
        distance = _scipy_stats().wasserstein_distance(
            exact_ref[0], exact_cur[0], exact_ref[1], exact_cur[1]
        )
        return float(distance) / norm
    grid = _grid(reference, current)
    gap = _cdf_at(reference, grid) / present(reference) - _cdf_at(current, grid) / present(current)
    low, high, width = gap[:-1], gap[1:], np.diff(grid)
    same_sign = low * high >= 0
    total = np.abs(low) + np.abs(high)
    area = np.where(
        same_sign,
        width * total / 2,
        width * (low**2 + high**2) / (2 * np.where(total > 0, total, 1.0)),
    )
    return float(area.sum()) / norm


def _sturges_counts(reference: dict[str, Any], current: dict[str, Any]) -> tuple[Any, Any]:
    """Both sides' counts on the bins Evidently uses for PSI and JS on numbers: numpy's
    'sturges' bins over the range of both samples together."""
    import numpy as np

    low = min(float(reference["min"]), float(current["min"]))
    high = max(float(reference["max"]), float(current["max"]))
    bins = max(1, math.ceil(math.log2(present(reference) + present(current)) + 1))
    if high <= low:
        return np.array([present(reference)], float), np.array([present(current)], float)
    edges = np.linspace(low, high, bins + 1)
    edges[-1] = np.nextafter(high, math.inf)  # numpy's last bin is closed: the top value counts
    return np.diff(_cdf_at(reference, edges)), np.diff(_cdf_at(current, edges))


# --- classes ---------------------------------------------------------------------------------


def _category_counts(reference: dict[str, Any], current: dict[str, Any]) -> tuple[Any, Any]:
    import numpy as np

    sides = []
    for column in (reference, current):
        counts = dict(column["top"])
        if column.get("other"):
            counts[OTHER] = column["other"]
        sides.append(counts)
    keys = sorted(set(sides[0]) | set(sides[1]))
    return (
        np.array([sides[0].get(key, 0) for key in keys], float),
        np.array([sides[1].get(key, 0) for key in keys], float),
    )


def _numeric_classes(reference: dict[str, Any], current: dict[str, Any]) -> tuple[Any, Any]:
    """Each distinct value a class when both sides hold exact values; else each cell of the
    common grid."""
    import numpy as np

    grid = _grid(reference, current)
    ref, cur = np.diff(_cdf_at(reference, grid)), np.diff(_cdf_at(current, grid))
    keep = (ref > 0) | (cur > 0)
    return ref[keep], cur[keep]


def _on_classes(ref: Any, cur: Any, method: str) -> float:
    if method == "chi2":
        return _chi2(ref, cur)
    if method == "z":
        return _z(ref, cur)
    if method == "psi":
        return _psi(ref, cur)
    if method == "js":
        return _js(ref, cur)
    raise ValueError(f"{method} does not compute on classes")


def _chi2(ref: Any, cur: Any) -> float:
    """Evidently's chi-square: the current counts against the reference's scaled to them."""
    stats = _scipy_stats()

    expected = ref * (cur.sum() / ref.sum())
    if ((expected == 0) & (cur > 0)).any():
        return 0.0  # a class the reference never had: infinitely unlikely under it
    keep = expected > 0
    return float(stats.chisquare(cur[keep], expected[keep]).pvalue)


def _z(ref: Any, cur: Any) -> float:
    """Evidently's two-proportion z-test on a column of at most two classes (two-sided)."""
    stats = _scipy_stats()

    if len(ref) < 2:
        return 1.0  # one class on both sides: nothing moved
    n1, n2 = ref.sum(), cur.sum()
    p1, p2 = ref[0] / n1, cur[0] / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if spread == 0:
        return 1.0
    return float(2 * (1 - stats.norm.cdf(abs((p1 - p2) / spread))))


def _psi(ref: Any, cur: Any) -> float:
    import numpy as np

    ref_share = np.where(ref > 0, ref / ref.sum(), ZERO_FILL)
    cur_share = np.where(cur > 0, cur / cur.sum(), ZERO_FILL)
    return float(np.sum((ref_share - cur_share) * np.log(ref_share / cur_share)))


def _js(ref: Any, cur: Any) -> float:
    """scipy.spatial.distance.jensenshannon (natural log), without importing scipy for it."""
    import numpy as np

    p, q = ref / ref.sum(), cur / cur.sum()
    middle = (p + q) / 2

    def divergence(share: Any) -> float:
        mask = share > 0
        return float(np.sum(share[mask] * np.log(share[mask] / middle[mask])))

    return math.sqrt(max((divergence(p) + divergence(q)) / 2, 0.0))
