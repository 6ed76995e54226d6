"""What every command does around the API call: read options, refuse overwrites, deliver.

The report goes to stdout or ``-o`` in the chosen format (figures to ``--plot``),
then the gates are applied: a failed gate exits 1 after the report is written.
"""

from __future__ import annotations

import os
from typing import Any

import typer

from clfdiag.cli.options import Delivery, Format
from clfdiag.errors import EXIT_GATE, ClfdiagError


def say(message: str) -> None:
    """A message for people, on stderr, so that stdout stays parseable."""
    typer.echo(message, err=True)


def where(report: dict[str, Any]) -> list[str]:
    """Where loss and accuracy both rose, for a gate message: ``at epochs 6, 7``."""
    if not report["flagged"]:
        return []
    label = report.get("source", {}).get("labelled_by", "epoch")
    return [f"at {label}s " + ", ".join(str(e) for e in report["flagged"])]


def input_paths(*paths: str | None) -> list[str]:
    """The input files of a command, for the checks that no output overwrites one."""
    return [p for p in paths if p is not None]


def refuse_overwriting(inputs: list[str], output: str | None, junit: str | None,
                        junit_flag: str = "--junit") -> None:
    """Fail before any work when a report would be written over one of its own inputs.

    ``junit`` is the second file a command writes (``--junit``, or ``--save``).
    """
    from clfdiag.io.output import refuse_inputs

    for path in (output, junit):
        if path is not None:
            refuse_inputs(path, inputs)
    if output is not None and junit is not None:
        same = os.path.realpath(junit) == os.path.realpath(output)
        try:
            refuse_inputs(junit, [output])
        except ClfdiagError:
            same = True
        if same:
            raise ClfdiagError(f"{junit_flag} {junit} and -o {output} are the same file: "
                               "one would overwrite the other",
                               f"give {junit_flag} its own file")


def emit(report: dict[str, Any], output_format: Format, output: str | None,
         plot: str | None, inputs: list[str]) -> None:
    """Write the report in ``output_format`` to ``output`` (or stdout), figures to ``plot``."""
    from clfdiag.render import formats
    from clfdiag.render.views import document

    figures = draw_figures(report, plot, output_format is Format.html, inputs)
    if output_format is Format.html:
        from clfdiag.render.html import to_html
        from clfdiag.render.plots import svg_text

        svgs = None if figures is None else {k: svg_text(f) for k, f in figures.items()}
        write(to_html(document(report), svgs, report["schema_version"]), output, inputs)
        return
    if output_format is Format.table:
        from rich.console import Console

        from clfdiag.render.terminal import to_rich

        view = to_rich(document(report))
        import io

        if output is None:
            # Rendered for this terminal into memory, then written once, so that a closed,
            # full or broken stdout is handled like any other output.
            terminal = Console(highlight=False)
            console = Console(highlight=False, file=io.StringIO(), width=terminal.width,
                              color_system=terminal.color_system,
                              force_terminal=terminal.is_terminal)
            console.print(view)
            write(console.file.getvalue(), None, inputs)  # type: ignore[attr-defined]
            return
        console = Console(record=True, width=100, file=io.StringIO())
        console.print(view)
        text = console.export_text()
    else:
        render = {Format.json: formats.to_json, Format.csv: formats.to_csv,
                  Format.markdown: formats.to_markdown}[output_format]
        text = render(report)
    write(text, output, inputs)


def write(text: str, output: str | None, inputs: list[str]) -> None:
    """Write ``text`` to ``output`` (atomically, never over an input) or to stdout."""
    from clfdiag.io.output import write_report, write_standard_output

    if output is None:
        write_standard_output(text)
    else:
        write_report(output, text, inputs)
        say(f"wrote {output}")


def draw_figures(report: dict[str, Any], plot: str | None, for_html: bool,
                 inputs: list[str]) -> dict[str, Any] | None:
    """Draw the figures when wanted; for HTML alone, a missing matplotlib only drops them."""
    if not plot and not for_html:
        return None
    from clfdiag.render import plots
    from clfdiag.render.views import figures as report_figures

    try:
        figures = report_figures(report)
    except ClfdiagError:
        if plot:
            raise
        say("note: the HTML report has no figures: pip install 'clfdiag[plot]'")
        return None
    if plot:
        from clfdiag.io.output import write_files

        written = write_files(plot, plots.figure_files(figures), inputs)
        say(f"wrote {len(written)} figure files to {plot}")
    return figures


def finish(report: dict[str, Any], results: list[Any], delivery: Delivery,
           inputs: list[str]) -> None:
    """Record the gates in the report, write it (and its figures), then apply the gates."""
    if results:
        report = {**report, "gates": [r.as_dict() for r in results]}
    emit(report, delivery.output_format, delivery.output, delivery.plot, inputs)
    finish_gates(results, delivery.junit, report["command"], inputs)


def finish_gates(results: list[Any], junit: str | None, command: str,
                 inputs: list[str]) -> None:
    """Write the gates as JUnit XML when asked, then exit 1 if one failed."""
    if junit:
        from clfdiag.io.output import write_report
        from clfdiag.render.formats import to_junit

        write_report(junit, to_junit(results, command), inputs)
    failed = [r for r in results if not r.passed]
    for r in failed:
        say(f"gate failed: {r.describe()}")
    if failed:
        raise typer.Exit(EXIT_GATE)
