"""Which engine runs: `auto` resolved, and the engine object for a name."""

from __future__ import annotations

from mlgate.core.errors import InputError
from mlgate.data.engine import ENGINES, Engine


def installed(engine: str) -> bool:
    import importlib.util

    module = {"polars": "polars", "spark": "pyspark"}.get(engine)
    return module is None or importlib.util.find_spec(module) is not None


def resolve(choice: str, *, expressible: bool) -> str:
    """The engine `choice` (auto | pandas | polars | spark) names. `auto` is Polars when it is
    installed and can express the schema, else pandas; it never starts Spark."""
    if choice not in ENGINES:
        raise InputError(f"engine {choice!r} is not one of {', '.join(ENGINES)}")
    if choice != "auto":
        return choice
    return "polars" if expressible and installed("polars") else "pandas"


def engine_named(name: str) -> Engine:
    """The engine that checks tables with the spec; pandas checks with Pandera in validate."""
    from mlgate.core.errors import MissingExtra

    if name == "polars":
        if not installed("polars"):
            raise MissingExtra("polars", "polars", "for engine: polars, and it is not installed")
        from mlgate.data.polars import PolarsEngine

        return PolarsEngine()
    # Spark checks Pandera's parsed schema itself (validate runs it: data/spark.py), not a
    # TableSpec: it never comes here.
    raise InputError(f"engine {name!r} does not check a table spec; use pandas or polars")
