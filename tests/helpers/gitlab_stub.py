"""A real HTTP server on 127.0.0.1 standing in for the GitLab REST API (v4) in tests.

It keeps state like GitLab: users and their tokens, merge requests, notes with authors (only
a note's author may edit it), commit statuses, project members. Lists page as GitLab pages
them (`page`, `per_page`, `X-Next-Page`, `X-Page`, `X-Total`). Tokens: an unknown one gets
401; a CI job token (`job_token`) cannot read `/user` or write notes (403), as on GitLab; a
token with only `read_api` gets 403 `insufficient_scope` on writes. A posted note whose line
starts with `/word` is taken as a quick action, as GitLab does, and recorded in
`quick_actions`: a test that posts untrusted text checks it stays empty. Faults (`Fault` of
the GitHub stand-in: status, drop, drop_after, delay, drip) apply to the next matching
requests; every request is recorded.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.helpers.github_stub import Fault, Recorded

PROJECT_ID = 4242
PROJECT_PATH = "ml/churn"
QUICK_ACTION = re.compile(r"^/([a-z_]+)\b", re.MULTILINE)  # GitLab's extractor, simplified


@dataclass(frozen=True)
class User:
    id: int
    username: str
    bot: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "name": self.username,
            "state": "active",
            "avatar_url": "",
            "web_url": f"https://gitlab.example/{self.username}",
            "bot": self.bot,
        }


@dataclass
class Token:
    user: User | None  # None: a CI job token
    scopes: tuple[str, ...] = ("api",)


@dataclass
class GitLabStub:
    tokens: dict[str, Token] = field(default_factory=dict)
    members: dict[int, int] = field(default_factory=dict)  # user id -> access level
    users: dict[str, User] = field(default_factory=dict)
    merge_requests: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # by MR iid
    statuses: list[dict[str, Any]] = field(default_factory=list)
    quick_actions: list[str] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    max_per_page: int = 100

    def __post_init__(self) -> None:
        self._next_id = 5000
        self._lock = threading.RLock()
        self.stopped = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def api_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/v4"

    def start(self) -> GitLabStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self._server.shutdown()
        self._server.server_close()

    def add_user(self, username: str, token: str | None = None, **kwargs: Any) -> User:
        with self._lock:
            self._next_id += 1
            user = User(self._next_id, username, bot=username.startswith("project_"))
            self.users[username] = user
            if token is not None:
                self.tokens[token] = Token(user, **kwargs)
            return user

    def add_job_token(self, token: str) -> None:
        self.tokens[token] = Token(None, ("ci_job",))

    def add_merge_request(self, iid: int, sha: str, *, state: str = "opened") -> None:
        self.merge_requests[iid] = {
            "id": 90000 + iid,
            "iid": iid,
            "project_id": PROJECT_ID,
            "state": state,
            "sha": sha,
            "source_branch": "feature",
            "target_branch": "main",
            "author": {"id": 1, "username": "alice"},
            "web_url": f"https://gitlab.example/{PROJECT_PATH}/-/merge_requests/{iid}",
        }

    def add_note(self, iid: int, author: User, body: str, *, system: bool = False) -> int:
        with self._lock:
            self._next_id += 1
            note = {
                "id": self._next_id,
                "type": None,
                "body": body,
                "author": author.as_json(),
                "created_at": "2026-12-01T00:00:00.000Z",
                "updated_at": "2026-12-01T00:00:00.000Z",
                "system": system,
                "noteable_id": 90000 + iid,
                "noteable_type": "MergeRequest",
                "noteable_iid": iid,
                "resolvable": False,
                "confidential": False,
                "internal": False,
            }
            self.notes.setdefault(iid, []).append(note)
            self.quick_actions.extend(QUICK_ACTION.findall(body))
            return int(note["id"])

    def notes_by(self, iid: int, user: User) -> list[dict[str, Any]]:
        with self._lock:
            return [n for n in self.notes.get(iid, []) if n["author"]["id"] == user.id]

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

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


@contextmanager
def running_gitlab() -> Iterator[GitLabStub]:
    stub = GitLabStub().start()
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


def _error(status: int, message: object, headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(status, {"message": message}, headers)


_NOTES = re.compile(rf"/api/v4/projects/(?:{PROJECT_ID}|ml%2Fchurn)/merge_requests/(\d+)/notes")
_NOTE = re.compile(_NOTES.pattern + r"/(\d+)")
_MERGE_REQUEST = re.compile(rf"/api/v4/projects/(?:{PROJECT_ID}|ml%2Fchurn)/merge_requests/(\d+)")
_COMMIT_MRS = re.compile(rf"/api/v4/projects/{PROJECT_ID}/repository/commits/(\w+)/merge_requests")
_STATUS = re.compile(rf"/api/v4/projects/{PROJECT_ID}/statuses/(\w+)")
_MEMBER = re.compile(rf"/api/v4/projects/{PROJECT_ID}/members/all/(\d+)")


def _handler(stub: GitLabStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

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
                    raise _error(fault.status, f"{fault.status} {fault.message}", fault.headers)
                status, payload, headers = self._route(method, parts.path, parts.query, body)
            except _Reply as reply:
                status, payload, headers = reply.status, reply.payload, reply.headers
            if fault is not None and fault.kind == "drop_after":
                self.close_connection = True
                return
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if fault is not None and fault.kind == "drip":
                try:
                    for byte in data:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        if stub.stopped.wait(fault.seconds):
                            break
                except OSError:
                    pass
                return
            self.wfile.write(data)

        def _token(self) -> Token:
            found = stub.tokens.get(self.headers.get("PRIVATE-TOKEN", ""))
            if found is None:
                raise _error(401, "401 Unauthorized")
            return found

        def _writer(self) -> User:
            token = self._token()
            if token.user is None:
                raise _error(403, "403 Forbidden")
            if "api" not in token.scopes:
                raise _Reply(403, {"error": "insufficient_scope", "scope": "api"})
            return token.user

        def _route(
            self, method: str, path: str, query: str, body: bytes
        ) -> tuple[int, object, dict[str, str]]:
            token = self._token()
            params = {k: v[-1] for k, v in parse_qs(query).items()}
            if path in ("/api/v4/user", "/api/v4/users") and method == "GET":
                return self._users(path, token, params)
            if found := _NOTE.fullmatch(path):
                return self._edit(method, int(found[1]), int(found[2]), body)
            if found := _NOTES.fullmatch(path):
                return self._notes(method, int(found[1]), params, body)
            if method == "GET" and (
                found := _MERGE_REQUEST.fullmatch(path) or _COMMIT_MRS.fullmatch(path)
            ):
                return self._merge_requests(found)
            if (found := _STATUS.fullmatch(path)) and method == "POST":
                return self._status(found[1], self._json(body))
            if (found := _MEMBER.fullmatch(path)) and method == "GET":
                level = stub.members.get(int(found[1]))
                if level is None:
                    raise _error(404, "404 Not found")
                return 200, {"id": int(found[1]), "access_level": level}, {}
            raise _error(404, "404 Not Found")

        def _users(
            self, path: str, token: Token, params: dict[str, str]
        ) -> tuple[int, object, dict[str, str]]:
            if path == "/api/v4/users":
                user = stub.users.get(params.get("username", ""))
                return 200, [user.as_json()] if user else [], {}
            if token.user is None:
                raise _error(403, "403 Forbidden")
            return 200, token.user.as_json(), {}

        def _json(self, body: bytes) -> dict[str, Any]:
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                raise _Reply(400, {"error": "body is invalid JSON"}) from None
            if not isinstance(payload, dict):
                raise _Reply(400, {"error": "body must be an object"})
            return payload

        def _merge_requests(self, found: re.Match[str]) -> tuple[int, object, dict[str, str]]:
            """One merge request by iid, or the merge requests of a commit."""
            if found.re is _MERGE_REQUEST:
                self._merge_request(int(found[1]))
                return 200, stub.merge_requests[int(found[1])], {}
            listed = [mr for mr in stub.merge_requests.values() if mr["sha"] == found[1]]
            return 200, listed, {}

        def _merge_request(self, iid: int) -> None:
            if iid not in stub.merge_requests:
                raise _error(404, "404 Not found")

        def _notes(
            self, method: str, iid: int, params: dict[str, str], body: bytes
        ) -> tuple[int, object, dict[str, str]]:
            self._merge_request(iid)
            if method == "POST":
                author = self._writer()
                text = self._json(body).get("body")
                if not isinstance(text, str) or not text:
                    raise _Reply(400, {"error": "body is missing"})
                if len(text) > 1_000_000:
                    raise _error(400, {"note": ["is too long (maximum is 1000000 characters)"]})
                note_id = stub.add_note(iid, author, text)
                return 201, self._find(iid, note_id), {}
            if method != "GET":
                raise _error(405, "405 Method Not Allowed")
            notes = list(stub.notes.get(iid, []))
            if params.get("sort") == "desc":
                notes.reverse()
            per_page = min(int(params.get("per_page", "20")), stub.max_per_page)
            page = max(1, int(params.get("page", "1")))
            chunk = notes[(page - 1) * per_page : page * per_page]
            more = page * per_page < len(notes)
            headers = {
                "X-Page": str(page),
                "X-Per-Page": str(per_page),
                "X-Total": str(len(notes)),
                "X-Next-Page": str(page + 1) if more else "",
            }
            return 200, chunk, headers

        def _find(self, iid: int, note_id: int) -> dict[str, Any]:
            for note in stub.notes.get(iid, []):
                if note["id"] == note_id:
                    return note
            raise _error(404, "404 Not found")

        def _edit(
            self, method: str, iid: int, note_id: int, body: bytes
        ) -> tuple[int, object, dict[str, str]]:
            self._merge_request(iid)
            note = self._find(iid, note_id)
            if method == "GET":
                return 200, note, {}
            if method != "PUT":
                raise _error(405, "405 Method Not Allowed")
            author = self._writer()
            if note["author"]["id"] != author.id:
                raise _error(403, "403 Forbidden")
            text = self._json(body).get("body")
            if not isinstance(text, str) or not text:
                raise _Reply(400, {"error": "body is missing"})
            with stub._lock:
                note["body"] = text
                note["updated_at"] = "2026-12-05T00:00:00.000Z"
                stub.quick_actions.extend(QUICK_ACTION.findall(text))
            return 200, note, {}

        def _status(self, sha: str, payload: dict[str, Any]) -> tuple[int, object, dict[str, str]]:
            self._writer()
            state = payload.get("state")
            if state not in ("pending", "running", "success", "failed", "canceled", "skipped"):
                raise _Reply(400, {"error": "state does not have a valid value"})
            status = {
                "sha": sha,
                "name": payload.get("name") or "default",
                "state": state,
                "description": payload.get("description"),
                "target_url": payload.get("target_url"),
            }
            with stub._lock:
                # One status per name and commit: setting it again replaces it.
                stub.statuses[:] = [
                    s for s in stub.statuses if (s["sha"], s["name"]) != (sha, status["name"])
                ]
                stub.statuses.append(status)
            return 201, status, {}

    return Handler
