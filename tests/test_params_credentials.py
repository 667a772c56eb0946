"""A param whose value is a credential is masked by the one redactor wherever params go
(compare.json, repro.json, the report, MLflow), and a masked value that changed still shows as
changed: its digest is compared, never its value. Real git + DVC repos through the real CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mlgate.compare.changes import params_diff
from mlgate.core.outbound import MASK, redact, redact_param, secret_name
from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, git, init_repo

AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # AWS's documented example access key id
PASSWORD = "hunter2-correct-horse"
NEW_PASSWORD = "battery-staple-2026"

PIPELINE = f"""\
stages:
  train:
    cmd: {sys.executable} train.py
    params: [db.password, aws.access, apiToken, keyboard, lr]
    metrics:
      - metrics.json:
          cache: false
"""


def params_yaml(password: str) -> str:
    return (
        f"db:\n  password: {password}\naws:\n  access: {AWS_KEY_ID}\n"
        "apiToken: tok-0123456789\nkeyboard: qwerty\nlr: 0.1\n"
    )


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("api_key", True),
        ("db.password", True),
        ("apiToken", True),
        ("SECRET-KEY", True),
        ("APIKey", True),
        ("aws.secret_access_key", True),
        ("keyboard", False),
        ("monkey", False),
        ("max_tokens", False),
        ("n_estimators", False),
        ("keyframes", False),
    ],
)
def test_a_credentials_name_is_told_by_its_segments(name: str, secret: bool) -> None:
    assert secret_name(name) is secret


def test_an_aws_access_key_id_is_masked_wherever_it_shows_up() -> None:
    assert AWS_KEY_ID not in redact(f"aws.access: {AWS_KEY_ID} (changed)")
    assert redact("AKIA is a prefix") == "AKIA is a prefix"


def test_a_masked_credential_keeps_only_a_digest_that_tells_changes_apart() -> None:
    stored = redact_param("db.password", PASSWORD)
    assert stored.startswith(MASK) and PASSWORD not in stored
    assert redact_param("db.password", stored) == stored  # read back, masked again: the same
    assert redact_param("db.password", NEW_PASSWORD) != stored
    assert redact_param("keyboard", "qwerty") == "qwerty"


def test_a_changed_credential_is_changed_and_an_unchanged_one_unchanged() -> None:
    baseline = {("p.yaml", "db.password"): PASSWORD, ("p.yaml", "api_key"): "k-123456"}
    candidate = {("p.yaml", "db.password"): NEW_PASSWORD, ("p.yaml", "api_key"): "k-123456"}
    diff = params_diff(baseline, candidate)
    assert diff["changed"] == [
        {"file": "p.yaml", "name": "db.password", "baseline": MASK, "candidate": MASK}
    ]
    assert diff["unchanged"] == 1
    # One side masked without a digest (an older promote): not shown as unchanged.
    legacy = params_diff({("p.yaml", "api_key"): MASK}, {("p.yaml", "api_key"): "k-123456"})
    assert legacy["unchanged"] == 0 and legacy["changed"][0]["candidate"] == MASK


@pytest.mark.slow
def test_credential_params_are_masked_in_every_output_and_a_change_shows(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "dvc.yaml").write_text(PIPELINE)
    (repo / "train.py").write_text("open('metrics.json', 'w').write('{\"accuracy\": 0.9}')\n")
    (repo / "params.yaml").write_text(params_yaml(PASSWORD))
    (repo / "mlgate.yaml").write_text(
        "version: 1\nmetrics: {candidate: dvc, baseline: 'git:main'}\n"
        "gates:\n  accuracy: {direction: higher, max_regression: 0.01}\n"
    )
    dvc(repo, "repro", "--quiet")
    commit(repo, "baseline")
    git(repo, "checkout", "--quiet", "-b", "change")
    (repo / "params.yaml").write_text(params_yaml(NEW_PASSWORD))

    gate = mlgate("gate", "--skip", "report", "--format", "markdown", cwd=repo)
    assert gate.code == 0, gate.out + gate.err
    report = mlgate("report", "--format", "text", cwd=repo)
    outputs = [gate.out, gate.err, report.out, report.err]
    outputs += [path.read_text() for path in (repo / ".mlgate").iterdir() if path.is_file()]
    for text in outputs:
        for raw in (PASSWORD, NEW_PASSWORD, AWS_KEY_ID, "tok-0123456789"):
            assert raw not in text
    details = json.loads((repo / ".mlgate" / "compare.json").read_text())["details"]
    params = details["changes"]["params"]
    assert params["changed"] == [
        {"file": "params.yaml", "name": "db.password", "baseline": MASK, "candidate": MASK}
    ]
    assert params["unchanged"] == 4  # the key id, the token, keyboard (shown as is) and lr
    assert "db.password" in report.out
