"""What can stop a command, each with the exit code the CLI ends with."""

from __future__ import annotations

# Exit codes (docs/cli.md): every image succeeded, some failed, usage or configuration,
# service unreachable after retries, and interrupted (Ctrl+C; run the command again).
OK, SOME_FAILED, USAGE, UNREACHABLE, INTERRUPTED = 0, 1, 2, 3, 130


class CliError(Exception):
    exit_code = SOME_FAILED


class ConfigError(CliError):
    """A missing or wrong setting: a one-line message, never a traceback."""

    exit_code = USAGE


class Unreachable(CliError):
    """Still a connection error or a transient status after every retry."""

    exit_code = UNREACHABLE


class ApiError(CliError):
    """A permanent error answer, with the server's stable code when it sent one."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}
