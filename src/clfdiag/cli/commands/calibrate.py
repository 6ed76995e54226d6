"""``clfdiag calibrate``: its options, the reading of its input, the API call and the delivery."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from clfdiag.cli.delivery import emit, input_paths, refuse_overwriting, say
from clfdiag.cli.options import (
    FORMATS_READ,
    Format,
    FormatOpt,
    MinConfidence,
    PlotOpt,
    reads_predictions,
)
from clfdiag.errors import ClfdiagError
from clfdiag.limits import check_limits

if TYPE_CHECKING:
    from clfdiag.io import ReadOptions


@reads_predictions(without=("pred_col", "scores", "weight_col"))
def calibrate(
    file: Annotated[str, typer.Argument(
        help=f"Predictions with true labels: {FORMATS_READ}.")],
    *,
    method: Annotated[list[str] | None, typer.Option(
        "--method", help="temperature, platt, isotonic, beta, histogram (binary); "
        "temperature, vector_scaling (multiclass). Repeatable. Default: all that apply.",
        rich_help_panel="Calibration")] = None,
    folds: Annotated[int, typer.Option(
        help="Cross-fitting folds (stratified): each fold is mapped by the map fitted on the "
        "others.", min=2, rich_help_panel="Calibration")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the folds and of --bootstrap.", min=0,
                                      rich_help_panel="Calibration")] = 0,
    platt_smoothing: Annotated[bool, typer.Option(
        "--platt-smoothing", help="Fit Platt scaling to Platt's smoothed targets "
        "(N+ + 1)/(N+ + 2) and 1/(N- + 2), as scikit-learn does.",
        rich_help_panel="Calibration")] = False,
    bootstrap: Annotated[int, typer.Option(
        help="Percentile interval of the ECE before and after, from N stratified resamples.",
        min=0, rich_help_panel="Statistics")] = 0,
    save: Annotated[str | None, typer.Option(
        "--save", metavar="MAPPING.json", help="Write the fitted map (the --method given, else "
        "the recommended one) for --apply.", rich_help_panel="Calibration")] = None,
    apply: Annotated[str | None, typer.Option(
        "--apply", metavar="MAPPING.json", help="Apply a saved map to FILE and write FILE with "
        "calibrated probabilities to -o (.csv, or .parquet).",
        rich_help_panel="Calibration")] = None,
    options: ReadOptions,
    min_confidence: MinConfidence = 0.9,
    bins: Annotated[int, typer.Option(
        help="Bins of the ECE, the MCE and the reliability diagrams (equal width), and of the "
        "histogram method.", min=1)] = 15,
    output_format: FormatOpt = Format.table,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="Write the report to this file; with --apply, the calibrated "
        "predictions (the report goes to stdout).", rich_help_panel="Output")] = None,
    plot: PlotOpt = None,
) -> None:
    """Fit recalibration maps, judge them on held-out folds, save one, or apply a saved one."""
    from clfdiag.io import read_predictions

    check_limits(bins=bins, bootstrap=bootstrap)
    inputs = input_paths(file, options.labels_file)
    refuse_overwriting([*inputs, *input_paths(apply)], output, save, "--save")
    if apply is not None:
        _apply_mapping(file, options, apply, output, method, save, platt_smoothing, bins,
                       min_confidence, bootstrap, seed, output_format, plot)
        return
    from clfdiag.api import calibrate as fit_and_cross_fit
    from clfdiag.reports.calibrate import saved_mapping

    preds = read_predictions(file, options)
    report = fit_and_cross_fit(preds, methods=method, folds=folds, seed=seed, bins=bins,
                               min_confidence=min_confidence, platt_smoothing=platt_smoothing,
                               bootstrap=bootstrap)
    if save is not None:
        import json

        from clfdiag.io.output import write_report

        chosen = method[0] if method and len(set(method)) == 1 else None
        write_report(save, json.dumps(saved_mapping(report, chosen), indent=2) + "\n", inputs)
        say(f"wrote {save} ({chosen or report['recommended']})")
    emit(dict(report), output_format, output, plot, inputs)


def _apply_mapping(file: str, options: Any, mapping: str, output: str | None,
                   method: list[str] | None, save: str | None, platt_smoothing: bool,
                   bins: int, min_confidence: float, bootstrap: int, seed: int,
                   output_format: Format, plot: str | None) -> None:
    """``calibrate --apply``: map FILE's probabilities, write them to -o, report on stdout."""
    import json

    from clfdiag.api import apply_calibration
    from clfdiag.io import read_predictions
    from clfdiag.io.calibrated import output_format as calibrated_format

    for flag, given in (("--method", method), ("--save", save),
                        ("--platt-smoothing", platt_smoothing)):
        if given:
            raise ClfdiagError(f"--apply and {flag} cannot be combined: the mapping file "
                               "holds the fitted map", f"leave out {flag}")
    if output is None:
        raise ClfdiagError("--apply needs -o FILE for the calibrated predictions",
                           "e.g. -o calibrated.csv (or .parquet)")
    calibrated_format(output)
    try:
        with open(mapping, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise ClfdiagError(f"--apply {mapping}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ClfdiagError(f"--apply {mapping}: not a JSON file ({exc})",
                           "give a mapping written by `clfdiag calibrate --save`") from None
    preds = read_predictions(file, options)
    report, _ = apply_calibration(preds, data, mapping_name=mapping, output=output, bins=bins,
                                  min_confidence=min_confidence, bootstrap=bootstrap, seed=seed,
                                  write=True)
    say(f"wrote {output}")
    emit(dict(report), output_format, None, plot, input_paths(file, mapping))
