"""`mlgate profile` and `mlgate drift`: a dataset's picture, and whether the data moved."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from mlgate.commands.common import (
    common_options,
    echo,
    engine_option,
    mlflow_timeout_option,
    run_check,
)
from mlgate.data import dataformats

if TYPE_CHECKING:
    from mlgate.config import Config
    from mlgate.results import Result


@click.command("profile")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Where to write the profile (JSON).",
)
@click.option(
    "--data-format",
    type=click.Choice(dataformats.NAMES),
    default=None,
    help="Read every file as this format [default: from the extension].",
)
@engine_option
def profile(
    *, paths: tuple[Path, ...], output: Path, data_format: str | None, engine: str | None
) -> int:
    """Write a compact profile of DATA files (one dataset): per column its kind, counts, bins
    or category frequencies; the reference `mlgate drift` compares against."""
    from mlgate.drift import profile_paths, write_profile
    from mlgate.results import is_profile_file, require_writable

    config = _config(None)
    require_writable(output, option="-o/--output", inputs=paths, own=is_profile_file)
    made = profile_paths(
        list(paths),
        data_format=data_format,
        engine=engine or config.engine,
        spark=config.spark,
    )
    write_profile(made, output)
    columns = len(made["columns"])
    echo(f"profiled {made['rows']} rows, {columns} column{'' if columns == 1 else 's'}: {output}")
    return 0


@click.command("drift")
@click.option(
    "--reference",
    metavar="SOURCE",
    help="registry | file:PATH (data or a profile) | git:REF [default: drift.reference].",
)
@click.option(
    "--current",
    "current",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Data to compare with the reference, e.g. a serving sample (repeatable) "
    "[default: drift.current, else the `data:` paths].",
)
@mlflow_timeout_option
@engine_option
@common_options
def drift(
    *,
    engine: str | None,
    reference: str | None,
    current: tuple[Path, ...],
    timeout: float,
    config_path: Path | None,
    results_dir: Path | None,
    output_format: str,
) -> int:
    """Compare the current data with the reference profile, column by column; exit 1 when the
    dataset drifted."""
    from mlgate.config import DriftConfig
    from mlgate.drift import DriftRequest, run_drift
    from mlgate.report import render_drift

    def check() -> Result:
        config = _config(config_path)
        request = DriftRequest(
            config=config,
            settings=config.drift or DriftConfig(),
            current=current,
            reference=reference,
            timeout_s=timeout,
            engine=engine,
        )
        return run_drift(request)

    return run_check(
        "drift",
        results_dir=results_dir,
        output_format=output_format,
        render=lambda result, fmt: render_drift(result.to_dict(), fmt),
        check=check,
    )


def _config(explicit: Path | None) -> Config:
    """mlgate.yaml when there is one; without it, drift's defaults (--reference, --current)."""
    from mlgate.config import Config, find_config, load_config

    path = find_config(explicit)
    return load_config(path) if path is not None else Config(path=Path.cwd() / "mlgate.yaml")
