"""The docs site builds strict, the README stays a front door, and every version reference a user
copies (a pre-commit `rev:`, a `uses: …@v…`, a pip tag) names the current release line.

The site is built here rather than in scripts/test.sh: pytest runs wherever the tests run (CI,
a developer's `pytest tests/test_docs.py`), builds into a tmp dir, and can show with a planted
broken link that the build it trusts is strict.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import get_type_hints

import pytest
import yaml

from mlgate import __version__
from mlgate.cli import cli
from mlgate.config import (
    AMOUNT_RULES,
    GATE_KEYS,
    ColumnDrift,
    Config,
    DataEntry,
    DriftConfig,
    GateRule,
    PerExample,
)
from tests.helpers.cli import RunMlgate
from tests.helpers.dvc_repos import commit, dvc, git, metrics_pipeline, set_params

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
MAJOR_TAG = f"v{__version__.split('.')[0]}"
RELEASE_TAG = f"v{__version__}"

# Where a user copies a version from: the docs, the README, the examples, the action and the
# workflows' usage comments. CHANGELOG.md is history and names the versions of its time.
VERSIONED_GLOBS = (
    "README.md",
    "docs/**/*.md",
    "examples/**/*.md",
    "examples/**/*.yml",
    "examples/**/*.yaml",
    "action.yml",
    ".github/workflows/*.yml",
)
# `mlgate/mlgate@v1`, `…/pr-gate.yml@v1`, `git+https://github.com/mlgate/mlgate@v1.0.0`
MLGATE_REF = re.compile(r"mlgate(?:/[\w./-]*)?@(v[0-9][\w.-]*)")
REV = re.compile(r"^\s*rev:\s*['\"]?([^\s'\"#]+)", re.MULTILINE)
REPO = re.compile(r"^\s*-?\s*repo:\s*(\S+)", re.MULTILINE)
RESULT_VERSION = re.compile(r"\"mlgate\": \"([0-9][^\"]*)\"")


def _build(config_dir: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=config_dir,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},  # Material's banner, not a warning
        check=False,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    built = _build(ROOT, out)
    assert built.returncode == 0, built.stderr
    return out


@pytest.mark.slow
def test_the_site_builds_strict_with_every_page(site: Path) -> None:
    built = {path.parent.name for path in site.glob("*/index.html")}
    pages = {path.stem for path in DOCS.glob("*.md")} - {"index"}
    assert pages <= built
    assert "The example's worse change" in (site / "gate" / "index.html").read_text()


@pytest.mark.slow
def test_the_cli_reference_is_generated_for_every_command(site: Path) -> None:
    page = (site / "cli" / "index.html").read_text()
    assert "::: mkdocs-click" not in page  # the directive was expanded, not shown
    for name, command in cli.commands.items():
        assert f'id="mlgate-{name}"' in page, f"mlgate {name} is missing from the CLI reference"
        for option in getattr(command, "params", []):
            for flag in option.opts:
                if flag.startswith("--"):
                    assert flag in page, f"mlgate {name} {flag} is missing"


@pytest.mark.slow
def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    shutil.copytree(DOCS, tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")  # the hook, and the workflows it reads
    shutil.copytree(ROOT / ".github" / "workflows", tmp_path / ".github" / "workflows")
    faq = tmp_path / "docs" / "faq.md"
    faq.write_text(faq.read_text() + "\nSee [the missing page](no-such-page.md).\n")
    built = _build(tmp_path, tmp_path / "site")
    assert built.returncode != 0
    assert "no-such-page.md" in built.stderr


def test_the_readme_is_a_front_door() -> None:
    text = README.read_text()
    assert len(text.splitlines()) <= 250
    # The two commands, exactly as they were; CI runs the second.
    demo = "python3 -m venv .venv && .venv/bin/pip install '.[all]' && .venv/bin/mlgate demo"
    assert f"\n{demo}\n" in text
    assert "\n./scripts/test.sh\n" in text
    assert "exec ./scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_every_link_of_the_readme_leads_somewhere() -> None:
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README.read_text())
    local = [link for link in links if not re.match(r"[a-z]+://", link)]
    assert any(link.startswith("docs/") for link in local)
    missing = [link for link in local if not (ROOT / link).exists()]
    assert missing == []


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = set(re.findall(r"\]\((docs/[\w-]+\.md)", README.read_text()))
    pages = {f"docs/{path.name}" for path in DOCS.glob("*.md")} - {"docs/index.md"}
    assert pages - linked == set()


def version_mismatches(text: str) -> list[str]:
    """Each reference to a mlgate release in `text` that is not the current release line."""
    found = [f"@{ref}" for ref in MLGATE_REF.findall(text) if ref not in (MAJOR_TAG, RELEASE_TAG)]
    for rev in REV.finditer(text):
        repos = REPO.findall(text[: rev.start()])
        if repos and "mlgate" in repos[-1] and rev.group(1) != RELEASE_TAG:
            found.append(f"rev: {rev.group(1)}")
    found += [f'"mlgate": "{v}"' for v in RESULT_VERSION.findall(text) if v != __version__]
    return found


def test_the_version_check_catches_another_release() -> None:
    other = (  # no release line of mlgate is 99
        "repos:\n  - repo: https://github.com/mlgate/mlgate\n    rev: v99.9.0\n"
        "  - repo: https://github.com/psf/black\n    rev: 24.1.0\n"
        "- uses: mlgate/mlgate@v99\n"
        "uses: mlgate/mlgate/.github/workflows/pr-gate.yml@v99.0.0\n"
        'pip install "mlgate @ git+https://github.com/mlgate/mlgate@v99.1.0"\n'
        '{"mlgate": "99.0.1"}\n'
    )
    assert version_mismatches(other) == [
        "@v99",
        "@v99.0.0",
        "@v99.1.0",
        "rev: v99.9.0",
        '"mlgate": "99.0.1"',
    ]
    current = f"- repo: https://github.com/mlgate/mlgate\n  rev: {RELEASE_TAG}\n"
    assert version_mismatches(current + f"uses: mlgate/mlgate@{MAJOR_TAG}\n") == []


def test_every_version_reference_names_the_current_release_line() -> None:
    files = sorted({path for pattern in VERSIONED_GLOBS for path in ROOT.glob(pattern)})
    assert any(path.name == ".pre-commit-config.yaml" for path in files)
    wrong = {
        str(path.relative_to(ROOT)): found
        for path in files
        if (found := version_mismatches(path.read_text()))
    }
    assert wrong == {}, f"expected {MAJOR_TAG} or {RELEASE_TAG}"


def test_each_release_publishes_the_docs_it_was_built_with() -> None:
    """release.yml makes the release with github.token, whose events start no workflow: it calls
    docs.yml itself, after tagging, granting what docs.yml's jobs ask for (GitHub refuses a call
    whose caller grants less)."""
    workflows = ROOT / ".github" / "workflows"
    release = yaml.safe_load((workflows / "release.yml").read_text())
    docs = yaml.safe_load((workflows / "docs.yml").read_text())
    call = "./.github/workflows/docs.yml"
    callers = [job for job in release["jobs"].values() if job.get("uses") == call]
    assert len(callers) == 1
    assert callers[0]["needs"] == "tag"
    asked = {k: v for job in docs["jobs"].values() for k, v in job["permissions"].items()}
    assert asked.items() <= callers[0]["permissions"].items()
    # PyYAML reads the `on:` key as True (YAML 1.1)
    triggers = docs.get("on", docs.get(True))
    assert {"release", "workflow_call", "workflow_dispatch"} <= set(triggers)
    assert "mkdocs build --strict" in (workflows / "docs.yml").read_text()


def test_the_configuration_page_names_every_key() -> None:
    """Every key `config check` accepts, read from the config's own declaration."""
    page = (DOCS / "configuration.md").read_text()
    internal = {"path", "warnings", "line", "schema_line", "method_line", "metric", "name"}
    keys = {"path"} | {rule.name for rule in AMOUNT_RULES} | set(GATE_KEYS)
    for declared in (Config, DataEntry, PerExample, GateRule, ColumnDrift, DriftConfig):
        keys |= {field.name for field in fields(declared)} - internal
    for part in ("mlflow", "metrics"):
        keys |= {field.name for field in fields(get_type_hints(Config)[part])}
    keys -= {"paths", "uris"}  # both read from `path:` in the file
    missing = sorted(key for key in keys if not re.search(rf"\b{key}:", page))
    assert missing == []


def test_the_configuration_pages_example_is_a_valid_config(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    page = (DOCS / "configuration.md").read_text()
    example = page.split("```yaml\n", 1)[1].split("\n```", 1)[0]
    (tmp_path / "mlgate.yaml").write_text(example + "\n")
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "train.yaml").write_text("schema_type: dataframe\ncolumns: {}\n")
    result = mlgate("config", "check", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "max_improvement: 0.3" in result.out  # read, not dropped
    assert "max_drifted_share: 0.5" in result.out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("workflow", "page"),
    [("pr-gate.yml", "workflows"), ("continuous-training.yml", "continuous-training")],
)
def test_reusable_workflow_inputs_are_on_its_page(site: Path, workflow: str, page: str) -> None:
    declared = yaml.safe_load((ROOT / ".github" / "workflows" / workflow).read_text())
    call = declared.get("on", declared.get(True))["workflow_call"]
    built = (site / page / "index.html").read_text()
    assert "workflow-reference" not in built  # the hook replaced its marker
    for kind in ("inputs", "outputs", "secrets"):
        for name in call[kind]:
            assert f"<code>{name}</code>" in built, f"{workflow}: {kind} {name}"


def test_every_input_and_output_of_the_action_is_documented() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    page = (DOCS / "github-action.md").read_text()
    rows = set(re.findall(r"^\| `([\w-]+)` \|", page, re.MULTILINE))
    assert rows == set(action["inputs"])
    outputs = page.split("Outputs:", 1)[1].split("\n\n", 1)[0]
    assert [name for name in action["outputs"] if f"`{name}`" not in outputs] == []


def test_every_docs_address_mlgate_prints_is_a_page() -> None:
    site_url = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["site_url"]
    pages = set()
    for path in (ROOT / "src" / "mlgate").rglob("*.py"):
        text = path.read_text()
        pages |= set(re.findall(re.escape(site_url) + r"([\w-]+)/", text))
        if "DOCS_URL" in text:  # an f-string joins the site's address and a page
            pages |= set(re.findall(r"\{DOCS_URL\}([\w-]+)/", text))
    assert {"configuration", "getting-started"} <= pages
    assert [page for page in pages if not (DOCS / f"{page}.md").exists()] == []


@pytest.mark.slow
def test_the_readme_adoption_reaches_a_verdict(tmp_path: Path, mlgate: RunMlgate) -> None:
    """The README's adoption commands, as written there, in a DVC repo whose main branch holds
    metrics: a view, then `init`, then a gate that blocks a worse model and passes a better one."""
    adoption = README.read_text().split("## Adopt it in 30 seconds", 1)[1]
    script = adoption.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [
        shlex.split(line.split("#", 1)[0])[1:]
        for line in script.splitlines()
        if line.startswith("mlgate ")
    ]
    assert [command[0] for command in commands] == ["compare", "init", "gate"]
    repo = metrics_pipeline(tmp_path / "repo", accuracy=0.9, log_loss=0.3)
    dvc(repo, "repro", "--quiet")
    commit(repo, "the model on main")
    git(repo, "checkout", "--quiet", "-b", "change")
    view, init, gate = commands

    set_params(repo, accuracy=0.8, log_loss=0.3)
    dvc(repo, "repro", "--quiet")
    looked = mlgate(*view, cwd=repo)
    assert looked.code == 0, looked.err
    assert "not gated" in looked.out.lower()
    assert mlgate(*init, cwd=repo).code == 0
    assert mlgate("config", "check", cwd=repo).code == 0
    worse = mlgate(*gate, cwd=repo)
    assert worse.code == 1, worse.err
    set_params(repo, accuracy=0.91, log_loss=0.3)
    better = mlgate(*gate, cwd=repo)
    assert better.code == 0, better.err
    assert "against git:main" in better.out


def test_each_page_has_one_title() -> None:
    """One `# ` heading a page (outside code blocks): the nav and the search use it."""
    for page in DOCS.glob("*.md"):
        prose = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.MULTILINE | re.DOTALL)
        titles = re.findall(r"^# .*", prose, re.MULTILINE)
        assert len(titles) == 1, f"{page.name}: {titles}"
        assert prose.startswith(titles[0])
