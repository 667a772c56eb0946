from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mlgate.commands.common import common_options, debug_option, echo, warn

if TYPE_CHECKING:
    from mlgate.config import Config


@click.group("config")
def config_group() -> None:
    """Check mlgate.yaml, or print its JSON Schema."""


@config_group.command("check")
@common_options
def config_check(config_path: Path | None, results_dir: Path | None, output_format: str) -> int:
    """Load and validate mlgate.yaml; print it normalised, with defaults filled in."""
    del results_dir  # config check reads only; it writes no result file
    from mlgate.config import require_config
    from mlgate.drift import require_methods_fit_declared
    from mlgate.validate import require_data_inside, require_expressible, require_schemas_exist

    config = require_config(config_path)
    require_data_inside(config)
    require_schemas_exist(config)
    require_methods_fit_declared(config)
    require_expressible(config)
    for message in config.warnings:
        warn(message)
    echo(render_config(config, output_format))
    return 0


@config_group.command("schema")
@debug_option
def config_schema() -> int:
    """Print the JSON Schema of mlgate.yaml (draft 7), for editors and other checkers."""
    from mlgate.config import json_schema

    echo(json.dumps(json_schema(), indent=2))
    return 0


def render_config(config: Config, output_format: str) -> str:
    """The normalised config; rendered here, as `config check` runs on every commit and
    importing the report renderers would slow it down."""
    from mlgate.core.paths import repo_relative

    data = config.to_dict()
    shown = repo_relative(config.path)  # found from a subfolder, it is still the repo's file
    if output_format == "json":
        return json.dumps(data, indent=2)
    if output_format == "markdown":
        return "\n".join([f"### mlgate config `{shown}`", "", "```yaml", _as_yaml(data), "```"])
    return "\n".join([f"{shown}: OK", _as_yaml(data)])


def _as_yaml(data: dict[str, Any]) -> str:
    import yaml

    shown = {k: v for k, v in data.items() if k not in ("path", "warnings")}
    return yaml.safe_dump(shown, sort_keys=False, default_flow_style=False).rstrip()
