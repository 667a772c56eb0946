"""The new pre-commit hooks through pre-commit itself: `pre-commit try-repo` for each, passing
and failing, in tmp repos (tests/fixtures/hook_snapshot.py makes the hook repo).

mlgate-config's environment must hold the core only. mlgate-compare's holds dvc and
mlflow-skinny; building it takes most of a minute (~230 MB), and try-repo builds it anew on
every call, so try-repo runs it once (advisory: a worse model passes, with the comparison
shown); blocking, failing and passing, runs with `pre-commit run` under the run's shared
PRE_COMMIT_HOME in the documented lighter setup:
`additional_dependencies: [".[dvc]"]` and `args: [--block]` (the environment of
mlgate-dvc-lock, built once per run). (MLGATE_COMPARE_BLOCK=1 is tested with the plain git
hooks, tests/test_hooks.py.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.hook_snapshot import (
    has_modules,
    hook_config,
    hook_env,
    pre_commit,
    shared_hooks,
)
from tests.helpers.dvc_repos import commit, dvc, metrics_pipeline, set_params

CONFIG = """\
version: 1
metrics: {candidate: dvc, baseline: file:baseline.json}
gates:
  accuracy: {direction: higher, max_regression: 0.01}
"""


@pytest.fixture(scope="session")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the hook repo, the run's shared PRE_COMMIT_HOME)."""
    return shared_hooks(tmp_path_factory)


@pytest.fixture(scope="session")
def hook_repo(hooks: tuple[Path, Path]) -> Path:
    return hooks[0]


@pytest.fixture
def consumer(tmp_path: Path) -> Path:
    repo = metrics_pipeline(tmp_path / "repo", accuracy=0.9, log_loss=0.3)
    (repo / "mlgate.yaml").write_text(CONFIG)
    (repo / "baseline.json").write_text(json.dumps({"accuracy": 0.9, "log_loss": 0.3}))
    (repo / ".gitignore").write_text(".mlgate/\n")
    dvc(repo, "repro", "--quiet")
    commit(repo, "pipeline")
    return repo


def try_repo(repo: Path, hook_repo: Path, hook: str, *args: str, **env: str) -> str:
    home = repo.parent / "unused-home"  # try-repo builds in its own temporary store
    result = pre_commit(repo, home, "try-repo", str(hook_repo), hook, "--all-files",
                        "--verbose", *args, **env)  # fmt: skip
    return f"{result.returncode}\n{result.stdout}{result.stderr}"


@pytest.mark.slow
def test_mlgate_config_through_try_repo(consumer: Path, hook_repo: Path) -> None:
    """A typo fails through try-repo; a valid config passes below, through `pre-commit run`."""
    (consumer / "mlgate.yaml").write_text(CONFIG.replace("direction", "directoin"))
    commit(consumer, "typo")
    failed = try_repo(consumer, hook_repo, "mlgate-config")
    assert failed.startswith("1\n"), failed
    assert "mlgate.yaml:4:" in failed
    assert "did you mean 'direction'" in failed


@pytest.mark.slow
def test_mlgate_config_environment_is_the_core_only(
    consumer: Path, hooks: tuple[Path, Path]
) -> None:
    hook_repo, home = hooks
    (consumer / ".pre-commit-config.yaml").write_text(hook_config(hook_repo, "mlgate-config"))
    commit(consumer, "pre-commit config")
    result = pre_commit(consumer, home, "run", "mlgate-config", "--all-files", "--verbose")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mlgate config check (mlgate.yaml is valid)" in result.stdout
    assert "Passed" in result.stdout
    env = hook_env(home, hook_repo)
    found = has_modules(env, ["mlgate", "click", "yaml", "mlflow", "dvc", "pandas", "pandera"])
    assert found == {"mlgate": True, "click": True, "yaml": True,
                     "mlflow": False, "dvc": False, "pandas": False, "pandera": False}  # fmt: skip


@pytest.mark.slow
def test_mlgate_compare_through_try_repo_is_advisory(consumer: Path, hook_repo: Path) -> None:
    set_params(consumer, accuracy=0.8, log_loss=0.3)  # worse than the baseline's 0.9
    dvc(consumer, "repro", "--quiet")
    commit(consumer, "worse")
    advisory = try_repo(consumer, hook_repo, "mlgate-compare", "--hook-stage", "pre-push")
    assert advisory.startswith("0\n"), advisory
    assert "mlgate compare (metrics vs. the champion, before a push)" in advisory
    assert "advisory, the push goes on" in advisory
    assert "accuracy" in advisory


@pytest.mark.slow
def test_mlgate_compare_blocks_with_args_and_lighter_dependencies(
    consumer: Path, hooks: tuple[Path, Path]
) -> None:
    hook_repo, home = hooks
    (consumer / ".pre-commit-config.yaml").write_text(
        hook_config(
            hook_repo,
            "mlgate-compare",
            "        args: [--block]\n"
            "        additional_dependencies: ['.[dvc]']  # file: baseline, no registry\n",
        )
    )
    set_params(consumer, accuracy=0.8, log_loss=0.3)
    dvc(consumer, "repro", "--quiet")
    commit(consumer, "worse")
    worse = pre_commit(consumer, home, "run", "mlgate-compare", "--hook-stage", "pre-push")
    assert worse.returncode == 1, worse.stdout + worse.stderr
    assert "Failed" in worse.stdout

    set_params(consumer, accuracy=0.95, log_loss=0.3)
    dvc(consumer, "repro", "--quiet")
    commit(consumer, "better")
    better = pre_commit(consumer, home, "run", "mlgate-compare", "--hook-stage", "pre-push")
    assert better.returncode == 0, better.stdout + better.stderr
    env = hook_env(home, hook_repo, [".[dvc]"])
    assert has_modules(env, ["dvc", "mlflow"]) == {"dvc": True, "mlflow": False}
