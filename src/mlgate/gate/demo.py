"""`mlgate demo`: the example repo, built, trained and gated for real in a folder of its own.

1. the first model is trained and promoted to champion (a local sqlite MLflow store);
2. a change that makes it worse is gated: blocked;
3. a change that flips one of the 45 test predictions: the point rule would block it, the
   paired interval calls it inconclusive and says how many examples would decide it;
4. a change that makes it better is gated: passes, and becomes the champion.
Every number printed comes from these runs.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlgate import repro
from mlgate.config import load_config
from mlgate.core import scm
from mlgate.core.errors import InputError
from mlgate.core.wording import rows_would
from mlgate.report import report_text

EXAMPLE = "wine"
DOCS_URL = "https://mlgate.github.io/mlgate/"  # mkdocs.yml's site_url
Log = Callable[[str], None]

# The example's params.yaml `train:` edits (measured on the example: README of examples/wine).
WORSE = {"n_estimators": "1", "max_depth": "1"}
# Better where the first model has room: the same accuracy (1.0, all 45 right) at about half
# the log loss (0.128 to 0.067, measured). More trees (n_estimators: 500) moved log_loss by
# -0.00056 only: "no worse", not better.
BETTER = {"model": "logistic_regression"}
# Flips exactly one of the 45 test predictions of the first model (measured: accuracy 1.0 to
# 0.978, the same on every run since the forest is seeded).
ONE_FLIP = {"n_estimators": "20"}


def example_dir() -> Path:
    """The example as shipped in the wheel, or as it stands in a source checkout."""
    package = Path(__file__).resolve().parents[1]  # mlgate/, whose _examples the wheel holds
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
    log(f"   copying {example_dir()}")
    shutil.copytree(example_dir(), repo, dirs_exist_ok=True)
    log("   git init, dvc init, first commit")
    scm.init_repo(repo)
    repro.init(repo)
    scm.commit_all(repo, "wine example")

    log("\n1. Train the first model and make it the champion")
    log(f"   a local MLflow store (no server): {repo / 'mlflow.db'}")
    log(
        "   validate runs twice: on the data that exists before training, then on the "
        "pipeline's outputs (data/train.csv is written by the prepare stage)"
    )
    first = _gate(repo, "first", log)
    promoted = _promote(repo, first["results_dir"], log)
    scm.commit_all(repo, "train the first model")

    log("\n2. A change that makes the model worse: " + _describe(WORSE))
    _edit_train_params(repo, WORSE)
    worse = _gate(repo, "worse", log)
    scm.git(repo, "checkout", "--quiet", "--", ".")
    repro.dvc(repo, "checkout", "--quiet")

    log("\n3. A change that flips one of the 45 test predictions: " + _describe(ONE_FLIP))
    _edit_train_params(repo, ONE_FLIP)
    one_flip = _gate(repo, "one-flip", log)
    _explain_inconclusive(one_flip, log)
    scm.git(repo, "checkout", "--quiet", "--", ".")
    repro.dvc(repo, "checkout", "--quiet")

    log("\n4. A change that makes it better, promoted when it passes: " + _describe(BETTER))
    _edit_train_params(repo, BETTER)
    better = _gate(repo, "better", log)
    champion = _promote(repo, better["results_dir"], log) if better["exit_code"] == 0 else promoted

    log("")
    log(f"worse change:    exit {worse['exit_code']} ({worse['decision']})")
    log(f"one-flip change: exit {one_flip['exit_code']} ({one_flip['decision']}, inconclusive)")
    log(f"better change:   exit {better['exit_code']} ({better['decision']})")
    log(f"Reports, in {repo}:")
    for gated in (first, worse, one_flip, better):
        log(f"   {Path(gated['report']).relative_to(repo).as_posix()}")
    log(f"   `mlgate report --results-dir .mlgate/better` in {repo} shows one again")
    log(f"MLflow store: {repo / 'mlflow.db'} (champion: {champion}; `mlgate history` lists")
    log(f"its holders, `mlgate rollback` in {repo} moves it back to {promoted})")
    log("")
    log("Next, gate your own repo: `mlgate init` in it writes a commented mlgate.yaml, the")
    log("data's schemas, a CI workflow and a pre-commit entry; then `mlgate gate`")
    log(f"({DOCS_URL}getting-started/ walks through it).")
    return {
        "repo": str(repo),
        "champion": champion,
        "first_champion": promoted,
        "first": first,
        "worse": worse,
        "one_flip": one_flip,
        "better": better,
    }


def _gate(repo: Path, name: str, log: Log) -> dict[str, Any]:
    from mlgate.gate.steps import GateRequest, run_gate

    results_dir = repo / ".mlgate" / name
    published = run_gate(
        GateRequest(
            config=load_config(repo / "mlgate.yaml"),
            results_dir=results_dir,
            # The example's stages run `python`: make that the Python mlgate lives in.
            bin_dir=Path(sys.executable).parent,
            log=lambda line: _step_progress(line, log),
        )
    )
    for line in report_text(published.results, published.context).splitlines():
        log(f"   {line}")
    compare = published.results.get("compare", {}).get("details", {})
    return {
        "decision": published.decision,
        "exit_code": published.exit_code,
        "results_dir": str(results_dir),
        "report": str(published.report_path),
        "metrics": (compare.get("candidate") or {}).get("metrics"),
        "checks": compare.get("checks", []),
    }


def _explain_inconclusive(gated: dict[str, Any], log: Log) -> None:
    """What the interval gate saw that the point rule would not."""
    for check in gated["checks"]:
        if check.get("evidence") != "inconclusive":
            continue
        interval = check["interval"]
        log(
            f"   {check['metric']}: the point estimate moved by {interval['estimate']:+.3f}, "
            f"beyond {check['rule']} {check['limit']:g}, so a point rule would block it."
        )
        log(
            f"   But the {interval['confidence']:.0%} paired interval of the change is "
            f"[{interval['low']:+.3f}, {interval['high']:+.3f}]: it holds both 'no worse' and "
            f"'worse than allowed'. {check['paired_rows']} examples cannot tell this change "
            f"from noise; {rows_would(check['paired_rows'], check['rows_needed'])}."
        )
        log(
            "   The gate fails closed on it (on_inconclusive: fail): evaluate on more "
            "examples, or set on_inconclusive: pass to let undecided changes through."
        )


def _step_progress(line: str, log: Log) -> None:
    """The gate's step starts ("▶ repro"), so a terminal shows what the first minute is doing."""
    if line.startswith("▶ "):
        log(f"   running {line.removeprefix('▶ ')} ...")


def _promote(repo: Path, results_dir: str, log: Log) -> str:
    from mlgate.promote import PromoteRequest, run_promote

    result = run_promote(
        PromoteRequest(
            config=load_config(repo / "mlgate.yaml"),
            decision_path=Path(results_dir) / "compare.json",
            results_dir=Path(results_dir),
        )
    )
    log(f"   promote: {result.summary}")
    if result.status != "pass":
        raise InputError(f"the demo could not promote its first model: {result.summary}")
    return f"v{result.details['version']}"


def _edit_train_params(repo: Path, changes: dict[str, str]) -> None:
    params = repo / "params.yaml"
    text = params.read_text(encoding="utf-8")
    for key, value in changes.items():
        text, found = re.subn(
            rf"^(  {key}:\s*)\S+", rf"\g<1>{value}", text, count=1, flags=re.MULTILINE
        )
        if not found:
            raise InputError(f"{params}: the demo expected a `train.{key}` param")
    params.write_text(text, encoding="utf-8")


def _describe(changes: dict[str, str]) -> str:
    return ", ".join(f"train.{key} = {value}" for key, value in changes.items())
