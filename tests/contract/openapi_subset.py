"""Cut GitHub's OpenAPI description down to the operations mlgate calls, for Prism.

Prism needs about a minute to load the whole api.github.com description (13 MB, ~1,100
operations) before it answers; the four operations mlgate uses, with every component they
reference (followed transitively), load in about a second. The cut is made at test time from
the installed @octokit/openapi file, so the contract is always the published one.

One addition, on the response side only: each `application/json` response is also offered as
`application/vnd.github+json`. GitHub answers that Accept header (the one its docs ask
clients to send) with JSON, but the description lists only `application/json`, and Prism's
content negotiation would answer 406 before validating anything. Requests are validated
against the description unchanged.
"""

from __future__ import annotations

import copy
from typing import Any

# (path, method) of every REST operation mlgate's client makes.
OPERATIONS = (
    ("/user", "get"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "get"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "post"),
    ("/repos/{owner}/{repo}/issues/comments/{comment_id}", "patch"),
    # the maintainer override and the verdict on the commit (GitHubForge)
    ("/repos/{owner}/{repo}/pulls/{pull_number}", "get"),
    ("/repos/{owner}/{repo}/collaborators/{username}/permission", "get"),
    ("/repos/{owner}/{repo}/check-runs", "post"),
    ("/repos/{owner}/{repo}/check-runs/{check_run_id}", "patch"),
    ("/repos/{owner}/{repo}/statuses/{sha}", "post"),
    ("/repos/{owner}/{repo}/commits/{ref}/check-runs", "get"),
)
VENDOR_JSON = "application/vnd.github+json"


def subset(
    spec: dict[str, Any], operations: tuple[tuple[str, str], ...] = OPERATIONS
) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, method in operations:
        item = spec["paths"][path]
        kept = paths.setdefault(path, {k: v for k, v in item.items() if k == "parameters"})
        kept[method] = copy.deepcopy(item[method])
    components: dict[str, dict[str, Any]] = {}
    pending = list(_refs(paths))
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)  # "#/components/<kind>/<name>"
        target = spec["components"][kind][_unescape(name)]
        components.setdefault(kind, {})[_unescape(name)] = target
        pending.extend(_refs(target))
    out = {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "servers": spec.get("servers", []),
        "paths": paths,
        "components": copy.deepcopy(components),
    }
    _offer_vendor_json(out)
    return out


def _refs(node: object) -> list[str]:
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/"):
                found.append(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _unescape(name: str) -> str:
    return name.replace("~1", "/").replace("~0", "~")


def _offer_vendor_json(node: object) -> None:
    # Only response content maps (under "responses"), never request bodies.
    stack: list[tuple[object, bool]] = [(node, False)]
    while stack:
        item, in_responses = stack.pop()
        if isinstance(item, dict):
            content = item.get("content")
            if in_responses and isinstance(content, dict) and "application/json" in content:
                content.setdefault(VENDOR_JSON, content["application/json"])
            for key, value in item.items():
                stack.append((value, in_responses or key == "responses"))
        elif isinstance(item, list):
            stack.extend((value, in_responses) for value in item)
