"""The report of ``clfdiag label-issues``: which given labels are probably wrong.

Every number comes from :mod:`clfdiag.core.label_quality` (confident learning,
Northcutt, Jiang and Chuang, JAIR 2021, as cleanlab 2.9.0 defines it); this
module lays it out as the documented JSON structure and as the ``--scores-out``
table. Matrices are lists of rows in the order of ``classes``: rows are given
labels and columns confident (true) classes, cleanlab's orientation.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, TypedDict, cast

import numpy as np

from clfdiag.core.label_quality import LabelIssues, label_quality_scores
from clfdiag.core.ood import as_class_matrix
from clfdiag.limits import check_limits
from clfdiag.reports.common import SCHEMA_VERSION, InputJSON, input_json
from clfdiag.version import __version__

if TYPE_CHECKING:
    from clfdiag.predictions import Predictions

OUT_OF_SAMPLE_NOTE = (
    "confident learning assumes out-of-sample probabilities (cross-validated or held out): "
    "on examples the model was fitted to it agrees with the given labels, and label errors "
    "go unseen")


FOLD_COLUMN_NAMES = frozenset({"fold", "folds", "cv_fold", "kfold"})
"""Column names (any case) taken to number the cross-validation folds of the examples."""


def fold_column(preds: Predictions) -> str | None:
    """The input's first column named like a fold number (:data:`FOLD_COLUMN_NAMES`), or None."""
    return next((column for column, _ in preds.source.column_roles
                 if column.lower() in FOLD_COLUMN_NAMES), None)


def fold_column_note(column: str) -> str:
    """The note saying that the input has a fold column, so the probabilities look out of fold."""
    return (f"column {column!r} looks like cross-validation folds: the probabilities are "
            "taken to be out of fold")


class ConfidentJointJSON(TypedDict):
    """``[i][j]``: examples given ``classes[i]`` whose confident class is ``classes[j]``."""

    raw: list[list[int]]
    calibrated: list[list[int]]


class NumLabelIssuesJSON(TypedDict):
    """cleanlab's ``num_label_issues`` by its two estimation methods."""

    off_diagonal: int
    off_diagonal_calibrated: int


ClassQualityJSON = TypedDict("ClassQualityJSON", {
    "class": str, "label_issues": int, "label_noise": float, "label_quality": float})


class _IssueFields(TypedDict):
    row: int
    index: int
    given_label: str
    suggested_label: str
    quality: float
    p_given: float
    p_suggested: float


class IssueJSON(_IssueFields, total=False):
    """One flagged example; ``id`` only when the input has an id column."""

    id: str | None


class LabelIssuesReport(TypedDict):
    """The report of ``clfdiag label-issues`` (``--format json``); see docs/label-issues.md."""

    schema_version: int
    clfdiag_version: str
    command: Literal["label-issues"]
    input: InputJSON
    n: int
    classes: list[str]
    filter: str
    rank_by: str
    adjust_pred_probs: bool
    confident_thresholds: dict[str, float]
    prior_true: dict[str, float]
    confident_joint: ConfidentJointJSON
    noise_matrix: list[list[float]]
    inverse_noise_matrix: list[list[float]]
    num_label_issues: NumLabelIssuesJSON
    label_health_score: float
    class_quality: list[ClassQualityJSON]
    issue_count: int
    issues: list[IssueJSON]
    notes: list[str]


def label_issues_report(preds: Predictions, result: LabelIssues, *, top: int = 10,
                        notes: Sequence[str] = ()) -> LabelIssuesReport:
    """The dict of ``clfdiag label-issues --format json``.

    ``result`` is :func:`clfdiag.core.label_quality.label_issues` of
    ``preds.y`` and ``preds.proba``; ``issues`` lists the first ``top`` flagged
    examples in ranked order, ``issue_count`` all of them. The notes are the
    input's own, the out-of-sample assumption, the fold column when the input
    has one (:func:`fold_column`), then ``notes``.
    """
    check_limits(top=top)
    classes = list(preds.classes)
    proba = as_class_matrix(preds.proba)
    shown = result.ranked[:top]
    given = preds.y[shown]
    suggested = result.suggested[shown]
    issues: list[IssueJSON] = []
    for i, row, ident, g, s in zip(shown.tolist(), preds.row_numbers(shown),
                                   preds.id_values(shown), given.tolist(),
                                   suggested.tolist(), strict=True):
        with_id = {"id": ident} if preds.ids is not None else {}
        issues.append(cast("IssueJSON", {
            "row": row, "index": i, **with_id, "given_label": classes[g],
            "suggested_label": classes[s], "quality": float(result.quality[i]),
            "p_given": float(proba[i, g]), "p_suggested": float(proba[i, s])}))
    quality = result.class_quality
    cj = result.confident_joint
    fold = fold_column(preds)
    folds = [] if fold is None else [fold_column_note(fold)]
    return {
        "schema_version": SCHEMA_VERSION, "clfdiag_version": __version__,
        "command": "label-issues", "input": input_json(preds), "n": result.n, "classes": classes,
        "filter": result.filter, "rank_by": result.rank_by,
        "adjust_pred_probs": result.adjust_pred_probs,
        "confident_thresholds": dict(zip(classes, cj.thresholds.tolist(), strict=True)),
        "prior_true": dict(zip(classes, result.latent.prior_true.tolist(), strict=True)),
        "confident_joint": {"raw": cj.raw.tolist(), "calibrated": cj.calibrated.tolist()},
        "noise_matrix": result.latent.noise_matrix.tolist(),
        "inverse_noise_matrix": result.latent.inverse_noise_matrix.tolist(),
        "num_label_issues": {
            "off_diagonal": result.num_issues_off_diagonal,
            "off_diagonal_calibrated": result.num_issues_off_diagonal_calibrated},
        "label_health_score": result.label_health_score,
        "class_quality": [{"class": classes[k], "label_issues": int(quality.label_issues[k]),
                           "label_noise": float(quality.label_noise[k]),
                           "label_quality": float(quality.label_quality[k])}
                          for k in quality.order.tolist()],
        "issue_count": int(np.count_nonzero(result.is_issue)),
        "issues": issues,
        "notes": [*preds.source.notes, OUT_OF_SAMPLE_NOTE, *folds, *notes],
    }


def scores_csv(preds: Predictions, result: LabelIssues) -> str:
    """The ``--scores-out`` table: one line per example in file order, floats as ``repr``.

    Columns: ``row`` (1-based input row), ``id`` (with an id column),
    ``given_label``, ``self_confidence``, ``normalized_margin``,
    ``confidence_weighted_entropy``, with ``adjust_pred_probs`` also
    ``self_confidence_adjusted`` and ``normalized_margin_adjusted``, then
    ``is_label_issue`` (1 or 0). The plain score columns are never adjusted.
    """
    proba = as_class_matrix(preds.proba)
    methods = ["self-confidence", "normalized-margin", "confidence-weighted-entropy"]
    header = ["row", *(["id"] if preds.ids is not None else []), "given_label",
              *(m.replace("-", "_") for m in methods)]
    columns = [label_quality_scores(preds.y, proba, m) for m in methods]  # type: ignore[arg-type]
    if result.adjust_pred_probs:
        thresholds = result.confident_joint.thresholds
        for m in methods[:2]:
            header.append(m.replace("-", "_") + "_adjusted")
            columns.append(label_quality_scores(preds.y, proba, m,  # type: ignore[arg-type]
                                                True, thresholds))
    header.append("is_label_issue")
    everything = np.arange(len(preds), dtype=np.int64)
    rows = preds.row_numbers(everything)
    ids = preds.id_values(everything) if preds.ids is not None else None
    given = [preds.classes[g] for g in preds.y.tolist()]
    texts = [[repr(v) for v in column.tolist()] for column in columns]
    flags = ["1" if f else "0" for f in result.is_issue.tolist()]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for i in range(len(preds)):
        writer.writerow([rows[i], *([ids[i]] if ids is not None else []), given[i],
                         *(text[i] for text in texts), flags[i]])
    return buffer.getvalue()
