"""Why a `dvc pull` found nothing: DVC reports a remote it cannot reach as data "missing"
(its existence checks answer no), and a remote whose plugin is absent as an unexpected error.
Both are told here the way a user fixes them: the host that does not resolve, refuses or does
not answer; the folder that does not exist; the pip package to install.

The remote's URL is read from DVC's config and never shown (it may carry credentials): only
its host and port, or that a local folder is missing.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

from mlgate.core.errors import MlgateError
from mlgate.repro.runner import open_repo

REACH_TIMEOUT_S = 5.0  # a connection, not a transfer: a reachable remote answers at once
NETWORK_PORTS = {"http": 80, "https": 443, "webdav": 80, "webdavs": 443, "ssh": 22, "sftp": 22}
# DVC: "s3 is supported, but requires 'dvc-s3' to be installed: No module named 'dvc_s3'"
_MISSING_PLUGIN = re.compile(r"(\w+) is supported, but requires '(dvc-[\w-]+)' to be installed")


def missing_plugin(output: str) -> tuple[str, str] | None:
    """(the remote's scheme, the pip package DVC needs for it) when DVC said one is missing."""
    found = _MISSING_PLUGIN.search(output)
    return (found.group(1), found.group(2)) if found else None


def default_remote_url(root: Path) -> str | None:
    """The URL of the default DVC remote, as DVC resolves it for this repository."""
    try:
        with open_repo(root) as repo:
            name = repo.config["core"].get("remote")
            url = repo.config["remote"][name]["url"] if name else None
    except (MlgateError, KeyError):
        return None
    return str(url) if url else None


def unreachable(url: str, root: Path, timeout_s: float = REACH_TIMEOUT_S) -> str | None:
    """How the remote at `url` cannot be reached, or None when it can (or mlgate cannot tell:
    cloud storage is reached through its SDK and its credentials)."""
    parts = urlsplit(url)
    if parts.scheme in NETWORK_PORTS:
        port = parts.port or NETWORK_PORTS[parts.scheme]
        return _host_problem(parts.hostname or "", port, timeout_s)
    if parts.scheme in ("", "file") or re.match(r"^[A-Za-z]:[\\/]", url):
        folder = Path(parts.path if parts.scheme == "file" else url)
        # a relative remote is relative to .dvc/config's folder (`dvc remote add` writes it so)
        folder = folder if folder.is_absolute() else root / ".dvc" / folder
        return None if folder.is_dir() else "its folder does not exist"
    return None


def _host_problem(host: str, port: int, timeout_s: float) -> str | None:
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"its host {host!r} does not resolve (DNS)"
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return None
    except ConnectionRefusedError:
        return f"{host}:{port} refused the connection"
    except TimeoutError:
        return f"{host}:{port} did not answer within {timeout_s:g} s"
    except OSError as exc:
        return f"{host}:{port} cannot be reached ({exc.strerror or exc})"
