"""release.yml's `build` job run by `act` on a copy of this repository: it checks the version
against the package, the changelog and origin's tags, then builds the sdist and the wheel into
the `dist` artifact. Tagging and publishing (the jobs after it) are not run: they write to GitHub
and PyPI. The build installs `build` and hatchling from PyPI into a virtualenv of the test's.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from mlgate import __version__
from tests.fixtures.act_runner import ActRun, action_copy, artifact_store, run_act
from tests.helpers.dvc_repos import git

ORIGIN = "https://github.com/mlgate/mlgate.git"


@pytest.fixture(scope="module")
def build_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A virtualenv for the job's Python: `pip install build` must not touch the test's own."""
    venv = tmp_path_factory.mktemp("release-python") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return str(venv / "bin" / "python")


def release_repo(tmp_path: Path, *, changelog_version: str = __version__) -> Path:
    """This repository as the release workflow sees it, with origin (GitHub's git server) a bare
    repository here, and a changelog section for `changelog_version`."""
    repo = action_copy(tmp_path / "mlgate")
    changelog = repo / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(
        text.replace("## [Unreleased]", f"## [Unreleased]\n\n## [{changelog_version}]", 1),
        encoding="utf-8",
    )
    git(tmp_path, "init", "--quiet", "--bare", str(tmp_path / "origin.git"))
    git(repo, "init", "--quiet", "-b", "main")
    git(repo, "config", "user.email", "dev@example.com")
    git(repo, "config", "user.name", "dev")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "release candidate")
    git(repo, "remote", "add", "origin", ORIGIN)
    git(repo, "config", f"url.{tmp_path / 'origin.git'}.insteadOf", ORIGIN)
    git(repo, "push", "--quiet", "origin", "main")
    return repo


def build(repo: Path, python: str, version: str) -> ActRun:
    return run_act(
        repo,
        {"inputs": {"version": version, "pypi": False}},
        event_name="workflow_dispatch",
        workflow=".github/workflows/release.yml",
        job="build",
        env={"MLGATE_STAND_IN_PYTHON": python},
        timeout=600,
    )


@pytest.mark.slow
def test_release_builds_the_sdist_and_the_wheel_of_the_version(
    tmp_path: Path, build_python: str
) -> None:
    repo = release_repo(tmp_path)
    run = build(repo, build_python, __version__)
    assert run.code == 0, run.output
    dist = artifact_store(repo) / "dist"
    sdist = dist / f"mlgate-{__version__}.tar.gz"
    wheel = dist / f"mlgate-{__version__}-py3-none-any.whl"
    assert sorted(path.name for path in dist.iterdir()) == sorted([sdist.name, wheel.name])
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "mlgate/cli.py" in names
    assert f"mlgate-{__version__}.dist-info/METADATA" in names
    with tarfile.open(sdist) as archive:
        assert f"mlgate-{__version__}/pyproject.toml" in archive.getnames()
    print(f"act release.yml build: {run.seconds:.1f} s")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "refusal"),
    [
        ("tag-exists", f"v{__version__} exists already"),
        ("other-version", "src/mlgate/__init__.py says"),
        ("no-changelog", "CHANGELOG.md has no"),
        ("origin-unreachable", "cannot list the tags of origin"),
    ],
)
def test_release_refuses_before_building(
    tmp_path: Path, build_python: str, case: str, refusal: str
) -> None:
    in_changelog = "9.9.9" if case == "no-changelog" else __version__
    repo = release_repo(tmp_path, changelog_version=in_changelog)
    version = "9.9.9" if case == "other-version" else __version__
    if case == "tag-exists":
        git(repo, "tag", f"v{version}")
        git(repo, "push", "--quiet", "origin", f"v{version}")
    if case == "origin-unreachable":
        git(repo, "config", f"url.{tmp_path / 'gone.git'}.insteadOf", ORIGIN)
        git(repo, "config", "--unset", f"url.{tmp_path / 'origin.git'}.insteadOf")
    run = build(repo, build_python, version)
    assert run.code != 0, run.output
    assert refusal in run.output
    assert "Build the sdist and the wheel" not in run.output.split(refusal, 1)[1]
    assert not (artifact_store(repo) / "dist").exists()
