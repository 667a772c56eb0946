"""What leaves the machine: one redactor, one Markdown escaper, one guard for the runner's log.

Everything mlgate prints, stores, logs to MLflow or posts passes `redact` (URL userinfo, known
secret values, token shapes). Every string that did not come from mlgate's own code passes the
escapers here before it reaches Markdown (`md`, `code`, `fence`, `html_text`, `mermaid_label`,
`link`). Under GitHub Actions, `guard_workflow_commands` keeps such text from starting a line of
the log, where the runner would obey it (`::add-mask::`, `::stop-commands::`, ...).

Pure and light: no imports beyond the standard library, no I/O but reading the environment.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from html import escape as html_escape
from typing import Any
from urllib.parse import unquote, urlsplit

# --- redaction ----------------------------------------------------------------------------

MASK = "***"
# Environment variables whose values are secrets wherever they show up.
SECRET_ENV = (
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "INPUT_GITHUB-TOKEN",
    "INPUT_GITHUB_TOKEN",
    "MLFLOW_TRACKING_PASSWORD",
    "MLFLOW_TRACKING_TOKEN",
    "MLGATE_GITLAB_TOKEN",
    "CI_JOB_TOKEN",
)
# Shorter values would mask ordinary words; real tokens and passwords are longer.
MIN_SECRET_LENGTH = 6
_registered: set[str] = set()

_URL_AUTHORITY = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<authority>[^/?#\s]*)")
_TOKEN_SHAPES = (
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{16,}"),
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{16,}"),
    # GitLab's personal, project, group and CI job tokens.
    re.compile(r"\bgl(?:pat|cbt|dt|oas|rt|ptt|ft)-[A-Za-z0-9_\-]{16,}"),
    # A credential has a digit somewhere; "basic statistics" is prose.
    re.compile(r"\b(?P<kind>Bearer|Basic)(?P<gap>\s+)(?=[^\s\d]*\d)[A-Za-z0-9._~+/\-]{8,}=*"),
    re.compile(r"(?i)(?P<kind>authorization)(?P<gap>\s*[:=]\s*)[^\s,;]+(\s+[^\s,;]+)?"),
    # An AWS access key id (long-term AKIA, temporary ASIA): 20 characters, no lower case.
    re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
)
# The words that make a name a credential's, as whole segments of the name: `api_key`,
# `db.password`, `apiToken`, `SECRET-KEY`; not `keyboard`, `max_tokens` or `monkey`.
_SECRET_WORDS = frozenset({"password", "passwd", "secret", "token", "key"})
_NAME_SEGMENTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# How a masked param keeps what tells two values apart: a digest, never the value.
_DIGEST_MARK = " sha256:"


def register_secret(value: str | None) -> None:
    """Mask `value` in everything redacted from now on (a token passed as an option)."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        _registered.add(value)


def known_secrets() -> list[str]:
    """The secret values to mask, longest first (so a secret inside another goes too)."""
    found = set(_registered)
    for name in SECRET_ENV:
        found.add(os.environ.get(name, ""))
    found.update(_userinfo_secrets(os.environ.get("MLFLOW_TRACKING_URI", "")))
    return sorted((s for s in found if len(s) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def _userinfo_secrets(uri: str) -> set[str]:
    try:
        password = urlsplit(uri).password
    except ValueError:
        return set()
    return {password, unquote(password)} if password else set()


def redact(text: str) -> str:
    """`text` with URL userinfo, known secret values and token shapes masked."""
    text = _URL_AUTHORITY.sub(_strip_userinfo, text)
    for secret in known_secrets():
        text = text.replace(secret, MASK)
    for shape in _TOKEN_SHAPES:
        text = shape.sub(_mask_token, text)
    return text


def _strip_userinfo(match: re.Match[str]) -> str:
    authority = match["authority"]
    if "@" not in authority:
        return match[0]
    return f"{match['scheme']}{MASK}@{authority.rpartition('@')[2]}"


def _mask_token(match: re.Match[str]) -> str:
    kind = match.groupdict().get("kind")
    return f"{kind}{match['gap']}{MASK}" if kind else MASK


def secret_name(name: str) -> bool:
    """Whether a param's (or setting's) name says its value is a credential: one of its
    segments, split at `.`, `_`, `-` and camelCase, is password, secret, token or key."""
    return any(word.lower() in _SECRET_WORDS for word in _NAME_SEGMENTS.findall(name))


def redact_param(name: str, value: Any) -> str:
    """A param's value as it may be stored or logged: redacted; under a credential's name
    (`secret_name`) the mask and a digest of the value, so that a later run can tell a changed
    credential from the same one without ever keeping it."""
    if not secret_name(name):
        return redact(str(value))
    if param_digest(value) is None and str(value).startswith(MASK):
        return str(value)  # masked already (a stored or logged value read back)
    return f"{MASK}{_DIGEST_MARK}{param_digest(value)}"


def param_digest(value: Any) -> str | None:
    """What tells a credential param's values apart: the digest a masked value keeps, or the
    digest of a raw one; None for a value masked without one (it cannot be told apart)."""
    text = str(value)
    if text.startswith(MASK):
        _, mark, digest = text.partition(_DIGEST_MARK)
        return digest if mark else None
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def redact_data(value: Any) -> Any:
    """`value` (JSON-like: dicts, lists, strings, numbers) with every string redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_data(key): redact_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(item) for item in value]
    return value


# --- the runner's log ----------------------------------------------------------------------

# A line the runner would read as a workflow command is shown after this mark instead.
COMMAND_MARK = "» "
# Blanks and colour codes before `::` (the runner may strip both before it looks).
_LOOKS_LIKE_COMMAND = re.compile(r"(\s|\x1b\[[0-9;]*[A-Za-z])*::")


def guard_workflow_commands(text: str) -> str:
    """`text` with no line the Actions runner would obey: a line that starts with `::` (after
    blanks) is shown after a mark, and the older `##[` form is broken wherever it is."""
    lines = text.splitlines(keepends=True)
    guarded = [COMMAND_MARK + line if _LOOKS_LIKE_COMMAND.match(line) else line for line in lines]
    return "".join(guarded).replace("##[", "##\u200b[")


# GitLab runs a note's line that starts with `/` (after any spaces) as a quick action
# (`/approve`, `/merge`, `/close`), fenced or not, when the note is posted.
_QUICK_ACTION_START = re.compile(r"^([^\S\n]*)/", re.MULTILINE)


def guard_quick_actions(text: str) -> str:
    """`text` with no line starting with `/`: a zero-width space goes before it, invisible in
    the rendered note and in code blocks, so no line can become a GitLab quick action."""
    return _QUICK_ACTION_START.sub(lambda match: f"{match[1]}{ZWSP}/", text)


def under_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


# --- Markdown ------------------------------------------------------------------------------

ZWSP = "\u200b"
# The longest piece of untrusted text one Markdown cell or line shows; the rest is cut.
MAX_TEXT = 1000
# ASCII punctuation that means something inline to CommonMark, GFM or GitHub ($ is math), and
# what makes a block at the start of a line (a list, a setext heading, an ordered list).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&$])")
_LINE_START = re.compile(r"^(\s*)(\d+(?=\.(\s|$))|[-=](?=\s|[-=]*\s*$))")
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
# GitHub links these after rendering: @mentions, #123 references, bare URLs and www. hosts.
_MENTION = re.compile(r"@(?=[A-Za-z0-9_\-])")
_REFERENCE = re.compile(r"#(?=\d)")
_AUTOLINK = re.compile(r"(?i)(://|www\.)")


def shorten(text: object, limit: int = MAX_TEXT) -> str:
    value = str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def one_line(text: str) -> str:
    return _LINE_BREAKS.sub(" ", text.replace("\x00", "\ufffd"))


def _inert(text: str) -> str:
    """No mention, issue reference or autolink that GitHub would make live."""
    text = _MENTION.sub("@" + ZWSP, text)
    text = _REFERENCE.sub("#" + ZWSP, text)
    return _AUTOLINK.sub(lambda m: m[0][0] + ZWSP + m[0][1:], text)


def md(text: object, limit: int = MAX_TEXT) -> str:
    """Untrusted text as inline Markdown (a table cell, a list item): one line, literal."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", _inert(one_line(shorten(text, limit))))
    return _LINE_START.sub(_escape_line_start, escaped)


def _escape_line_start(match: re.Match[str]) -> str:
    if match[2].isdigit():
        return f"{match[1]}{match[2]}\\"  # the `.` after the digits follows
    return f"{match[1]}\\{match[2]}"


def code(text: object, limit: int = MAX_TEXT) -> str:
    """Untrusted text as a code span (nothing renders inside one, no mention is live): the
    delimiter is longer than any backtick run inside; a pipe cannot end a table cell."""
    inner = one_line(shorten(text, limit))
    inner = re.sub(r"(\\*)\|", lambda m: m[1] * 2 + "\\|", inner)
    ticks = "`" * (_longest_run(inner, "`") + 1)
    pad = " " if inner.startswith(("`", " ")) or inner.endswith(("`", " ")) else ""
    return f"{ticks}{pad}{inner}{pad}{ticks}" if inner else "—"


def fence(lines: Iterable[str], info: str = "") -> list[str]:
    """Untrusted lines as a fenced code block whose fence no line can close."""
    body = [line.replace("\r", "").replace("\x00", "\ufffd") for line in lines]
    longest = max((_longest_run(line, "`") for line in body), default=0)
    marker = "`" * max(3, longest + 1)
    return [marker + info, *body, marker]


def html_text(text: object, limit: int = MAX_TEXT) -> str:
    """Untrusted text inside an HTML block (a `<summary>`): escaped, one line, inert."""
    return _inert(html_escape(one_line(shorten(text, limit))))


_MERMAID_UNSAFE = re.compile(r"[^A-Za-z0-9 ._:/\-]")


def mermaid_label(text: object, limit: int = 40) -> str:
    """A Mermaid label from untrusted text: letters, digits and ` ._:/-` only."""
    return _MERMAID_UNSAFE.sub("_", shorten(one_line(str(text)), limit))


# What a URL mlgate builds holds: a space (a model's name) is encoded; anything else
# (brackets, quotes, parentheses, line breaks) means the URL is not one mlgate built.
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#@!$&*+,;=% ]+")


def link(label: str, url: object) -> str:
    """`label` (already Markdown) linked to `url` when it is a plain http(s) URL, else plain."""
    target = safe_url(url)
    return label if target is None else f"[{label}]({target})"


def safe_url(url: object) -> str | None:
    """`url` as a link may carry it (a plain http(s) URL, spaces encoded, no credentials);
    None for anything else."""
    # No credentials in a link, not even masked ones: the browser would send them.
    target = redact(url).replace(f"://{MASK}@", "://") if isinstance(url, str) else ""
    if not _URL_CHARS.fullmatch(target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return target.replace(" ", "%20")


def _longest_run(text: str, char: str) -> int:
    runs = re.findall(f"{re.escape(char)}+", text)
    return max((len(run) for run in runs), default=0)


# --- size ----------------------------------------------------------------------------------


def bounded(items: list[Any], limit: int) -> tuple[list[Any], int]:
    """The first `limit` items and how many were left out."""
    return items[:limit], max(0, len(items) - limit)
