"""The comment's Why line picks the check a reviewer should read first and says it in words
that are true of it, whatever rule decided: a required metric the candidate does not report, a
missing baseline the config says to fail on, a suspicious gain on a lower-is-better metric, an
inconclusive check (with the same number of examples as the rule's own message)."""

from __future__ import annotations

import json
from pathlib import Path

from mlgate.report import ReportContext, report_markdown
from tests.helpers.cli import RunMlgate
from tests.helpers.comment_prose import prose_lines, results_of, sentences
from tests.helpers.dvc_repos import commit, init_repo

CONFIG = """\
version: 1
metrics:
  candidate: file:metrics.json
  on_missing_baseline: {on_missing}
gates:
{gates}
"""


def why_of(
    mlgate: RunMlgate,
    root: Path,
    gates: str,
    candidate: dict[str, float],
    baseline: dict[str, float] | None,
    on_missing: str = "pass",
    code: int = 1,
) -> str:
    """The comparison's Why line, as `mlgate compare --format markdown` prints it."""
    (root / "mlgate.yaml").write_text(CONFIG.format(gates=gates, on_missing=on_missing))
    (root / "metrics.json").write_text(json.dumps(candidate))
    if baseline is None:
        spec = "git:HEAD"  # a revision without a pipeline: no baseline by design
    else:
        (root / "base.json").write_text(json.dumps(baseline))
        spec = "file:base.json"
    result = mlgate("compare", "--baseline", spec, "--format", "markdown", cwd=root)
    assert result.code == code, result.out + result.err
    why = next(line for line in result.out.splitlines() if line.startswith("**Why:**"))
    return why.removeprefix("**Why:** ").replace("\\", "")


def test_a_required_metric_the_candidate_lacks_is_the_reason_in_words(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    gates = (
        "  accuracy: {direction: higher, threshold: 0.8}\n"
        "  f1: {direction: higher, max_regression: 0.01}\n"
    )
    why = why_of(mlgate, tmp_path, gates, {"f1": 0.5}, {"accuracy": 0.9, "f1": 0.9})
    # The missing metric first: nothing else about it could be judged; no dashes for numbers.
    assert why.startswith("accuracy is missing from "), why
    assert "—  vs" not in why and "required —" not in why
    assert why.endswith("— and 1 more failing check"), why
    # The table still shows what production had: the reviewer sees what went missing.
    assert mlgate("report", "--no-post", cwd=tmp_path).code == 1
    text = (tmp_path / ".mlgate" / "report.md").read_text()
    assert "| accuracy | 0.900 | — | — | ❌ required |" in text


def test_no_baseline_under_on_missing_baseline_fail_says_so(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    init_repo(tmp_path)
    commit(tmp_path, "a DVC project without a pipeline yet")
    gates = "  accuracy: {direction: higher, max_regression: 0.01}\n"
    why = why_of(mlgate, tmp_path, gates, {"accuracy": 0.9}, None, on_missing="fail")
    assert why.startswith("no baseline: "), why
    assert why.endswith("(metrics.on_missing_baseline: fail)"), why
    assert "*" not in why
    # The whole report says it once, and does not call the missing baseline a threshold.
    assert mlgate("report", "--no-post", cwd=tmp_path).code == 1
    text = (tmp_path / ".mlgate" / "report.md").read_text()
    assert "- ❌ **model comparison**: its one check fails without a baseline\n" in text
    seen: dict[str, str] = {}
    for line in prose_lines(text):
        for sentence in sentences(line):
            assert sentence not in seen, f"{sentence!r} twice: in {seen[sentence]!r} and {line!r}"
            seen[sentence] = line


def test_a_suspicious_gain_on_a_lower_is_better_metric_is_worded_truly(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    gates = "  rmse: {direction: lower, max_improvement_pct: 10}\n"
    why = why_of(mlgate, tmp_path, gates, {"rmse": 1.0}, {"rmse": 4.0})
    # -75% is below -10%: "at most -10%" would say the change is allowed.
    assert why == "rmse 1.000 vs 4.000 (-75%); a change beyond -10% is suspicious", why


def test_a_suspicious_gain_on_a_higher_is_better_metric(tmp_path: Path, mlgate: RunMlgate) -> None:
    gates = "  accuracy: {direction: higher, max_improvement: 0.05}\n"
    why = why_of(mlgate, tmp_path, gates, {"accuracy": 0.99}, {"accuracy": 0.8})
    assert why == "accuracy 0.990 vs 0.800 (+0.190); a change beyond +0.05 is suspicious", why


def test_an_inconclusive_reason_counts_the_examples_as_the_rules_message_does() -> None:
    results = results_of("inconclusive")
    text = report_markdown(results, ReportContext()).replace("\\", "")
    message = results["compare"]["details"]["checks"][1]["message"]
    assert "about 340 would" in message  # the rule's own sentence rounds the estimate
    why = text.splitlines()[2]
    assert why.endswith("45 paired examples cannot tell it from noise; about 340 would"), why


def test_a_violated_check_is_the_reason_before_an_inconclusive_one() -> None:
    results = results_of("inconclusive")
    log_loss = results["compare"]["details"]["checks"][2]
    assert (log_loss["metric"], log_loss["rule"]) == ("log_loss", "threshold")
    log_loss.update(passed=False, candidate=0.61, message="0.61 > 0.5")
    results["compare"]["status"] = "fail"
    why = report_markdown(results, ReportContext()).replace("\\", "").splitlines()[2]
    # max_regression is read before threshold, but not when it could not decide.
    assert why == "**Why:** log_loss 0.610; required ≤ 0.5 — and 1 more failing check", why


def test_a_pass_names_only_the_metrics_it_judged(tmp_path: Path, mlgate: RunMlgate) -> None:
    gates = (
        "  recall: {direction: higher, max_regression: 0.01, required: false}\n"
        "  accuracy: {direction: higher, max_regression: 0.01}\n"
    )
    why = why_of(
        mlgate, tmp_path, gates, {"accuracy": 0.9}, {"accuracy": 0.9, "recall": 0.8}, code=0
    )
    assert why == "accuracy 0.900 vs 0.900 (0): every rule holds", why


def test_a_first_model_without_thresholds_is_not_said_to_hold_any(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    """No threshold configured and no baseline yet: the metrics are there, nothing more; and a
    count is shown as the integer it is."""
    init_repo(tmp_path)
    commit(tmp_path, "a DVC project without a pipeline yet")
    gates = "  trees: {direction: higher}\n  accuracy: {direction: higher, max_regression: 0.01}\n"
    why = why_of(mlgate, tmp_path, gates, {"trees": 8, "accuracy": 0.9}, None, code=0)
    assert "threshold holds" not in why, why
    assert why == "trees 8: present; no threshold is set and there is no baseline to compare with"


def test_a_first_model_with_a_threshold_says_it_holds(tmp_path: Path, mlgate: RunMlgate) -> None:
    init_repo(tmp_path)
    commit(tmp_path, "a DVC project without a pipeline yet")
    gates = "  trees: {direction: higher, threshold: 5}\n"
    why = why_of(mlgate, tmp_path, gates, {"trees": 8}, None, code=0)
    assert why == "trees 8 (≥ 5): every threshold holds", why
