"""The calibration estimators ``evaluate`` adds to its report, each named by view and binning.

Binary reports gain the positive-class ECE in ``metrics`` (``ece_positive_class``,
beside the top-label ``ece``) and its reliability bins with Wilson intervals
(``reliability_positive_class``). Every report gains ``calibration_estimators``:

- ``binned``: one entry per view and binning, with ``ece``, ``mce``, ``l2``
  and Kumar et al.'s ``debiased_l2`` (:mod:`clfdiag.core.calibration_error`):
  ``top_label`` equal-width; binary ``positive_class`` equal-width and
  equal-mass; multiclass ``top_label`` equal-mass and ``classwise``
  equal-width (up to :data:`MAX_CLASSWISE_CELLS` probabilities when counted from
  the rows; at any size when read from the evaluation's class rankings);
- ``smooth_ece``: Blasiok & Nakkiran's smooth ECE of the main view
  (positive class for binary, top label for multiclass) and its bandwidth;
- ``ece_interval``: with ``--bootstrap N``, the percentile interval of the
  top-label equal-width ECE.

In streaming mode and for hard predictions, these are null and ``undefined``
says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from clfdiag.core.calibration_error import (
    BINNINGS,
    BinnedCalibration,
    Binning,
    binned_calibration,
    calibration_from_bins,
    calibration_view,
    classwise_calibration,
    classwise_from,
    ece_bootstrap_interval,
    smooth_ece,
    top_label_view,
)
from clfdiag.reports.calibrate import reliability_json

MAX_CLASSWISE_CELLS = 10**7
"""Class-wise ECE from the rows costs one pass over them per class: beyond this many
probabilities (rows x classes, about 0.4 s) it is left out, with a note, unless the
evaluation read each class's bins from its class ranking."""


def _entry(view: str, c: BinnedCalibration) -> dict[str, Any]:
    return {"view": view, "binning": c.binning, "ece": c.ece, "mce": c.mce, "l2": c.l2,
            "debiased_l2": c.debiased_l2}


def top_label_from_report(calibration: dict[str, Any], bins: int) -> BinnedCalibration:
    """The equal-width top-label estimators from the bins ``evaluate`` already counted."""
    counts = np.array([b["count"] for b in calibration["bins"]], dtype=np.int64)
    score_sum = np.array([(b["confidence"] or 0.0) * b["count"] for b in calibration["bins"]])
    edges = np.array([b["upper"] for b in calibration["bins"]])
    hits = np.array(calibration["correct"], dtype=np.float64)
    return calibration_from_bins(edges, counts, score_sum, hits, "equal_width", bins,
                                 "top_label")


def calibration_estimators(y: npt.NDArray[np.integer], proba: npt.NDArray[np.float64], bins: int,
                           bootstrap: int = 0, seed: int | None = None,
                           top_label: BinnedCalibration | None = None,
                           positive_class: Mapping[Binning, BinnedCalibration] | None = None,
                           classwise: tuple[BinnedCalibration, ...] | None = None,
                           ) -> tuple[dict[str, Any], BinnedCalibration | None]:
    """The ``calibration_estimators`` block of an in-memory evaluation.

    Equal-mass binning and the smooth ECE are computed for the main view only
    (binary: positive class; multiclass: top label), which keeps the cost at
    about one sort and a few passes over the rows. ``top_label`` (equal-width)
    is reused when given, and so are ``positive_class``, the binary positive-class
    bins of each binning that the evaluation read from its ranking
    (:func:`~clfdiag.core.calibration_error.ranked_calibration`), instead of
    binning the rows twice and sorting them again; so are ``classwise``, each class's
    equal-width bins that a multiclass evaluation read from its class rankings. Also
    returns the equal-width positive-class calibration (binary), else None.
    """
    binary = proba.ndim == 1
    main: Literal["positive_class", "top_label"] = "positive_class" if binary else "top_label"
    # Multiclass: the top-label view (an argmax over the rows), taken once.
    top = None if binary else top_label_view(y, proba)
    computed = {("top_label", "equal_width"):
                top_label or (calibration_view(y, proba, "top_label", bins) if top is None
                              else binned_calibration(*top, bins, "equal_width", main))}
    if top is not None:
        computed[main, "equal_mass"] = binned_calibration(*top, bins, "equal_mass", main)
    elif positive_class is not None and all(positive_class[b].n_bins == bins
                                            for b in BINNINGS):
        for binning in BINNINGS:
            computed["positive_class", binning] = positive_class[binning]
    else:
        computed["positive_class", "equal_width"] = calibration_view(y, proba, main, bins)
        computed[main, "equal_mass"] = calibration_view(y, proba, main, bins, "equal_mass")
    binned = [_entry(view, c) for (view, _), c in computed.items()]
    notes = []
    if not binary:
        cw = None
        if classwise is not None and len(classwise) == proba.shape[1] and all(
                c.n_bins == bins for c in classwise):
            cw = classwise_from(classwise)
        elif proba.size <= MAX_CLASSWISE_CELLS:
            cw = classwise_calibration(y, proba, bins)
        if cw is not None:
            binned.append({"view": "classwise", "binning": cw.binning, "ece": cw.ece,
                           "mce": None, "l2": None, "debiased_l2": cw.debiased_l2})
        else:
            notes.append(f"class-wise ECE left out: {proba.shape[0]:,} rows x {proba.shape[1]:,} "
                         f"classes is more than {MAX_CLASSWISE_CELLS:,} probabilities")
    smooth = smooth_ece(proba, y == 1) if top is None else smooth_ece(*top)
    interval = None
    if bootstrap:
        pair = ece_bootstrap_interval(y, proba, bootstrap, seed, n_bins=bins)
        interval = {"view": "top_label", "binning": "equal_width", "resamples": bootstrap,
                    "seed": seed, "interval": None if pair is None else list(pair)}
    block = {"bins": bins, "binned": binned,
             "smooth_ece": {"view": "positive_class" if binary else "top_label",
                            "value": smooth.smooth_ece, "bandwidth": smooth.bandwidth},
             "ece_interval": interval, "undefined": None, "notes": notes}
    return block, computed.get(("positive_class", "equal_width"))


def add_calibration_estimators(report: Any, y: npt.NDArray[np.integer] | None,
                               proba: npt.NDArray[np.float64] | None, bins: int,
                               bootstrap: int = 0, seed: int | None = None,
                               unavailable: str | None = None,
                               positive_class: Mapping[Binning, BinnedCalibration] | None = None,
                               classwise: tuple[BinnedCalibration, ...] | None = None,
                               ) -> None:
    """Add the estimators to an ``evaluate`` report, or nulls with ``unavailable`` as the reason.

    The positive-class ECE goes into ``metrics`` right after ``ece``.
    ``positive_class``: the evaluation's positive-class bins of each binning, and
    ``classwise``: its class-wise bins, reused.
    """
    binary = report["task"] == "binary"
    positive: float | None = None
    reliability = None
    if unavailable is None and y is not None and proba is not None:
        top_label = (top_label_from_report(report["calibration"], bins)
                     if report["calibration"]["bins"] else None)
        block, view = calibration_estimators(y, proba, bins, bootstrap, seed, top_label,
                                             positive_class, classwise)
        if view is not None:
            positive, reliability = view.ece, reliability_json(view)
    else:
        block = {"bins": bins, "binned": [], "smooth_ece": None, "ece_interval": None,
                 "undefined": unavailable, "notes": []}
    if binary:
        metrics = report["metrics"]
        ordered = {}
        for key, value in metrics.items():
            ordered[key] = value
            if key == "ece":
                ordered["ece_positive_class"] = positive
        ordered.setdefault("ece_positive_class", positive)
        metrics.clear()
        metrics.update(ordered)
        if positive is None and unavailable is not None:
            report["undefined"]["ece_positive_class"] = unavailable
    report["reliability_positive_class"] = reliability
    report["calibration_estimators"] = block
