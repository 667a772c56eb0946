"""`mlgate demo`: the example repo, built and trained for real in a folder of its own."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlgate import repro, scm
from mlgate.errors import InputError
from mlgate.metrics import load_metrics_file

EXAMPLE = "wine"
Log = Callable[[str], None]


def example_dir() -> Path:
    """The example as shipped in the wheel, or as it stands in a source checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (
        package / "_examples" / EXAMPLE,
        package.parent.parent / "examples" / EXAMPLE,
    ):
        if (candidate / "dvc.yaml").is_file():
            return candidate
    raise InputError(f"the {EXAMPLE!r} example is missing from this mlgate installation")


def prepare_target(target: Path | None) -> Path:
    if target is None:
        return Path(tempfile.mkdtemp(prefix="mlgate-demo-"))
    if target.exists() and any(target.iterdir()):
        raise InputError(f"{target}: the demo needs an empty or new folder")
    target.mkdir(parents=True, exist_ok=True)
    return target


def run_demo(target: Path | None, log: Log) -> dict[str, Any]:
    repo = prepare_target(target)
    log(f"Building the example repo in {repo}")
    shutil.copytree(example_dir(), repo, dirs_exist_ok=True)
    scm.init_repo(repo)
    repro.init(repo)
    scm.commit_all(repo, "wine example")

    log("Training: dvc repro (prepare -> train -> evaluate)")
    # The example's stages run `python`: make that the Python mlgate (and scikit-learn) lives in.
    repro.reproduce(repo, bin_dir=Path(sys.executable).parent)
    metrics = load_metrics_file(repo / "metrics.json")
    commit = scm.commit_all(repo, "train the first model")
    for name, value in sorted(metrics.items()):
        log(f"  {name} = {value}")
    missing = ["compare", "promote", "gate", "report"]
    log(
        "Not built yet in this version, so the demo stops here: "
        + ", ".join(f"`mlgate {name}`" for name in missing)
        + ". Once they land, the demo registers this model as the champion and gates a "
        "worse and a better change against it."
    )
    return {"repo": str(repo), "commit": commit, "metrics": metrics, "not_built_yet": missing}
