"""The GitLab REST API (v4) behind the forge seam (`base.Forge`): `GitLabForge`.

Inside GitLab CI (`GITLAB_CI=true`): the API is `CI_API_V4_URL`, the project `CI_PROJECT_ID`,
the merge request `CI_MERGE_REQUEST_IID` (on a branch pipeline, the open merge request of
`CI_COMMIT_SHA`, asked of `/repository/commits/:sha/merge_requests`), the token
`MLGATE_GITLAB_TOKEN` (a project or group access token with the `api` scope), sent as
`PRIVATE-TOKEN`. `CI_JOB_TOKEN` cannot write notes: without a token mlgate says how to add one
and the report stays in the job log (`NoteForbidden`, a warning to the caller).

The note is the token's own: its author is the token's user (`GET /user`), so a note by anyone
else that carries mlgate's marker is never edited. Lists follow `X-Next-Page`. Retries (5xx,
429 with `Retry-After`) and the ambiguous-write rule are the shared client's (`http`); the
one-note rule is `sticky`'s. A line of a note that starts with `/` is a quick action to GitLab:
`line_start_commands` has `sticky` guard every line (`core.outbound.guard_quick_actions`).

The verdict is a commit status named `mlgate` on `CI_COMMIT_SHA` (`success` or `failed`, the
headline as its description, the job's page as its target), so a rule can require it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from mlgate.core.errors import InputError
from mlgate.core.outbound import one_line, shorten
from mlgate.forge.base import (
    AmbiguousWrite,
    Budget,
    Change,
    Comment,
    ForgeError,
    Note,
    NoteForbidden,
    PostedVerdict,
    VerdictReport,
)
from mlgate.forge.http import HttpClient, parse_json

TOKEN_ENV = "MLGATE_GITLAB_TOKEN"
# GitLab refuses a note longer than this ("Note is too long (maximum is 1000000 characters)").
MAX_NOTE_CHARS = 1_000_000
STATUS_NAME = "mlgate"
MAX_STATUS_DESCRIPTION = 255  # GitLab keeps at most this of a status's description
_MAX_PAGES = 1000  # 100,000 notes: a guard against a server that pages in circles
# GitLab's access levels on GitHub's permission scale, which `override.min_permission` names:
# Developer (30) may push (write), Maintainer (40) maintains, Owner (50) administers.
_PERMISSION_OF_LEVEL = ((50, "admin"), (40, "maintain"), (30, "write"), (10, "read"))
HOW_TO_ADD_A_TOKEN = (
    f"no {TOKEN_ENV}: the report is in the job log and artifacts only. To get the merge "
    "request note and the `mlgate` commit status, add a project (or group) access token with "
    f"the `api` scope and the Developer role as the masked CI/CD variable {TOKEN_ENV} "
    "(CI_JOB_TOKEN cannot write notes)"
)


class GitLabError(ForgeError):
    """The GitLab API failed or refused; no verdict (exit 3). `status` is the HTTP status."""


class NoteRefused(GitLabError, NoteForbidden):
    """No token, or one that may not write notes on the merge request: a warning."""


class _Ambiguous(GitLabError, AmbiguousWrite):
    """A write that may or may not have reached GitLab (5xx, dropped connection)."""


@dataclass(frozen=True)
class GitLabEnv:
    """What GitLab CI says about this job. The token is kept out of the repr."""

    api_url: str
    project_id: str | None
    project_path: str | None
    project_url: str | None
    merge_request_iid: int | None
    commit_sha: str | None
    job_url: str | None
    token: str | None = field(default=None, repr=False)


def gitlab_env(environ: Mapping[str, str] | None = None) -> GitLabEnv:
    env = os.environ if environ is None else environ
    iid = env.get("CI_MERGE_REQUEST_IID", "")
    return GitLabEnv(
        api_url=env.get("CI_API_V4_URL", "").rstrip("/"),
        project_id=env.get("CI_PROJECT_ID") or None,
        project_path=env.get("CI_PROJECT_PATH") or None,
        project_url=env.get("CI_PROJECT_URL", "").rstrip("/") or None,
        merge_request_iid=int(iid) if iid.isdigit() else None,
        commit_sha=env.get("CI_COMMIT_SHA") or None,
        job_url=env.get("CI_JOB_URL") or None,
        token=env.get(TOKEN_ENV) or None,
    )


class _PrivateToken(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["PRIVATE-TOKEN"] = self._token
        return request

    def __repr__(self) -> str:
        return "_PrivateToken(***)"


class GitLabClient(HttpClient):
    """The shared HTTP client with GitLab's token header, errors and pagination."""

    def __init__(self, token: str, *, api_url: str, **limits: Any) -> None:
        if not token:
            raise InputError(f"no GitLab token: set {TOKEN_ENV}")
        super().__init__(token, _PrivateToken(token), api_url=api_url, **limits)
        self.hints = {
            401: f"GitLab rejected the token; check {TOKEN_ENV} (not CI_JOB_TOKEN)",
            403: "the token lacks the `api` scope or the Developer role on the project",
            404: "not found, or not visible to this token; check CI_PROJECT_ID and the MR",
            422: "GitLab refused the content",
        }
        self.fallback_hint = "GitLab API error"

    def error(self, message: str, *, status: int | None = None) -> GitLabError:
        return GitLabError(message, status=status)

    def ambiguous(self, message: str, *, status: int | None = None) -> GitLabError:
        return _Ambiguous(message, status=status)

    def json(self, response: requests.Response, method: str) -> Any:
        self.raise_for_status(response, method)
        return parse_json(response, self.error)

    def paginate(self, path: str, *, deadline: Budget | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, page by page while GitLab names an `X-Next-Page`."""
        page: int | None = 1
        while page is not None:
            if page > _MAX_PAGES:
                raise GitLabError(f"GET {urlsplit(self._url(path)).path}: over {_MAX_PAGES} pages")
            params = {"per_page": 100, "page": page}
            response = self.request("GET", path, params=params, deadline=deadline)
            items = self.json(response, "GET")
            if not isinstance(items, list):
                raise GitLabError(self.scrub(f"GET {urlsplit(response.url).path}: expected a list"))
            yield from (item for item in items if isinstance(item, dict))
            following = (response.headers.get("X-Next-Page") or "").strip()
            # Only forward: a server naming this page again or an earlier one would loop.
            page = int(following) if following.isdigit() and int(following) > page else None


@dataclass(frozen=True)
class _User:
    id: int
    username: str


class GitLabForge:
    """GitLab behind the forge seam: the merge request of the pipeline, its notes by the
    token's own user, the commit status `mlgate`."""

    name = "GitLab"
    note_word = "note"
    note_title = "MR note"
    max_note_chars = MAX_NOTE_CHARS
    max_verdict_chars = MAX_NOTE_CHARS  # a commit status keeps the title only
    line_start_commands = True

    def __init__(self, env: GitLabEnv, *, client: GitLabClient | None = None) -> None:
        self.env = env
        self._client = client
        self._own_client = client is None
        self._user: _User | None = None
        self._change: Change | None = None
        self._looked_up = False

    @property
    def client(self) -> GitLabClient:
        """The client, made on first use; without a token, the sentence on how to add one."""
        if self._client is None:
            if not self.env.token:
                raise NoteRefused(HOW_TO_ADD_A_TOKEN)
            if not self.env.api_url or not self.env.project_id:
                raise InputError("GITLAB_CI=true but CI_API_V4_URL or CI_PROJECT_ID is not set")
            self._client = GitLabClient(self.env.token, api_url=self.env.api_url)
        return self._client

    @property
    def has_token(self) -> bool:
        return bool(self.env.token)

    @property
    def max_tries(self) -> int:
        return self.client.max_tries

    def note_length(self, text: str) -> int:
        return len(text)  # GitLab counts characters

    def _project(self) -> str:
        return f"/projects/{quote(self.env.project_id or '', safe='')}"

    def change(self) -> Change | None:
        """The pipeline's merge request; on a branch pipeline, the open one of its commit."""
        if self.env.merge_request_iid is not None:
            return Change(self.env.merge_request_iid, self.env.commit_sha)
        if not self._looked_up:
            self._looked_up = True
            self._change = self._open_merge_request()
        return self._change

    def _open_merge_request(self) -> Change | None:
        sha = self.env.commit_sha
        if not sha:
            return None
        path = f"{self._project()}/repository/commits/{quote(sha, safe='')}/merge_requests"
        found = self.client.json(self.client.request("GET", path), "GET")
        for merge_request in found if isinstance(found, list) else []:
            iid = merge_request.get("iid") if isinstance(merge_request, dict) else None
            if merge_request.get("state") == "opened" and isinstance(iid, int):
                author = merge_request.get("author")
                login = author.get("username") if isinstance(author, dict) else None
                target = merge_request.get("target_branch")
                return Change(iid, sha, login, target if isinstance(target, str) else None)
        return None

    def no_change_reason(self) -> str:
        return f"no open merge request for {str(self.env.commit_sha)[:12]}: no note"

    def where(self) -> str:
        change = self.change()
        project = self.env.project_path or self.env.project_id
        return f"{project}!{change.number if change else '?'}"

    def deadline(self) -> Budget:
        return self.client.deadline()

    def _notes_path(self) -> str:
        change = self.change()
        return f"{self._project()}/merge_requests/{change.number if change else 0}/notes"

    def _token_user(self, deadline: Budget) -> _User:
        if self._user is None:
            response = self.client.request("GET", "/user", deadline=deadline)
            if response.status_code == 403:  # a CI job token is no user's
                raise NoteRefused(
                    f"GET /user: HTTP 403: {TOKEN_ENV} is no user's token (a CI_JOB_TOKEN?): "
                    + HOW_TO_ADD_A_TOKEN.split(": ", 1)[1],
                    status=403,
                )
            found = self.client.json(response, "GET")
            user_id = found.get("id") if isinstance(found, dict) else None
            if not isinstance(user_id, int):
                raise GitLabError("GET /user: no user id in GitLab's answer")
            self._user = _User(user_id, str(found.get("username") or user_id))
        return self._user

    def own_notes(self, deadline: Budget) -> Iterator[Note]:
        """The token user's own notes, oldest first; system notes never."""
        user = self._token_user(deadline)
        path = f"{self._notes_path()}?sort=asc&order_by=created_at"
        for found in self.client.paginate(path, deadline=deadline):
            author = found.get("author")
            if not isinstance(author, dict) or author.get("id") != user.id or found.get("system"):
                continue
            note = self._note(found)
            if note is not None:
                yield note

    def create_note(self, body: str, deadline: Budget) -> Note:
        return self._write("POST", self._notes_path(), body, deadline)

    def update_note(self, note_id: int, body: str, deadline: Budget) -> Note:
        return self._write("PUT", f"{self._notes_path()}/{note_id}", body, deadline)

    def _write(self, method: str, path: str, body: str, deadline: Budget) -> Note:
        response = self.client.request(
            method, path, json_body={"body": body}, deadline=deadline, idempotent=method != "POST"
        )
        if response.status_code == 403:
            raise NoteRefused(
                self.scrub(
                    f"{method} {urlsplit(response.url).path}: HTTP 403: this token cannot write "
                    f"notes on {self.where()}; give {TOKEN_ENV} the `api` scope and the "
                    "Developer role"
                ),
                status=403,
            )
        found = self.client.json(response, method)
        note = self._note(found) if isinstance(found, dict) else None
        if note is None:
            raise GitLabError(self.scrub(f"{method} {path}: expected a note in GitLab's answer"))
        return note

    def _note(self, found: Mapping[str, Any]) -> Note | None:
        note_id, body = found.get("id"), found.get("body")
        if not isinstance(note_id, int) or isinstance(note_id, bool):
            return None
        change = self.change()
        url = None
        if self.env.project_url and change is not None:
            url = f"{self.env.project_url}/-/merge_requests/{change.number}#note_{note_id}"
        return Note(note_id, body if isinstance(body, str) else "", url)

    def change_now(self) -> Change:
        change = self.change()
        path = f"{self._project()}/merge_requests/{change.number if change else 0}"
        found = self.client.json(self.client.request("GET", path), "GET")
        author = found.get("author") if isinstance(found, dict) else None
        sha = found.get("sha") if isinstance(found, dict) else None
        login = author.get("username") if isinstance(author, dict) else None
        if change is None or not isinstance(sha, str) or not isinstance(login, str):
            raise GitLabError(f"GET {path}: the merge request names no head commit or author")
        return Change(change.number, sha, login)

    def comments(self) -> Iterator[Comment]:
        """Every person's note, oldest first: not a system note, not the token user's own
        (mlgate's note quotes the command)."""
        deadline = self.deadline()
        user = self._token_user(deadline)
        path = f"{self._notes_path()}?sort=asc&order_by=created_at"
        for found in self.client.paginate(path, deadline=deadline):
            author = found.get("author")
            login = author.get("username") if isinstance(author, dict) else None
            if not isinstance(author, dict) or author.get("id") == user.id or found.get("system"):
                continue
            note = self._note(found)
            created, updated = found.get("created_at"), found.get("updated_at")
            if (
                note is not None
                and isinstance(login, str)
                and isinstance(created, str)
                and isinstance(updated, str)
            ):
                yield Comment(login, note.body, created, updated, note.url or "")

    def post_verdict(self, verdict: VerdictReport) -> str:
        """The commit status `mlgate` on the pipeline's commit: `failed` for a block, `success`
        otherwise (an override says so in the description)."""
        sha = self.env.commit_sha
        if not sha:
            raise InputError("GITLAB_CI=true but CI_COMMIT_SHA is not set")
        state = "failed" if verdict.conclusion == "failure" else "success"
        payload: dict[str, str] = {
            "state": state,
            "name": STATUS_NAME,
            "description": shorten(one_line(verdict.title), MAX_STATUS_DESCRIPTION),
        }
        target = verdict.details_url or self.env.job_url
        if target:
            payload["target_url"] = target
        path = f"{self._project()}/statuses/{quote(sha, safe='')}"
        # Setting the same name on the same commit again updates it: safe to retry.
        self.client.json(self.client.request("POST", path, json_body=payload), "POST")
        return f"set the commit status {STATUS_NAME}={state} on {sha[:12]}"

    def last_verdict(self, head_sha: str) -> PostedVerdict | None:
        """None: a commit status holds one line, not the steps that blocked. An override on
        GitLab is decided by the gate's next pipeline (re-run it after the note)."""
        del head_sha
        return None

    def permission(self, user: str) -> str:
        """The user's access level in the project (inherited included) on GitHub's scale;
        `none` for a user who is not a member."""
        users = self.client.json(
            self.client.request("GET", "/users", params={"username": user}), "GET"
        )
        first = users[0] if isinstance(users, list) and users else None
        user_id = first.get("id") if isinstance(first, dict) else None
        if not isinstance(user_id, int):
            return "none"
        response = self.client.request("GET", f"{self._project()}/members/all/{user_id}")
        if response.status_code == 404:
            return "none"
        member = self.client.json(response, "GET")
        level = member.get("access_level") if isinstance(member, dict) else None
        if not isinstance(level, int):
            raise GitLabError(f"GET members/all/{user_id}: the answer names no access level")
        return next((name for floor, name in _PERMISSION_OF_LEVEL if level >= floor), "none")

    def scrub(self, text: str) -> str:
        return self.client.scrub(text) if self._client is not None else text

    def error(self, message: str, status: int | None) -> GitLabError:
        return GitLabError(message, status=status)

    def close(self) -> None:
        if self._own_client and self._client is not None:
            self._client.close()
