"""The ``calibration_tests`` and ``decomposition_change`` sections, and the reading of a change."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clfdiag.core.calibration_tests import (
        CalibrationTests,
        Decomposition,
        DecompositionChange,
        PartsChange,
        ScoreDecomposition,
    )


def _score_json(d: ScoreDecomposition) -> dict[str, float]:
    return {"score": d.score, "miscalibration": d.miscalibration,
            "discrimination": d.discrimination, "uncertainty": d.uncertainty}


def decomposition_json(d: Decomposition | None) -> dict[str, Any] | None:
    """``{"log_loss": {...}, "brier": {...}}``, each score with its three CORP parts."""
    if d is None:
        return None
    return {"log_loss": _score_json(d.log_loss), "brier": _score_json(d.brier)}


def calibration_tests_json(t: CalibrationTests) -> dict[str, Any]:
    """One probability's ``calibration_tests`` object, every key of the documented contract."""
    s, u, hl = t.spiegelhalter, t.unreliability, t.hosmer_lemeshow
    return {
        "n": t.n,
        "clipped": t.clipped,
        "spiegelhalter": None if s is None else {"z": s.z, "p": s.p},
        "calibration_intercept": t.calibration_intercept,
        "calibration_slope": t.calibration_slope,
        "calibration_in_the_large": t.calibration_in_the_large,
        "calibration_in_the_large_se": t.calibration_in_the_large_se,
        "unreliability": None if u is None else {"u": u.u, "chi2": u.chi2, "p": u.p},
        "discrimination_index": t.discrimination_index,
        "quality_index": t.quality_index,
        "r2_nagelkerke": t.r2_nagelkerke,
        "dxy": t.dxy,
        "hosmer_lemeshow": None if hl is None else {
            "method": hl.method, "groups": hl.groups, "statistic": hl.statistic,
            "df": hl.df, "p": hl.p},
        "e_avg": t.e_avg,
        "e_90": t.e_90,
        "e_max": t.e_max,
        "smoother": t.smoother,
        "decomposition": decomposition_json(t.decomposition),
        "undefined": dict(t.undefined),
    }


def calibration_tests_section(tests: CalibrationTests | Sequence[CalibrationTests],
                              classes: Sequence[str] = ()) -> dict[str, Any]:
    """JSON key ``calibration_tests``: the binary object, or ``{"per_class": {class: object}}``.

    ``tests`` is one result (binary: the positive class's probability) or one per
    class in the order of ``classes`` (multiclass, one-vs-rest).
    """
    if not isinstance(tests, Sequence):
        return calibration_tests_json(tests)
    return {"per_class": {str(c): calibration_tests_json(t)
                          for c, t in zip(classes, tests, strict=True)}}


def _parts_json(c: PartsChange) -> dict[str, float]:
    return {"miscalibration": c.miscalibration, "discrimination": c.discrimination,
            "uncertainty": c.uncertainty}


def decomposition_change_json(change: DecompositionChange | None) -> dict[str, Any] | None:
    """JSON key ``decomposition_change``: B minus A of each part, log loss and Brier score."""
    if change is None:
        return None
    return {"log_loss": _parts_json(change.log_loss), "brier": _parts_json(change.brier)}


def _decimals(size: float) -> int:
    """Enough decimals to show ``size`` with two significant digits (at least 2)."""
    if size <= 0 or not math.isfinite(size):
        return 2
    return max(2, 1 - math.floor(math.log10(size)))


def decomposition_reading(change: PartsChange, score_change: float, *,
                          score: str = "loss", slope_after: float | None = None) -> str:
    """A sentence naming the part that moved the score from A to B.

    "loss rose by 0.12: miscalibration +0.12, discrimination +0.00: the model became
    overconfident, its ranking did not change". A part shown as zero at the
    sentence's precision (two significant digits of the score's change) did not
    change. The calibration half says "overconfident" (resp. "underconfident")
    when miscalibration rose and B's calibration slope is below (above) 1.
    """
    digits = _decimals(abs(score_change))
    # + 0.0 turns a part rounded to -0.0 into 0.0, which reads as "did not change".
    mcb = round(change.miscalibration, digits) + 0.0
    dsc = round(change.discrimination, digits) + 0.0
    direction = "rose" if score_change > 0 else "fell" if score_change < 0 else "did not move"
    head = f"{score} {direction}"
    if score_change:
        head += f" by {abs(score_change):.{digits}f}"
    parts = (f"miscalibration {mcb:+.{digits}f}, discrimination {dsc:+.{digits}f}")
    if mcb > 0:
        if slope_after is not None and slope_after < 1:
            calibration = "the model became overconfident"
        elif slope_after is not None and slope_after > 1:
            calibration = "the model became underconfident"
        else:
            calibration = "its calibration worsened"
    elif mcb < 0:
        calibration = "its calibration improved"
    else:
        calibration = "its calibration did not change"
    ranking = ("its ranking improved" if dsc > 0 else "its ranking worsened" if dsc < 0
               else "its ranking did not change")
    advice = ""
    if mcb > 0 and dsc >= 0 and score_change > 0:
        advice = " (recalibrate rather than roll back)"
    return f"{head}: {parts}: {calibration}, {ranking}{advice}"


def diagnosis_by_part(change: DecompositionChange, loss_change: float,
                      slope_after: float | None) -> str:
    """The sentence a flagged change's diagnosis gains: which CORP part moved the log loss.

    ``compare`` and ``epochs`` both append it when loss and accuracy rose together.
    """
    reading = decomposition_reading(change.log_loss, loss_change, score="log loss",
                                    slope_after=slope_after)
    return f"By part, {reading}."

