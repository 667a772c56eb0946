from __future__ import annotations

from pathlib import Path

import click

from mlgate.commands.common import debug_option, echo
from mlgate.core.errors import InputError
from mlgate.data import dataformats


@click.group("schema")
def schema_group() -> None:
    """Write Pandera schemas."""


@schema_group.command("infer")
@click.argument("data", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the schema here [default: stdout].",
)
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
@click.option(
    "--data-format",
    type=click.Choice(dataformats.NAMES),
    default=None,
    help="Read DATA as this format [default: from the extension].",
)
@click.option(
    "--sample-rows",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Infer dtypes from at most this many rows at the start of DATA; ranges, categories "
    "and nullability come from every row.",
)
@debug_option
def schema_infer(
    data: Path, output: Path | None, force: bool, data_format: str | None, sample_rows: int
) -> int:
    """Infer a Pandera YAML schema from DATA; review it before relying on it."""
    from mlgate.results import require_writable, write_atomic
    from mlgate.validate import infer_schema

    if output is not None:
        require_writable(output, option="-o/--output", inputs=[data])
    if output is not None and output.exists() and not force:
        raise InputError(f"{output}: already exists; pass --force to overwrite it")
    text = infer_schema(data, data_format, sample_rows)
    if output is None:
        echo(text.rstrip("\n"))
    else:
        write_atomic(output, text)
        echo(f"wrote {output}; review it before relying on it", err=True)
    return 0
