"""Reading a predictions file into a validated :class:`~clfdiag.predictions.Predictions`.

Only the needed columns are parsed, by pyarrow, into numpy arrays. Every row
that cannot be used is found here, counted by reason, and either reported as an
error naming the file, the column and the first rows (the default) or dropped
and reported (``drop_invalid``). Nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from clfdiag.core.transforms import sigmoid, softmax
from clfdiag.errors import ClfdiagError, flag_value
from clfdiag.io.arrays import boolean_array, null_mask, to_numpy
from clfdiag.io.content_roles import (
    as_score_table,
    expand_vectors,
    explicit_confidence,
    percent_refusal,
    read_columns,
    refuse_confidence_alone,
    settle_by_content,
    values_kind,
)
from clfdiag.io.header_roles import (
    INDEX_NAMES,
    ColumnRoles,
    detect_columns,
    name_key,
    shared_prefix_classes,
)
from clfdiag.io.joined import LabelsJoin
from clfdiag.io.labels import (
    KNOWN_PAIRS,
    binary_classes,
    canonical,
    class_lookup,
    column_class,
    declared_classes,
    label_named,
    one_value_error,
    shown_values,
)
from clfdiag.io.memory import available_memory, release_freed_memory
from clfdiag.io.multilabel import (
    ClassColumns,
    hand_over_multilabel,
    one_hot_classes,
    one_hot_label_columns,
)
from clfdiag.io.options import ReadOptions
from clfdiag.io.shapes import NO_HEADER_HINT, refuse_value_as_name
from clfdiag.io.source import Source, open_source
from clfdiag.io.tables import VectorColumn, read_table, table_header
from clfdiag.limits import check_classes
from clfdiag.predictions import InputSummary, Predictions

SUM_TOLERANCE = 1e-3
SHOW_ROWS = 5


def check_options(options: ReadOptions) -> None:
    """Refuse flags that contradict each other."""
    chosen = [flag for flag, on in (("--logits", options.logits), ("--scores", options.scores),
                                    ("--percent", options.percent)) if on]
    if len(chosen) > 1:
        raise ClfdiagError(f"{' and '.join(chosen)} cannot be combined",
                           "each says what the score column holds; pass one")
    transformed = [flag for flag in chosen if flag != "--percent"]
    if options.confidence_of_predicted and transformed:
        raise ClfdiagError(f"--confidence-of-predicted and {transformed[0]} cannot be combined",
                           "a confidence of the predicted class is a probability; leave out "
                           f"{transformed[0]}")
    if options.renormalize and (options.logits or options.scores):
        raise ClfdiagError(f"{chosen[0]} and --renormalize cannot be combined",
                           "--logits applies softmax, which already normalises"
                           if options.logits else "scores are not probabilities")


def read_predictions(
    path: str, options: ReadOptions | None = None, stdin: IO[bytes] | None = None
) -> Predictions:
    """Read, validate and code one predictions file.

    CSV/TSV/JSON Lines (plain, gzip, bzip2, xz or zip), Parquet or Arrow IPC
    (Feather), from a path or ``-`` for standard input. The columns' roles come
    from the header when it leaves one reading, else from the candidate
    columns' content (:mod:`clfdiag.io.content_roles`).
    """
    options = options or ReadOptions()
    check_options(options)
    # A file joined to its labels, or read without them (ood's OUT), may hold only a score.
    if (options.labels_file is not None or not options.labels_required) and stdin is None \
            and path != "-":
        from clfdiag.io.joined import open_one_column

        source = open_one_column(path, options.no_header)
    else:
        source = open_source(path, stdin, options.no_header)
    header = table_header(source)
    if not options.no_header and options.labels_file is None:
        # (Joined to a labels file, the join refuses a first line of numbers in either.)
        refuse_value_as_name(source.name, header, NO_HEADER_HINT)
    hand_over_multilabel(source, header, options)
    if not options.labels_required:
        return _without_labels(source, header, options)
    if options.labels_file is None and not options.pred_col:
        one_hot = one_hot_label_columns(source, header)
        if one_hot is not None and not options.label_col:
            return _from_one_hot(source, header, one_hot, options)
        if one_hot is not None and options.label_col in one_hot.truth:
            # One of the one-hot columns says only whether a row is of that class.
            raise ClfdiagError(
                f"{source.name}: --label-col {options.label_col} names one of the columns "
                f"{', '.join(one_hot.truth)}, which hold one-hot labels: each row's class is "
                "the column that holds its 1", "leave out --label-col: the one-hot columns "
                "are read as the labels, beside the probability columns "
                f"{', '.join(one_hot.scores)}")
    if options.labels_file is not None:
        from clfdiag.io.joined import join_labels, own_predictions

        table, label_col, join = join_labels(source, header, options)
        # The predictions' own column under the label's name holds their predicted classes.
        predicted = options.pred_col or own_predictions(table, label_col, join)
        roles = detect_columns(source.name, tuple(table.column_names), label_col,
                               options.prob_cols, options.id_col or join.key, predicted,
                               options.weight_col)
        return _from_wide_table(source, table, roles, options, join)
    roles = detect_columns(source.name, header, options.label_col, options.prob_cols,
                           options.id_col, options.pred_col, options.weight_col)
    if options.confidence_of_predicted:
        # The column of predicted classes may be any of the others: content decides.
        return _from_wide_table(source, read_columns(source, list(header), roles.id), roles,
                                options)
    if roles.needs_content or roles.prediction is not None or roles.weight is not None:
        return _from_wide_table(source, read_columns(source, roles.columns(), roles.id), roles,
                                options)
    try:
        table = read_table(source, roles)
    except VectorColumn as exc:
        if roles.explicit or roles.scores != (exc.column,):
            raise
        # A named score column of vectors (Spark's ``probability``): its entries are the
        # classes' columns, settled by content as any vector column is.
        roles = replace(roles, scores=(), classes=(), candidates=(exc.column,))
        return _from_wide_table(source, read_columns(source, roles.columns(), roles.id), roles,
                                options)
    # Handed over, not held: predictions_from_table frees the table's columns once they are
    # converted, which a name in this frame would keep alive (150 MB at 10^7 rows).
    handed = [table]
    del table
    return predictions_from_table(source.name, handed.pop(), roles, options, source)


def _from_one_hot(source: Source, header: tuple[str, ...], pairs: ClassColumns,
                  options: ReadOptions) -> Predictions:
    """A single-label file whose labels are one-hot columns beside one probability per class.

    The label of a row is the class whose truth column holds its 1; the column roles
    say so. ``--prob-col`` still chooses the probability columns.
    """
    import pyarrow as pa

    label = f"{pairs.truth_prefix}<class>" if pairs.truth_prefix else "<class>"
    roles = detect_columns(source.name, (*header, label), label,
                           options.prob_cols or pairs.scores, options.id_col, None,
                           options.weight_col)
    roles = replace(roles, header=header, one_hot=pairs.truth, explicit=bool(options.prob_cols),
                    classes=roles.classes if options.prob_cols else pairs.classes)
    table = read_columns(source, [*pairs.truth, *(c for c in roles.columns() if c != label)],
                         roles.id)
    classes = one_hot_classes(source.name, table, pairs)
    table = table.append_column(label, pa.array(classes, pa.string()))
    return _from_wide_table(source, table, roles, options)


def _from_wide_table(source: Source, table: Any, roles: ColumnRoles, options: ReadOptions,
                     labels: LabelsJoin | None = None) -> Predictions:
    table, roles = _settle_roles(source.name, table, roles, options)
    table = as_score_table(source.name, table, roles)
    return predictions_from_table(source.name, table, roles, options, source, labels=labels)


def _settle_roles(name: str, table: Any, roles: ColumnRoles, options: ReadOptions
                  ) -> tuple[Any, ColumnRoles]:
    """The roles the header left open, settled by the table's content."""
    if roles.needs_content:
        table, _ = expand_vectors(table, roles.candidates, name)
        roles = settle_by_content(name, roles, table, options)
    if options.confidence_of_predicted and not roles.confidence:
        roles = explicit_confidence(name, roles, table, options)
    return table, roles


NO_LABEL = "\0no label"
"""The name of the empty label column added to a file read without labels; no header holds it."""


def _without_labels(source: Source, header: tuple[str, ...], options: ReadOptions
                    ) -> Predictions:
    """Predictions of a file whose labels are not read: a label column found is only set aside."""
    import pyarrow as pa

    from clfdiag.io.header_roles import LABEL_NAMES, name_key

    chosen = options.label_col or ""
    present = ([c for c in header if name_key(c) == name_key(chosen)]
               or [c for c in header if name_key(c) in LABEL_NAMES])
    label = present[0] if len(present) == 1 else NO_LABEL
    roles = detect_columns(source.name, header if label != NO_LABEL else (*header, NO_LABEL),
                           label,
                           options.prob_cols, options.id_col, options.pred_col,
                           options.weight_col)
    table = read_columns(source, [c for c in roles.columns() if c != NO_LABEL], roles.id)
    if NO_LABEL not in table.column_names:
        table = table.append_column(NO_LABEL, pa.nulls(table.num_rows, pa.string()))
    return _from_wide_table(source, table, roles, options)


def predictions_from_frame(frame: Any, options: ReadOptions | None = None,
                           name: str = "<dataframe>") -> Predictions:
    """Validate a pandas DataFrame or pyarrow Table already in memory, as a file would be."""
    import pyarrow as pa

    options = options or ReadOptions()
    check_options(options)
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(
        frame, preserve_index=False)
    roles = detect_columns(name, tuple(table.column_names), options.label_col,
                           options.prob_cols, options.id_col, options.pred_col,
                           options.weight_col)
    table, roles = _settle_roles(name, table, roles, options)
    return predictions_from_table(name, as_score_table(name, table, roles), roles, options)


def predictions_from_table(name: str, table: Any, roles: ColumnRoles, options: ReadOptions,
                           source: Source | None = None, first_row: int = 1,
                           labels: LabelsJoin | None = None, whole: bool = True
                           ) -> Predictions:
    """Code labels, check every row and build the Predictions value from an Arrow table.

    The table is released as soon as the numpy arrays exist (callers pass it
    without keeping a reference), so that peak memory is one copy of the data.
    ``first_row`` is the file row of the table's first row (for batches);
    ``labels`` the labels file and how it was joined, when there was one.
    ``whole``: the table is the whole input, so that a label column holding one
    value is refused here (a batch may hold one class; the caller checks the file).
    """
    n = table.num_rows
    if n == 0:
        raise ClfdiagError(f"{name}: the header has no rows under it", "the file holds no data")
    check_classes(name, len(roles.scores), "probability columns")
    if not roles.scores and roles.prediction is None:
        raise ClfdiagError(
            f"{name}: the score column must be chosen from the columns' content "
            f"({', '.join(roles.candidates)}), which a batch-by-batch read cannot do",
            "evaluate with --in-memory, where the whole file's content decides (a confidence "
            "of the predicted class is read there, or with --confidence-of-predicted); or "
            "name the score with --prob-col if it is the probability of the positive class")
    if whole:  # a batch holds part of the values: the streaming read tests them all
        refuse_confidence_alone(name, roles, table, options)
    if (whole and roles.id is not None and options.id_col is None
            and name_key(roles.id) in INDEX_NAMES and table[roles.id].null_count == n):
        # A header and rows that end in a delimiter (``label,prob,``) leave an empty column
        # with an empty name: no pandas index, and no id to read.
        roles = replace(roles, id=None)
    invalid = _RowProblems(name, n, first_row)
    labelled = options.labels_required
    labels_codes = _LabelCodes.of(table[roles.label] if labelled
                                  else _no_labels(table.num_rows))
    if labelled:
        invalid.add(labels_codes.missing, _columns([roles.label]), "missing label",
                    "fill in the label")
    distinct = sorted({c for c in labels_codes.present if c != ""})
    if labelled and not distinct:
        raise ClfdiagError(f"{name}: column {roles.label!r} has no label in any of its {n} rows",
                           "fill in the labels, or choose another column with --label-col")
    _refuse_label_lists(name, roles.label, distinct)
    one_value = None
    # Class columns name the classes; otherwise the labels would, and one value names none.
    from_labels = len(roles.scores) <= 1
    if (labelled and from_labels and len(distinct) == 1 and whole and not options.part
            and not options.classes):
        # Raised once the rows are checked, so that a bad cell is named first.
        one_value = one_value_error(name, roles.label, distinct[0],
                                    n - int(np.count_nonzero(labels_codes.missing)))
    elif labelled and options.classes:
        distinct = declared_classes(name, roles.label, distinct, 0, options.classes,
                                    options.drop_invalid)
    hard_only = not roles.scores
    if hard_only:
        assert roles.prediction is not None
        predicted = _LabelCodes.of(table[roles.prediction])
        invalid.add(predicted.missing, _columns([roles.prediction]), "missing prediction",
                    "fill in the predicted class")
        scores, column_classes = _one_hot(name, predicted, distinct, options.positive,
                                          roles.prediction, bool(options.classes))
        score_columns: tuple[str, ...] = (roles.prediction,)
    else:
        scores = _score_matrix(table, roles.scores)
        column_classes = _column_classes(roles, distinct, options.no_header)
        score_columns = roles.scores
    weights = (to_numpy(table[roles.weight]).astype(np.float64)
               if roles.weight is not None else None)
    ids = table[roles.id] if roles.id is not None else None
    predicted_class = (_LabelCodes.of(table[roles.prediction])
                       if roles.confidence and roles.prediction is not None else None)
    del table
    release_freed_memory()  # the table's columns, when the caller held no other reference
    distinct_ids = ids is not None and not ids.null_count and _distinct(ids)
    if ids is not None and roles.id is not None and not distinct_ids:
        _refuse_long_format(name, ids, roles.id, labels_codes.codes)

    transform = None
    raw = None
    kind = "hard" if hard_only else "scores" if options.scores else "probability"
    if hard_only:
        pass
    elif options.logits:
        # Checked before the softmax, so that an error names the logit that is not finite.
        _check_scores(invalid, scores, score_columns, options)
        if whole:
            _refuse_probabilities_as_logits(name, scores, score_columns)
        raw = scores[:, 0].copy() if scores.shape[1] == 1 else scores.copy()
        finite = np.isfinite(scores).all(axis=1)
        safe = np.where(finite[:, None], scores, 0.0)
        scores = sigmoid(safe[:, 0])[:, None] if scores.shape[1] == 1 else softmax(safe)
        scores[~finite] = np.nan
        transform = "logits"
    elif options.percent:
        if whole:
            _refuse_probabilities_as_percent(name, scores, score_columns)
        scores = scores / 100.0
        transform = "percent"
    if weights is not None:
        invalid.add(~np.isfinite(weights) | (weights < 0), _columns([roles.weight or ""]),
                    "missing, negative or infinite weight", "fix the weight")
    if not options.logits:
        _check_scores(invalid, scores, score_columns, options)
    if options.renormalize and scores.shape[1] > 1:
        total = scores.sum(axis=1, keepdims=True)
        invalid.add(~(total[:, 0] > 0) & ~invalid.any_bad(), _columns(roles.scores),
                    "probabilities sum to 0", "such a row cannot be renormalised")
        with np.errstate(invalid="ignore", divide="ignore"):
            scores = scores / total
        transform = "renormalized"

    if one_value is not None:
        # A bad cell is named first (its fix comes first); no class is decided from one value.
        invalid.resolve(options.drop_invalid)
        raise one_value
    notes = []
    named_class: str | None = None
    if scores.shape[1] == 1 and labelled and len(distinct) > 2 and not options.classes:
        # A third label only on rows already invalid (a spreadsheet's "Total" row with no
        # probability): the row problem comes first, and dropping it leaves two classes.
        bad = invalid.any_bad() | labels_codes.missing
        kept = sorted({labels_codes.names[c] for c in np.unique(labels_codes.codes[~bad])})
        if bad.any() and len(kept) == 2:
            invalid.resolve(options.drop_invalid)
            distinct = kept
    if scores.shape[1] == 1:
        named = column_class(roles.scores[0], roles.classes[0], distinct if labelled else [])
        negative, positive = (binary_classes(name, distinct, options.positive, named)
                              if labelled else _nominal_binary_classes(options, roles))
        classes: tuple[str, ...] = (negative, positive)
        lookup = {negative: 0, positive: 1}
        proba = scores[:, 0]
        named_class = None if named is None else canonical(named)
        if (predicted_class is None and named is not None
                and canonical(named).lower() == negative.lower() != positive.lower()):
            # The column's name says it is the other class's score (``prob_no`` under
            # --positive yes): P(positive) is its complement, never the column itself.
            proba = -proba if kind == "scores" else 1.0 - proba
            raw = None if raw is None else -raw
            notes.append(f"column {roles.scores[0]!r} is the score of {negative!r}, as its name "
                         f"says: read as P({positive}) = 1 - {roles.scores[0]}"
                         if kind != "scores" else
                         f"column {roles.scores[0]!r} is the score of {negative!r}, as its name "
                         f"says: its negation is the score of {positive!r}")
        if predicted_class is not None:
            proba = _from_confidence(invalid, proba, predicted_class, classes, roles)
            notes.append(
                f"column {roles.scores[0]!r} is the confidence of the predicted class in "
                f"{roles.prediction!r} ("
                + ("--confidence-of-predicted" if options.confidence_of_predicted else
                   f"decided by content: never below 0.5 while {roles.prediction!r} holds both "
                   "classes, and '>= 0.5' disagrees with it") + f"): read as P({positive}) = "
                f"{roles.scores[0]} where {roles.prediction} is {positive}, "
                f"1 - {roles.scores[0]} elsewhere")
        if not options.logits and not options.scores and _looks_hard(proba):
            if roles.explicit:
                notes.append(f"column {roles.scores[0]!r} holds only 0 and 1: these look like "
                             "hard predictions; log loss, AUC and calibration assume "
                             "probabilities")
            else:
                kind = "hard"
                notes.append(f"column {roles.scores[0]!r} holds only 0 and 1: read as hard "
                             "predictions, so no probability metric is computed (pass "
                             f"--prob-col {roles.scores[0]} to treat them as probabilities)")
    else:
        if len({canonical(c) for c in column_classes}) != len(column_classes):
            raise ClfdiagError(f"{name}: two probability columns name the same class: "
                               f"{', '.join(roles.scores)}")
        if options.classes and labelled and ({canonical(c).lower() for c in column_classes}
                                             != {c.lower() for c in distinct}):
            raise ClfdiagError(f"{name}: --classes {', '.join(distinct)} differs from the "
                               f"classes of the probability columns "
                               f"({', '.join(column_classes)})",
                               "list the classes of the probability columns with --classes, "
                               "or leave it out")
        lookup = class_lookup(name, distinct, column_classes, roles.scores,
                              positional=options.no_header)
        classes = tuple(canonical(c) for c in column_classes)
        proba = scores
        if len(classes) == 2:
            negative, positive = binary_classes(name, list(classes), options.positive, None)
            pos_col = classes.index(positive)
            classes = (negative, positive)
            lookup = {v: int(i == pos_col) for v, i in lookup.items()}
            proba = scores[:, pos_col]
        elif options.positive is not None:
            raise ClfdiagError(f"{name}: --positive {options.positive!r} applies to binary "
                               f"problems, but this one has {len(classes)} classes",
                               "leave out --positive")
    del scores

    y = labels_codes.classes(lookup, len(classes))
    unknown = (y < 0) & ~labels_codes.missing
    if unknown.any():
        _refuse_shifted_labels(name, roles, distinct, column_classes)
        known = ", ".join(repr(c) for c in classes)
        invalid.add(unknown, _columns([roles.label]), "label with no probability column",
                    f"the probability columns give the classes {known}",
                    values=labels_codes.name_of_rows())
    keep = ~invalid.any_bad()
    dropped = invalid.resolve(options.drop_invalid)
    rows = None
    if dropped:
        rows = np.flatnonzero(keep).astype(np.int64) + first_row
        y, proba = y[keep], proba[keep]
        raw = None if raw is None else raw[keep]
        weights = None if weights is None else weights[keep]
        if ids is not None:
            ids = ids.filter(boolean_array(keep))
    elif first_row != 1:
        rows = np.arange(first_row, first_row + n, dtype=np.int64)
    if len(y) == 0:
        raise ClfdiagError(f"{name}: no usable rows left after dropping {sum(dropped.values())}",
                           "see the reasons above")
    if ids is not None:
        before, used_before = rows, len(y)
        ids, y, proba, rows, dup = _deduplicate_ids(name, ids, y, proba, rows, roles.id,
                                                    options.drop_invalid, distinct_ids)
        if dup:
            dropped["duplicate id"] = dup
            if before is None:
                before = np.arange(1, used_before + 1, dtype=np.int64)
            kept = np.isin(before, rows)
            raw = None if raw is None else raw[kept]
            weights = None if weights is None else weights[kept]
    if labels is not None and labels.rows is not None:
        # Rows of the joined table; the file's rows skip the ids the join left out.
        rows = labels.rows[(np.arange(1, len(y) + 1) if rows is None else rows) - 1]
    if source is not None and source.decimal_comma:
        notes.append("numbers use a decimal comma")
    notes += _role_notes(roles, kind, labels)
    if not labelled and roles.label != NO_LABEL:
        notes.append(f"labels in column {roles.label!r} are ignored: this input's labels "
                     "are not used")
    summary = InputSummary(
        path=name, rows=n, used=len(y), dropped=dropped,
        label_column=roles.label if labelled else None,
        probability_columns=() if kind == "hard" and hard_only else roles.scores,
        id_column=roles.id, transform=transform, notes=tuple(notes),
        column_roles=describe_roles(roles, kind, labels),
        prediction_column=roles.prediction if hard_only or roles.prediction else None,
        weight_column=roles.weight, score_kind=kind,
        labels_file=None if labels is None else labels.file,
        labels_joined_by=None if labels is None else labels.by,
        named_class=named_class,
    )
    if not labelled:
        y = np.full(len(y), -1, dtype=np.int8)
    return Predictions(np.ascontiguousarray(y), np.ascontiguousarray(proba, dtype=np.float64),
                       classes, summary, ids, rows, score_kind=kind,
                       logits=None if raw is None else np.ascontiguousarray(raw),
                       weights=weights)


def _refuse_probabilities_as_percent(name: str, scores: npt.NDArray[np.float64],
                                     columns: tuple[str, ...]) -> None:
    """Refuse ``--percent`` on a file whose scores all lie in [0, 1]: they are probabilities.

    Dividing them by 100 would give wrong numbers at exit 0. ``compare`` and ``epochs``
    apply the flag to every file, so it must never reach a file that holds probabilities.
    """
    finite = scores[np.isfinite(scores)]
    if not finite.size or float(finite.max()) > 1.0 or float(finite.min()) < 0.0:
        return
    raise ClfdiagError(
        f"{name}: --percent, but column(s) {', '.join(map(repr, columns))} hold values in "
        f"[0, 1] (up to {float(finite.max()):g}): probabilities already, which --percent would "
        "divide by 100",
        "leave out --percent for this file; compare and epochs apply it to every file, so "
        "when only some files hold percentages, divide their column by 100 first (e.g. "
        "pandas: df['prob'] /= 100)")


def _refuse_probabilities_as_logits(name: str, scores: npt.NDArray[np.float64],
                                    columns: tuple[str, ...]) -> None:
    """Refuse ``--logits`` on class columns of probabilities: in [0, 1], rows summing to ~1.

    Their softmax would flatten them toward 1/K and give wrong numbers at exit 0.
    One binary column is left alone: logits may all lie in [0, 1].
    """
    if scores.ndim == 2 and scores.shape[1] == 1:
        _refuse_log_probability_as_logit(name, scores[:, 0], columns[0])
    if scores.ndim != 2 or scores.shape[1] < 2:
        return
    rows = np.isfinite(scores).all(axis=1)
    finite = scores[rows]
    if not finite.size or float(finite.max()) > 1.0 or float(finite.min()) < 0.0:
        return
    if float(np.abs(finite.sum(axis=1) - 1.0).max()) > 0.1:
        return
    raise ClfdiagError(
        f"{name}: --logits, but columns {', '.join(map(repr, columns))} hold values in [0, 1] "
        "whose rows sum to about 1 (within 0.1): probabilities, which a softmax would "
        "flatten",
        "leave out --logits for this file; compare and epochs apply it to every file, so when "
        "only some files hold logits, turn them into probabilities first (a softmax)")


LOG_PROBABILITY = re.compile(r"(^|_)(log_?probs?|log_?probas?|log_?probabilit(y|ies)|logp)(_|$)")
"""A name that says its column holds the logarithm of a probability (``log_prob``, ``logp``)."""


def _refuse_log_probability_as_logit(name: str, scores: npt.NDArray[np.float64],
                                     column: str) -> None:
    """Refuse ``--logits`` on one column named as a log-probability, none of it above 0.

    ``log p`` is no logit: its sigmoid is ``p / (1 + p)``, not ``p`` (only a softmax over
    every class's log-probability gives the probabilities back).
    """
    finite = scores[np.isfinite(scores)]
    if not LOG_PROBABILITY.search(name_key(column)) or not finite.size or finite.max() > 0:
        return
    raise ClfdiagError(
        f"{name}: --logits, but column {column!r} is named as a log-probability and holds no "
        "value above 0: the sigmoid of log p is not p",
        "write exp() of the column where it is written and read it without --logits, or pass "
        "--scores to rank by it (no log loss or calibration)")


def _no_labels(n: int) -> Any:
    import pyarrow as pa

    return pa.nulls(n, pa.string())


def _nominal_binary_classes(options: ReadOptions, roles: ColumnRoles) -> tuple[str, str]:
    """Class names of one unlabelled score column: only names, no label decides them."""
    positive = options.positive or roles.classes[0]
    if positive is None:
        return "0", "1"
    positive = canonical(positive)
    return next((neg for pos, neg in KNOWN_PAIRS if pos == positive.lower()),
                f"not {positive}"), positive


def _column_classes(roles: ColumnRoles, labels: list[str], positional: bool = False
                    ) -> tuple[str, ...]:
    """The class each score column stands for.

    The full column names when every label is one of them (Kaggle's
    ``Class_1..Class_9`` with labels ``Class_k``: a prefix the labels carry is
    never stripped), else the names after a shared prefix (``p_cat`` -> ``cat``).
    ``positional``: the columns are named by their position in a file without a
    header (``--no-header``), which names no class: the k-th score column is class
    index k, as the k-th column of ``predict_proba`` is (``1, 2, 3`` beside a label in
    column 0 are the classes 0, 1, 2).
    """
    if positional and len(roles.scores) > 1:
        return tuple(str(k) for k in range(len(roles.scores)))
    full = tuple(c.strip() for c in roles.scores)
    if len(full) > 1 and labels and set(labels) <= {canonical(c) for c in full}:
        return full
    named = tuple(c if c is not None else col
                  for c, col in zip(roles.classes, roles.scores, strict=True))
    if len(full) > 1 and named == full:
        # No known prefix: the classes may follow any prefix the columns share
        # (``predictions_0``, CatBoost's ``Probability:Class=0``).
        suffixes = shared_prefix_classes(full, set(labels))
        if suffixes is not None:
            return suffixes
    return named


def _from_confidence(invalid: _RowProblems, confidence: npt.NDArray[np.float64],
                     predicted: _LabelCodes, classes: tuple[str, ...], roles: ColumnRoles
                     ) -> npt.NDArray[np.float64]:
    """The positive class's probability from the confidence of the predicted class.

    P(positive) = c where the predicted class is the positive one and 1 - c
    where it is the negative one. A row whose prediction is missing or names
    neither class cannot be converted and is reported.
    """
    negative, positive = classes
    side = np.array([_class_side(value, negative, positive) for value in predicted.names],
                    dtype=np.int8)[predicted.codes]
    side[predicted.missing] = -1
    column = _columns([roles.prediction or ""])
    invalid.add(predicted.missing, column, "missing prediction", "fill in the predicted class")
    invalid.add(side < 0, column, f"predicted class that is neither {negative!r} nor "
                f"{positive!r}", "the predicted class must be one of the two classes",
                values=_RowNames(predicted))
    return np.where(side == 1, confidence, 1.0 - confidence)


def _class_side(value: str, negative: str, positive: str) -> int:
    """1 for the positive class, 0 for the negative one, -1 for anything else.

    The value is the label it spells (:func:`~clfdiag.io.labels.label_named`).
    """
    named = label_named(value.strip(), [negative, positive])
    return 1 if named == positive else 0 if named == negative else -1


ONE_HOT_COPIES = 4
"""Matrices of a one-hot evaluation's size held at once, at most (the matrix, its checks)."""


def _check_one_hot_memory(name: str, column: str | None, rows: int, classes: int) -> None:
    """Refuse (exit 2) predicted classes whose one-hot matrix would not fit in memory.

    A column of numbers taken for predicted classes (each distinct value one class)
    would otherwise ask for rows x values float64 at once and fail with no message.
    """
    need = rows * classes * 8 * ONE_HOT_COPIES
    if classes <= 2 or need <= available_memory():
        return
    raise ClfdiagError(
        f"{name}: column {column!r}, read as predicted classes, holds {classes:,} classes; "
        f"one probability column per class for {rows:,} rows needs about "
        f"{need / 2**30:.1f} GiB, more than the memory available",
        f"if the column holds probabilities of the positive class, name it with --prob-col "
        f"{flag_value(column or '')}; predicted classes this many need a machine with more "
        "memory")


def _one_hot(name: str, predicted: _LabelCodes, labels: list[str], positive: str | None,
             column: str | None = None, declared: bool = False
             ) -> tuple[npt.NDArray[np.float64], tuple[str, ...]]:
    """Hard predictions as a 0/1 column (two classes) or a one-hot matrix, and its classes.

    The classes are those of the labels and of the predictions together
    (scikit-learn's ``unique_labels``); a missing prediction gives a NaN row.
    ``declared``: ``labels`` are the classes given with ``--classes``, and a
    prediction outside them is an error.
    """
    # A predicted class is the label it spells (``Yes`` for ``yes``, ``True`` for 1): never
    # a class of its own beside that label, which would score every such row as an error.
    spelled = {c: label_named(c, labels) for c in predicted.names}
    predicted_names = {spelled[c] for c in predicted.present if c != ""}
    if len(labels) >= 2 and predicted_names and not predicted_names & set(labels):
        # No prediction names a label (0/1 beside labels cat/dog: class indices): read as
        # classes of their own, every row would be an error.
        # --prob-col is offered only for values that can be probabilities.
        as_probability = (
            "; if this one holds the probability of the positive class, name it with "
            f"--prob-col {flag_value(column or '')}"
            if all(_in_unit_interval(c) for c in predicted_names) else "")
        raise ClfdiagError(
            f"{name}: column {column!r}, read as predicted classes, holds "
            f"{shown_values(predicted_names, 5, _natural)}, none of which is a label; "
            f"labels are {shown_values(labels, 5, _natural)}",
            "write the predicted classes as the labels they stand for (class index k is the "
            "k-th label in sorted order, as scikit-learn's classes_); if another column holds "
            f"them, name it with --pred-col{as_probability}")
    if declared:
        outside = sorted(c for c in predicted_names
                         if c not in labels and c.lower() not in {v.lower() for v in labels})
        if outside:
            raise ClfdiagError(f"{name}: column {column!r} predicts "
                               f"{', '.join(map(repr, outside[:5]))}, which --classes "
                               f"({', '.join(labels)}) does not list",
                               "list every class that exists with --classes")
    names = sorted(set(labels) | predicted_names, key=_natural)
    if len(names) == 1:
        names = list(binary_classes(name, names, positive, None))
    check_classes(name, len(names), f"classes in column {column!r} and the labels")
    index = {c: i for i, c in enumerate(names)}
    code_to_class = np.array([index.get(spelled[c], -1) for c in predicted.names],
                             dtype=np.int64)
    cls = code_to_class[predicted.codes]
    cls[predicted.missing] = -1
    k = max(len(names), 2)
    _check_one_hot_memory(name, column, len(cls), k)
    out = np.zeros((len(cls), k), dtype=np.float64)
    out[np.arange(len(cls)), np.maximum(cls, 0)] = 1.0
    out[cls < 0] = np.nan
    return out, tuple(names)


def _in_unit_interval(value: str) -> bool:
    """Whether a text value reads as a number in [0, 1]."""
    try:
        return 0.0 <= float(value) <= 1.0
    except ValueError:
        return False


def _natural(value: str) -> tuple[int, float, str]:
    """Numbers in numeric order before text (1, 2, 10, then 'cat')."""
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


def _refuse_shifted_labels(name: str, roles: ColumnRoles, labels: list[str],
                           column_classes: tuple[str, ...]) -> None:
    """Refuse labels that number the classes otherwise than the columns do.

    Labels 1..K beside columns of the classes 0..K-1 (1-based classes against
    0-based column indices), labels 0..K-1 beside columns of the classes 1..K (the
    other way round), or -1 and 1 beside columns 0 and 1: matched by name, labels
    would be scored against the next (or previous) class's column and the rest left
    without one, so neither the match nor dropping rows reads them right.
    """
    try:
        given = sorted({int(v) for v in labels})
        indices = sorted(int(c) for c in column_classes)
    except ValueError:
        return
    k = len(indices)
    if indices == list(range(1, k + 1)) and given and given[0] == 0 and given[-1] == k - 1:
        raise ClfdiagError(
            f"{name}: labels run from 0 to {k - 1} beside probability columns of the classes "
            f"1 to {k}: the labels look 0-based and the columns 1-based, and matched by name "
            "each label would be scored against the previous class's column",
            f"write the labels as the columns number the classes (label + 1), or name the "
            f"columns after the labels (0 to {k - 1}), so that each label names its own column")
    if indices != list(range(k)):
        return
    if given == [-1, 1] and k == 2:
        positive = next((col for col, c in zip(roles.scores, column_classes, strict=False)
                         if int(c) == 1), None)
        raise ClfdiagError(
            f"{name}: labels are -1 and 1 beside probability columns of the classes 0 and 1: "
            "-1 is presumably class 0, which matching by name would not find",
            (f"pass --prob-col {flag_value(positive)} --positive 1 if {positive!r} is the "
             "probability of 1; or " if positive is not None else "")
            + "write the labels as 0 and 1")
    if given and given[0] < 0 <= given[-1] and given[-1] - given[0] < k:
        # Labels -1, 0, 1 beside columns 0, 1, 2: the columns are the indices of the
        # sorted labels (predict_proba's order); by name label 0 would meet the column of
        # -1, and -1 none, so dropping the rows without a column keeps wrong pairs.
        raise ClfdiagError(
            f"{name}: labels run from {given[0]} to {given[-1]} beside probability columns of "
            f"the classes 0 to {k - 1}: the columns look like indices of the sorted labels, "
            "and matched by name each label would be scored against another class's column "
            "and the negative ones against none",
            f"write the labels as column indices (label {given[0]} is index 0), or name the "
            f"columns after the labels ({given[0]} to {given[-1]}), so that each label names "
            "its own column")
    if given and given[0] >= 1 and given[-1] == k:
        raise ClfdiagError(
            f"{name}: labels run from {given[0]} to {k} beside probability columns of the "
            f"classes 0 to {k - 1}: the labels look 1-based and the columns 0-based, and "
            f"matched by name each label would be scored against the next class's column",
            f"write the labels as column indices (label - 1), or name the columns after the "
            f"labels (1 to {k}), so that each label names its own column")


def _refuse_label_lists(name: str, column: str, distinct: list[str]) -> None:
    """A label column holding lists is the multi-label shape, which is not supported."""
    lists = [v for v in distinct if v.startswith("[") and v.endswith("]")]
    if lists and len(lists) * 2 >= len(distinct):
        raise ClfdiagError(
            f"{name}: column {column!r} holds lists of labels (e.g. {lists[0]!r}): this is the "
            "multi-label shape, which clfdiag does not support",
            "clfdiag evaluates single-label predictions: one true class per row")


def describe_roles(roles: ColumnRoles, kind: str,
                   labels: LabelsJoin | None = None) -> tuple[tuple[str, str], ...]:
    """Every column of the header with the role it played, in header order."""
    from clfdiag.io.content_roles import KIND_TEXT

    kinds = dict(roles.kinds)
    out = []
    for column in roles.header:
        if any(score.startswith(f"{column}[") for score in roles.scores):
            role = "class probabilities (one vector per row; entry k is class index k)"
        elif column in roles.one_hot:
            role = ("true label, one-hot: the class of a row is the one whose column holds "
                    "its 1 (one label per row; the probabilities sum to 1 over the same "
                    "classes)")
        elif column == roles.label:
            role = "true label" + (f" (from {labels.file}, joined by {labels.by})"
                                   if labels else "")
        elif column in roles.scores and roles.confidence:
            role = (f"confidence of the predicted class (in {roles.prediction!r}), converted "
                    "to the probability of the positive class")
        elif column in roles.scores:
            what = {"scores": "scores", "hard": "hard predictions"}.get(kind, "probabilities")
            role = what + (f" (content: {KIND_TEXT[kinds[column]]})" if column in kinds else "")
        elif column == roles.prediction and roles.confidence:
            role = "predicted class (says which class the confidence is of)"
        elif column == roles.prediction:
            role = ("hard predictions" if not roles.scores
                    else "predicted class (not used: probabilities are used instead)")
        elif column == roles.id:
            role = "example id"
        elif column == roles.weight:
            role = "sample weights"
        elif column in roles.unused:
            role = "not used (looks like sample weights)"
        elif column in kinds:
            role = f"not used ({KIND_TEXT[kinds[column]]})"
        else:
            role = "not used"
        out.append((column, role))
    return tuple(out)


def _role_notes(roles: ColumnRoles, kind: str, labels: LabelsJoin | None) -> list[str]:
    notes = []
    if roles.one_hot:
        notes.append(f"one-hot labels: each row's class is the one of {', '.join(roles.one_hot)} "
                     "that holds its 1 (read as one label per row, since every row holds "
                     "one 1 and the probabilities sum to 1)")
    if roles.kinds and roles.scores:
        others = [f"{c!r}" for c, _ in roles.kinds if c not in roles.scores
                  and not (roles.confidence and c == roles.prediction)
                  and not any(s.startswith(f"{c}[") for s in roles.scores)]
        chosen = ", ".join(repr(c) for c in roles.scores)
        notes.append(f"the score {'columns are' if len(roles.scores) > 1 else 'column is'} "
                     f"{chosen}, chosen by content"
                     + (f"; not used: {', '.join(others)}" if others else ""))
    if kind == "hard" and not roles.scores:
        notes.append(f"column {roles.prediction!r} holds hard predictions: no probability "
                     "metric (log loss, Brier, ROC/PR AUC, calibration) can be computed")
    for column in roles.unused:
        notes.append(f"column {column!r} looks like sample weights and was not used; "
                     "`clfdiag evaluate`, `compare` and `epochs` weigh every metric by it "
                     f"with --weight-col {column}")
    if labels is not None:
        how = ("by id" if labels.by == "id"
               else "by row position (both files have the same number of rows)")
        notes.append(f"true labels joined from {labels.file} {how}")
        if labels.note:
            notes.append(labels.note)
    return notes


class _LabelCodes:
    """A label column as small integer codes, with the class name of each code."""

    def __init__(self, codes: npt.NDArray[np.integer], names: list[str], present: list[str],
                 missing: npt.NDArray[np.bool_]) -> None:
        self.codes = codes  # index into names; rows with a missing label hold 0
        self.names = names  # canonical label of each code ("" for a blank cell)
        self.present = present  # the canonical labels that occur
        self.missing = missing

    @classmethod
    def of(cls, column: Any) -> _LabelCodes:
        """Code any Arrow label column; small integer labels take a fast path (no hashing)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        missing = null_mask(column)
        kind = column.type
        if pa.types.is_null(kind):  # every cell empty
            return cls(np.zeros(len(column), dtype=np.int8), [""], [], missing)
        if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
            if pa.types.is_boolean(kind):
                column = pc.cast(column, pa.int8())
            bounds = pc.min_max(column).as_py()
            lo, hi = bounds["min"], bounds["max"]
            if lo is not None and lo >= -128 and hi <= 127 and hi - lo < 64:
                # Few small integer labels (0/1, -1/1, digit classes): no hashing; the
                # codes are the values shifted to start at 0.
                codes = to_numpy(pc.cast(column, pa.int8()), fill=lo)
                if lo:
                    codes = codes - np.int8(lo)
                names = ([["false", "true"][v] for v in range(lo, hi + 1)]
                         if pa.types.is_boolean(kind)
                         else [str(v) for v in range(lo, hi + 1)])
                seen = codes[~missing] if column.null_count else codes
                present = [names[v] for v in range(hi - lo + 1)
                           if np.count_nonzero(seen == v)]
                return cls(codes, names, present, missing)
        uniques = pc.unique(column).drop_null()
        present = [canonical(str(v)) for v in uniques.to_pylist()]
        positions = pc.index_in(column, value_set=uniques)
        codes = to_numpy(positions, fill=0)
        if "" in present:
            missing = missing | (codes == present.index(""))
        return cls(codes, present or [""], present, missing)

    def classes(self, lookup: dict[str, int], n_classes: int) -> npt.NDArray[np.integer]:
        """Class index of each row (-1 where the label has no class or is missing)."""
        table = np.array([lookup.get(name, -1) for name in self.names], dtype=np.int32)
        dtype = np.int8 if n_classes < 128 else np.int32
        return table.astype(dtype)[self.codes]

    def name_of_rows(self) -> _RowNames:
        """The label of each row, looked up lazily for error messages."""
        return _RowNames(self)


class _RowNames:
    def __init__(self, labels: _LabelCodes) -> None:
        self.labels = labels

    def __getitem__(self, row: int) -> str:
        return self.labels.names[int(self.labels.codes[row])]


def _looks_hard(proba: npt.NDArray[np.float64]) -> bool:
    """True when every probability is exactly 0 or 1 (checked on a sample first)."""
    head = proba[:1000]
    if not ((head == 0.0) | (head == 1.0)).all():
        return False
    return bool(((proba == 0.0) | (proba == 1.0)).all())


def _cell(value: Any) -> str:
    """A cell value as a user would write it: 1.5, not np.float64(1.5)."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.10g}"
    return repr(str(value))


def _columns(names: tuple[str, ...] | list[str]) -> str:
    """``column 'prob'`` or ``columns p_a, p_b, p_c``, for messages."""
    return f"column {names[0]!r}" if len(names) == 1 else "columns " + ", ".join(names)


class _RowProblems:
    """Rows that cannot be used, by reason, in the order they were found."""

    def __init__(self, name: str, n: int, first_row: int = 1) -> None:
        self.name = name
        self.first_row = first_row
        self.bad = np.zeros(n, dtype=bool)
        self.problems: list[tuple[str, str, str, npt.NDArray[np.bool_], Any]] = []

    def add(self, mask: npt.NDArray[np.bool_], where: str, reason: str, hint: str,
            values: Any = None) -> None:
        """Record the rows in ``mask`` not already recorded; ``where`` names the column(s)."""
        new = mask & ~self.bad
        if new.any():
            self.problems.append((where, reason, hint, new, values))
            self.bad |= new

    def any_bad(self) -> npt.NDArray[np.bool_]:
        return self.bad

    def resolve(self, drop: bool) -> dict[str, int]:
        """Raise on the first problem unless dropping; return the counts dropped by reason."""
        if not self.problems:
            return {}
        if not drop:
            where_text, reason, hint, mask, values = self.problems[0]
            where = np.flatnonzero(mask)
            shown = ", ".join(
                str(i + self.first_row) + ("" if values is None else f" ({_cell(values[i])})")
                for i in where[:SHOW_ROWS])
            more = f" and {len(where) - SHOW_ROWS} more" if len(where) > SHOW_ROWS else ""
            others = sum(int(m.sum()) for *_, m, _ in self.problems[1:])
            also = f"; {others} more rows have other problems" if others else ""
            raise ClfdiagError(
                f"{self.name}: {where_text}: {reason} in {len(where)} of {len(mask)} rows "
                f"(rows {shown}{more}){also}",
                f"{hint}, or pass --drop-invalid to skip such rows (they are counted)",
            )
        counts: dict[str, int] = {}
        for _, reason, _, mask, _ in self.problems:
            counts[reason] = counts.get(reason, 0) + int(mask.sum())
        return counts


ROUNDING = 1e-6
"""How far outside [0, 1] a probability lies when float32 rounding put it there."""


def _check_scores(invalid: _RowProblems, scores: npt.NDArray[np.float64],
                  columns: tuple[str, ...], options: ReadOptions) -> None:
    # Column by column only where the whole matrix has a problem: a strided pass per
    # column and check costs more than the rest of the checks together.
    finite = bool(np.isfinite(scores).all())
    for j, column in enumerate(columns if not finite else ()):
        col = scores[:, j]
        invalid.add(np.isnan(col), _columns([column]), "missing or NaN probability",
                    "fill in the probability")
        invalid.add(np.isinf(col), _columns([column]), "infinite value",
                    "check the model output")
    if options.logits or options.scores:
        return
    within = scores.size == 0 or bool(scores.min() >= 0.0 and scores.max() <= 1.0)
    for j, column in enumerate(columns if not within else ()):
        col = scores[:, j]
        outside = (col < 0) | (col > 1)
        if not outside.any():
            continue
        if bool((np.abs(col[outside] - np.clip(col[outside], 0.0, 1.0)) <= ROUNDING).all()):
            # 1.0000001 from a float32 softmax: which probability the writer meant is not for
            # the reader to guess (scikit-learn refuses them too), and dropping them would
            # drop the most confident rows: say where to clip.
            invalid.add(outside, _columns([column]), "values outside [0, 1]",
                        f"each lies within {ROUNDING:g} of [0, 1], as float32 rounding leaves "
                        "them: clip the probabilities to [0, 1] where they are written "
                        "(numpy.clip(p, 0, 1)), which keeps the most confident rows",
                        values=col)
            continue
        finite = col[np.isfinite(col)]
        kind = values_kind(finite) if finite.size else "probability"
        if kind == "percent" and not options.percent:
            raise percent_refusal(invalid.name, column, finite)
        if kind == "raw" and np.count_nonzero(outside) * 2 >= len(col):
            raise ClfdiagError(
                f"{invalid.name}: column {column!r} holds raw scores ({np.count_nonzero(outside)}"
                f" of {len(col)} values outside [0, 1], from {float(finite.min()):g} to "
                f"{float(finite.max()):g}), not probabilities",
                "pass --scores if they are real-valued scores (higher = more positive), or "
                "--logits if they are logits (sigmoid/softmax is applied)")
        if kind == "raw":
            hint = ("pass --scores if these are real-valued scores (higher = more positive), "
                    "or --logits if they are logits (sigmoid/softmax is applied)")
        elif not options.percent and np.count_nonzero(finite > 1) >= 2 and finite.max() > 2:
            # Within [0, 100], mostly at most 1, several well above it: also the percentages
            # of a rare class (a stray 1.5 among probabilities is not sent to --percent).
            hint = ("every value lies in [0, 100]: if the column holds percentages (the "
                    "probability times 100, most of them small for a rare class), pass "
                    "--percent; if only these rows are wrong, fix them")
        else:
            hint = "probabilities lie in [0, 1]; fix these values"
        invalid.add(outside, _columns([column]), "values outside [0, 1]", hint, values=col)
    if len(columns) > 1 and not options.renormalize:
        with np.errstate(over="ignore"):  # an overflowing sum is infinite: far from 1, flagged
            total = scores.sum(axis=1)
        # Within [0, 1] they are no logits: a softmax of probabilities is no reading.
        invalid.add(np.abs(total - 1.0) > SUM_TOLERANCE, _columns(columns),
                    f"probabilities that do not sum to 1 (tolerance {SUM_TOLERANCE:g})",
                    "pass --renormalize to divide each row by its sum" if within else
                    "pass --logits if these are raw scores, or --renormalize to divide each "
                    "row by its sum", values=total)


def _score_matrix(table: Any, columns: tuple[str, ...]) -> npt.NDArray[np.float64]:
    if len(columns) == 1:
        return to_numpy(table[columns[0]]).astype(np.float64, copy=False).reshape(-1, 1)
    out = np.empty((table.num_rows, len(columns)), dtype=np.float64)
    for j, c in enumerate(columns):
        out[:, j] = to_numpy(table[c])
    return out


def _deduplicate_ids(name: str, ids: Any, y: npt.NDArray[np.integer],
                     proba: npt.NDArray[np.float64], rows: npt.NDArray[np.int64] | None,
                     column: str, drop: bool, known_distinct: bool = False
                     ) -> tuple[Any, Any, Any, Any, int]:
    """Refuse (or, dropping, thin out) repeated ids; every id must be present.

    ``known_distinct``: the ids were found distinct before rows were dropped.
    """
    if ids.null_count:
        where = np.flatnonzero(null_mask(ids))
        shown_rows = [int(i) + 1 if rows is None else int(rows[i]) for i in where[:SHOW_ROWS]]
        raise ClfdiagError(f"{name}: column {column!r}: {len(where)} rows have no id "
                           f"(rows {', '.join(map(str, shown_rows))})",
                           "fill in the ids, or choose another column with --id-col"
                           if name_key(column) not in INDEX_NAMES else
                           "fill in the ids; an empty column with an empty name (a delimiter "
                           "ending every line) is left out when the file is read --in-memory")
    if known_distinct or _distinct(ids):
        return ids, y, proba, rows, 0
    import pyarrow.compute as pc

    codes = to_numpy(pc.dictionary_encode(ids.combine_chunks()).indices)
    _, first = np.unique(codes, return_index=True)
    keep = np.zeros(len(codes), dtype=bool)
    keep[first] = True
    repeated = np.flatnonzero(~keep)
    if 2 * len(first) <= len(codes) and int(np.bincount(codes).max()) > 2:
        # Most rows repeat an id, some more than twice: the column names groups of
        # examples (tidymodels' resample ``id``, Fold1..Fold10), whose first rows
        # --drop-invalid would keep.
        raise ClfdiagError(
            f"{name}: column {column!r} holds {len(first)} distinct values over {len(codes)} "
            f"rows (e.g. {ids[0].as_py()!r}): it names groups of examples (folds, resamples, "
            "repeats), not one example each",
            "name the column of example ids with --id-col (tidymodels' .row), or rename this "
            "column; --drop-invalid would keep one row per group")
    if not drop:
        examples = ", ".join(repr(ids[int(i)].as_py()) for i in repeated[:SHOW_ROWS])
        raise ClfdiagError(
            f"{name}: column {column!r}: {len(repeated)} duplicate ids (e.g. {examples})",
            "each example must appear once; pass --drop-invalid to keep each id's first row, or "
            "choose another column with --id-col",
        )
    return (ids.filter(boolean_array(keep)), y[keep], proba[keep],
            (np.flatnonzero(keep) + 1 if rows is None else rows[keep]), len(repeated))


def _refuse_long_format(name: str, ids: Any, column: str,
                        labels: npt.NDArray[np.integer]) -> None:
    """Every id repeated the same number of times with one label: one row per example and class."""
    if ids.null_count:
        return
    import pyarrow.compute as pc

    codes = to_numpy(pc.dictionary_encode(ids.combine_chunks()).indices).astype(np.int64)
    times = np.bincount(codes)
    pairs = np.unique(codes * (int(labels.max()) + 1) + labels.astype(np.int64))
    if times.min() == times.max() > 1 and len(pairs) == len(times):
        raise ClfdiagError(
            f"{name}: column {column!r}: every id appears {int(times.max())} times: this looks "
            "like long format (one row per example and class), which clfdiag does not read",
            "pivot it to one row per example with one probability column per class, e.g. "
            "pandas' df.pivot(index=<id>, columns=<class>, values=<probability>)")


def _distinct(ids: Any) -> bool:
    """True when no id repeats, decided exactly and cheaply for the common shapes of id columns.

    Ids that read as distinct integers are distinct as text; ids in strictly
    increasing integer order are distinct in O(n). Other columns go through
    :func:`clfdiag.io.distinct.all_distinct` (sorted 64-bit fingerprints,
    compared as text only where two fingerprints agree).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from clfdiag.core.ranking import sort_in_place
    from clfdiag.io.distinct import all_distinct

    if len(ids) < 2:
        return True
    numbers = None
    try:
        # A sample first: a text column fails here at once instead of after a full parse.
        pc.cast(ids.slice(0, 1000), pa.int64())
        numbers = to_numpy(pc.cast(ids, pa.int64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    if numbers is not None:
        if bool((numbers[1:] > numbers[:-1]).all()):
            return True
        ordered = numbers.copy()
        sort_in_place(ordered)
        if not bool((ordered[1:] == ordered[:-1]).any()):
            return True
    return all_distinct(ids)
