"""One exception hierarchy; each class carries the exit code the CLI maps it to.

Exit codes (docs/exit-codes.md):
0 pass, 1 the check ran and blocks the change, 2 the user's input is wrong,
3 no verdict because an outside system failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import Literal

Status = Literal["pass", "fail", "error", "not-gated"]
# A comparison without a config: shown, never judged. Its command exits 0; anything that reads
# the result file for a verdict (a report, promote) finds none in it.
NOT_GATED: Status = "not-gated"


class ExitStatus(IntEnum):
    """The exit code of every command, and the one ranking of codes when several steps end
    differently (as httpie's `ExitStatus` and black's `Report.return_code`)."""

    PASS = 0
    BLOCKED = 1
    INPUT = 2
    NO_VERDICT = 3

    @classmethod
    def of(cls, code: int) -> ExitStatus:
        """A code outside the contract (a step killed by a signal, a crashed interpreter's
        120) is no verdict: a gate fails closed."""
        return cls(code) if code in cls._value2member_map_ else cls.NO_VERDICT

    @classmethod
    def worst(cls, codes: Iterable[int]) -> ExitStatus:
        """The code of several steps: 2 if any input was wrong (no rerun fixes it, and it may
        be why another step failed), else 3 if any step had no verdict, else 1 if any
        blocked, else 0 (also for no steps)."""
        found = {cls.of(code) for code in codes}
        for status in (cls.INPUT, cls.NO_VERDICT, cls.BLOCKED):
            if status in found:
                return status
        return cls.PASS

    @classmethod
    def of_result(cls, status: object, exit_code: object = None) -> ExitStatus:
        """The code a result file stands for: its status, and for an error the code it
        carries (2 or 3; anything else, or none, is no verdict)."""
        if status == "pass":
            return cls.PASS
        if status == "fail":
            return cls.BLOCKED
        return cls.INPUT if exit_code == cls.INPUT else cls.NO_VERDICT

    @property
    def status(self) -> Status:
        """The result file's `status` for this code: pass, fail (blocked) or error."""
        if self is ExitStatus.PASS:
            return "pass"
        return "fail" if self is ExitStatus.BLOCKED else "error"


class MlgateError(Exception):
    """Base of every error mlgate expects; never shown to users as a traceback."""

    exit_code = ExitStatus.NO_VERDICT


class InputError(MlgateError):
    """The user's input is wrong: config, schema, metrics file, CLI usage."""

    exit_code = ExitStatus.INPUT


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

    exit_code = ExitStatus.BLOCKED


class ExternalError(MlgateError):
    """An outside system failed (MLflow, DVC, git, the GitHub API): no verdict."""

    exit_code = ExitStatus.NO_VERDICT


class NoReferenceYet(ExternalError):
    """Nothing to compare with, by design: the first model has no champion yet (bootstrap).

    Still no verdict on its own; `mlgate gate` reports the step as not run for that reason."""
