"""A real HTTP server on 127.0.0.1 standing in for the GitHub REST API in tests.

It serves what mlgate's client uses — `GET /user`, GraphQL `viewer`, the comments of an issue
(list with GitHub's pagination and Link headers, create) and `PATCH` of one comment — with
GitHub's status codes and messages, faults injected on demand, and a record of every request.
For the reusable workflows it also serves pull requests: get one, list by `head`, create, and
`PATCH` the body (the fork-safe poster's head check; continuous training's pull request).

Tokens map to identities: a user token answers `GET /user`; an installation token (like a
workflow's GITHUB_TOKEN) gets GitHub's 403 there and is `github-actions[bot]` to GraphQL.

For the maintainer override it is stateful: each user's repository permission (`permissions`,
answered by `GET /repos/{o}/{r}/collaborators/{user}/permission` with GitHub's role names),
comments by several users (any `created_at`/`updated_at`/`author_association`), the pull
request's head and author, and the check runs (`POST`, `PATCH`) and commit statuses made;
`no_checks` answers check runs with the 403 a fork's read-only token gets.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

NOT_ACCESSIBLE = "Resource not accessible by integration"
DOCS = "https://docs.github.com/rest"
REPO_ID = 6811672


@dataclass(frozen=True)
class Account:
    login: str
    id: int
    type: str = "User"  # "User" | "Bot"

    def as_json(self) -> dict[str, Any]:
        return {
            "login": self.login,
            "id": self.id,
            "node_id": f"MDQ6VXNlcj{self.id}",
            "type": self.type,
            "site_admin": False,
            "url": f"https://api.github.com/users/{self.login}",
            "html_url": f"https://github.com/{self.login}",
        }


ACTIONS_BOT = Account("github-actions[bot]", 41898282, "Bot")


@dataclass
class Fault:
    """One injected misbehaviour, applied to the next matching request(s)."""

    kind: str  # "status" | "drop" | "drop_after" | "delay" | "drip"
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    message: str = ""
    seconds: float = 0.0
    method: str | None = None  # only requests with this method
    path_part: str | None = None  # only paths containing this
    count: int = 1

    @classmethod
    def error(cls, status: int, count: int = 1, **match: Any) -> Fault:
        return cls("status", status=status, message="Server Error", count=count, **match)

    @classmethod
    def too_many_requests(cls, retry_after: int = 1, **match: Any) -> Fault:
        return cls(
            "status",
            status=429,
            headers={"retry-after": str(retry_after)},
            message="API rate limit exceeded",
            **match,
        )

    @classmethod
    def secondary_rate_limit(cls, retry_after: int = 1, **match: Any) -> Fault:
        return cls(
            "status",
            status=403,
            headers={"retry-after": str(retry_after)},
            message="You have exceeded a secondary rate limit. Please wait a few minutes "
            "before you try again.",
            **match,
        )

    @classmethod
    def secondary_rate_limit_without_retry_after(cls, **match: Any) -> Fault:
        """GitHub's documented case with no header at all: wait at least a minute."""
        return cls(
            "status",
            status=403,
            message="You have exceeded a secondary rate limit and have been temporarily "
            "blocked from content creation. Please retry your request again later.",
            **match,
        )

    @classmethod
    def forbidden_echoing_the_token(cls, **match: Any) -> Fault:
        """A 403 whose message repeats the Authorization header (a proxy, a misconfigured
        GitHub Enterprise): `{token}` is replaced by the request's token."""
        return cls("status", status=403, message="Forbidden: bad token {token}", **match)

    @classmethod
    def drip(cls, seconds: float, **match: Any) -> Fault:
        """Answer normally, but send the response one byte every `seconds`."""
        return cls("drip", seconds=seconds, **match)

    @classmethod
    def primary_rate_limit(cls, reset_in: int = 1, **match: Any) -> Fault:
        return cls(
            "status",
            status=403,
            headers={
                "x-ratelimit-limit": "1000",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-used": "1000",
                "x-ratelimit-reset": str(int(time.time()) + reset_in),
            },
            message="API rate limit exceeded for installation ID 1.",
            **match,
        )

    @classmethod
    def drop(cls, **match: Any) -> Fault:
        """Close the connection without answering, before doing anything."""
        return cls("drop", **match)

    @classmethod
    def drop_after(cls, **match: Any) -> Fault:
        """Do the request, then close the connection without answering (a lost reply)."""
        return cls("drop_after", **match)

    @classmethod
    def delay(cls, seconds: float, **match: Any) -> Fault:
        return cls("delay", seconds=seconds, **match)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path_part is None or self.path_part in path
        )


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class GitHubStub:
    def __init__(self) -> None:
        self.tokens: dict[str, Account | None] = {}  # None: an installation token
        self.read_only = False
        self.graphql = True
        self.faults: list[Fault] = []
        self.requests: list[Recorded] = []
        self.comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.pulls: dict[tuple[str, int], dict[str, Any]] = {}
        self.permissions: dict[str, str] = {}  # login -> admin|maintain|write|triage|read
        self.check_runs: list[dict[str, Any]] = []
        self.statuses: list[dict[str, Any]] = []
        self.no_checks = False
        self.no_statuses = False
        self._next_id = 1000
        self._lock = threading.RLock()
        self.stopped = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> GitHubStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self._server.shutdown()
        self._server.server_close()

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def add_comment(
        self, repo: str, number: int, author: Account, body: str, *,
        created_at: str = "2026-01-01T00:00:00Z", updated_at: str | None = None,
        association: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A comment; `updated_at` later than `created_at` is an edited one; `association` is
        the `author_association` GitHub would send (anything: tests forge it)."""
        with self._lock:
            self._next_id += 1
            cid = self._next_id
            comment = {
                "id": cid,
                "node_id": f"IC_kwDO{cid}",
                "url": f"https://api.github.com/repos/{repo}/issues/comments/{cid}",
                "html_url": f"https://github.com/{repo}/pull/{number}#issuecomment-{cid}",
                "issue_url": f"https://api.github.com/repos/{repo}/issues/{number}",
                "body": body,
                "user": author.as_json(),
                "created_at": created_at,
                "updated_at": updated_at or created_at,
                "author_association": association
                or ("NONE" if author.type == "Bot" else "CONTRIBUTOR"),
                "performed_via_github_app": None,
                "reactions": {"url": "", "total_count": 0},
            }
            self.comments.setdefault((repo, number), []).append(comment)
            return comment

    def add_pull(
        self, repo: str, number: int, head_sha: str, *, head_ref: str = "feature",
        head_repo: str | None = None, title: str = "A change", body: str = "",
        author: Account | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A pull request of `repo`; `head_repo` is the fork it comes from (default: `repo`)."""
        owner = (head_repo or repo).split("/", 1)[0]
        base_owner = repo.split("/", 1)[0]
        pull = {
            "url": f"https://api.github.com/repos/{repo}/pulls/{number}",
            "html_url": f"https://github.com/{repo}/pull/{number}",
            "number": number,
            "state": "open",
            "title": title,
            "body": body,
            "user": (author or Account("octocat", 1)).as_json(),
            "head": {"label": f"{owner}:{head_ref}", "ref": head_ref, "sha": head_sha,
                     "repo": {"full_name": head_repo or repo}},
            "base": {"label": f"{base_owner}:main", "ref": "main", "sha": "b" * 40,
                     "repo": {"full_name": repo}},
        }  # fmt: skip
        with self._lock:
            self.pulls[(repo, number)] = pull
            return pull

    def comments_by(self, repo: str, number: int, login: str) -> list[dict[str, Any]]:
        with self._lock:
            found = self.comments.get((repo, number), [])
            return [c for c in found if c["user"]["login"] == login]

    def calls(self, method: str | None = None) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if method is None or r.method == method]

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def _find_comment(self, cid: int) -> dict[str, Any] | None:
        for comments in self.comments.values():
            for comment in comments:
                if comment["id"] == cid:
                    return comment
        return None


@contextmanager
def running_stub() -> Iterator[GitHubStub]:
    stub = GitHubStub().start()
    try:
        yield stub
    finally:
        stub.stop()


class _Reply(Exception):
    def __init__(self, status: int, payload: object, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status = status
        self.payload = payload
        self.headers = headers or {}


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(status, {"message": message, "documentation_url": DOCS, "status": str(status)},
                  headers)  # fmt: skip


def _handler(stub: GitHubStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests read stub.requests instead

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with stub._lock:
                stub.requests.append(
                    Recorded(method, parts.path, parse_qs(parts.query), dict(self.headers), body)
                )
            fault = stub._take_fault(method, parts.path)
            if fault is not None and fault.kind == "drop":
                self.close_connection = True
                return
            if fault is not None and fault.kind == "delay":
                time.sleep(fault.seconds)
            try:
                if fault is not None and fault.kind == "status":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    message = fault.message.replace("{token}", token)
                    raise _error(fault.status, message, fault.headers)
                status, payload, headers = self._route(method, parts.path, parts.query, body)
            except _Reply as reply:
                status, payload, headers = reply.status, reply.payload, reply.headers
            if fault is not None and fault.kind == "drop_after":
                self.close_connection = True
                return
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-GitHub-Api-Version-Selected", "2022-11-28")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if fault is not None and fault.kind == "drip":
                self._drip(data, fault.seconds)
                return
            self.wfile.write(data)

        def _drip(self, data: bytes, seconds: float) -> None:
            """Each byte alone, `seconds` apart: every read finishes well within a per-read
            timeout, while the whole answer takes len(data) * seconds."""
            try:
                for byte in data:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    if stub.stopped.wait(seconds):
                        break
            except OSError:
                pass  # the client gave up and closed the connection: what the test wants

        def _account(self) -> Account | None:
            auth = self.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ").removeprefix("token ")
            if not auth or token not in stub.tokens:
                raise _error(401, "Bad credentials")
            return stub.tokens[token]

        def _author(self) -> Account:
            return self._account() or ACTIONS_BOT

        def _route(
            self, method: str, path: str, query: str, body: bytes
        ) -> tuple[int, object, dict[str, str]]:
            seg = path.strip("/").split("/")
            pull_or_verdict = self._pull_routes(method, seg, query, body)
            if pull_or_verdict is not None:
                return pull_or_verdict
            if method == "GET" and path == "/user":
                account = self._account()
                if account is None:
                    raise _error(403, NOT_ACCESSIBLE)
                return 200, account.as_json(), {}
            if method == "POST" and path == "/graphql":
                if not stub.graphql:
                    raise _error(404, "Not Found")
                login = self._author().login
                return 200, {"data": {"viewer": {"login": login}}}, {}
            # /repos/{o}/{r}/issues/{n}/comments, or /repositories/{id}/issues/{n}/comments
            # (GitHub's own Link headers use the second form).
            if len(seg) == 6 and seg[0] == "repos" and seg[3:6:2] == ["issues", "comments"]:
                return self._comments(method, f"{seg[1]}/{seg[2]}", seg[4], query, body)
            if len(seg) == 5 and seg[0] == "repositories" and seg[2:5:2] == ["issues", "comments"]:
                return self._comments(method, self._repo_by_id(seg[1]), seg[3], query, body)
            if (
                method == "PATCH"
                and len(seg) == 6
                and seg[0] == "repos"
                and seg[3:5]
                == [
                    "issues",
                    "comments",
                ]
            ):
                return self._update(seg[5], body)
            raise _error(404, "Not Found")

        def _pull_routes(
            self, method: str, seg: list[str], query: str, body: bytes
        ) -> tuple[int, object, dict[str, str]] | None:
            """Pull requests, a user's permission, check runs, commit statuses; None for any
            other path."""
            if len(seg) in (4, 5) and seg[0] == "repos" and seg[3] == "pulls":
                return self._pulls(method, f"{seg[1]}/{seg[2]}", seg[4:], query, body)
            if len(seg) == 6 and seg[0] == "repos" and seg[3] == "collaborators":
                return self._permission(method, seg[4], seg[5:])
            if len(seg) in (4, 5) and seg[0] == "repos" and seg[3] == "check-runs":
                return self._check_run(method, f"{seg[1]}/{seg[2]}", seg[4:], body)
            if len(seg) == 5 and seg[0] == "repos" and seg[3] == "statuses" and method == "POST":
                return self._status(f"{seg[1]}/{seg[2]}", seg[4], body)
            if len(seg) == 6 and seg[0] == "repos" and seg[3:6:2] == ["commits", "check-runs"]:
                return self._check_runs_of(f"{seg[1]}/{seg[2]}", seg[4], query)
            return None

        def _check_runs_of(
            self, repo: str, sha: str, query: str
        ) -> tuple[int, object, dict[str, str]]:
            """GET /repos/{o}/{r}/commits/{ref}/check-runs?check_name=...: newest first."""
            self._account()
            name = parse_qs(query).get("check_name", [None])[-1]
            with stub._lock:
                runs = [
                    run
                    for run in reversed(stub.check_runs)
                    if run["repo"] == repo
                    and run.get("head_sha") == sha
                    and (name is None or run.get("name") == name)
                ]
            return 200, {"total_count": len(runs), "check_runs": runs}, {}

        def _permission(
            self, method: str, user: str, rest: list[str]
        ) -> tuple[int, object, dict[str, str]]:
            """GitHub's answer: `permission` is the legacy admin|write|read|none, `role_name`
            the role (admin, maintain, write, triage, read); 404 for a non-collaborator."""
            self._account()
            if method != "GET" or rest != ["permission"]:
                raise _error(404, "Not Found")
            with stub._lock:
                role = stub.permissions.get(user)
            if role is None:
                raise _error(404, f"{user} is not a user")
            legacy = {"maintain": "write", "triage": "read"}.get(role, role)
            account = Account(user, 7000 + len(user)).as_json()
            return 200, {"permission": legacy, "role_name": role, "user": account}, {}

        def _check_run(
            self, method: str, repo: str, rest: list[str], body: bytes
        ) -> tuple[int, object, dict[str, str]]:
            self._account()
            if stub.no_checks or stub.read_only:
                raise _error(403, NOT_ACCESSIBLE)
            payload = self._json_object(body)
            annotations = (payload.get("output") or {}).get("annotations") or []
            if len(annotations) > 50:
                raise _error(422, "Validation Failed: at most 50 annotations per request")
            with stub._lock:
                if method == "POST" and not rest:
                    self_id = len(stub.check_runs) + 1
                    run = {**payload, "id": self_id, "repo": repo,
                           "html_url": f"https://github.com/{repo}/runs/{self_id}",
                           "annotations": list(annotations)}  # fmt: skip
                    stub.check_runs.append(run)
                    return 201, run, {}
                if method == "PATCH" and len(rest) == 1 and rest[0].isdigit():
                    run = stub.check_runs[int(rest[0]) - 1]
                    run["annotations"].extend(annotations)
                    run["output"] = payload.get("output", run.get("output"))
                    return 200, run, {}
            raise _error(404, "Not Found")

        def _status(self, repo: str, sha: str, body: bytes) -> tuple[int, object, dict[str, str]]:
            self._account()
            if stub.no_statuses or stub.read_only:
                raise _error(403, NOT_ACCESSIBLE)
            payload = self._json_object(body)
            if payload.get("state") not in ("error", "failure", "pending", "success"):
                raise _error(422, "Validation Failed")
            if len(str(payload.get("description") or "")) > 140:
                raise _error(422, "Validation Failed: description is too long")
            with stub._lock:
                status = {**payload, "sha": sha, "repo": repo, "id": len(stub.statuses) + 1}
                stub.statuses.append(status)
            return 201, status, {}

        def _pulls(
            self, method: str, repo: str, rest: list[str], query: str, body: bytes
        ) -> tuple[int, object, dict[str, str]]:
            """GET /pulls/{n}, GET /pulls?head=owner:ref, POST /pulls, PATCH /pulls/{n}."""
            self._account()
            if rest and not rest[0].isdigit():
                raise _error(404, "Not Found")
            if method == "GET" and rest:
                with stub._lock:
                    found = stub.pulls.get((repo, int(rest[0])))
                if found is None:
                    raise _error(404, "Not Found")
                return 200, found, {}
            if method == "GET":
                params = parse_qs(query)
                head = params.get("head", [None])[0]
                state = params.get("state", ["open"])[0]
                with stub._lock:
                    listed = [pull for (r, _), pull in sorted(stub.pulls.items()) if r == repo
                              and (head is None or pull["head"]["label"] == head)
                              and state in ("all", pull["state"])]  # fmt: skip
                return 200, listed, {}
            if stub.read_only:
                raise _error(403, NOT_ACCESSIBLE)
            payload = self._json_object(body)
            if method == "PATCH" and rest:
                with stub._lock:
                    pull = stub.pulls.get((repo, int(rest[0])))
                    if pull is None:
                        raise _error(404, "Not Found")
                    pull.update({k: payload[k] for k in ("title", "body") if k in payload})
                    return 200, dict(pull), {}
            if method == "POST" and not rest:
                if not all(isinstance(payload.get(k), str) for k in ("title", "head", "base")):
                    raise _error(422, "Validation Failed")
                with stub._lock:
                    taken = [n for (r, n) in [*stub.pulls, *stub.comments] if r == repo]
                    number = max(taken, default=0) + 1
                title, body_text = payload["title"], str(payload.get("body", ""))
                pull = stub.add_pull(
                    repo, number, "0" * 40, head_ref=payload["head"], title=title, body=body_text
                )
                return 201, pull, {}
            raise _error(404, "Not Found")

        def _json_object(self, body: bytes) -> dict[str, Any]:
            try:
                payload = json.loads(body)
            except ValueError:
                raise _error(400, "Problems parsing JSON") from None
            if not isinstance(payload, dict):
                raise _error(400, "Problems parsing JSON")
            return payload

        def _repo_by_id(self, repo_id: str) -> str:
            if repo_id != str(REPO_ID):
                raise _error(404, "Not Found")
            return "octo-org/octo-repo"

        def _comments(
            self, method: str, repo: str, number: str, query: str, body: bytes
        ) -> tuple[int, object, dict[str, str]]:
            if not number.isdigit():
                raise _error(404, "Not Found")
            n = int(number)
            self._account()
            if method == "POST":
                if stub.read_only:
                    raise _error(403, NOT_ACCESSIBLE)
                text = self._body_text(body)
                return 201, stub.add_comment(repo, n, self._author(), text), {}
            if method != "GET":
                raise _error(404, "Not Found")
            params = parse_qs(query)
            per_page = min(100, int(params.get("per_page", ["30"])[0]))
            page = max(1, int(params.get("page", ["1"])[0]))
            with stub._lock:
                everything = list(stub.comments.get((repo, n), []))
            last = max(1, -(-len(everything) // per_page))
            items = everything[(page - 1) * per_page : page * per_page]
            host = self.headers.get("Host", "")
            base = f"http://{host}/repositories/{REPO_ID}/issues/{n}/comments?per_page={per_page}"
            links = []
            if page < last:
                links += [
                    f'<{base}&page={page + 1}>; rel="next"',
                    f'<{base}&page={last}>; rel="last"',
                ]
            if page > 1:
                links += [f'<{base}&page={page - 1}>; rel="prev"', f'<{base}&page=1>; rel="first"']
            return 200, items, ({"Link": ", ".join(links)} if links else {})

        def _update(self, cid: str, body: bytes) -> tuple[int, object, dict[str, str]]:
            self._account()
            if stub.read_only:
                raise _error(403, NOT_ACCESSIBLE)
            text = self._body_text(body)
            with stub._lock:
                comment = stub._find_comment(int(cid)) if cid.isdigit() else None
                if comment is None:
                    raise _error(404, "Not Found")
                # Like GitHub: a token that may write may edit anyone's comment on the repo.
                # That is why the client must pick only its own.
                comment["body"] = text
                comment["updated_at"] = "2026-01-02T00:00:00Z"
                return 200, dict(comment), {}

        def _body_text(self, body: bytes) -> str:
            try:
                payload = json.loads(body)
            except ValueError:
                raise _error(400, "Problems parsing JSON") from None
            text = payload.get("body") if isinstance(payload, dict) else None
            if not isinstance(text, str):
                raise _error(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
            if len(text) > 65536:
                raise _error(422, "Validation Failed")
            return text

    return Handler
