"""GitHub calls for the override and the verdict on the commit: a user's repository permission,
a pull request's comments, head and author, a check run `mlgate` with annotations, and the
commit status used where the token has no `checks: write` (pull requests from forks).

Over `github.GitHubClient` (retries, time limits, the token kept out of messages).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from mlgate.forge.github import GitHubClient, GitHubError

CHECK_NAME = "mlgate"
MAX_CHECK_TEXT = 65535  # output.title/summary/text: GitHub's limit, in characters
MAX_ANNOTATIONS_PER_REQUEST = 50
MAX_STATUS_DESCRIPTION = 140
Conclusion = Literal["success", "failure", "neutral"]


@dataclass(frozen=True)
class Annotation:
    path: str
    line: int
    title: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "start_line": self.line,
            "end_line": self.line,
            "annotation_level": "failure",
            "title": self.title[:255],
            "message": self.message[:64000],
        }


@dataclass(frozen=True)
class VerdictPosted:
    kind: Literal["check_run", "status", "none"]
    url: str | None


def permission(client: GitHubClient, repository: str, user: str) -> str:
    """The user's role on the repository (`role_name`: admin, maintain, write, triage, read),
    falling back to the legacy `permission` field; raises GitHubError on any API trouble."""
    path = f"/repos/{repository}/collaborators/{quote(user, safe='')}/permission"
    answer = client.get_json(path)
    role = answer.get("role_name") if isinstance(answer, dict) else None
    if not isinstance(role, str):
        role = answer.get("permission") if isinstance(answer, dict) else None
    if not isinstance(role, str):
        raise GitHubError(f"GET {path}: the answer names no permission")
    return role


def pull_request(client: GitHubClient, repository: str, number: int) -> dict[str, Any]:
    answer = client.get_json(f"/repos/{repository}/pulls/{number}")
    if not isinstance(answer, dict):
        raise GitHubError(f"GET /repos/{repository}/pulls/{number}: expected a JSON object")
    return answer


def comments(client: GitHubClient, repository: str, number: int) -> list[dict[str, Any]]:
    """Every comment on the pull request's conversation, oldest first."""
    return list(client.paginate(f"/repos/{repository}/issues/{number}/comments"))


def post_verdict(
    client: GitHubClient,
    repository: str,
    head_sha: str,
    *,
    conclusion: Conclusion,
    title: str,
    summary: str,
    annotations: Sequence[Annotation] = (),
    details_url: str | None = None,
) -> VerdictPosted:
    """A check run `mlgate` on `head_sha`; where the token may not create check runs (HTTP 403,
    a fork's read-only token), a commit status saying the same in one line."""
    body: dict[str, Any] = {
        "name": CHECK_NAME,
        "head_sha": head_sha,
        "status": "completed",
        "conclusion": conclusion,
        "output": {
            "title": title[:MAX_CHECK_TEXT],
            "summary": summary[:MAX_CHECK_TEXT],
            "annotations": [a.as_json() for a in annotations[:MAX_ANNOTATIONS_PER_REQUEST]],
        },
    }
    if details_url:
        body["details_url"] = details_url
    path = f"/repos/{repository}/check-runs"
    response = client.request("POST", path, json_body=body, idempotent=False)
    if response.status_code == 403:
        return _status(
            client,
            repository,
            head_sha,
            conclusion=conclusion,
            title=title,
            details_url=details_url,
        )
    client.raise_for_status(response, "POST")
    created = response.json()
    check_id = created.get("id") if isinstance(created, dict) else None
    # GitHub takes at most 50 annotations per request: the rest go in updates of the run.
    rest = list(annotations[MAX_ANNOTATIONS_PER_REQUEST:])
    while rest and isinstance(check_id, int):
        batch, rest = rest[:MAX_ANNOTATIONS_PER_REQUEST], rest[MAX_ANNOTATIONS_PER_REQUEST:]
        output = {
            "title": title[:MAX_CHECK_TEXT],
            "summary": summary[:MAX_CHECK_TEXT],
            "annotations": [a.as_json() for a in batch],
        }
        update = client.request(
            "PATCH", f"{path}/{check_id}", json_body={"output": output}, idempotent=True
        )
        client.raise_for_status(update, "PATCH")
    url = created.get("html_url") if isinstance(created, dict) else None
    return VerdictPosted("check_run", url if isinstance(url, str) else None)


_STATE = {"success": "success", "failure": "failure", "neutral": "success"}


def _status(
    client: GitHubClient,
    repository: str,
    head_sha: str,
    *,
    conclusion: Conclusion,
    title: str,
    details_url: str | None,
) -> VerdictPosted:
    """A commit status: `neutral` (overridden) is a success that says so in its description."""
    description = " ".join(title.split())
    if len(description) > MAX_STATUS_DESCRIPTION:
        description = description[: MAX_STATUS_DESCRIPTION - 1] + "…"
    body: dict[str, Any] = {
        "state": _STATE[conclusion],
        "context": CHECK_NAME,
        "description": description,
    }
    if details_url:
        body["target_url"] = details_url
    response = client.request(
        "POST", f"/repos/{repository}/statuses/{head_sha}", json_body=body, idempotent=True
    )
    if response.status_code == 403:  # neither checks: write nor statuses: write
        return VerdictPosted("none", None)
    client.raise_for_status(response, "POST")
    return VerdictPosted("status", None)
