"""GitLab behind the forge seam: the one MR note, the commit status, no token, quick actions.

Against the GitLab stand-in (tests/helpers/gitlab_stub.py), a real HTTP server that keeps
notes with their authors, pages lists with `X-Next-Page`, keeps commit statuses and answers
401/403 as GitLab does.

What is checked against GitLab's API description: GitLab publishes an OpenAPI file only on
gitlab.com (`doc/api/openapi/`), in no pip or npm package here, and the tests fetch nothing.
The reference is python-gitlab (a test dependency), GitLab's well-kept client:
`test_the_requests_are_the_ones_python_gitlab_makes` runs it against the same stand-in and
checks that mlgate's requests are the ones it makes (method, path, body fields, within its
managers' declared attributes; the token header; its pagination reads the stand-in's pages).
Not checked: the branch pipeline's commit -> merge requests lookup and the members lookup
beyond their paths (`test_a_branch_pipeline_...`, `test_the_permission_...`), response fields
python-gitlab does not read, and GitLab's rate-limit headers other than `Retry-After`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlgate.core.outbound import ZWSP, guard_quick_actions
from mlgate.forge import VerdictReport, detect, post_note
from mlgate.forge.gitlab import (
    MAX_NOTE_CHARS,
    TOKEN_ENV,
    GitLabClient,
    GitLabError,
    GitLabForge,
    NoteRefused,
    gitlab_env,
)
from mlgate.forge.sticky import marker
from tests.helpers.cli import RunMlgate
from tests.helpers.github_stub import Fault
from tests.helpers.gitlab_stub import PROJECT_ID, PROJECT_PATH, GitLabStub, running_gitlab
from tests.helpers.report_env import compare_result, envelope

TOKEN = "glpat-" + "Mlgate0Project0Token1"
OTHER_TOKEN = "glpat-" + "SomeoneElse0Token0000"
JOB_TOKEN = "glcbt-" + "64_JobToken0000000000"
IID = 7
SHA = "c0ffee" + "0" * 34
MARK = marker("default")


@pytest.fixture
def gitlab() -> Iterator[GitLabStub]:
    with running_gitlab() as stub:
        stub.add_user("project_4242_bot_mlgate", TOKEN)
        stub.add_user("mallory", OTHER_TOKEN)
        stub.add_job_token(JOB_TOKEN)
        stub.add_merge_request(IID, SHA)
        yield stub


def ci_env(stub: GitLabStub, **extra: str) -> dict[str, str]:
    env = {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": stub.api_url,
        "CI_PROJECT_ID": str(PROJECT_ID),
        "CI_PROJECT_PATH": PROJECT_PATH,
        "CI_PROJECT_URL": f"https://gitlab.example/{PROJECT_PATH}",
        "CI_MERGE_REQUEST_IID": str(IID),
        "CI_COMMIT_SHA": SHA,
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_JOB_URL": f"https://gitlab.example/{PROJECT_PATH}/-/jobs/99",
        TOKEN_ENV: TOKEN,
    }
    env.update(extra)
    return {key: value for key, value in env.items() if value}


def forge(stub: GitLabStub, waits: list[float] | None = None, **extra: str) -> GitLabForge:
    """The forge as `detect` makes it, with a client that records its waits instead."""
    env = gitlab_env(ci_env(stub, **extra))
    sleep = (waits if waits is not None else []).append
    client = GitLabClient(env.token or "", api_url=env.api_url, sleep=sleep, max_total_s=30)
    return GitLabForge(env, client=client)


def bot(stub: GitLabStub) -> object:
    return stub.users["project_4242_bot_mlgate"]


def test_the_note_is_created_once_then_updated_in_place(gitlab: GitLabStub) -> None:
    first = post_note(forge(gitlab), "## mlgate: ✅ passed")
    second = post_note(forge(gitlab), "## mlgate: ❌ blocked")
    third = post_note(forge(gitlab), "## mlgate: ❌ blocked")
    assert (first.action, second.action, third.action) == ("created", "updated", "unchanged")
    notes = gitlab.notes_by(IID, bot(gitlab))  # type: ignore[arg-type]
    assert len(notes) == 1
    assert notes[0]["body"] == f"{MARK}\n## mlgate: ❌ blocked"
    assert first.note_id == second.note_id == notes[0]["id"]
    assert (
        first.url
        == f"https://gitlab.example/{PROJECT_PATH}/-/merge_requests/{IID}#note_{first.note_id}"
    )
    assert first.message == f"created mlgate's note on {PROJECT_PATH}!{IID}"


def test_another_users_note_with_the_marker_is_never_edited(gitlab: GitLabStub) -> None:
    forged = f"{MARK}\n## mlgate: ✅ passed (forged)"
    mallory = gitlab.users["mallory"]
    gitlab.add_note(IID, mallory, forged)
    outcome = post_note(forge(gitlab), "## mlgate: ❌ blocked")
    assert outcome.action == "created"
    assert [n["body"] for n in gitlab.notes_by(IID, mallory)] == [forged]
    assert gitlab.calls("PUT") == []


def test_a_system_note_by_the_bot_is_not_the_note(gitlab: GitLabStub) -> None:
    gitlab.add_note(IID, bot(gitlab), f"{MARK}\nadded 1 commit", system=True)  # type: ignore[arg-type]
    assert post_note(forge(gitlab), "report").action == "created"


def test_a_lost_reply_to_the_create_makes_no_second_note(gitlab: GitLabStub) -> None:
    gitlab.inject(Fault.drop_after(method="POST", path_part="/notes"))
    outcome = post_note(forge(gitlab), "## mlgate: ✅ passed")
    assert outcome.action == "created"
    assert len(gitlab.notes_by(IID, bot(gitlab))) == 1  # type: ignore[arg-type]
    assert len(gitlab.calls("POST")) == 1  # looked again, found it, did not post again


def test_a_5xx_on_the_create_is_looked_up_before_trying_again(gitlab: GitLabStub) -> None:
    gitlab.inject(Fault.error(502, method="POST", path_part="/notes"))
    assert post_note(forge(gitlab), "report").action == "created"
    assert len(gitlab.notes_by(IID, bot(gitlab))) == 1  # type: ignore[arg-type]


def test_429_waits_for_retry_after_and_5xx_is_retried(gitlab: GitLabStub) -> None:
    waits: list[float] = []
    gitlab.inject(
        Fault.too_many_requests(retry_after=7, method="GET", path_part="/notes"),
        Fault.error(503, method="GET", path_part="/user"),
    )
    assert post_note(forge(gitlab, waits), "report").action == "created"
    assert 7.0 in waits
    assert len(waits) == 2


def test_gitlab_failing_past_the_retries_is_no_verdict(gitlab: GitLabStub) -> None:
    gitlab.inject(Fault.error(500, count=50, method="GET", path_part="/notes"))
    with pytest.raises(GitLabError) as error:
        post_note(forge(gitlab), "report")
    assert error.value.status == 500
    assert TOKEN not in str(error.value)


def test_the_note_is_found_on_a_later_page(gitlab: GitLabStub) -> None:
    gitlab.max_per_page = 20
    mallory = gitlab.users["mallory"]
    for number in range(45):
        gitlab.add_note(IID, mallory, f"comment {number}")
    own = gitlab.add_note(IID, bot(gitlab), f"{MARK}\nold report")  # type: ignore[arg-type]
    outcome = post_note(forge(gitlab), "new report")
    assert (outcome.action, outcome.note_id) == ("updated", own)
    pages = [call.query["page"] for call in gitlab.calls("GET") if call.path.endswith("/notes")]
    assert pages == [["1"], ["2"], ["3"]]


def test_a_branch_pipeline_finds_the_open_merge_request_of_its_commit(
    gitlab: GitLabStub,
) -> None:
    gitlab.add_merge_request(3, SHA, state="merged")
    host = forge(gitlab, CI_MERGE_REQUEST_IID="", CI_PIPELINE_SOURCE="push")
    assert post_note(host, "report").action == "created"
    assert len(gitlab.notes_by(IID, bot(gitlab))) == 1  # type: ignore[arg-type]
    assert gitlab.notes.get(3) is None


def test_a_branch_pipeline_without_a_merge_request_skips_the_note(gitlab: GitLabStub) -> None:
    host = forge(gitlab, CI_MERGE_REQUEST_IID="", CI_COMMIT_SHA="d" * 40)
    outcome = post_note(host, "report")
    assert outcome.action == "skipped"
    assert "no open merge request" in outcome.message
    assert gitlab.calls("POST") == []


def test_a_note_over_gitlabs_limit_is_refused_before_any_request(gitlab: GitLabStub) -> None:
    from mlgate.core.errors import InputError

    with pytest.raises(InputError, match="GitLab accepts at most 1000000"):
        post_note(forge(gitlab), "x" * MAX_NOTE_CHARS)
    assert gitlab.calls() == []


def test_a_job_token_or_a_read_only_token_cannot_write_the_note(gitlab: GitLabStub) -> None:
    gitlab.add_user("reader", "glpat-ReadOnly0Token0000000", scopes=("read_api",))
    with pytest.raises(NoteRefused, match="api` scope"):
        post_note(forge(gitlab, **{TOKEN_ENV: "glpat-ReadOnly0Token0000000"}), "report")
    with pytest.raises(NoteRefused, match="CI_JOB_TOKEN") as job:
        post_note(forge(gitlab, **{TOKEN_ENV: JOB_TOKEN}), "report")
    assert job.value.status == 403  # GET /user: a job token is nobody's
    with pytest.raises(GitLabError, match="GitLab rejected the token") as wrong:
        post_note(forge(gitlab, **{TOKEN_ENV: "glpat-Wrong0Token00000000000"}), "report")
    assert wrong.value.status == 401
    assert gitlab.notes.get(IID) is None


def test_the_commit_status_is_set_and_replaced(gitlab: GitLabStub) -> None:
    host = forge(gitlab)
    host.post_verdict(VerdictReport("failure", "❌ blocked: accuracy\nworsened", "", ()))
    job = "https://gitlab.example/ml/churn/-/jobs/100"
    host.post_verdict(VerdictReport("success", "x" * 400, "", (), job))
    assert len(gitlab.statuses) == 1
    status = gitlab.statuses[0]
    assert (status["sha"], status["name"], status["state"]) == (SHA, "mlgate", "success")
    assert len(status["description"]) == 255
    assert status["target_url"] == "https://gitlab.example/ml/churn/-/jobs/100"


def test_the_permission_is_the_users_role(gitlab: GitLabStub) -> None:
    gitlab.members[gitlab.users["mallory"].id] = 30
    host = forge(gitlab)
    assert host.permission("mallory") == "write"  # Developer, on GitHub's scale
    gitlab.members[gitlab.users["mallory"].id] = 40
    assert host.permission("mallory") == "maintain"
    assert host.permission("project_4242_bot_mlgate") == "none"  # not a member
    assert host.permission("nobody") == "none"


def test_the_requests_are_gitlabs(gitlab: GitLabStub) -> None:
    host = forge(gitlab)
    post_note(host, "one")
    post_note(host, "two")
    host.post_verdict(VerdictReport("success", "passed", "", ()))
    seen = [(call.method, call.path) for call in gitlab.calls()]
    notes = f"/api/v4/projects/{PROJECT_ID}/merge_requests/{IID}/notes"
    own = gitlab.notes_by(IID, bot(gitlab))[0]["id"]  # type: ignore[arg-type]
    assert seen == [
        ("GET", "/api/v4/user"),
        ("GET", notes),
        ("POST", notes),
        ("GET", notes),  # the token's user is asked once per run
        ("PUT", f"{notes}/{own}"),
        ("POST", f"/api/v4/projects/{PROJECT_ID}/statuses/{SHA}"),
    ]
    for call in gitlab.calls():
        assert call.headers["PRIVATE-TOKEN"] == TOKEN
        assert "Authorization" not in call.headers
    writes = [json.loads(call.body) for call in gitlab.calls() if call.method != "GET"]
    assert set(writes[0]) == set(writes[1]) == {"body"}
    assert set(writes[2]) == {"state", "name", "description", "target_url"}
    listing = next(call for call in gitlab.calls("GET") if call.path == notes)
    assert listing.query == {"sort": ["asc"], "order_by": ["created_at"], "per_page": ["100"],
                             "page": ["1"]}  # fmt: skip


# --- quick actions -------------------------------------------------------------------------

QUICK_ACTIONS = ["/approve", "/merge", "  /close", "\t/assign @mallory", "/label ~prod", "x /y"]


def test_no_line_of_a_note_starts_a_quick_action() -> None:
    guarded = guard_quick_actions("\n".join(QUICK_ACTIONS))
    for line in guarded.splitlines():
        assert not line.lstrip(" \t").startswith("/"), line
    assert guarded.replace(ZWSP, "") == "\n".join(QUICK_ACTIONS)  # nothing else changes


def test_quick_actions_in_a_stage_log_are_inert_in_the_note(
    tmp_path: Path, gitlab: GitLabStub, mlgate: RunMlgate, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ci_env(gitlab).items():
        monkeypatch.setenv(name, value)
    for name in ("GITHUB_ACTIONS", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    results = tmp_path / ".mlgate"
    results.mkdir()
    stage = {"name": "train", "status": "failed", "duration_s": 1.0, "output_tail": QUICK_ACTIONS}
    repro = envelope("repro", "fail", "stage train failed", mode="run", stages=[stage])
    (results / "repro.json").write_text(json.dumps(repro))
    result = mlgate("report", cwd=tmp_path)
    assert result.code == 1
    assert gitlab.quick_actions == []
    (note,) = gitlab.notes_by(IID, bot(gitlab))  # type: ignore[arg-type]
    assert f"{ZWSP}/approve" in note["body"]
    assert gitlab.statuses[0]["state"] == "failed"


# --- mlgate report inside GitLab CI --------------------------------------------------------


@pytest.fixture
def in_gitlab_ci(tmp_path: Path, gitlab: GitLabStub, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in ci_env(gitlab).items():
        monkeypatch.setenv(name, value)
    for name in ("GITHUB_ACTIONS", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_STEP_SUMMARY",
                 "GITHUB_OUTPUT", "MLGATE_RESULTS_DIR"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    results = tmp_path / ".mlgate"
    results.mkdir()
    return results


def test_report_posts_the_note_and_sets_the_status(
    tmp_path: Path, in_gitlab_ci: Path, gitlab: GitLabStub, mlgate: RunMlgate
) -> None:
    assert detect().name == "GitLab"
    (in_gitlab_ci / "compare.json").write_text(json.dumps(compare_result("pass")))
    passed = mlgate("report", cwd=tmp_path)
    assert passed.code == 0, passed.err
    (in_gitlab_ci / "compare.json").write_text(json.dumps(compare_result("fail")))
    blocked = mlgate("report", cwd=tmp_path)
    assert blocked.code == 1
    (note,) = gitlab.notes_by(IID, bot(gitlab))  # type: ignore[arg-type]
    assert "blocked" in note["body"]
    assert "updated mlgate's note" in blocked.err
    (status,) = gitlab.statuses
    assert (status["state"], status["target_url"]) == ("failed", ci_env(gitlab)["CI_JOB_URL"])
    assert "blocked" in status["description"]
    assert f"https://gitlab.example/{PROJECT_PATH}/-/commit/{SHA}" in note["body"]


def test_without_a_token_the_report_stays_in_the_log_and_says_how_once(
    tmp_path: Path,
    in_gitlab_ci: Path,
    gitlab: GitLabStub,
    mlgate: RunMlgate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    monkeypatch.setenv("CI_JOB_TOKEN", JOB_TOKEN)
    (in_gitlab_ci / "compare.json").write_text(json.dumps(compare_result("fail")))
    result = mlgate("report", cwd=tmp_path)
    assert result.code == 1  # the verdict's, as with a token
    assert result.err.count("warning:") == 1, result.err
    assert f"no {TOKEN_ENV}" in result.err
    assert "api` scope" in result.err
    assert "blocked" in result.out  # the report, in the job log
    assert gitlab.calls() == []
    assert JOB_TOKEN not in result.out + result.err


def test_a_token_echoed_by_gitlab_is_masked(
    tmp_path: Path, in_gitlab_ci: Path, gitlab: GitLabStub, mlgate: RunMlgate
) -> None:
    gitlab.inject(Fault("status", status=403, message=f"Forbidden {TOKEN}", path_part="/notes"))
    (in_gitlab_ci / "compare.json").write_text(json.dumps(compare_result("pass")))
    result = mlgate("report", cwd=tmp_path)
    assert result.code == 0
    assert TOKEN not in result.out + result.err
    assert "could not post the MR note" in result.err


# --- checked against python-gitlab ---------------------------------------------------------


def requests_made(stub: GitLabStub) -> list[tuple[str, str, list[str]]]:
    """Method, path (a note's id as `:id`) and body fields of each request."""
    return [
        (
            call.method,
            re.sub(r"/notes/\d+$", "/notes/:id", call.path),
            sorted(json.loads(call.body or b"{}")),
        )
        for call in stub.calls()
    ]


def test_the_requests_are_the_ones_python_gitlab_makes(gitlab: GitLabStub) -> None:
    """No OpenAPI description of these endpoints is installed (see the module docstring); the
    well-kept python-gitlab client is the reference instead. It makes the same calls against
    the stand-in, and they must be the ones mlgate makes: method, path, body fields (its
    managers' required and optional attributes), the token header; and its pagination reads the
    stand-in's pages. Not checked: response fields python-gitlab does not read."""
    python_gitlab = pytest.importorskip("gitlab")
    from gitlab.v4.objects import ProjectCommitStatusManager, ProjectMergeRequestNoteManager

    host = forge(gitlab)
    post_note(host, "one")
    post_note(host, "two")
    host.post_verdict(VerdictReport("success", "passed", "", ()))
    ours = requests_made(gitlab)
    gitlab.requests.clear()

    server = gitlab.api_url.removesuffix("/api/v4")
    client = python_gitlab.Gitlab(server, private_token=TOKEN, per_page=100, keep_base_url=True)
    client.auth()  # GET /user
    project = client.projects.get(PROJECT_ID, lazy=True)
    merge_request = project.mergerequests.get(IID, lazy=True)
    notes = merge_request.notes.list(get_all=True, sort="asc", order_by="created_at")
    note = merge_request.notes.create({"body": "one"})
    note.body = "two"
    note.save()
    project.commits.get(SHA, lazy=True).statuses.create(
        {"state": "success", "name": "mlgate", "description": "passed", "target_url": "x"}
    )
    # mlgate lists the notes again before its update (a new run does); python-gitlab does not.
    assert ours[:3] + ours[4:] == requests_made(gitlab)
    assert len(notes) == 1  # mlgate's note, read through python-gitlab's pagination
    assert {"body"} == set(ProjectMergeRequestNoteManager._create_attrs.required)
    status_fields = {"state", "name", "description", "target_url"}
    attrs = ProjectCommitStatusManager._create_attrs
    assert status_fields <= {*attrs.required, *attrs.optional}
    assert all(call.headers["PRIVATE-TOKEN"] == TOKEN for call in gitlab.calls())


GATED = """\
version: 1
metrics: {candidate: file:candidate.json, baseline: file:baseline.json}
gates:
  accuracy: {direction: higher, max_regression: 0.01}
"""


def test_a_maintainers_note_overrides_a_blocked_gate_and_a_developers_does_not(
    tmp_path: Path, in_gitlab_ci: Path, gitlab: GitLabStub, mlgate: RunMlgate
) -> None:
    """The override on GitLab (issue 27): a note by a member with the Maintainer role (access
    level 40, `maintain` on GitHub's scale) for the merge request's head; a Developer's note,
    and the author's own, are answered and change nothing."""
    (tmp_path / "mlgate.yaml").write_text(GATED)
    (tmp_path / "candidate.json").write_text(json.dumps({"accuracy": 0.80}))
    (tmp_path / "baseline.json").write_text(json.dumps({"accuracy": 0.90}))
    developer, maintainer = gitlab.add_user("dave"), gitlab.add_user("maya")
    alice = gitlab.add_user("alice")
    gitlab.members.update({developer.id: 30, maintainer.id: 40, alice.id: 50})
    gitlab.merge_requests[IID]["author"] = alice.as_json()
    gitlab.add_note(IID, developer, f"/mlgate override {SHA[:8]} looks fine to me")
    gitlab.add_note(IID, alice, f"/mlgate override {SHA[:8]} my own change")
    refused = mlgate("gate", cwd=tmp_path)
    assert refused.code == 1, refused.out + refused.err
    (note,) = gitlab.notes_by(IID, bot(gitlab))  # type: ignore[arg-type]
    body = note["body"].replace(ZWSP, "")  # mentions are defused in the note
    assert "@dave cannot override: write permission, needs maintain" in body, body
    assert "@alice cannot override: the change's author" in body
    assert f"/mlgate override {SHA[:12]} <reason>" in note["body"]

    gitlab.add_note(IID, maintainer, f"/mlgate override {SHA[:8]} new evaluation set")
    overridden = mlgate("gate", cwd=tmp_path)
    assert overridden.code == 0, overridden.out + overridden.err
    gate = json.loads((in_gitlab_ci / "gate.json").read_text())
    applied = gate["details"]["override"]["applied"]
    assert (applied["by"], applied["commit"], applied["reason"]) == (
        "maya",
        SHA,
        "new evaluation set",
    )
    assert gate["details"]["decision"] == "overridden"
    status = gitlab.statuses[-1]
    assert status["state"] == "success"
    assert "overridden by @maya" in status["description"]
