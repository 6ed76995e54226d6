"""The process entry point: Ctrl-C is handled before anything heavy is imported.

Python's default handler raises KeyboardInterrupt wherever the program happens to
be, which prints a traceback during imports and is turned into "Aborted!" (exit 1)
by the option parser. Here an interrupt at any point prints one line and exits
130 (128 + SIGINT, what a shell reports for a process stopped by Ctrl-C); the
unwinding still runs ``finally`` blocks, so no temporary file is left behind.
"""

from __future__ import annotations

import os
import signal
import sys

from clfdiag.errors import EXIT_INTERRUPTED

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any


def _on_interrupt(signum: int, frame: FrameType | None) -> None:
    # One message however often Ctrl-C is pressed while the program unwinds.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # noqa: SIM105 (contextlib would add milliseconds to start-up, unprotected)
        os.write(2, b"interrupted\n")
    except OSError:
        pass
    raise SystemExit(EXIT_INTERRUPTED)


def _on_unraisable(unraisable: Any) -> None:
    # Python discards what a callback raises when it runs outside any caller (the import
    # system's lock clean-up, a weakref callback): an interrupt landing there would be
    # lost and the program would carry on as if it had not come. End here instead.
    if isinstance(unraisable.exc_value, SystemExit) and \
            unraisable.exc_value.code == EXIT_INTERRUPTED:
        os._exit(EXIT_INTERRUPTED)
    if isinstance(unraisable.exc_value, UnicodeDecodeError) and _from_row_handler(unraisable):
        # Arrow decodes a row of the wrong width before handing it to the handler; a row
        # that is not UTF-8 fails there, the parse then fails, and the error names the byte.
        return
    sys.__unraisablehook__(unraisable)


def _from_row_handler(unraisable: Any) -> bool:
    """Whether Arrow was calling the CSV reader's handler of rows of the wrong width."""
    tables = sys.modules.get("clfdiag.io.tables")
    return tables is not None and unraisable.object is tables.skip_space_only_row


def main() -> None:
    """Run the command line with the interrupt handler in place."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_interrupt)
        sys.unraisablehook = _on_unraisable
    # numpy asks the kernel for 2 MiB pages for each array above 4 MiB. Where the kernel
    # compacts memory to find them at the fault (transparent huge pages whose defrag is
    # "madvise", a common default), that costs more than the faults it saves: at 10^7
    # rows, 2.0-2.5 s of system time against 1.0-1.6 s without (evaluate; compare 2.6-3.1
    # against 1.9-2.0), at the same peak memory. Set before numpy is first imported; a
    # value the user set wins.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    from clfdiag.cli.app import main as run

    run()

