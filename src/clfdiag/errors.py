"""The one error type users see: a message they can act on, a hint, and an exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_GATE = 1
"""A gate (``--fail-under``, ``--fail-over``, ``--fail-on``) failed."""
EXIT_INPUT = 2
"""A usage or input error: a :class:`ClfdiagError` by default."""
EXIT_INTERNAL = 3
"""An unexpected failure: a bug, reported in one line."""
EXIT_INTERRUPTED = 130
"""Ctrl-C: 128 + SIGINT, what a shell reports for a process stopped by it."""


class ClfdiagError(Exception):
    """A problem with the user's input or options, reported without a traceback.

    The CLI prints ``error: <message>`` (and ``hint: <hint>`` when there is one) to
    stderr and exits with ``exit_code``: 2 for usage or input errors, 1 for a failed
    gate or check.
    """

    def __init__(self, message: str, hint: str | None = None,
                 exit_code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code

    def __reduce__(self) -> tuple[type[ClfdiagError], tuple[str, str | None, int]]:
        # Raised on a Dask worker, it travels back pickled, hint and exit code included.
        return (type(self), (self.message, self.hint, self.exit_code))

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message} ({self.hint})"


def flag_value(value: str) -> str:
    """A column name or label as it must be typed after a flag (quoted when it has spaces)."""
    return repr(value) if any(ch.isspace() for ch in value) or not value else value
