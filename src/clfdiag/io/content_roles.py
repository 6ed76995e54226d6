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

from clfdiag.errors import ClfdiagError, flag_value
from clfdiag.io.arrays import to_numpy
from clfdiag.io.header_roles import (
    ColumnRoles,
    class_names,
    confidence_name,
    prediction_name,
)
from clfdiag.io.labels import canonical, label_named
from clfdiag.io.tables import VECTOR, is_vector_type, spark_vector

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


def column_kind(column: Any, label_values: set[str], predicted: bool = False) -> str:
    """Classify one Arrow column by content: see the module docstring for the kinds.

    ``predicted``: the column's name says it holds predictions (``pred``,
    ``prediction_label``); whole numbers mostly among the labels are then the
    predicted classes even with a class no label holds.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_null(kind) or column.null_count == len(column):
        return "empty"
    if pa.types.is_nested(kind) or pa.types.is_binary(kind) or pa.types.is_temporal(kind):
        return "text"  # lists of numbers are split by expand_vectors before this
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)
            or pa.types.is_boolean(kind)):
        values = {label_named(canonical(str(v)), label_values)
                  for v in pc.unique(column).drop_null().to_pylist()}
        values.discard("")
        return "labels" if values & label_values else "text"
    values = to_numpy(pc.cast(column, pa.float64()))
    values = values[np.isfinite(values)]
    if values.size == 0:
        return "empty"
    integral = bool((values == np.round(values)).all())
    if not integral:  # no class names to read among 10^7 distinct probabilities
        return values_kind(values)
    if float(values.min()) >= 0 and float(values.max()) <= 1:
        return "hard"
    distinct = {canonical(f"{v:g}") for v in np.unique(values)}
    if distinct <= label_values:
        return "labels"
    if predicted and float(values.max()) > 1 and len(
            distinct - label_values) < len(distinct & label_values):
        # Mostly the labels, and a class no label holds (a model predicting class 3 of
        # labels 0..2): predicted classes, never probabilities.
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


INTEGER = re.compile(r"^[+-]?\d+$")


def expand_vectors(table: Any, candidates: tuple[str, ...], name: str = ""
                   ) -> tuple[Any, dict[str, list[str]]]:
    """Split text columns holding one vector per row (Spark's ``[0.2,0.8]``) into columns.

    Entry ``k`` of a vector column ``probability`` becomes the column
    ``probability[k]``, the score of class index ``k`` (Spark's label indexing).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    groups: dict[str, list[str]] = {}
    for column in candidates:
        kind = table[column].type
        if is_vector_type(kind):
            # JSON Lines' ``"probs": [0.2, 0.8]``, a Parquet list column: the same vectors.
            rows = [None if v is None or None in v else [float(x) for x in v]
                    for v in _vector_values(name, column, table[column])]
            if not any(rows):
                continue
        elif pa.types.is_string(kind):
            head = pc.drop_null(table[column].slice(0, 100)).to_pylist()
            if not head or not all(VECTOR.match(v) for v in head):
                continue
            rows = [None if v is None else [float(x) for x in v.strip().strip("[]").split(",")]
                    for v in table[column].to_pylist()]
        else:
            continue
        width = {len(r) for r in rows if r is not None}
        if len(width) != 1:
            raise ClfdiagError(f"{name}: column {column!r} holds vectors of different lengths "
                               f"({', '.join(map(str, sorted(width)))})")
        k = width.pop()
        if k == 1:
            # Keras' predict of one sigmoid unit, kept as arrays: one entry names no class
            # index to read it as (its entry is P(1), never the score of class index 0).
            raise ClfdiagError(f"{name}: column {column!r} holds a list of one number per "
                               "row, not one vector of class scores",
                               "write each row's number as a plain number (e.g. "
                               "df[col] = df[col].str[0] in pandas) and name it with --prob-col")
        names = [f"{column}[{i}]" for i in range(k)]
        for i, new in enumerate(names):
            values = [None if r is None else r[i] for r in rows]
            table = table.append_column(new, pa.array(values, pa.float64()))
        groups[column] = names
    return table, groups


def _vector_values(file: str, name: str, column: Any) -> list[Any]:
    """Each row's vector: a list column's lists, or the entries of Spark's vector structs."""
    if not spark_vector(column.type):
        return list(column.to_pylist())
    rows: list[Any] = []
    for cell in column.to_pylist():
        values = None if cell is None else cell.get("values")
        if values is not None and cell.get("type") == 0:
            size, indices = cell.get("size"), cell.get("indices")
            if size is None or indices is None or None in indices \
                    or not all(0 <= i < size for i in indices):
                raise ClfdiagError(f"{file}: column {name!r} holds a sparse vector without "
                                   f"its size or indices: {cell!r}",
                                   "write it with its size and indices")
            dense = [0.0] * size
            for i, x in zip(indices, values, strict=True):
                dense[i] = x
            values = dense
        rows.append(values)
    return rows


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
             else column_kind(table[c], label_values, prediction_name(c))
             for c in roles.candidates}
    if options.no_header:
        # Columns named by their position name no class: the class columns are found by
        # content alone, and the k-th of them is class index k (see _column_classes).
        class_named = _positional_class_columns(roles.candidates, kinds, table)
    else:
        class_named = [c for c in roles.candidates if canonical(c.strip()) in label_values
                       and kinds[c] in ("hard", "probability", "percent", "raw", "labels")]
        if len(class_named) >= 2:
            class_named = _with_absent_classes(roles.candidates, kinds, class_named, table)
        if len(class_named) < 2:
            class_named = _prefixed_class_columns(roles.candidates, kinds, label_values, table)
    if len(class_named) >= 2:
        others = [c for c in roles.candidates if c not in class_named
                  and kinds[c] == "probability"]
        return replace(_class_columns(name, roles, table, class_named, label_values, options,
                                      others), kinds=tuple(kinds.items()))
    candidates = _without_loose(roles, kinds)
    accepted = {"probability"} | ({"percent"} if options.percent else set()) | (
        {"raw"} if options.logits or options.scores else set())
    usable = [c for c in candidates if kinds[c] in accepted]
    hard = [c for c in candidates if kinds[c] in ("hard", "labels")]
    settled = replace(roles, candidates=(), kinds=tuple(kinds.items()))
    if len(usable) == 1 and usable[0] in vectors:
        columns = tuple(vectors[usable[0]])
        return replace(settled, scores=columns, classes=tuple(str(i) for i in
                                                              range(len(columns))),
                       prediction=roles.prediction or (hard[0] if len(hard) == 1 else None))
    if len(usable) == 1:
        chosen = usable[0]
        prediction = roles.prediction or (hard[0] if len(hard) == 1 else None)
        # A lone column named exactly as a text label (``no`` beside labels no and yes) is
        # that class's probability, as a p_<class> is. A lone ``0`` is also pandas' name
        # for the one column of ``DataFrame(model.predict(X))`` (a sigmoid: P(1)) as well
        # as ``predict_proba(X)[:, [0]]`` (P(0)): the class is asked for.
        key = canonical(chosen.strip())
        if (key == "0" and options.positive is None and not options.no_header
                and label_values == {"0", "1"}):
            raise ClfdiagError(
                f"{name}: the score column is named '0': pandas names the one column of "
                "DataFrame(model.predict(X)) 0 (a sigmoid, the probability of 1), and "
                "predict_proba(X)[:, [0]] is the probability of 0",
                "pass --positive 1 if it is the probability of 1, or --positive 0 if it is "
                "the probability of 0")
        named = ((chosen.strip(),) if key in label_values and not INTEGER.match(key)
                 else class_names((chosen,)))
        settled = replace(settled, scores=(chosen,), classes=named, prediction=prediction)
        if prediction is None:
            return settled
        try:
            return score_beside_prediction(name, settled, table, options)
        except ClfdiagError:
            if chosen not in roles.loose:
                raise
            # A column whose name says nothing is the score only when its content says
            # which reading it is; otherwise the named predictions are evaluated, as
            # they would be without it.
            return replace(settled, scores=(), classes=(), prediction=prediction)
    if len(usable) > 1:
        listed = ", ".join(f"{c!r} ({KIND_TEXT[kinds[c]]})" for c in usable)
        flags = " or ".join(f"--prob-col {flag_value(c)}" for c in usable)
        # With more than two labels one score column cannot be the reading: name the
        # columns of the classes, one --prob-col each.
        hint = (f"choose one: pass {flags}" if len(label_values) <= 2 else
                "pass --prob-col once for each class's column, in the order of the classes")
        raise ClfdiagError(f"{name}: several columns could be the score by their content: "
                           f"{listed}", hint)
    percent = [c for c in candidates if kinds[c] == "percent"]
    raw = [c for c in candidates if kinds[c] == "raw"]
    if roles.prediction is not None:
        return replace(settled, prediction=roles.prediction)
    hard_too = (f", or pass --pred-col {flag_value(hard[0])} to evaluate only the hard predictions"
                if hard else "")
    if percent:
        raise percent_refusal(
            name, percent[0], to_numpy(_as_float(table[percent[0]])),
            (f" (and --prob-col {flag_value(percent[0])})" if len(percent) > 1 else "") + hard_too)
    if raw:
        raise ClfdiagError(
            f"{name}: column {raw[0]!r} holds raw scores (values outside [0, 1]), not "
            "probabilities",
            "pass --scores if they are real-valued scores (higher = more positive), or --logits "
            "if they are logits (sigmoid/softmax is applied)"
            + (f"; choose the column with --prob-col {flag_value(raw[0])}" if len(raw) > 1 else "")
            + hard_too)
    if len(hard) == 1:
        return replace(settled, prediction=hard[0])
    if hard:
        flags = " or ".join(f"--pred-col {flag_value(c)}" for c in hard)
        raise ClfdiagError(f"{name}: several columns hold hard predictions: "
                           f"{', '.join(map(repr, hard))}", f"choose one: pass {flags}")
    listed = ", ".join(f"{c!r} ({KIND_TEXT[k]})" for c, k in kinds.items())
    raise ClfdiagError(
        f"{name}: found no probability column; columns are: {listed}",
        "name it with --prob-col (for multiclass, once per class column), or name a column "
        "of predicted classes with --pred-col")


def _positional_class_columns(candidates: tuple[str, ...], kinds: dict[str, str],
                              table: Any) -> list[str]:
    """In a file without a header, the columns of class scores, found by content.

    Two or more columns of probabilities whose rows sum to 1, or, when no column
    holds probabilities, two or more of raw scores (logits, read under ``--logits``).
    """
    probabilities = [c for c in candidates if kinds[c] == "probability"]
    if len(probabilities) >= 2:
        return probabilities if _rows_sum_to_one(table, probabilities) else []
    raw = [c for c in candidates if kinds[c] == "raw"]
    return raw if len(raw) >= 2 and not probabilities else []


def _prefixed_class_columns(candidates: tuple[str, ...], kinds: dict[str, str],
                            label_values: set[str], table: Any) -> list[str]:
    """Score columns whose names after a shared prefix are the classes, else none.

    Columns of probabilities qualify when their rows sum to 1, and columns of raw
    scores (logits, read under ``--logits``) when no other column holds probabilities:
    names alone could be features (``x_0, x_1``) beside labels 0 and 1.
    """
    from clfdiag.io.header_roles import shared_prefix_classes
    from clfdiag.io.labels import canonical

    for kind in ("probability", "raw"):
        columns = [c for c in candidates if kinds[c] == kind]
        classes = shared_prefix_classes(tuple(columns), label_values) if len(columns) > 1 \
            else None
        if classes is None:
            continue
        if kind == "raw":
            # Raw scores have no sum to check: a column that shares the prefix but names
            # no label (out_max beside out_0..out_2) would be softmaxed as a class. Only
            # columns naming exactly the labels are taken; anything else is asked about.
            others = [c for c in candidates if kinds[c] == "probability"]
            exact = {canonical(c) for c in classes} == label_values
            return columns if exact and not others else []
        if _rows_sum_to_one(table, columns):
            return columns
    return []


def _with_absent_classes(candidates: tuple[str, ...], kinds: dict[str, str],
                         class_named: list[str], table: Any) -> list[str]:
    """The columns named after the labels, with those of classes no label holds.

    ``setosa,versicolor,virginica`` beside labels that never say ``virginica``: the
    columns named after the labels do not sum to 1, but with the other columns of
    probabilities (a class never predicted may hold only zeros) they do on every row,
    so those are the classes no example has. Otherwise the columns are left as named
    (and refused when they do not sum to 1).
    """
    others = [c for c in candidates if c not in class_named
              and kinds[c] in ("probability", "hard")]
    if not others or _rows_sum_to_one(table, class_named) or not _rows_sum_to_one(
            table, class_named + others):
        return class_named
    return [c for c in candidates if c in class_named or c in others]


def _rows_sum_to_one(table: Any, columns: list[str]) -> bool:
    """Whether the columns' complete rows (some at least) each sum to 1 within SUM_TOLERANCE."""
    matrix = np.column_stack([to_numpy(_as_float(table[c])) for c in columns])
    rows = matrix[np.isfinite(matrix).all(axis=1)]
    return bool(rows.size) and bool((np.abs(rows.sum(axis=1) - 1.0) <= SUM_TOLERANCE).all())


def _without_loose(roles: ColumnRoles, kinds: dict[str, str]) -> list[str]:
    """The candidates, with the loose ones kept only where one of them can be the score.

    A loose column (its name says nothing) is kept when it is the only loose column
    of probabilities and exactly one named candidate holds hard predictions, so that
    it is read beside those predictions (:func:`score_beside_prediction`), never alone;
    features, ids and counts beside a prediction column stay unused.
    """
    loose = set(roles.loose)
    named = [c for c in roles.candidates if c not in loose]
    scores = [c for c in roles.loose if kinds[c] == "probability"]
    predictions = [c for c in named if kinds[c] in ("hard", "labels")]
    if len(scores) == 1 and len(predictions) == 1:
        return [*named, *scores]
    return named


def _vector_kind(table: Any, columns: list[str]) -> str:
    """A vector column's kind: class probabilities when each row lies in [0, 1] and sums to 1."""
    matrix = np.column_stack([to_numpy(table[c]) for c in columns])
    rows = matrix[np.isfinite(matrix).all(axis=1)]
    if rows.size and rows.min() >= 0 and rows.max() <= 1 and bool(
            (np.abs(rows.sum(axis=1) - 1) <= SUM_TOLERANCE).all()):
        return "probability"
    return "raw"


def _class_columns(name: str, roles: ColumnRoles, table: Any, columns: list[str],
                   label_values: set[str], options: ReadOptions,
                   others: list[str] | None = None) -> ColumnRoles:
    """Columns named after the classes: probabilities when each row sums to 1.

    ``others`` are columns of probabilities left out: when the class columns do not
    sum to 1 they may be classes no label holds, so rescaling the class columns alone
    under ``--renormalize`` is refused, naming ``--prob-col`` for each class column.
    """
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
    if sums_to_one and not roles.explicit:
        from clfdiag.io.shapes import refuse_soft_labels

        refuse_soft_labels(name, roles.label, columns, matrix,
                           [None if v is None else canonical(str(v)) for v in labels.to_pylist()])
    if others and options.renormalize and not sums_to_one and not roles.explicit:
        raise ClfdiagError(
            f"{name}: columns {', '.join(columns)} are named after the classes but their rows "
            f"do not sum to 1 (e.g. {float(total[0]) if total.size else float('nan'):.4g}), "
            f"and {', '.join(map(repr, others))} also "
            + ("holds probabilities: it may be a class" if len(others) == 1 else
               "hold probabilities: they may be classes") + " no label holds",
            "pass --prob-col once for each class's column, in the order of the classes: "
            f"{' '.join(f'--prob-col {flag_value(c)}' for c in [*columns, *others])} if "
            f"{', '.join(map(repr, others))} "
            + ("is a class" if len(others) == 1 else "are classes")
            + f", else {' '.join(f'--prob-col {flag_value(c)}' for c in columns)}")
    if not (sums_to_one or options.logits or options.renormalize or options.scores):
        listed = ", ".join(columns)
        if bool((matrix[rows] < 0).any()):
            raise ClfdiagError(
                f"{name}: columns {listed} are named after the classes but hold raw scores "
                f"(values below 0, e.g. {float(np.nanmin(matrix)):.4g}), not probabilities",
                "pass --logits if they are logits (softmax is applied), or --scores")
        raise ClfdiagError(
            f"{name}: columns {listed} are named after the classes but their rows do not sum "
            f"to 1 (e.g. {float(total[0]) if total.size else float('nan'):.4g}): this is the "
            f"multi-label shape (one sigmoid per class), which clfdiag does not support"
            + (" (the label column holds lists)" if _holds_lists(labels) else ""),
            "for single-label predictions pass --logits if these are raw scores, or "
            "--renormalize to divide each row by its sum")
    return replace(roles, scores=tuple(columns), classes=tuple(columns), candidates=())


def score_beside_prediction(name: str, roles: ColumnRoles, table: Any,
                            options: ReadOptions) -> ColumnRoles:
    """Read one score column beside a column of predicted classes, by content.

    A dump often holds ``max(predict_proba)``, the confidence of the predicted
    class, where a reader expects P(positive). With the classes (negative,
    positive) of the labels, ``c`` the score and ``h`` the predicted class:

    - ``c >= 0.5`` agrees with ``h == positive`` on every row: P(positive);
    - otherwise, when every ``c >= 0.5`` (1/K for K = 2), ``h`` holds both classes
      and no threshold on ``c`` separates them: the confidence of ``h``, marked
      for conversion (:func:`clfdiag.io.predictions.predictions_from_table`);
    - anything else is refused, naming ``--prob-col`` and
      ``--confidence-of-predicted``, which say which reading is meant.

    Rows with ``c`` exactly 0.5 are left out of the agreement: both readings give
    them P(positive) = 0.5. Under a threshold that separates ``h`` the column could
    be P(positive) thresholded elsewhere than 0.5, so that case is refused too.
    With more than two classes one score column is never read as probabilities.
    """
    import pyarrow.compute as pc

    from clfdiag.io.labels import binary_classes, declared_classes

    score, prediction = roles.scores[0], roles.prediction
    assert prediction is not None
    labels = table[roles.label]
    present = sorted({canonical(str(v)) for v in pc.unique(labels).drop_null().to_pylist()}
                     - {""})
    if present:
        classes = declared_classes(name, roles.label, present,
                                   len(labels) - labels.null_count, options.classes)
    else:
        # Read without labels (``ood``): the predicted classes name the classes.
        classes = list(options.classes) or sorted(
            {canonical(str(v)) for v in pc.unique(table[prediction]).drop_null().to_pylist()}
            - {""})
        if len(classes) < 2:
            if options.confidence_of_predicted:
                raise ClfdiagError(f"{name}: --confidence-of-predicted needs both classes, but "
                                   f"{prediction!r} holds fewer than two",
                                   "name the classes with --classes")
            return roles
    confidence = to_numpy(_as_float(table[score]))
    if options.percent:
        confidence = confidence / 100.0
    if len(classes) > 2:
        return _many_classes(name, roles, classes, options)
    negative, positive = binary_classes(name, classes, options.positive, None)
    predicted = [None if v is None else label_named(canonical(str(v)), [negative, positive])
                 for v in table[prediction].to_pylist()]
    side = np.array([-1 if v is None else 1 if v == positive else 0 if v == negative else -2
                     for v in predicted], dtype=np.int8)
    valid = np.isfinite(confidence) & (side != -1)
    if options.confidence_of_predicted:
        return replace(roles, confidence=True)
    informative = valid & (confidence != 0.5)
    if bool(((confidence[informative] >= 0.5) == (side[informative] == 1)).all()):
        return roles
    said = side[valid]
    both = bool((said == 1).any() and (said == 0).any()) and not (said == -2).any()
    values = confidence[valid]
    separated = both and float(values[said == 0].max()) < float(values[said == 1].min())
    if both and float(values.min()) >= 0.5 and not separated:
        return replace(roles, confidence=True)
    if separated:
        why = (f"'{score} >= 0.5' disagrees with {prediction!r}, yet a threshold on it "
               f"separates the classes in {prediction!r}, as a probability thresholded away "
               "from 0.5 would")
    elif not both:
        why = (f"'{score} >= 0.5' disagrees with {prediction!r} on some rows, and "
               f"{prediction!r} does not hold both classes")
    else:
        why = (f"'{score} >= 0.5' disagrees with {prediction!r} on some rows, and some "
               "values are below 0.5")
    raise ClfdiagError(
        f"{name}: column {score!r} beside the predicted classes in {prediction!r} could be "
        f"the probability of {positive!r} or the confidence of the predicted class: {why}",
        f"if it is the probability of {positive!r} pass --prob-col {flag_value(score)}; if it is "
        f"the confidence of the class in {prediction!r} pass --confidence-of-predicted")


def confidence_alone(roles: ColumnRoles, options: ReadOptions) -> bool:
    """Whether the one score column is named as a confidence, with no predicted classes.

    Such a column chosen by its name alone may hold ``max_k p_k``, the confidence of
    the predicted class (:func:`~clfdiag.io.header_roles.confidence_name`), which
    :func:`refuse_confidence_alone` and the streaming read test by content.
    """
    return (len(roles.scores) == 1 and roles.prediction is None and not roles.explicit
            and not options.confidence_of_predicted and confidence_name(roles.scores[0]))


def confidence_refusal(name: str, score: str) -> ClfdiagError:
    """The error for a confidence-named column that never falls below 1/2 (two classes)."""
    return ClfdiagError(
        f"{name}: column {score!r} holds only values of 0.5 or more: it reads as the "
        "confidence of the predicted class (the largest probability), not the probability "
        "of the positive class, and the probability cannot be recovered from it alone",
        "if it is the confidence, give the column of predicted classes with --pred-col and "
        "pass --confidence-of-predicted; if it is the probability of the positive class, "
        f"pass --prob-col {flag_value(score)}")


def refuse_confidence_alone(name: str, roles: ColumnRoles, table: Any,
                            options: ReadOptions) -> None:
    """Refuse a lone score column named as a confidence whose values say it may be one.

    ``max_k p_k``, the confidence of the predicted class, is at least 1/2 on every
    row of a binary problem; read as P(positive) it gives wrong numbers, and the
    probability cannot be recovered from it without the predicted classes. Such a
    column (:func:`confidence_alone`) holding only values >= 1/2 beside labels of
    both classes is refused; ``--prob-col`` or ``--confidence-of-predicted`` say
    which it is.
    """
    import pyarrow.compute as pc

    if not confidence_alone(roles, options) or roles.label not in table.column_names:
        return
    score = roles.scores[0]
    labels = {canonical(str(v)) for v in pc.unique(table[roles.label]).drop_null().to_pylist()}
    values = to_numpy(_as_float(table[score]))
    values = values[np.isfinite(values)] / (100.0 if options.percent else 1.0)
    if len(labels - {""}) != 2 or not values.size or float(values.min()) < 0.5:
        return
    raise confidence_refusal(name, score)


def explicit_confidence(name: str, roles: ColumnRoles, table: Any,
                        options: ReadOptions) -> ColumnRoles:
    """Roles under ``--confidence-of-predicted``: one score column and the predicted classes.

    The column of predicted classes is ``--pred-col``, else the one column of
    ``table`` besides the label, id, weights and score whose content is class
    labels or 0/1.
    """
    if len(roles.scores) != 1:
        raise ClfdiagError(
            f"{name}: --confidence-of-predicted reads one score column, but "
            + (f"{len(roles.scores)} were chosen ({', '.join(roles.scores)})" if roles.scores
               else "none was found"),
            "name the confidence column with --prob-col and the predicted classes with "
            "--pred-col")
    if roles.prediction is None:
        import pyarrow.compute as pc

        label_values = {canonical(str(v)) for v in
                        pc.unique(table[roles.label]).drop_null().to_pylist()} - {""}
        taken = {roles.label, roles.id, roles.weight, *roles.scores, *roles.unused}
        hard = [c for c in table.column_names if c not in taken and "[" not in c
                and column_kind(table[c], label_values, prediction_name(c))
                in ("hard", "labels")]
        if len(hard) != 1:
            raise ClfdiagError(
                f"{name}: --confidence-of-predicted needs the column of predicted classes; "
                + (f"several could be: {', '.join(map(repr, hard))}" if hard
                   else "no column holds class labels"),
                "name it with --pred-col")
        roles = replace(roles, prediction=hard[0])
    return score_beside_prediction(name, roles, table, options)


def _many_classes(name: str, roles: ColumnRoles, classes: list[str],
                  options: ReadOptions) -> ColumnRoles:
    """One score column with more than two classes: the hard predictions, or an error."""
    score, prediction = roles.scores[0], roles.prediction
    if options.confidence_of_predicted:
        raise ClfdiagError(
            f"{name}: --confidence-of-predicted applies to two classes, but the labels hold "
            f"{len(classes)}: the other classes' probabilities cannot be recovered from the "
            "confidence of the predicted class",
            f"pass --pred-col {flag_value(prediction or '')} to evaluate the hard predictions, or "
            "give one probability column per class (--prob-col, once per class)")
    if options.pred_col is not None:
        return replace(roles, scores=(), classes=())
    raise ClfdiagError(
        f"{name}: column {score!r} is one score column beside the predicted classes in "
        f"{prediction!r}, but the labels hold {len(classes)} classes: one column cannot be "
        "their probabilities (it may be the confidence of the predicted class)",
        f"pass --pred-col {flag_value(prediction or '')} to evaluate the hard predictions, or give "
        "one probability column per class (--prob-col, once per class)")


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


def percent_refusal(name: str, column: str, values: npt.NDArray[np.float64],
                    more: str = "") -> ClfdiagError:
    """The error for a column of percentages: ``--percent`` named plainly only when it can be.

    Whole numbers in [0, 100] may as well be counts (tokens, visits): then ``--percent``
    would read a wrong probability, so the message says when it applies and what else to
    do. ``more``: the rest of the hint (other flags that may apply).
    """
    finite = values[np.isfinite(values)]
    top = f"{float(finite.max()):g}" if finite.size else "nan"
    if finite.size and bool((finite == np.round(finite)).all()):
        return ClfdiagError(
            f"{name}: column {column!r} holds whole numbers up to {top}, none below 0: "
            "percentages or counts, not probabilities",
            "pass --percent if they are percentages (the probability times 100); if they are "
            "counts or another quantity, name the score column with --prob-col" + more)
    return ClfdiagError(f"{name}: column {column!r} holds percentages (values up to {top}, "
                        "none below 0), not probabilities",
                        "pass --percent to divide it by 100" + more)


def read_columns(source: Source, columns: list[str], id_column: str | None) -> Any:
    """Read the named columns with their types inferred (ids as text), for classification."""
    from clfdiag.io.tables import read_inferred

    return read_inferred(source, columns, (id_column,) if id_column is not None else ())


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
