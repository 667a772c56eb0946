"""One exception hierarchy; each class carries the exit code the CLI maps it to.

Exit codes (README "Exit codes"):
0 pass, 1 the check ran and blocks the change, 2 the user's input is wrong,
3 no verdict because an outside system failed.
"""

from __future__ import annotations

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_INPUT = 2
EXIT_NO_VERDICT = 3


class MlgateError(Exception):
    """Base of every error mlgate expects; never shown to users as a traceback."""

    exit_code = EXIT_NO_VERDICT


class InputError(MlgateError):
    """The user's input is wrong: config, schema, metrics file, CLI usage."""

    exit_code = EXIT_INPUT


class ConfigError(InputError):
    """mlgate.yaml is wrong; the message names the file, the line and the key."""

    def __init__(
        self,
        message: str,
        *,
        path: str,
        line: int | None = None,
        column: int | None = None,
        key: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.key = key
        self.reason = message
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.reason}"


class MissingExtra(InputError):
    """An optional dependency group is not installed; the message names the extra to install."""

    def __init__(self, module: str, extra: str, why: str = "which is not installed") -> None:
        super().__init__(
            f"this command needs the Python package {module!r}, {why}; "
            f"install it with: pip install 'mlgate[{extra}]'"
        )


class GateFailed(MlgateError):
    """The check ran and the change is blocked."""

    exit_code = EXIT_FAIL


class ExternalError(MlgateError):
    """An outside system failed (MLflow, DVC, git, the GitHub API): no verdict."""

    exit_code = EXIT_NO_VERDICT


class NoReferenceYet(ExternalError):
    """Nothing to compare with, by design: the first model has no champion yet (bootstrap).

    Still no verdict on its own; `mlgate gate` reports the step as not run for that reason."""
