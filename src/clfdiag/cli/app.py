"""The Typer application: the root options, the commands, and one place that maps errors to exits.

Errors are caught in one place (:func:`reports_errors`): a :class:`ClfdiagError`
prints ``error: ...`` and exits 2 (or its own code); anything unexpected prints
one line and exits 3, with the traceback only under ``--debug``. The exit codes
are defined in :mod:`clfdiag.errors`.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import sys
import types
from collections.abc import Callable, Collection, Sequence
from typing import Annotated, Any

import typer

from clfdiag.cli.commands import COMMANDS
from clfdiag.cli.delivery import say
from clfdiag.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, ClfdiagError
from clfdiag.version import __version__

_state = {"debug": os.environ.get("CLFDIAG_DEBUG") == "1"}


def reports_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Run a command and turn every failure into a message and an exit code, never a traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except ClfdiagError as exc:
            say(f"error: {exc.message}")
            if exc.hint:
                say(f"hint: {exc.hint}")
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:
            say("interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:
            if _state["debug"]:
                raise
            say(_internal_error(exc))
            raise typer.Exit(EXIT_INTERNAL) from None

    return run


def _internal_error(exc: BaseException) -> str:
    """One line, whatever the exception's message holds."""
    what = " ".join(f"{type(exc).__name__}: {exc}".split())
    if len(what) > 500:
        what = what[:500] + "..."
    return (f"internal error: {what} "
            "(run `clfdiag --debug ...` for the traceback, and please report it)")


def readable_metavars(command: Any) -> None:
    """Name each value in the help by what a person types: FLOAT, INTEGER, TEXT, FILE.

    Typer writes Python types (``<float>``, ``<str>``, ``<bool>`` after a flag); a flag
    takes no value, so it shows none. A metavar given by the option is kept.
    """
    readable = {"float": "FLOAT", "int": "INTEGER"}
    for param in command.params:
        if param.param_type_name == "argument":
            # Keep the argument's name (FILES...) in the usage; show FILE as its type.
            shown = "FILE" if param.nargs == 1 else "FILE..."
            param.display_type_rich = lambda ctx, shown=shown: shown  # type: ignore[method-assign]
            continue
        if param.metavar is not None:
            continue
        described = getattr(param, "type_descriptor", None)
        if getattr(param, "is_flag", False):
            param.metavar = ""
        elif described is not None and described.is_choice:
            choices = [str(getattr(c, "value", c)) for c in described.choices or ()]
            param.metavar = "[" + "|".join(choices) + "]"
        elif hasattr(param, "bare_type") and param.bare_type() in readable:
            param.metavar = readable[param.bare_type()]
        else:
            param.metavar = "TEXT"
    help_option = command.get_help_option

    # No click import: recent typer releases carry their own copy of it, not the package.
    def quiet_help_option(ctx: Any) -> Any:
        option = help_option(ctx)
        if option is not None:
            option.metavar = ""  # a flag: no value to name
        return option

    command.get_help_option = quiet_help_option


class ReadableGroup(typer.core.TyperGroup):
    """The command group, with help text that names values as :func:`readable_metavars`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for command in (self, *self.commands.values()):
            readable_metavars(command)


def build_app(full: Collection[str] = COMMANDS) -> typer.Typer:
    """The application with every command; those in ``full`` with their options.

    A command left out of ``full`` stands in by its name and help alone: what the
    root help lists and what a misspelt name is checked against. Building a command's
    options reads its signature and types, which is most of the start-up's cost, so
    the console script builds only the command it runs.
    """
    app = typer.Typer(
        cls=ReadableGroup,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        # Help text is Rich markup (an escaped "\\[plot]" shows as "[plot]"); older typer
        # releases did not default to it.
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    for name in COMMANDS:
        command = getattr(importlib.import_module(f"clfdiag.cli.commands.{name}"), name)
        if name in full:
            app.command()(reports_errors(command))
        else:
            app.command(name=name.replace("_", "-"),
                        help=inspect.cleandoc(command.__doc__ or ""))(_stand_in)
    return app


def _stand_in() -> None:
    """Never run: :func:`main` builds in full the command it is asked to run."""
    raise AssertionError("a command built by name only was run")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"clfdiag {__version__}")
        raise typer.Exit()


def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")]
    = False,
) -> None:
    """Diagnose classifier predictions: how good and how trustworthy they are.

    Exit codes: 0 success, 1 a gate failed, 2 usage or input error, 3 internal error.
    """
    # Set on every invocation: an application run twice in one process (tests, notebooks)
    # must not keep the first run's --debug.
    _state["debug"] = debug or os.environ.get("CLFDIAG_DEBUG") == "1"


def command_named(args: Sequence[str]) -> str | None:
    """The Python name of the command that ``args`` run, if they name one.

    The root options are flags (none takes a value), so the first word that is not
    an option is the command.
    """
    word = next((a for a in args if not a.startswith("-")), None)
    name = word.replace("-", "_") if word is not None else None
    return name if name in COMMANDS else None


def __getattr__(name: str) -> Any:
    # ``app``, every command built in full, is made when first asked for (tests, the
    # Typer runner), not at import: the console script builds its own.
    if name == "app":
        globals()["app"] = built = build_app()
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _MarkdownNotUsed:
    """Stands in for Rich's Markdown renderer, which help in Rich markup never builds."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("help text is Rich markup, never Markdown")


def import_help_formatter() -> None:
    """Import typer's Rich help formatter without Rich's Markdown renderer.

    ``typer.rich_utils`` imports ``rich.markdown``, and markdown-it with it (about a
    fifth of the time ``clfdiag --help`` takes), for the Markdown markup mode, which this
    application does not use. A placeholder stands in while the formatter is imported
    and is removed at once: whatever imports ``rich.markdown`` later gets the real one.
    """
    if "typer.rich_utils" in sys.modules or "rich.markdown" in sys.modules:
        return
    placeholder = types.ModuleType("rich.markdown")
    placeholder.Markdown = _MarkdownNotUsed  # type: ignore[attr-defined]
    sys.modules["rich.markdown"] = placeholder
    try:
        importlib.import_module("typer.rich_utils")
    finally:
        del sys.modules["rich.markdown"]


def main() -> None:
    """Console-script entry point (see :mod:`clfdiag.entry` for the process-level one)."""
    args = sys.argv[1:]
    if not args or "--help" in args or "-h" in args:
        import_help_formatter()
    chosen = command_named(args)
    try:
        build_app(full=() if chosen is None else (chosen,))()
    except KeyboardInterrupt:
        say("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # outside a command: while parsing options, say
        if _state["debug"]:
            raise
        say(_internal_error(exc))
        sys.exit(EXIT_INTERNAL)
