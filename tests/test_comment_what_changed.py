"""The report's "What changed" as a reviewer reads it after `mlgate compare` and `mlgate report`
on a real git/DVC project: params shown as they were written (a changed value never looks the
same on both sides), and the terminal report bounded like the comment, whatever the params."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlgate.report import ReportContext, report_markdown, report_text
from tests.helpers.changes_project import git_project
from tests.helpers.cli import RunMlgate
from tests.helpers.inert import assert_inert


def reported(mlgate: RunMlgate, repo: Path) -> tuple[str, str]:
    """The Markdown report (report.md) and the terminal's text report."""
    compared = mlgate("compare", cwd=repo)
    assert compared.code == 0, compared.out + compared.err
    result = mlgate("report", cwd=repo)
    assert result.code == 0, result.out + result.err
    return (repo / ".mlgate" / "report.md").read_text(), result.out


def test_a_changed_param_is_shown_as_written_never_rounded_to_look_unchanged(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = git_project(tmp_path, "params.yaml", "dropout: 0.1234\nlr: 1.0e-4\nscale: 1234.4\n")
    (repo / "params.yaml").write_text("dropout: 0.1235\nlr: 2.5e-5\nscale: 1234.3\n")
    markdown, _ = reported(mlgate, repo)
    assert "| `dropout` | 0.1234 | 0.1235 |" in markdown
    assert "| `lr` | 0.0001 | 2.5e-05 |" in markdown
    assert "| `scale` | 1234.4 | 1234.3 |" in markdown


def test_the_terminal_report_is_bounded_whatever_the_params(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    names = [f"p{i}_{'n' * 1000}" for i in range(60)]
    repo = git_project(tmp_path, "params.yaml", "".join(f"{name}: a\n" for name in names))
    (repo / "params.yaml").write_text("".join(f"{name}: {'v' * 100_000}\n" for name in names))
    markdown, text = reported(mlgate, repo)
    assert "more changed param" in markdown
    assert max(len(line) for line in text.splitlines()) < 20_000, "megabytes on one line"
    assert len(text) < 30_000


def test_compare_json_keeps_the_first_thousand_changes_and_counts_the_rest(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    names = [f"p{i:05d}" for i in range(3000)]
    repo = git_project(tmp_path, "params.yaml", "".join(f"{name}: 1\n" for name in names))
    (repo / "params.yaml").write_text("".join(f"{name}: {'v' * 2_000}\n" for name in names))
    markdown, text = reported(mlgate, repo)
    written = repo / ".mlgate" / "compare.json"
    params = json.loads(written.read_text())["details"]["changes"]["params"]
    assert len(params["changed"]) == 1000
    assert params["not_recorded"] == 2000
    assert written.stat().st_size < 2_000_000, "a result file sized by the pipeline's params"
    assert all(len(entry["candidate"]) <= 1000 for entry in params["changed"])
    assert "more changed params (compare.json keeps the first 1,000)" in markdown
    assert "and 2950 more" in text


HOSTILE = [
    "@octocat #123 <img src=x onerror=alert(1)> [x](javascript:alert(1))",
    "```\n::add-mask::secret\n| a | b |\n</details><h1>x</h1>",
    "`` ` `` \\| ${{ github.token }} www.example.com https://evil.example/x",
    "\n::stop-commands::token\n::error file=a::pwned\n- [ ] task\n1. item\n# heading",
]


def test_hostile_param_names_and_values_render_inert_and_never_command_the_runner(
    tmp_path: Path, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {f"{text} {i}": i for i, text in enumerate(HOSTILE)}
    repo = git_project(tmp_path, "params.yaml", json.dumps(before))
    after = {name: HOSTILE[(i + 1) % len(HOSTILE)] for i, name in enumerate(before)}
    (repo / "params.yaml").write_text(json.dumps(after))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    markdown, text = reported(mlgate, repo)
    assert "| param | baseline | candidate |" in markdown
    assert markdown.count("\n| `") >= len(HOSTILE)  # every param is a row of its own
    assert_inert(markdown)
    for line in text.splitlines():
        # Each line is the report's own: no name or value starts one (nor a runner's command).
        assert line.startswith(("mlgate: ", "  ")), line
        assert not line.lstrip().startswith("::"), line


def test_the_stages_that_ran_are_named_once_in_what_changed() -> None:
    from tests.helpers.comment_prose import comment, results_of

    results = results_of("blocked")
    text = comment(results)
    steps = text.split("\n### ")[0]
    assert "- ✅ **reproduction**: ran 2 stage\\(s\\), 1 unchanged; dvc.lock changed\n" in steps
    assert "train" not in steps
    assert "Stages: ran `train`, `evaluate`." in text
    terminal = report_text(results, ReportContext())
    assert "ran 2 stage(s), 1 unchanged; dvc.lock changed" in terminal
    assert "  stages: ran train, evaluate" in terminal
    # Without "What changed" (a comment cut to its verdict) the step line keeps the names.
    summary_only = report_markdown(results, ReportContext(), "summary only")
    assert "ran 2 stage\\(s\\) \\(train, evaluate\\), 1 unchanged" in summary_only


def test_forged_row_counts_cannot_crowd_the_comment_out() -> None:
    from tests.helpers.comment_prose import comment, results_of

    results = results_of("blocked")
    huge = 10**4000  # JSON reads it (Python converts up to 4,300 digits); no float holds it
    results["compare"]["details"]["changes"]["data"] = [
        {"path": f"data/{i}.csv", "rows": huge, "baseline_rows": -huge, "changed": True}
        for i in range(20)
    ]
    text = comment(results)
    table = text.split("| data file |")[1].split("\n\n")[0]
    assert len(table) < 5_000, "5,000-character counts, 40 of them"


def test_an_added_or_removed_param_is_told_from_a_null_one(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = git_project(tmp_path, "params.yaml", "lr: 0.1\nold: 1\nempty: null\n")
    (repo / "params.yaml").write_text("lr: 0.1\nnew: 2\nempty: 3\n")
    markdown, text = reported(mlgate, repo)
    line = next(line for line in text.splitlines() if line.startswith("  params (vs "))
    assert "| `empty` | `null` | 3 |" in markdown  # a null value, not an added param
    assert line == (
        "  params (vs git:HEAD): empty null -> 3, new added (2), old removed (was 1)"
    ), line


def test_a_file_baseline_given_on_the_command_line_is_named_from_the_repository_root(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    repo = git_project(tmp_path, "params.yaml", "seed: 7\n")
    (repo / "runs").mkdir()
    (repo / "runs" / "base.json").write_text(json.dumps({"accuracy": 0.9}))
    compared = mlgate(
        "compare", "--config", "../mlgate.yaml", "--results-dir", "../.mlgate",
        "--baseline", "file:base.json", cwd=repo / "runs",
    )  # fmt: skip
    assert compared.code == 0, compared.out + compared.err
    data = json.loads((repo / ".mlgate" / "compare.json").read_text())
    assert data["details"]["baseline"]["source"] == "file:runs/base.json"
    assert data["details"]["baseline"]["origin"] == "runs/base.json"
    assert mlgate("report", "--no-post", cwd=repo).code == 0
    assert str(tmp_path) not in (repo / ".mlgate" / "report.md").read_text()
