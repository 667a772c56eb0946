"""A pipeline repository that calls mlgate's reusable workflows, for act and the GitHub
stand-in."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.fixtures.act_runner import (
    WORKFLOW_REPOSITORY,
    WORKFLOW_SHA,
    reusable_workflow,
)
from tests.helpers.dvc_repos import commit, dvc, git, init_repo, set_params
from tests.helpers.mlflow_store import client

TOKEN = "ghs_installation_token_for_act"


VENV = str(Path(sys.executable).parent.parent)


REPO = "octo-org/octo-repo"


PR = 12


def caller(body: str) -> str:
    return f"name: caller\n{body}"


def pipeline_repo(
    root: Path, config: str, caller_text: str, workflow: str, *, job_context: bool = True
) -> Path:
    repo = init_repo(root / "repo")
    (repo / "evaluate.py").write_text(EVALUATE)
    (repo / "dvc.yaml").write_text(DVC_YAML)
    set_params(repo, accuracy=0.9, log_loss=0.3)
    (repo / "mlgate.yaml").write_text(config)
    (repo / "baseline.json").write_text(json.dumps({"accuracy": 0.9, "log_loss": 0.3}))
    flows = repo / ".github" / "workflows"
    reusable_workflow(workflow, flows / workflow, job_context=job_context)
    (flows / "caller.yml").write_text(caller_text)
    dvc(repo, "repro", "--quiet")
    git(repo, "remote", "add", "origin", f"https://github.com/{REPO}.git")
    commit(repo, "pipeline")
    return repo


def assert_action_from_the_workflows_commit(output: str) -> None:
    """The mlgate action came from the workflow's own commit, as a local action."""
    assert SIDE_CHECKOUT in output, output
    assert "mlgate/mlgate@v1" not in output


def champion(uri: str) -> str | None:
    from mlflow.exceptions import MlflowException

    try:
        return str(client(uri).get_model_version_by_alias("tiny", "champion").version)
    except MlflowException:
        return None


EVALUATE = """\
import json, yaml
params = yaml.safe_load(open("params.yaml"))
json.dump({"accuracy": params["accuracy"], "log_loss": params["log_loss"]},
          open("metrics.json", "w"))
open("model.pkl", "w").write(f"a model of accuracy {params['accuracy']}")
"""


DVC_YAML = f"""\
stages:
  evaluate:
    cmd: {sys.executable} evaluate.py
    deps: [evaluate.py]
    params: [accuracy, log_loss]
    outs: [model.pkl]
    metrics:
      - metrics.json:
          cache: false
"""


SIDE_CHECKOUT = f"stand-in checkout: {WORKFLOW_REPOSITORY}@{WORKFLOW_SHA} -> .mlgate-action"
