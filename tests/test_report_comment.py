"""The PR comment as a reviewer reads it: reviewed snapshots of the example cases, and the rules
the redesign keeps (a reason a reviewer can stop at, no sentence twice, one row per metric,
"What changed", charts only from history, links only through the one redactor).

The example cases are the demo's result files (`mlgate demo`), with run ids, times and paths
fixed, and the fields of issue 17 that compare and gate write (changes, links) filled in:
tests/fixtures/comment/<case>/. A change to the comment shows up as a diff of
tests/snapshots/comment_<case>.md; after reviewing it, update them with

    MLGATE_UPDATE_SNAPSHOTS=1 pytest tests/test_report_comment.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from mlgate.forge.github import MAX_COMMENT_CHARS, comment_body, comment_length
from mlgate.report import ReportContext, fit_markdown, report_markdown, report_text
from tests.helpers.comment_prose import (
    FIXTURES,
    comment,
    prose_lines,
    results_of,
    sentences,
)
from tests.helpers.inert import assert_inert

SNAPSHOTS = Path(__file__).parent / "snapshots"
CASES = ("blocked", "passed", "inconclusive", "bootstrap")


@pytest.mark.parametrize("case", CASES)
def test_the_example_comments_match_their_reviewed_snapshots(case: str) -> None:
    text = comment(results_of(case)) + "\n"
    snapshot = SNAPSHOTS / f"comment_{case}.md"
    if os.environ.get("MLGATE_UPDATE_SNAPSHOTS") == "1":
        snapshot.parent.mkdir(exist_ok=True)
        snapshot.write_text(text)
    assert snapshot.is_file(), f"no {snapshot.name}: run with MLGATE_UPDATE_SNAPSHOTS=1, review it"
    assert text == snapshot.read_text(), (
        f"the comment of {case} changed; review the diff, then MLGATE_UPDATE_SNAPSHOTS=1"
    )
    assert_inert(text, links=("http://127.0.0.1:5000/", "https://github.com/acme/wine/"))


@pytest.mark.parametrize("case", CASES)
def test_no_sentence_appears_twice(case: str) -> None:
    text = comment(results_of(case))
    seen: dict[str, str] = {}
    for line in prose_lines(text):
        for sentence in sentences(line):
            assert sentence not in seen, f"{sentence!r} twice: in {seen[sentence]!r} and {line!r}"
            seen[sentence] = line
    assert max(len(line) for line in text.splitlines() if line.startswith("### ")) < 60


def test_the_blocked_comment_leads_with_the_worst_check_and_its_numbers() -> None:
    text = comment(results_of("blocked"))
    head = text.split("\n### ")[0]
    assert head.splitlines()[0] == "## mlgate: ❌ blocked"
    why = head.splitlines()[2].replace("\\", "")
    assert why == (
        "**Why:** accuracy 0.622 vs 1.000 (-0.378, 95% interval [-0.511, -0.244]); "
        "allowed -0.01 — and 3 more failing checks"
    )
    assert "- ❌ **model comparison**: 4 of 4 checks fail against wine-classifier v1" in head
    # What changed comes first after the headline, then the model.
    headings = re.findall(r"^### (.*)$", text, flags=re.MULTILINE)
    assert headings[:2] == ["📝 What changed", "❌ Model comparison"]


def test_one_row_per_metric_with_every_rule_and_the_ungated_ones() -> None:
    text = comment(results_of("blocked"))
    rows = [line for line in text.splitlines() if line.startswith("| accuracy ")]
    assert len(rows) == 1
    assert rows[0].replace("\\", "") == (
        "| accuracy | 1.000 | 0.622 [0.489, 0.756] | -0.378 [-0.511, -0.244] 95% "
        "| ❌ threshold ≥ 0.85<br>❌ max_regression Δ ≥ -0.01 |"
    )
    assert "| f1\\_macro | 1.000 | 0.525 | -0.475 | not gated |" in text


def test_an_inconclusive_check_says_how_many_examples_would_decide() -> None:
    text = comment(results_of("inconclusive")).replace("\\", "")
    assert "— inconclusive: 45 paired examples cannot tell it from noise; about 340 would" in text
    assert "❌ max_regression Δ ≥ -0.01 (inconclusive)" in text


def test_what_changed_shows_the_params_diff_and_the_data_rows() -> None:
    text = comment(results_of("blocked"))
    assert "| `train.n_estimators` | 100 | 1 |" in text
    assert "| `train.max_depth` | 8 | 1 |" in text
    assert "Baseline's params from wine-classifier v1 \\(run 30d95088\\); 5 unchanged." in text
    assert "| `data/train.csv` | 133 | 133 | unchanged |" in text
    assert "Stages: ran `train`, `evaluate`." in text
    bootstrap = comment(results_of("bootstrap"))
    assert "Params: no baseline to diff against." in bootstrap
    results = results_of("blocked")
    results["compare"]["details"]["changes"]["params"] = {
        "source": None,
        "missing_reason": "run 30d95088 logged no params",
        "changed": [],
        "unchanged": 0,
    }
    unknown = comment(results)
    said = "Params: the baseline's are unknown (run 30d95088 logged no params), so no diff."
    assert said in unknown


def test_old_result_files_without_changes_render_no_params() -> None:
    results = results_of("blocked")
    del results["compare"]["details"]["changes"]
    text = comment(results)
    assert "Params" not in text
    assert "| `data/train.csv` | 133 |" in text  # validation's rows, the baseline's unknown


def test_a_run_cache_restore_is_shown_as_restored_and_the_pipeline_has_its_icon() -> None:
    results = results_of("passed")
    for stage in results["repro"]["details"]["stages"]:
        stage["status"] = "restored"
    text = comment(results)
    assert "Stages: restored from the run cache `prepare`, `train`, `evaluate`." in text
    assert "| `train` | ♻️ restored from the run cache |" in text
    assert "\n### ✅ Pipeline run\n" in text


def test_charts_show_history_with_threshold_and_allowed_limit_and_none_without_history() -> None:
    text = comment(results_of("passed"))
    charts = re.findall(r"```mermaid\n(.*?)```", text, flags=re.DOTALL)
    accuracy = next(chart for chart in charts if '"accuracy:' in chart)
    assert 'x-axis ["v1", "v2", "v3", "candidate"]' in accuracy
    series = re.findall(r"^    line \[(.*)\]$", accuracy, flags=re.MULTILINE)
    assert series == [
        "0.955556, 0.977778, 1, 1",  # the holders, then the candidate
        "0.85, 0.85, 0.85, 0.85",  # the threshold
        "0.99, 0.99, 0.99, 0.99",  # the baseline less max_regression
    ]
    log_loss = next(chart for chart in charts if '"log_loss:' in chart)
    # lower is better: the limit is 10% above the baseline
    assert re.search(r"^    line \[0\.140553, ", log_loss, flags=re.MULTILINE), log_loss
    # The blocked case's history is the baseline alone: one point is not a trend.
    assert "xychart" not in comment(results_of("blocked")).split("### ✅ Data drift")[0]


def test_links_go_through_the_redactor_only() -> None:
    results = results_of("blocked")
    results["gate"]["details"]["links"] = {
        "workflow_run": "javascript:alert(1)",
        "commit": "https://user:secret@github.com/acme/wine/commit/abc",
    }
    results["compare"]["details"]["candidate"]["url"] = "https://evil.example/x)](y"
    results["compare"]["details"]["baseline"]["url"] = "https://ml.example/#/models/wine/versions/1"
    text = report_markdown(results, ReportContext(commit="abc1234"))
    assert "javascript" not in text
    assert "secret" not in text and "user:" not in text
    assert "evil.example" not in text
    version = "https://ml.example/#/models/wine/versions/1"
    assert f"[wine-classifier v1 \\(champion\\)]({version})" in text
    assert "commit [`abc1234`](https://github.com/acme/wine/commit/abc)" in text
    assert_inert(text, links=("https://ml.example/", "https://github.com/acme/wine/"))


def test_a_flood_of_changed_params_and_files_still_fits_a_comment() -> None:
    results = results_of("blocked")
    changes = results["compare"]["details"]["changes"]
    changes["params"]["changed"] = [
        {"file": f"p{i % 3}.yaml", "name": "`|<b>@x" * 200, "baseline": "y" * 5000, "candidate": i}
        for i in range(20_000)
    ]
    changes["data"] = [
        {"path": f"data/{i}" + "|" * 500, "rows": i, "baseline_rows": None, "changed": True}
        for i in range(20_000)
    ]
    full = comment(results)
    assert "19,950 more changed params in compare.json" in full
    assert "19,981 more data files" in full

    def fits(body: str) -> bool:
        return comment_length(comment_body(body)) <= MAX_COMMENT_CHARS

    body = fit_markdown(results, ReportContext(), fits)
    assert fits(body)
    assert body.startswith("## mlgate: ❌ blocked\n\n**Why:** accuracy 0.622 vs 1.000")
    assert_inert(body, links=("http://127.0.0.1:5000/", "https://github.com/acme/wine/"))


def test_the_text_report_follows_the_same_structure() -> None:
    text = report_text(results_of("blocked"), ReportContext())
    lines = text.splitlines()
    assert lines[0] == "mlgate: ❌ blocked (exit 1)"
    assert lines[1].startswith("  why: accuracy 0.622 vs 1.000 (-0.378, 95% interval")
    assert "  params (vs wine-classifier v1 (run 30d95088)): train.n_estimators 100 -> 1, " in text
    assert "  data: data/train.csv 133 rows (baseline 133, unchanged)" in text


def test_the_fixtures_are_the_demos_files_with_the_agreed_fields() -> None:
    """The snapshots are only as good as their input: each case holds one run's files."""
    for case in CASES:
        paths = (FIXTURES / case).glob("*.json")
        files = {path.stem: json.loads(path.read_text()) for path in paths}
        assert {"compare", "gate", "repro", "validate"} <= set(files)
        assert len({result["run_id"] for result in files.values()}) == 1
        assert "changes" in files["compare"]["details"]


def test_the_docs_show_the_blocked_comment_as_it_is() -> None:
    page = (Path(__file__).parent.parent / "docs" / "gate.md").read_text()
    shown = page.split("The example's worse change, as the comment shows it")[1]
    block = shown.split("```markdown\n", 1)[1].split("\n```", 1)[0]
    snapshot = (SNAPSHOTS / "comment_blocked.md").read_text()
    assert snapshot.startswith(block + "\n"), "docs/gate.md's example comment is out of date"


def test_a_failing_step_other_than_the_model_is_the_reason_and_its_section_stays_open() -> None:
    from tests.helpers.report_env import envelope

    results = results_of("blocked")
    failing_file = {
        "path": "data/train.csv",
        "schema": "schemas/train.yaml",
        "status": "fail",
        "rows": 133,
        "failing_rows": 3,
        "failures": [{"column": "alcohol", "check": "not_nullable", "rows": 3, "examples": []}],
    }
    results["validate"] = envelope(
        "validate", "fail", "data/train.csv: 3 failing rows", files=[failing_file]
    )
    del results["compare"]
    text = comment(results)
    assert "**Why:** data/train.csv: 3 failing rows\n" in text
    assert "- ❌ **data validation**\n" in text  # the reason is not said twice
    section = text.split("### ❌ Data validation\n")[1].split("\n### ")[0]
    assert "<details>" not in section  # a failing step's detail is open
    assert "| `alcohol` |" in section or "| alcohol |" in section


def test_a_step_with_no_verdict_comes_before_a_blocked_model() -> None:
    from tests.helpers.report_env import envelope

    results = results_of("blocked")
    results["drift"] = envelope("drift", "error", "MLflow at http://127.0.0.1:5000 did not answer")
    results["drift"]["details"] = {"block": True}
    text = comment(results)
    assert text.startswith("## mlgate: ⚠️ no verdict\n\n**Why:** MLflow at")
    assert "- ⚠️ **data drift**\n" in text
    assert "- ❌ **model comparison**: 4 of 4 checks fail" in text


def test_a_long_param_name_or_path_is_cut_in_the_full_comment() -> None:
    results = results_of("blocked")
    changes = results["compare"]["details"]["changes"]
    changes["params"]["changed"] = [
        {"file": "params.yaml", "name": f"{i}" + "n" * 5000, "baseline": 1, "candidate": 2}
        for i in range(50)
    ]
    changes["data"] = [{"path": f"{i}" + "p" * 5000, "rows": 1} for i in range(20)]
    stages = [{"name": f"{i}" + "s" * 5000, "status": "ran"} for i in range(20)]
    results["repro"]["details"]["stages"] = stages
    text = comment(results)
    assert max(len(line) for line in text.splitlines()) < 5000
    changed = text.split("### 📝 What changed")[1].split("\n### ")[0]
    assert len(changed) < 25_000  # 50 params, 20 files, 20 stages, each name cut at 200


def test_the_candidates_mlflow_run_is_linked() -> None:
    results = results_of("blocked")
    run = "http://127.0.0.1:5000/#/experiments/1/runs/4f1c"
    results["compare"]["details"]["candidate"]["url"] = run
    text = comment(results)
    assert (
        f"Candidate `dvc` ([MLflow run]({run})) against `models:/wine-classifier@champion`" in text
    )


def test_two_values_that_differ_never_read_the_same() -> None:
    """iterative/example-dvc-experiments' cnn-128 against main: acc 0.9875 vs 0.9881 showed as
    0.988 | 0.988 with a Δ of -0.0006; the digits grow until the values read apart."""
    from mlgate.report import compare_reason, metrics_table

    details = {
        "checks": [
            {
                "metric": "acc",
                "direction": "higher",
                "rule": "max_regression",
                "limit": 0.002,
                "candidate": 0.987500011920929,
                "baseline": 0.988099992275238,
                "delta": 0.987500011920929 - 0.988099992275238,
                "delta_pct": -0.0607,
                "passed": True,
                "skipped": False,
                "message": "",
            }
        ],
        "ungated": [{"metric": "loss", "candidate": 0.0349835641682148, "baseline": 0.035}],
    }
    table = "\n".join(metrics_table(details))
    assert "| acc | 0.9881 | 0.9875 |" in table
    assert "| loss | 0.035 | 0.03498 |" in table
    assert compare_reason(details).startswith("acc 0.9875 vs 0.9881 (-0.0006)")
    # Equal values, and values that already read apart, keep three decimals.
    same = {**details, "ungated": [{"metric": "f1", "candidate": 0.5, "baseline": 0.5}]}
    assert "| f1 | 0.500 | 0.500 |" in "\n".join(metrics_table(same))
