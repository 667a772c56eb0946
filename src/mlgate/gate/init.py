"""`mlgate init`: a working, commented mlgate.yaml (and CI and pre-commit files) from what the
repository holds.

- metrics: every `metrics:` file of dvc.yaml's stages, read in the workspace or, when absent,
  at the last commit; each metric gated in the direction its name implies, with
  `max_regression_pct: 1` as a starting rule (names that imply none are listed, commented out);
- data: the stages' dependencies mlgate can read, each with a schema inferred from every row;
- the baseline: the MLflow registry when a store is in sight, else the default branch;
- CI (GitHub workflow or GitLab component) and pre-commit, pinned to this release.

It never replaces a file (exit 2 naming it) unless told to; files it would only add to
(`.pre-commit-config.yaml`, `.gitlab-ci.yml`) it leaves alone and prints the lines to add.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from mlgate import __version__
from mlgate.config import SCHEMA_ID
from mlgate.core import yamlio
from mlgate.core.errors import InputError, MlgateError
from mlgate.core.scm import file_at_revision, git
from mlgate.data import dataformats, parse_metrics

DVC_YAML = "dvc.yaml"  # read here as YAML: init keeps the `metrics:` lists dvcfiles merges

CONFIG_NAME = "mlgate.yaml"
SCHEMA_LINE = f"# yaml-language-server: $schema={SCHEMA_ID}"
STARTING_RULE_PCT = 1
HIGHER = frozenset(
    [
        "accuracy",
        "acc",
        "auc",
        "roc_auc",
        "rocauc",
        "pr_auc",
        "f1",
        "f1_score",
        "fbeta",
        "precision",
        "recall",
        "r2",
        "ap",
        "average_precision",
        "map",
        "ndcg",
        "iou",
        "dice",
        "bleu",
        "rouge",
        "specificity",
        "sensitivity",
        "mcc",
        "kappa",
        "balanced_accuracy",
        "top1",
        "top5",
        "hit_rate",
        "coverage",
        "score",
    ]
)
LOWER = frozenset(
    [
        "loss",
        "log_loss",
        "logloss",
        "error",
        "err",
        "mae",
        "mse",
        "rmse",
        "rmsle",
        "mape",
        "smape",
        "brier",
        "brier_score",
        "perplexity",
        "wer",
        "cer",
        "latency",
        "fpr",
        "fnr",
        "hamming_loss",
        "cross_entropy",
        "nll",
    ]
)
MODEL_SUFFIXES = (".pkl", ".pickle", ".joblib", ".pt", ".pth", ".onnx", ".h5", ".keras", ".bin")


@dataclass(frozen=True)
class InitFile:
    path: str  # relative to the repository's top
    text: str


@dataclass
class InitPlan:
    root: Path
    files: list[InitFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what to add by hand, what to fill in


def direction_of(metric: str) -> str | None:
    """higher or lower as the metric's name implies (its last part: `test/accuracy`,
    `val.log_loss`), or None when it says neither."""
    name = re.split(r"[./]", metric.lower())[-1]
    if name in LOWER or any(part in LOWER for part in name.split("_")):
        return "lower"
    if name in HIGHER or any(part in HIGHER for part in name.split("_")):
        return "higher"
    return None


def plan_init(root: Path, *, forge: str | None = None) -> InitPlan:
    plan = InitPlan(root=root)
    pipeline = _read_dvc_yaml(root)
    if pipeline is None:
        plan.files.append(InitFile(CONFIG_NAME, _file_config(root, plan)))
    else:
        data = _data_entries(root, pipeline, plan)
        metrics = _metrics(root, pipeline, plan)
        plan.files.append(InitFile(CONFIG_NAME, _dvc_config(root, pipeline, data, metrics, plan)))
    _forge_files(root, forge, plan)
    _pre_commit(root, pipeline is not None, plan)
    return plan


def write_init(plan: InitPlan, *, force: bool) -> None:
    """Write every planned file; none is written when one exists and `force` is not set."""
    from mlgate.results import write_atomic

    if not force:
        for planned in plan.files:
            if (plan.root / planned.path).exists():
                raise InputError(
                    f"{planned.path}: already exists; mlgate init replaces nothing "
                    "(--force replaces it, --dry-run shows what would be written)"
                )
    for planned in plan.files:
        target = plan.root / planned.path
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, planned.text)


# --- dvc.yaml ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stage:
    deps: tuple[str, ...]
    outs: tuple[str, ...]
    metrics: tuple[str, ...]


def _read_dvc_yaml(root: Path) -> list[_Stage] | None:
    path = root / DVC_YAML
    if not path.is_file():
        return None
    data = yamlio.load_file(path) or {}
    stages = data.get("stages") if isinstance(data, dict) else None
    found = (
        [_stage(body) for body in stages.values() if isinstance(body, dict)]
        if isinstance(stages, dict)
        else []
    )
    # DVC 3's top-level `metrics:` (what DVCLive writes): files relative to dvc.yaml
    top = data.get("metrics") if isinstance(data, dict) else None
    if isinstance(top, list):
        found.append(_stage({"metrics": top}))
    return found


def _stage(body: dict[str, Any]) -> _Stage:
    wdir = body["wdir"] if isinstance(body.get("wdir"), str) else "."

    def paths(key: str) -> tuple[str, ...]:
        entries = body.get(key)
        found = []
        for entry in entries if isinstance(entries, list) else []:
            name = next(iter(entry), None) if isinstance(entry, dict) else entry
            if isinstance(name, str) and "${" not in name:
                found.append(str(PurePosixPath(os.path.normpath(f"{wdir}/{name}"))))
        return tuple(found)

    return _Stage(deps=paths("deps"), outs=paths("outs"), metrics=paths("metrics"))


def _metrics(root: Path, stages: list[_Stage], plan: InitPlan) -> dict[str, None]:
    """The metric names of every stage's metrics files, in their order."""
    names: dict[str, None] = {}
    for path in dict.fromkeys(path for stage in stages for path in stage.metrics):
        text = _workspace_or_head(root, path)
        if text is None:
            plan.notes.append(
                f"{path}: not in the workspace, the last commit, DVC's cache or a remote it "
                "reached; `dvc pull` (or `dvc repro`), then `mlgate init --force`, gates its "
                "metrics"
            )
            continue
        try:
            found = parse_metrics(text, path, yaml_format=path.endswith((".yaml", ".yml")))
        except MlgateError as exc:
            plan.notes.append(f"{path}: cannot read its metrics ({exc})")
            continue
        names.update(dict.fromkeys(found))
    return names


def _workspace_or_head(root: Path, path: str) -> str | None:
    """The file in the workspace, else at the last commit: in git, or in DVC's cache or remote
    for an output DVC tracks (most metrics files are)."""
    local = root / path
    if local.is_file():
        return local.read_text(encoding="utf-8", errors="replace")
    from mlgate.repro import file_at_revision as tracked_file_at_revision
    from mlgate.repro import in_dvc_repository

    committed = file_at_revision(root, "HEAD", path)
    if committed is None and in_dvc_repository(root):
        try:
            committed = tracked_file_at_revision(root, "HEAD", path)
        except MlgateError:  # the remote cannot be reached: the note says what to run
            committed = None
    return None if committed is None else committed.decode("utf-8", errors="replace")


def _data_entries(root: Path, stages: list[_Stage], plan: InitPlan) -> list[tuple[str, str]]:
    """(data path, schema path) for each readable data dependency, its schema inferred."""
    from mlgate.validate import infer_schema

    entries = []
    deps = dict.fromkeys(dep for stage in stages for dep in stage.deps)
    taken: set[str] = set()
    for dep in deps:
        path = root / dep
        if dataformats.from_suffix(path) is None:
            continue
        if not path.is_file():
            plan.notes.append(f"{dep}: not in the workspace (`dvc pull`?), so no schema for it")
            continue
        schema = _schema_path(dep, taken)
        plan.files.append(InitFile(schema, infer_schema(path, None, 100_000)))
        entries.append((dep, schema))
    return entries


def _schema_path(dep: str, taken: set[str]) -> str:
    stem = PurePosixPath(dep).name.split(".")[0] or "data"
    name = f"schemas/{stem}.yaml"
    if name in taken:
        name = "schemas/" + re.sub(r"[^\w.-]", "_", dep.rsplit(".", 1)[0]) + ".yaml"
    taken.add(name)
    return name


# --- mlgate.yaml ---------------------------------------------------------------------------

HEADER = f"""\
{SCHEMA_LINE}
# mlgate configuration, written by `mlgate init` (mlgate {__version__}): review it, then commit it.
# `mlgate config check` checks it; every key is in the docs (Configuration).
version: 1
"""


def _dvc_config(
    root: Path,
    stages: list[_Stage],
    data: list[tuple[str, str]],
    metrics: dict[str, None],
    plan: InitPlan,
) -> str:
    parts = [HEADER]
    if data:
        parts.append(
            "\ndata:  # `mlgate validate`: each file against the schema inferred from it\n"
        )
        parts += [f"  - path: {_quoted(path)}\n    schema: {schema}\n" for path, schema in data]
    parts.append(_baseline(root, stages, plan))
    parts.append(_gates(metrics, plan))
    return "".join(parts)


def _baseline(root: Path, stages: list[_Stage], plan: InitPlan) -> str:
    store = _mlflow_store(root)
    if store is None:
        branch = default_branch(root)
        return (
            "\nmetrics:\n"
            "  candidate: dvc                     # the change's metrics, from `dvc repro`\n"
            f"  baseline: {f'git:{branch}':<25}"
            f"# compare with the metrics committed on {branch}\n"
            "  on_missing_baseline: pass          # no metrics there yet: thresholds only\n"
        )
    model = re.sub(r"[^\w.-]", "-", root.resolve().name) or "model"
    uri = "" if store == "env" else f"  tracking_uri: {store}\n"
    model_path = _model_path(stages)
    plan.notes.append(
        f"mlflow.model is {model!r}, named after the folder: set the registered model's name"
    )
    return (
        "\nmlflow:                               # the production model is the baseline\n"
        f"{uri}"
        f"  model: {model}                        # the registered model's name: check it\n"
        "  alias: champion                      # the alias of the version in production\n"
        + (
            f"  model_path: {model_path}            # what `mlgate promote` registers\n"
            if model_path
            else ""
        )
        + "\nmetrics:\n"
        "  candidate: dvc                       # the change's metrics, from `dvc repro`\n"
        "  baseline: registry                   # the metrics of the version holding `alias`\n"
        "  on_missing_baseline: pass            # nothing registered yet: thresholds only\n"
    )


def _mlflow_store(root: Path) -> str | None:
    """Where MLflow keeps its runs, if anywhere in sight: `env` for MLFLOW_TRACKING_URI."""
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return "env"
    if (root / "mlflow.db").is_file():
        return "sqlite:///mlflow.db"
    if (root / "mlruns").is_dir():
        return "./mlruns"
    return None


def _model_path(stages: list[_Stage]) -> str | None:
    for stage in stages:
        for out in stage.outs:
            if out.lower().endswith(MODEL_SUFFIXES):
                return out
    return None


def default_branch(root: Path) -> str:
    """origin's default branch, else a local main or master (init often runs on a feature
    branch, which is no baseline), else the branch checked out, else main."""
    try:
        return (
            git(root, "symbolic-ref", "--short", "refs/remotes/origin/HEAD")
            .strip()
            .removeprefix("origin/")
        )
    except MlgateError:
        pass
    for name in ("main", "master"):
        try:
            git(root, "rev-parse", "--verify", "--quiet", f"refs/heads/{name}")
            return name
        except MlgateError:
            continue
    try:
        return git(root, "branch", "--show-current").strip() or "main"
    except MlgateError:
        return "main"


def _gates(metrics: dict[str, None], plan: InitPlan) -> str:
    known = [(name, direction_of(name)) for name in metrics]
    gated = [(name, way) for name, way in known if way is not None]
    unknown = [name for name, way in known if way is None]
    lines = []
    for name, way in gated:
        lines += [
            f"  {_quoted(name)}:",
            f"    direction: {way}",
            f"    max_regression_pct: {STARTING_RULE_PCT}  # a starting rule: at most "
            f"{STARTING_RULE_PCT}% worse than the baseline",
        ]
    for name in unknown:
        lines += [
            f"  # {_quoted(name)}:                  # its name implies no direction: choose one",
            "  #   direction: higher              # or lower",
            f"  #   max_regression_pct: {STARTING_RULE_PCT}",
        ]
    if unknown:
        plan.notes.append(
            f"{len(unknown)} metric(s) listed commented out in gates: choose their direction"
        )
    if not lines:
        plan.notes.append("no metrics found to gate: add `gates:` (see the docs)")
        return "\n# gates:                               # no metrics found in dvc.yaml's stages\n"
    marker = "gates:" if gated else "# gates:"
    return (
        f"\n{marker}  # every rule set here must hold; directions guessed from the names\n"
        + "\n".join(lines)
        + "\n"
    )


def _file_config(root: Path, plan: InitPlan) -> str:
    """No dvc.yaml: metrics from a file the project writes, and thresholds to fill in."""
    found = (root / "metrics.json").is_file()
    metrics: dict[str, None] = {}
    if found:
        try:
            text = (root / "metrics.json").read_text(encoding="utf-8")
            metrics = dict.fromkeys(parse_metrics(text, "metrics.json", yaml_format=False))
        except (MlgateError, OSError, UnicodeDecodeError):
            metrics = {}
    plan.notes.append(
        "no dvc.yaml: mlgate.yaml reads the candidate's metrics from metrics.json"
        + ("" if found else " (write it, or change `metrics.candidate`)")
        + "; fill in a `threshold` for each gate"
    )
    gates = [
        line
        for name in metrics or {"accuracy": None}
        for line in (
            f"#   {_quoted(name)}:",
            f"#     direction: {direction_of(name) or 'higher'}",
            "#     threshold: 0.0                 # fill in: the least (or most) it may be",
        )
    ]
    return (
        HEADER + "\nmetrics:\n"
        "  candidate: file:metrics.json       # the metrics file your evaluation writes\n"
        "  baseline: none                     # or file:PATH of the production model's metrics\n"
        "\n# gates:                             # uncomment and fill in\n" + "\n".join(gates) + "\n"
    )


def _quoted(text: str) -> str:
    """A YAML scalar that reads back as `text`."""
    import yaml

    dumped: str = yaml.safe_dump(text, default_flow_style=True, width=10_000)
    return dumped.removesuffix("\n...\n").rstrip("\n")


# --- CI and pre-commit -----------------------------------------------------------------------

GITHUB_WORKFLOW = f"""\
# mlgate gate on every pull request: validate data, reproduce, compare, comment the verdict.
# Written by `mlgate init`; pinned to mlgate v{__version__}.
name: mlgate

on:
  pull_request:

permissions: {{}}

concurrency:
  group: mlgate-${{{{ github.event.pull_request.number || github.ref }}}}
  cancel-in-progress: true

jobs:
  gate:
    runs-on: ubuntu-latest
    permissions:
      contents: read        # check out the code
      pull-requests: write  # post / update the mlgate comment on the PR
      checks: write         # the check run `mlgate`, which branch protection can require
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          fetch-depth: 0            # the whole history: a git: baseline reads the base branch
          persist-credentials: false
      - uses: actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97 # v7.0.0
        with:
          python-version: "3.12"
      # Install what your pipeline's stages need here (e.g. pip install -r requirements.txt).
      - uses: mlgate/mlgate@v{__version__}
        with:
          github-token: ${{{{ secrets.GITHUB_TOKEN }}}}
"""

GITLAB_INCLUDE = f"""\
# mlgate gate on every merge request (written by `mlgate init`, pinned to mlgate {__version__}).
# Replace <group> with the group that holds your mlgate copy.
include:
  - component: $CI_SERVER_FQDN/<group>/mlgate/gate@{__version__}
"""


def _forge_files(root: Path, forge: str | None, plan: InitPlan) -> None:
    gitlab_ci = root / ".gitlab-ci.yml"
    if forge == "gitlab" or (forge is None and gitlab_ci.is_file()):
        if gitlab_ci.is_file():
            plan.files.append(InitFile(".gitlab/mlgate.yml", GITLAB_INCLUDE))
            plan.notes.append(
                ".gitlab-ci.yml exists: add `include: [{local: .gitlab/mlgate.yml}]` to it"
            )
        else:
            plan.files.append(InitFile(".gitlab-ci.yml", GITLAB_INCLUDE))
        plan.notes.append("GitLab: set <group> in the component path and MLGATE_GITLAB_TOKEN")
        return
    plan.files.append(InitFile(".github/workflows/mlgate.yml", GITHUB_WORKFLOW))


def _pre_commit(root: Path, dvc: bool, plan: InitPlan) -> None:
    hooks = ["mlgate-config", *(("mlgate-validate", "mlgate-dvc-lock") if dvc else ())]
    entry = (
        "  - repo: https://github.com/mlgate/mlgate\n"
        f"    rev: v{__version__}\n"
        "    hooks:\n" + "".join(f"      - id: {hook}\n" for hook in hooks)
    )
    config = root / ".pre-commit-config.yaml"
    if config.is_file():
        plan.notes.append(f".pre-commit-config.yaml exists: add under `repos:`\n{entry.rstrip()}")
        return
    plan.files.append(
        InitFile(
            ".pre-commit-config.yaml",
            "# Written by `mlgate init`; run `pre-commit install` once per clone.\n"
            f"repos:\n{entry}",
        )
    )


def next_steps(plan: InitPlan) -> list[str]:
    written = dict.fromkeys(PurePosixPath(str(f.path)).parts[0] for f in plan.files)
    return [
        "mlgate config check      # review mlgate.yaml and the schemas, then check them",
        "mlgate gate              # the whole gate, here, as CI will run it",
        f"git add {' '.join(written)} && git commit",
    ]
