"""Pure renderers: data in, text out (text, json, markdown). No I/O."""

from __future__ import annotations

import json
from typing import Any

from mlgate.config import Config


def render_config(config: Config, output_format: str) -> str:
    data = config.to_dict()
    if output_format == "json":
        return json.dumps(data, indent=2)
    if output_format == "markdown":
        return "\n".join(
            [f"### mlgate config `{config.path}`", "", "```yaml", _as_yaml(data), "```"]
        )
    return "\n".join([f"{config.path}: OK", _as_yaml(data)])


def _as_yaml(data: dict[str, Any]) -> str:
    import yaml

    shown = {k: v for k, v in data.items() if k not in ("path", "warnings")}
    return yaml.safe_dump(shown, sort_keys=False, default_flow_style=False).rstrip()
