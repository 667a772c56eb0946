"""`mlgate repro --pull` when the data cannot come: DVC reports a remote it cannot reach as data
"missing" and would have the user "push it from where it was produced"; mlgate says what is
wrong instead. An unreachable remote is no verdict (exit 3) naming how (DNS, refused, a folder
that does not exist); a remote whose DVC plugin is absent is the user's to install (exit 2,
naming the pip package); no remote at all is exit 2. No message names an absolute folder."""

from __future__ import annotations

import importlib.util
import shutil
import socket
from pathlib import Path

import pytest

from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, metrics_pipeline


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A pipeline whose metrics live in the DVC cache, with the cache and workspace copy gone:
    only a pull can bring them back."""
    repo = metrics_pipeline(tmp_path / "repo", 0.9, 0.3, cached=True)
    (repo / ".gitignore").write_text(".mlgate/\n")
    dvc(repo, "repro", "--quiet")
    commit(repo, "pipeline")
    shutil.rmtree(repo / ".dvc" / "cache")
    (repo / "metrics.json").unlink()
    return repo


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pull(repo: Path, mlgate: RunMlgate, url: str | None) -> tuple[int, str]:
    if url is not None:
        dvc(repo, "remote", "add", "--force", "--default", "storage", url)
    result = mlgate("repro", "--pull", cwd=repo)
    text = result.out + result.err
    assert str(repo.parent) not in text and str(repo.parent.resolve()) not in text
    assert "push it from where it was produced" not in text
    return result.code, result.err


def test_a_remote_that_refuses_the_connection(repo: Path, mlgate: RunMlgate) -> None:
    port = closed_port()
    code, err = pull(repo, mlgate, f"http://127.0.0.1:{port}/store")
    assert code == 3, err
    assert f"127.0.0.1:{port} refused the connection" in err
    assert "the DVC remote 'storage' is unreachable" in err


def test_a_remote_whose_host_does_not_resolve(repo: Path, mlgate: RunMlgate) -> None:
    code, err = pull(repo, mlgate, "https://dvc-store.invalid/store")
    assert code == 3, err
    assert "'dvc-store.invalid' does not resolve" in err


def test_a_local_remote_folder_that_does_not_exist(repo: Path, mlgate: RunMlgate) -> None:
    code, err = pull(repo, mlgate, str(repo.parent / "no-such-storage"))
    assert code == 3, err
    assert "its folder does not exist" in err


@pytest.mark.parametrize(("scheme", "package"), [("s3", "dvc-s3"), ("gs", "dvc-gs")])
def test_a_cloud_remote_without_its_plugin_names_the_package(
    scheme: str, package: str, repo: Path, mlgate: RunMlgate
) -> None:
    if importlib.util.find_spec(package.replace("-", "_")) is not None:
        pytest.skip(f"{package} is installed here, so DVC has the plugin")
    code, err = pull(repo, mlgate, f"{scheme}://bucket/store")
    assert code == 2, err
    assert f"pip install {package}" in err


def test_no_remote_at_all(repo: Path, mlgate: RunMlgate) -> None:
    code, err = pull(repo, mlgate, None)
    assert code == 2, err
    assert "needs a DVC remote" in err
