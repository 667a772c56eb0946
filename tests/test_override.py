"""The maintainer override (issue 27) through the real CLI, against the stateful GitHub stand-in
on 127.0.0.1: a blocked gate on a pull request, a comment `/mlgate override <commit> <reason>`,
and every way an attacker or a careless reviewer would try it. Real metrics files, a real
`mlgate gate`; only GitHub is a stand-in (it cannot run here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlgate.config import OverrideConfig, load_config
from mlgate.core.errors import ConfigError
from mlgate.gate.override import Change, Command, Comment, decide, parse
from tests.helpers.cli import RunMlgate
from tests.helpers.github_stub import Account, Fault, GitHubStub
from tests.helpers.report_env import PR, REPO, runner_env, stub

__all__ = ["runner_env", "stub"]  # fixtures

HEAD = "b" * 40  # the pull request's head in runner_env's event, and in the stand-in's answer
OLD = "a" * 40
ALICE = Account("alice", 11)  # the change's author
BOB = Account("bob", 12)  # a maintainer
CAROL = Account("carol", 13)  # read permission
CONFIG = """\
version: 1
metrics: {candidate: file:candidate.json, baseline: file:baseline.json}
gates:
  accuracy: {direction: higher, max_regression: 0.01}
"""


def blocked_repo(root: Path, extra: str = "") -> Path:
    (root / "mlgate.yaml").write_text(CONFIG + extra)
    (root / "candidate.json").write_text(json.dumps({"accuracy": 0.80}))
    (root / "baseline.json").write_text(json.dumps({"accuracy": 0.90}))
    return root


@pytest.fixture
def pull(stub: GitHubStub) -> GitHubStub:
    stub.add_pull(REPO, PR, HEAD, author=ALICE)
    stub.permissions.update({"alice": "write", "bob": "maintain", "carol": "read"})
    return stub


def gate_json(root: Path) -> dict[str, object]:
    data = json.loads((root / ".mlgate" / "gate.json").read_text())
    assert isinstance(data, dict)
    return data


def sticky(stub: GitHubStub) -> str:
    bodies = [c["body"] for c in stub.comments.get((REPO, PR), []) if "mlgate:report" in c["body"]]
    assert len(bodies) == 1
    return str(bodies[0])


def test_a_maintainers_override_for_the_head_commit_passes_on_the_record(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    root = blocked_repo(tmp_path)
    comment = pull.add_comment(REPO, PR, BOB, f"/mlgate override {HEAD[:7]} new eval set, agreed")
    run = mlgate("gate", cwd=root)
    assert run.code == 0, run.out + run.err
    gate = gate_json(root)
    details = gate["details"]
    assert isinstance(details, dict)
    assert details["decision"] == "overridden"
    assert details["override"]["applied"] == {
        "by": "bob",
        "at": comment["created_at"],
        "reason": "new eval set, agreed",
        "commit": HEAD,
        "url": comment["html_url"],
        "failed": ["compare"],
    }
    body = sticky(pull)
    assert "## mlgate: ⚠️ overridden by @bob: new eval set, agreed" in body
    assert "accuracy" in body and "❌" in body  # the failure table is still there
    assert "decision=overridden" in runner_env["output"].read_text()
    [check] = pull.check_runs
    assert (check["name"], check["head_sha"], check["conclusion"]) == ("mlgate", HEAD, "neutral")
    assert check["output"]["title"] == "mlgate: ⚠️ overridden by @bob: new eval set, agreed"
    assert "overridden by @bob" in check["output"]["summary"]


def test_a_blocked_comment_shows_the_command_with_the_head_commit(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    run = mlgate("gate", cwd=blocked_repo(tmp_path))
    assert run.code == 1, run.out + run.err
    assert f"`/mlgate override {HEAD[:12]} <reason>`" in sticky(pull)
    [check] = pull.check_runs
    assert check["conclusion"] == "failure" and check["output"]["title"] == "mlgate: ❌ blocked"


def _older_commit(stub: GitHubStub) -> None:
    stub.add_comment(REPO, PR, BOB, f"/mlgate override {OLD[:7]} fine")


def _edited(stub: GitHubStub) -> None:
    stub.add_comment(
        REPO,
        PR,
        BOB,
        f"/mlgate override {HEAD[:7]} fine",
        updated_at="2026-01-01T00:05:00Z",
    )


def _failing_permission_api(stub: GitHubStub) -> None:
    stub.add_comment(REPO, PR, BOB, f"/mlgate override {HEAD[:7]} fine")
    stub.inject(Fault("status", status=403, message="Resource not accessible by integration",
                      path_part="/permission"))  # fmt: skip


ATTACKS = {
    "a read-permission user": (
        lambda s: s.add_comment(REPO, PR, CAROL, f"/mlgate override {HEAD[:7]} ship it"),
        "carol cannot override: read permission, needs maintain",
    ),
    "the change's author": (
        lambda s: s.add_comment(REPO, PR, ALICE, f"/mlgate override {HEAD[:7]} mine is fine"),
        "alice cannot override: the change's author may not override it",
    ),
    "an override for an older commit": (_older_commit, "is not the head commit"),
    "an edited comment": (_edited, "the comment was edited after it was made"),
    "a forged author_association": (
        lambda s: s.add_comment(
            REPO, PR, CAROL, f"/mlgate override {HEAD[:7]} I own it", association="OWNER"
        ),
        "carol cannot override: read permission, needs maintain",
    ),
    "a failing permission API": (_failing_permission_api, "the permission API failed"),
    "no reason": (
        lambda s: s.add_comment(REPO, PR, BOB, f"/mlgate override {HEAD[:7]}"),
        "a reason is required",
    ),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_every_other_attempt_is_refused_and_answered(
    attack: str,
    tmp_path: Path,
    mlgate: RunMlgate,
    pull: GitHubStub,
    runner_env: dict[str, Path],
) -> None:
    plant, answer = ATTACKS[attack]
    plant(pull)
    root = blocked_repo(tmp_path)
    run = mlgate("gate", cwd=root)
    assert run.code == 1, run.out + run.err
    details = gate_json(root)["details"]
    assert isinstance(details, dict)
    assert details["decision"] == "fail" and details["override"]["applied"] is None
    assert any(answer in line for line in details["override"]["refused"]), details["override"]
    body = sticky(pull).replace("\u200b", "")  # mentions are made inert in the comment
    assert answer.replace("`", "") in body.replace("\\", "")
    assert "decision=fail" in runner_env["output"].read_text()
    assert pull.check_runs[0]["conclusion"] == "failure"


def test_an_override_in_a_quoted_reply_is_not_an_override(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    # bob quotes carol's attempt to say no: the quoted line is not bob's command
    pull.add_comment(REPO, PR, BOB, f"> /mlgate override {HEAD[:7]} ship it\n\nNo.")
    root = blocked_repo(tmp_path)
    run = mlgate("gate", cwd=root)
    assert run.code == 1, run.out + run.err
    override = gate_json(root)["details"]["override"]  # type: ignore[index]
    assert override["applied"] is None
    answer = "@bob cannot override: a command in a quoted reply does not count"
    assert override["refused"][0].startswith(answer)
    assert answer in sticky(pull).replace("\u200b", "")


def test_the_newest_valid_override_wins_and_later_refusals_are_answered(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    pull.add_comment(REPO, PR, BOB, f"/mlgate override {HEAD[:7]} first reason")
    pull.add_comment(REPO, PR, CAROL, f"/mlgate override {HEAD[:7]} carol's")
    root = blocked_repo(tmp_path)
    assert mlgate("gate", cwd=root).code == 0
    override = gate_json(root)["details"]["override"]  # type: ignore[index]
    assert override["applied"]["reason"] == "first reason"
    assert override["refused"] == ["@carol cannot override: read permission, needs maintain"]


def test_a_step_outside_override_gates_cannot_be_overridden(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    pull.add_comment(REPO, PR, BOB, f"/mlgate override {HEAD[:7]} fine")
    root = blocked_repo(tmp_path, "override: {gates: [drift]}\n")
    assert mlgate("gate", cwd=root).code == 1
    [line] = gate_json(root)["details"]["override"]["refused"]  # type: ignore[index]
    assert line == "@bob cannot override: override.gates does not allow overriding compare"


def test_without_checks_write_a_commit_status_says_it_in_one_line(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    pull.no_checks = True
    pull.add_comment(REPO, PR, BOB, f"/mlgate override {HEAD[:7]} known label shift")
    assert mlgate("gate", cwd=blocked_repo(tmp_path)).code == 0
    [status] = pull.statuses
    assert (status["sha"], status["context"], status["state"]) == (HEAD, "mlgate", "success")
    assert status["description"] == "mlgate: ⚠️ overridden by @bob: known label shift"


def test_more_than_50_annotations_go_in_batches(pull: GitHubStub) -> None:
    from mlgate.forge import Annotation, VerdictReport
    from mlgate.forge.ci import PullRequest
    from mlgate.forge.github import GitHubEnv, GitHubForge

    found = tuple(
        Annotation("data/train.csv", i + 2, "mlgate validate: in_range", "x") for i in range(120)
    )
    token = "ghp_" + "ReportT0ken" * 3
    host = GitHubForge(
        GitHubEnv(pull.url, REPO, "pull_request", PullRequest(PR, HEAD), token=token)
    )
    try:
        posted = host.post_verdict(VerdictReport("failure", "t", "s", found))
    finally:
        host.close()
    assert posted == f"posted the check run `mlgate` on {HEAD[:12]}"
    assert [a["start_line"] for a in pull.check_runs[0]["annotations"]] == list(range(2, 122))
    assert len(pull.calls("PATCH")) == 2


@pytest.mark.parametrize(
    ("block", "where"),
    [
        ("override:\n  min_permission: owner\n", "mlgate.yaml:6"),
        ("override:\n  allow_author: yes please\n", "mlgate.yaml:6"),
        ("override:\n  gates: [compare, deploy]\n", "mlgate.yaml:6"),
        ("override:\n  who: me\n", "mlgate.yaml:6"),
        ("promote: {allow_overridden: 1}\n", "mlgate.yaml:5"),
    ],
)
def test_config_errors_name_the_file_and_line(tmp_path: Path, block: str, where: str) -> None:
    path = blocked_repo(tmp_path, block) / "mlgate.yaml"
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert where in str(raised.value), str(raised.value)


def test_the_rules_are_pure_functions_of_plain_data() -> None:
    change = Change(HEAD, "alice")
    asked: list[str] = []

    def permission_of(user: str) -> str:
        asked.append(user)
        return {"bob": "admin"}.get(user, "read")

    def comment(author: str, body: str) -> Comment:
        return Comment(author, body, "t0", "t0", f"https://example/{author}")

    settings = OverrideConfig(min_permission="admin", allow_author=True)
    decision = decide(
        [comment("alice", f"/mlgate override {HEAD[:7]} mine")],
        change,
        ["compare"],
        settings,
        permission_of,
    )
    assert decision.applied is None and asked == ["alice"]
    assert decision.refused == ("@alice cannot override: read permission, needs admin",)
    assert parse("text\n/mlgate override abcdef1 why not\n") == Command("abcdef1", "why not")
    assert parse("    /mlgate override abcdef1 indented is code") is None
    assert parse("`/mlgate override abcdef1 x`") is None


@pytest.mark.parametrize("allowed", [True, False])
def test_promote_after_an_overridden_gate_records_the_override_or_refuses_it(
    allowed: bool,
    tmp_path: Path,
    mlgate: RunMlgate,
    pull: GitHubStub,
    runner_env: dict[str, Path],
) -> None:
    from tests.helpers.mlflow_store import client
    from tests.helpers.promote_project import make_repo, train

    repo = make_repo(tmp_path / "repo")
    if not allowed:
        with (repo / "mlgate.yaml").open("a") as config:
            config.write("promote: {allow_overridden: false}\n")
    assert mlgate("compare", cwd=repo).code == 0  # bootstrap: the first model
    assert mlgate("promote", cwd=repo).code == 0
    train(repo, 0.5)
    comment = pull.add_comment(REPO, PR, BOB, f"/mlgate override {HEAD[:7]} a new label set")
    gated = mlgate("gate", cwd=repo)
    assert gated.code == 0, gated.out + gated.err
    promoted = mlgate("promote", cwd=repo)
    versions = client(f"sqlite:///{repo / 'mlflow.db'}").search_model_versions("name='wine'")
    if not allowed:
        assert promoted.code == 1, promoted.out + promoted.err
        assert "promote.allow_overridden is false" in promoted.out
        assert len(versions) == 1
        return
    assert promoted.code == 0, promoted.out + promoted.err
    tags = max(versions, key=lambda v: int(v.version)).tags
    assert {k: v for k, v in tags.items() if k.startswith("mlgate.override.")} == {
        "mlgate.override.by": "bob",
        "mlgate.override.reason": "a new label set",
        "mlgate.override.commit": HEAD,
        "mlgate.override.url": comment["html_url"],
    }
    assert tags["mlgate.decision_status"] == "overridden"
    history = mlgate("history", cwd=repo).out
    assert "⚠️ overridden by @bob: a new label set" in history, history


def test_a_wrong_config_fails_the_check_run_at_its_line(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    root = blocked_repo(tmp_path, "override:\n  min_permission: owner\n")
    run = mlgate("gate", cwd=root)
    assert run.code == 2, run.out + run.err
    [check] = pull.check_runs
    assert check["conclusion"] == "failure"
    [note] = check["annotations"]
    assert (note["path"], note["start_line"]) == ("mlgate.yaml", 6)
    assert "override.min_permission" in note["message"]


def test_a_gate_json_on_disk_is_not_an_override(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    # The change commits (or a fork uploads) a gate.json that claims an override:
    # `mlgate report` renders it as the block it is, and exits 1.
    pull.add_comment(REPO, PR, BOB, f"/mlgate override {HEAD[:7]} genuine")
    root = blocked_repo(tmp_path)
    assert mlgate("gate", cwd=root).code == 0
    gate = gate_json(root)
    assert gate["details"]["decision"] == "overridden"  # type: ignore[index]
    report = mlgate("report", "--no-post", cwd=root)
    assert report.code == 1, report.out + report.err
    assert "overridden" not in report.out and "❌ blocked" in report.out
    decisions = [
        line
        for line in runner_env["output"].read_text().splitlines()
        if line.startswith("decision=")
    ]
    assert decisions == ["decision=overridden", "decision=fail"]


def test_validation_failures_are_annotated_at_the_data_files_line(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    from tests.helpers.validate_project import HEADER, project, rows

    bad = HEADER + rows(3) + "3,99.5,a\n"  # the row on line 5 is out of range
    root = project(tmp_path, {"data/train.csv": bad})
    # validate is not overridable by default: a maintainer's override is refused
    pull.add_comment(REPO, PR, BOB, f"/mlgate override {HEAD[:7]} fine")
    run = mlgate("gate", cwd=root)
    assert run.code == 1, run.out + run.err
    [check] = pull.check_runs
    assert check["conclusion"] == "failure"
    [note] = check["annotations"]
    assert (note["path"], note["start_line"], note["annotation_level"]) == (
        "data/train.csv",
        5,
        "failure",
    )
    assert note["message"].startswith("x: ")
    [refused] = gate_json(root)["details"]["override"]["refused"]  # type: ignore[index]
    assert refused == "@bob cannot override: override.gates does not allow overriding validate"


def test_a_token_without_checks_or_statuses_says_so_and_the_verdict_stands(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    pull.no_checks = pull.no_statuses = True
    run = mlgate("gate", cwd=blocked_repo(tmp_path))
    assert run.code == 1, run.out + run.err
    assert "neither `checks: write` nor `statuses: write`" in run.err
    assert "warning" not in run.err and pull.check_runs == [] and pull.statuses == []


def test_a_bots_comment_is_never_an_override(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    from tests.helpers.github_stub import ACTIONS_BOT

    pull.permissions["github-actions[bot]"] = "admin"
    pull.add_comment(REPO, PR, ACTIONS_BOT, f"/mlgate override {HEAD[:7]} automated")
    root = blocked_repo(tmp_path)
    assert mlgate("gate", cwd=root).code == 1
    override = gate_json(root)["details"]["override"]  # type: ignore[index]
    assert override["applied"] is None and override["refused"] == []


def test_the_check_runs_summary_is_the_report_fitted_like_the_comment(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    fixtures = Path(__file__).parent / "fixtures" / "comment" / "blocked"
    results = tmp_path / ".mlgate"
    results.mkdir()
    for source in fixtures.glob("*.json"):
        data = json.loads(source.read_text())
        if source.name == "compare.json":  # a flood of changed params: the full report is huge
            data["details"]["changes"]["params"]["changed"] = [
                {"file": "params.yaml", "name": f"p{i}" + "x" * 300, "baseline": 1, "candidate": i}
                for i in range(2_000)
            ]
        (results / source.name).write_text(json.dumps(data, indent=2))
    (tmp_path / "mlgate.yaml").write_text("version: 1\n")
    run = mlgate("report", "--post", cwd=tmp_path)
    assert run.code == 1, run.out + run.err
    [check] = pull.check_runs
    summary = check["output"]["summary"]
    assert 10_000 < len(summary) <= 65_535
    assert summary.startswith("## mlgate: ❌ blocked") and "more changed params" in summary
    assert sticky(pull).split("\n", 1)[1] == summary


def test_an_unreadable_event_is_no_override_and_the_gate_still_reports(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    pull.add_comment(REPO, PR, BOB, f"/mlgate override {HEAD[:7]} fine")
    root = blocked_repo(tmp_path)
    run = mlgate("gate", cwd=root, env={"GITHUB_EVENT_PATH": str(tmp_path / "gone.json")})
    assert run.code == 1, run.out + run.err
    assert "override" not in gate_json(root)["details"]  # type: ignore[operator]


def test_a_comment_overrides_the_last_blocked_verdict_without_running_the_gate(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    """The reusable workflow's comment job: `mlgate override` reads the head commit's last
    check run (blocked, naming compare), applies the maintainer's override and posts the
    verdict `neutral` with the record, and the sticky comment says who and why. A read-only
    user's attempt before that is answered, and changes nothing."""
    root = blocked_repo(tmp_path)
    assert mlgate("gate", cwd=root).code == 1
    [blocked] = pull.check_runs
    assert blocked["external_id"] == "mlgate:failed=compare"

    pull.add_comment(REPO, PR, CAROL, f"/mlgate override {HEAD[:7]} please")
    refused = mlgate("override", cwd=root)
    assert refused.code == 0, refused.out + refused.err
    assert len(pull.check_runs) == 1  # nothing changed
    assert "@carol cannot override: read permission, needs maintain" in sticky(pull).replace(
        "\u200b", ""
    )

    comment = pull.add_comment(REPO, PR, BOB, f"/mlgate override {HEAD[:9]} label shift, agreed")
    run = mlgate("override", cwd=root)
    assert run.code == 0, run.out + run.err
    overridden = pull.check_runs[-1]
    assert (overridden["head_sha"], overridden["conclusion"]) == (HEAD, "neutral")
    assert overridden["output"]["title"] == "mlgate: ⚠️ overridden by @bob: label shift, agreed"
    body = sticky(pull)
    assert body.splitlines()[1].startswith("## mlgate: ⚠️ overridden by @bob")
    assert comment["html_url"] in body and "What failed: compare." in body
    assert "accuracy" in body  # the blocked table is still there


def test_a_comment_on_a_passing_or_unchecked_commit_overrides_nothing(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    root = blocked_repo(tmp_path)
    pull.add_comment(REPO, PR, BOB, f"/mlgate override {HEAD[:7]} before any gate")
    none_yet = mlgate("override", cwd=root)
    assert none_yet.code == 0, none_yet.err
    assert "no check run `mlgate`" in none_yet.out
    assert pull.check_runs == [] and sticky_count(pull) == 0


def test_a_failing_permission_api_on_a_comment_is_no_override(
    tmp_path: Path, mlgate: RunMlgate, pull: GitHubStub, runner_env: dict[str, Path]
) -> None:
    root = blocked_repo(tmp_path)
    assert mlgate("gate", cwd=root).code == 1
    _failing_permission_api(pull)  # bob's comment, and GitHub failing the one permission asked
    run = mlgate("override", cwd=root)
    assert run.code == 0, run.err
    assert [c["conclusion"] for c in pull.check_runs] == ["failure"]
    assert "the permission API failed, so no override" in sticky(pull)


def sticky_count(stub: GitHubStub) -> int:
    return sum("mlgate:report" in c["body"] for c in stub.comments.get((REPO, PR), []))
