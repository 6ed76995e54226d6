"""Which column is the score, decided from what the columns hold.

A column's name can mislead (``y_pred`` holds probabilities in one file and
class labels in the next), so the candidates the header leaves open are
classified by content:

- only 0 and 1, or only class labels: hard predictions;
- numbers within [0, 1]: probabilities;
- numbers within [0, 100], some above 1, none below 0: percentages;
- anything else (negative or unbounded): raw scores or logits.

Columns named exactly as the label values (``setosa,versicolor,virginica`` from
``predict_proba``, ``0..K-1`` from Keras or pandas) whose rows sum to 1 are the
class probabilities. Exactly one probability column is used; two are an error
listing the ``--prob-col`` flag for each; a hard-prediction column is never the
score while a probability column exists. Percentages and raw scores are used
only when ``--percent``, ``--scores`` or ``--logits`` says what they are.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from clfdiag.errors import ClfdiagError
from clfdiag.io.arrays import to_numpy
from clfdiag.io.columns import ColumnRoles, class_names
from clfdiag.io.labels import canonical

if TYPE_CHECKING:
    from clfdiag.io.options import ReadOptions
    from clfdiag.io.source import Source

SUM_TOLERANCE = 1e-3
KIND_TEXT = {
    "hard": "hard predictions (only 0 and 1)",
    "labels": "hard predictions (class labels)",
    "probability": "probabilities in [0, 1]",
    "percent": "percentages in [0, 100]",
    "raw": "raw scores (negative or above 100)",
    "text": "text",
    "empty": "empty",
}


def column_kind(column: Any, label_values: set[str]) -> str:
    """Classify one Arrow column by content: see the module docstring for the kinds."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_null(kind) or column.null_count == len(column):
        return "empty"
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)
            or pa.types.is_boolean(kind)):
        values = {canonical(str(v)) for v in pc.unique(column).drop_null().to_pylist()}
        values.discard("")
        return "labels" if values & label_values else "text"
    values = to_numpy(pc.cast(column, pa.float64()))
    values = values[np.isfinite(values)]
    if values.size == 0:
        return "empty"
    integral = bool((values == np.round(values)).all())
    if integral and float(values.min()) >= 0 and float(values.max()) <= 1:
        return "hard"
    if integral and {canonical(f"{v:g}") for v in np.unique(values)} <= label_values:
        return "labels"
    return values_kind(values)


def values_kind(values: npt.NDArray[np.float64]) -> str:
    """``probability``, ``percent`` or ``raw`` for finite numbers.

    Percentages need most values above 1 (a percentage is at most 1 only below
    1%), so that a probability column with a stray 1.5 is never sent to
    ``--percent``, which would shrink every other value a hundredfold.
    """
    lo, hi = float(values.min()), float(values.max())
    if lo >= 0 and hi <= 1:
        return "probability"
    if lo >= 0 and hi <= 100:
        return "percent" if np.count_nonzero(values > 1) * 2 >= values.size else "probability"
    return "raw"


VECTOR = re.compile(r"^\s*\[\s*[-+0-9.eE]+(\s*,\s*[-+0-9.eE]+)+\s*\]\s*$")


def expand_vectors(table: Any, candidates: tuple[str, ...]) -> tuple[Any, dict[str, list[str]]]:
    """Split text columns holding one vector per row (Spark's ``[0.2,0.8]``) into columns.

    Entry ``k`` of a vector column ``probability`` becomes the column
    ``probability[k]``, the score of class index ``k`` (Spark's label indexing).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    groups: dict[str, list[str]] = {}
    for column in candidates:
        if not pa.types.is_string(table[column].type):
            continue
        head = pc.drop_null(table[column].slice(0, 100)).to_pylist()
        if not head or not all(VECTOR.match(v) for v in head):
            continue
        cells = table[column].to_pylist()
        rows = [None if v is None else [float(x) for x in v.strip().strip("[]").split(",")]
                for v in cells]
        width = {len(r) for r in rows if r is not None}
        if len(width) != 1:
            raise ClfdiagError(f"column {column!r} holds vectors of different lengths "
                               f"({', '.join(map(str, sorted(width)))})")
        k = width.pop()
        names = [f"{column}[{i}]" for i in range(k)]
        for i, new in enumerate(names):
            values = [None if r is None else r[i] for r in rows]
            table = table.append_column(new, pa.array(values, pa.float64()))
        groups[column] = names
    return table, groups


def settle_by_content(name: str, roles: ColumnRoles, table: Any,
                      options: ReadOptions) -> ColumnRoles:
    """Choose the score column(s) among ``roles.candidates`` from the table's content.

    ``table`` must hold the columns of :func:`expand_vectors` when a candidate is
    a vector column.
    """
    import pyarrow.compute as pc

    label_values = {canonical(str(v)) for v in
                    pc.unique(table[roles.label]).drop_null().to_pylist()} - {""}
    vectors = {c: [n for n in table.column_names if n.startswith(f"{c}[")]
               for c in roles.candidates if f"{c}[0]" in table.column_names}
    kinds = {c: _vector_kind(table, vectors[c]) if c in vectors
             else column_kind(table[c], label_values) for c in roles.candidates}
    class_named = [c for c in roles.candidates if canonical(c.strip()) in label_values
                   and kinds[c] in ("hard", "probability", "percent", "raw", "labels")]
    if len(class_named) >= 2:
        return replace(_class_columns(name, roles, table, class_named, label_values, options),
                       kinds=tuple(kinds.items()))
    accepted = {"probability"} | ({"percent"} if options.percent else set()) | (
        {"raw"} if options.logits or options.scores else set())
    usable = [c for c in roles.candidates if kinds[c] in accepted]
    hard = [c for c in roles.candidates if kinds[c] in ("hard", "labels")]
    settled = replace(roles, candidates=(), kinds=tuple(kinds.items()))
    if len(usable) == 1 and usable[0] in vectors:
        columns = tuple(vectors[usable[0]])
        return replace(settled, scores=columns, classes=tuple(str(i) for i in
                                                              range(len(columns))),
                       prediction=roles.prediction or (hard[0] if len(hard) == 1 else None))
    if len(usable) == 1:
        chosen = usable[0]
        if chosen.strip().lower() == "confidence" and hard:
            _check_confidence(name, table, chosen, hard[0])
        return replace(settled, scores=(chosen,), classes=class_names((chosen,)),
                       prediction=roles.prediction or (hard[0] if len(hard) == 1 else None))
    if len(usable) > 1:
        listed = ", ".join(f"{c!r} ({KIND_TEXT[kinds[c]]})" for c in usable)
        flags = " or ".join(f"--prob-col {_flag(c)}" for c in usable)
        raise ClfdiagError(f"{name}: several columns could be the score by their content: "
                           f"{listed}", f"choose one: pass {flags}")
    percent = [c for c in roles.candidates if kinds[c] == "percent"]
    raw = [c for c in roles.candidates if kinds[c] == "raw"]
    if roles.prediction is not None:
        return replace(settled, prediction=roles.prediction)
    hard_too = (f", or pass --pred-col {_flag(hard[0])} to evaluate only the hard predictions"
                if hard else "")
    if percent:
        raise ClfdiagError(
            f"{name}: column {percent[0]!r} holds percentages (values up to "
            f"{_maximum(table[percent[0]]):g}, none below 0), not probabilities",
            "pass --percent to divide it by 100"
            + (f" (and --prob-col {_flag(percent[0])})" if len(percent) > 1 else "")
            + hard_too)
    if raw:
        raise ClfdiagError(
            f"{name}: column {raw[0]!r} holds raw scores (values outside [0, 1]), not "
            "probabilities",
            "pass --scores if they are real-valued scores (higher = more positive), or --logits "
            "if they are logits (sigmoid/softmax is applied)"
            + (f"; choose the column with --prob-col {_flag(raw[0])}" if len(raw) > 1 else "")
            + hard_too)
    if len(hard) == 1:
        return replace(settled, prediction=hard[0])
    if hard:
        flags = " or ".join(f"--pred-col {_flag(c)}" for c in hard)
        raise ClfdiagError(f"{name}: several columns hold hard predictions: "
                           f"{', '.join(map(repr, hard))}", f"choose one: pass {flags}")
    listed = ", ".join(f"{c!r} ({KIND_TEXT[k]})" for c, k in kinds.items())
    raise ClfdiagError(
        f"{name}: found no probability column; columns are: {listed}",
        "name it with --prob-col (for multiclass, once per class column), or name a column "
        "of predicted classes with --pred-col")


def _vector_kind(table: Any, columns: list[str]) -> str:
    """A vector column's kind: class probabilities when each row lies in [0, 1] and sums to 1."""
    matrix = np.column_stack([to_numpy(table[c]) for c in columns])
    rows = matrix[np.isfinite(matrix).all(axis=1)]
    if rows.size and rows.min() >= 0 and rows.max() <= 1 and bool(
            (np.abs(rows.sum(axis=1) - 1) <= SUM_TOLERANCE).all()):
        return "probability"
    return "raw"


def _class_columns(name: str, roles: ColumnRoles, table: Any, columns: list[str],
                   label_values: set[str], options: ReadOptions) -> ColumnRoles:
    """Columns named after the classes: probabilities when each row sums to 1."""
    matrix = np.column_stack([to_numpy(_as_float(table[c])) for c in columns])
    rows = np.isfinite(matrix).all(axis=1)
    total = matrix[rows].sum(axis=1)
    integral = bool((matrix[rows] == np.round(matrix[rows])).all())
    labels = table[roles.label]
    if (integral and table.num_rows == len(columns) and len(label_values) == table.num_rows
            and (matrix[rows] > 1).any()):
        raise ClfdiagError(
            f"{name}: this looks like a confusion matrix saved as a table (one row per class "
            f"{', '.join(sorted(label_values))}, counts in the columns), not predictions",
            "clfdiag needs one row per example: the true label and the predicted "
            "probabilities (or the predicted class, with --pred-col)")
    sums_to_one = bool(rows.any()) and bool((np.abs(total - 1.0) <= SUM_TOLERANCE).all())
    if not (sums_to_one or options.logits or options.renormalize or options.scores):
        listed = ", ".join(columns)
        raise ClfdiagError(
            f"{name}: columns {listed} are named after the classes but their rows do not sum "
            f"to 1 (e.g. {float(total[0]) if total.size else float('nan'):.4g}): this is the "
            f"multi-label shape (one sigmoid per class), which clfdiag does not support"
            + (" (the label column holds lists)" if _holds_lists(labels) else ""),
            "for single-label predictions pass --logits if these are raw scores, or "
            "--renormalize to divide each row by its sum")
    return replace(roles, scores=tuple(columns), classes=tuple(columns), candidates=())


def _check_confidence(name: str, table: Any, column: str, prediction: str) -> None:
    """A confidence never below 0.5 may be that of the predicted class, not of class 1."""
    values = to_numpy(_as_float(table[column]))
    values = values[np.isfinite(values)]
    if values.size and float(values.min()) >= 0.5:
        raise ClfdiagError(
            f"{name}: column {column!r} beside {prediction!r} never falls below 0.5: it may "
            "be the probability of the predicted class rather than of the positive class",
            f"if it is the probability of the positive class pass --prob-col {_flag(column)}; "
            f"if it is the confidence of the predicted class, write p = {column} where "
            f"{prediction} is the positive class and 1 - {column} elsewhere, or pass "
            f"--pred-col {_flag(prediction)} to evaluate the hard predictions")


def _holds_lists(column: Any) -> bool:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_list(column.type):
        return True
    if not pa.types.is_string(column.type):
        return False
    sample = pc.drop_null(column.slice(0, 100)).to_pylist()
    return any(str(v).strip().startswith("[") for v in sample)


def _as_float(column: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return pc.cast(column, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.nulls(len(column), pa.float64())


def _maximum(column: Any) -> float:
    values = to_numpy(_as_float(column))
    return float(np.nanmax(values))


def _flag(column: str) -> str:
    """A column name as it must be typed after a flag (quoted when it has spaces)."""
    return repr(column) if any(ch.isspace() for ch in column) or not column else column


def read_columns(source: Source, columns: list[str], id_column: str | None) -> Any:
    """Read the named columns with their types inferred (ids as text), for classification."""
    from clfdiag.io.tables import read_inferred

    return read_inferred(source, columns, (id_column,) if id_column else ())


def as_score_table(name: str, table: Any, roles: ColumnRoles) -> Any:
    """The table with the chosen score columns as float64, and labels, ids and predictions as text.

    A score column that is not numeric is an error naming it.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    keep = [c for c in roles.columns() if c in table.column_names]
    table = table.select(keep)
    for column in keep:
        index = table.schema.get_field_index(column)
        if column in roles.scores or column == roles.weight:
            kind = table.schema.field(column).type
            if not (pa.types.is_floating(kind) or pa.types.is_integer(kind)
                    or pa.types.is_boolean(kind) or pa.types.is_null(kind)):
                raise ClfdiagError(f"{name}: column {column!r} holds text, expected numbers",
                                   "choose another column with --prob-col")
            table = table.set_column(index, column, pc.cast(table[column], pa.float64()))
        elif column in (roles.label, roles.id, roles.prediction):
            kind = table.schema.field(column).type
            if column == roles.label and (pa.types.is_integer(kind)
                                          or pa.types.is_boolean(kind)):
                continue  # small integer labels take the reader's fast path
            table = table.set_column(index, column, pc.cast(table[column], pa.string()))
    return table
