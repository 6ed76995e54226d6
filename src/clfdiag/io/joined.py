"""Joining predictions with a separate file of true labels (``--labels FILE``).

A Kaggle submission holds ids and predictions; the ground truth, ids and
labels. They are joined by id when both files have an id column (in any
order), else by row position when both have the same number of rows; the
report says which. Ids found in one file only are an error with the counts,
or, with ``--drop-invalid``, left out and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from clfdiag.errors import ClfdiagError
from clfdiag.io.arrays import null_mask, to_numpy
from clfdiag.io.content_roles import read_columns
from clfdiag.io.header_roles import ID_NAMES, LABEL_NAMES, name_key
from clfdiag.io.shapes import refuse_numbers_as_header
from clfdiag.io.source import Source, open_source
from clfdiag.io.tables import table_header

if TYPE_CHECKING:
    from clfdiag.io.options import ReadOptions

SHOW = 5


@dataclass(frozen=True)
class LabelsJoin:
    """Where the true labels came from and how they were matched to the predictions."""

    file: str
    by: str
    """``id`` or ``row`` (by row position)."""
    note: str
    rows: Any = None
    """The file row (1-based) of each joined row, when ids left out of the join shift them."""
    key: str | None = None
    """The column both files hold that they were joined by, when no name says it is the id."""
    own: str | None = None
    """The predictions' column named as the labels file's label column, when there is one."""


def join_labels(source: Source, header: tuple[str, ...],
                options: ReadOptions) -> tuple[Any, str, LabelsJoin]:
    """The predictions table with the true labels added as a column, and that column's name."""
    assert options.labels_file is not None
    # Under --no-header neither file has a header line (a LightGBM or Keras dump beside
    # its labels, both written by np.savetxt): their columns are positions, which name
    # no label, id or key; a labels file of one column is that label.
    labels_source = open_one_column(options.labels_file, options.no_header)
    labels_header = table_header(labels_source)
    if not options.no_header:
        # Whatever the flags name, a first line of numbers in either file is a row: read
        # as names, both files would lose their first example and still join by row.
        for file, names in ((source.name, header), (labels_source.name, labels_header)):
            refuse_numbers_as_header(
                file, names, "pass --no-header (it applies to both files) and name "
                "the labels file's label column by its 0-based position, e.g. --label-col 0 "
                "(a labels file of one column needs none)")
    label = labels_header[0] if (options.no_header and options.label_col is None
                                 and len(labels_header) == 1) else _pick(
        labels_source.name, labels_header, options.label_col, LABEL_NAMES, "label",
        "--label-col")
    assert label is not None
    id_pred = _pick(source.name, header, options.id_col, ID_NAMES, "id", "--id-col",
                    required=False)
    id_true = _pick(labels_source.name, labels_header, options.id_col, ID_NAMES, "id",
                    "--id-col", required=False)
    predictions = read_columns(source, list(dict.fromkeys(header)), id_pred)
    key = None
    if options.id_col is None and (id_pred is None or id_true is None) \
            and not options.no_header:
        key = shared_key(source.name, predictions, labels_source, labels_header, label)
        if key is not None:
            id_pred = id_true = key
    # Sample weights may come with the labels (a competition's solution file holds both).
    weight = options.weight_col
    carried = ([weight] if weight is not None and weight not in header
               and weight in labels_header and weight not in (id_true, label) else [])
    # A pandas index written without a name is the id column named "", kept as any other.
    truth = read_columns(labels_source, [c for c in (id_true, label, *carried) if c is not None],
                         id_true)
    name = label if label not in header else f"{label} (labels)"
    if id_pred is not None and id_true is not None:
        table, join = _by_id(source.name, labels_source.name, predictions, truth, id_pred,
                             id_true, label, name, options.drop_invalid, carried)
        if key is not None:
            join = replace(join, key=key, note="; ".join(
                n for n in (f"joined by the column {key!r}, which both files hold, each "
                            "value once", join.note) if n))
    else:
        if predictions.num_rows != truth.num_rows:
            raise ClfdiagError(
                f"{source.name} has {predictions.num_rows} rows but {labels_source.name} has "
                f"{truth.num_rows}, and they cannot be joined by id (ids in "
                f"{source.name}: {id_pred or 'none'}; in {labels_source.name}: "
                f"{id_true or 'none'})",
                "give both files an id column (name it with --id-col), or the same rows in "
                "the same order")
        table = predictions.append_column(name, truth[label])
        for column in carried:
            table = table.append_column(column, truth[column])
        join = LabelsJoin(labels_source.name, "row", "")
    own = label if label in header and not options.no_header else None
    return table, name, replace(join, own=own) if own is not None else join


def own_predictions(table: Any, label: str, join: LabelsJoin) -> str | None:
    """The predictions' column under the label's name, when it holds predicted classes.

    A Hugging Face pipeline writes ``label,score``: the predicted class and its
    confidence. Beside a labels file that names its label column ``label`` too, that
    column is the predicted classes (which say what the score is of), also when they
    are spelled otherwise than the labels (``LABEL_1``, so that the score is refused
    rather than read as P(1)), unless it holds numbers that are no classes (a Kaggle
    ``id,label`` of probabilities) or the true labels themselves on every row.
    """
    from clfdiag.io.content_roles import column_kind
    from clfdiag.io.labels import canonical

    if join.own is None or join.own not in table.column_names:
        return None
    truth = [None if v is None else canonical(str(v)) for v in table[label].to_pylist()]
    classes = {v for v in truth if v}
    if column_kind(table[join.own], classes, True) not in ("hard", "labels", "text"):
        return None  # numbers that are no classes: a score, read by content
    ours = [None if v is None else canonical(str(v)) for v in table[join.own].to_pylist()]
    return None if ours == truth else join.own


def shared_key(pred_name: str, predictions: Any, labels_source: Source,
               labels_header: tuple[str, ...], label: str) -> str | None:
    """The column both files hold that identifies their examples, when no name says id.

    Titanic's ``PassengerId``, a ``customer_id``: a column of the same name in both files
    (not the label's) whose values are distinct in each, and mostly the same values in
    both (each file finds more than half of its values in the other), is the id they are
    joined by; joined by row position instead, files written in different orders would
    pair each prediction with another example's label. Several such columns are an
    error naming ``--id-col``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    shared = [c for c in predictions.column_names
              if c in labels_header and name_key(c) != name_key(label)]
    if not shared:
        return None
    truth = read_columns(labels_source, shared, None)
    keys = []
    for column in shared:
        ours, theirs = (pc.cast(t[column], pa.string()) for t in (predictions, truth))
        if ours.null_count or theirs.null_count or any(
                int(pc.count_distinct(v).as_py()) != len(v) for v in (ours, theirs)):
            continue
        common = int(pc.sum(pc.is_in(ours, value_set=theirs)).as_py() or 0)
        if common * 2 > len(ours) and common * 2 > len(theirs):
            keys.append(column)
    if len(keys) > 1:
        raise ClfdiagError(f"{pred_name} and {labels_source.name} both hold the columns "
                           f"{', '.join(map(repr, keys))}, each of which could be the id "
                           "they are joined by", "choose one with --id-col")
    return keys[0] if keys else None


def _by_id(pred_name: str, true_name: str, predictions: Any, truth: Any, id_pred: str,
           id_true: str, label: str, name: str, drop: bool,
           carried: list[str]) -> tuple[Any, LabelsJoin]:
    """The predictions joined by id to the labels (as column ``name``) and to ``carried``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ids_true = pc.cast(truth[id_true], pa.string())
    if int(pc.count_distinct(ids_true).as_py()) != len(ids_true):
        raise ClfdiagError(f"{true_name}: column {id_true!r} repeats ids",
                           "each example must have one true label")
    ids_pred = pc.cast(predictions[id_pred], pa.string())
    position = pc.index_in(ids_pred, value_set=ids_true)
    found = ~null_mask(position)
    numeric_note = ""
    if not found.all():
        as_numbers = as_whole_numbers(ids_pred), as_whole_numbers(ids_true)
        if as_numbers[0] is not None and as_numbers[1] is not None:
            # ``00012`` beside ``12``, ``12.0`` beside ``12``: a spreadsheet or pandas
            # rewrote whole-number ids; they are joined as numbers when that matches more.
            by_number = pc.index_in(as_numbers[0], value_set=as_numbers[1])
            if int(pc.count(by_number).as_py()) > int(np.count_nonzero(found)):
                position, found = by_number, ~null_mask(by_number)
                numeric_note = (f"ids joined as whole numbers (e.g. {ids_pred[0].as_py()!r} "
                                f"in {pred_name} is {as_numbers[0][0].as_py()})")
    matched = np.zeros(len(ids_true), dtype=bool)
    matched[to_numpy(pc.drop_null(position)).astype(np.int64)] = True
    only_pred = np.flatnonzero(~found)
    only_true = np.flatnonzero(~matched)
    note = numeric_note
    if only_pred.size or only_true.size:
        shown_p = ", ".join(repr(ids_pred[int(i)].as_py()) for i in only_pred[:SHOW])
        shown_t = ", ".join(repr(ids_true[int(i)].as_py()) for i in only_true[:SHOW])
        text = (f"{only_pred.size} ids only in {pred_name}"
                + (f" (e.g. {shown_p})" if shown_p else "")
                + f" and {only_true.size} only in {true_name}"
                + (f" (e.g. {shown_t})" if shown_t else ""))
        if not drop:
            raise ClfdiagError(text, "join files holding the same examples, or pass "
                               "--drop-invalid to keep the ids in both (the rest is reported)")
        note = "; ".join(n for n in (numeric_note, f"left out: {text}") if n)
    from clfdiag.io.arrays import boolean_array

    kept = predictions.filter(boolean_array(found))
    take = to_numpy(pc.drop_null(position)).astype(np.int64)
    if len(kept) == 0:
        raise ClfdiagError(f"{pred_name} and {true_name} have no id in common",
                           f"are {id_pred!r} and {id_true!r} the same ids?")
    table = kept.append_column(name, truth[label].take(pa.array(take)))
    for column in carried:
        table = table.append_column(column, truth[column].take(pa.array(take)))
    rows = np.flatnonzero(found).astype(np.int64) + 1 if only_pred.size else None
    return table, LabelsJoin(true_name, "id", note, rows)


def as_whole_numbers(ids: Any) -> Any:
    """Text ids as int64 when every one is a whole number and no two become equal, else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if ids.null_count:
        return None
    text = pc.utf8_trim_whitespace(pc.cast(ids, pa.string()))
    if not bool(pc.all(pc.match_substring_regex(text, r"^[+-]?\d{1,18}(\.0*)?$")).as_py()):
        return None
    # ``12.0`` loses its zero fraction as text: through float64, ids of more than 15
    # digits would round onto each other (2^53 is about 9.007e15).
    numbers = pc.cast(pc.replace_substring_regex(text, r"\.0*$", ""), pa.int64())
    if int(pc.count_distinct(numbers).as_py()) != len(numbers):
        return None
    return numbers


def open_one_column(path: str, no_header: bool = False) -> Source:
    """Open a file that may hold a single column: a labels file, or predictions joined to one.

    A predictions file alone needs a label and a score; beside ``--labels`` a Kaggle
    submission without ids holds only the score column. ``no_header``: the file has no
    header line (a LightGBM or XGBoost prediction dump, ``np.savetxt``), its one column
    named ``0``.
    """
    try:
        return open_source(path, no_header=no_header)
    except ClfdiagError as exc:
        if "found a single column" not in exc.message:
            raise
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def opener() -> Any:
        return pa.input_stream(path, compression="detect")

    if no_header:
        return Source(path, "csv", None, opener, ("0",), ",", no_header=True)
    with opener() as stream:
        header = pacsv.read_csv(stream, read_options=pacsv.ReadOptions(
            block_size=1 << 16)).column_names
    return Source(path, "csv", None, opener, tuple(header), ",")


def labels_columns(path: str, columns: list[str], id_col: str | None, key: str | None = None
                   ) -> tuple[Any, str | None]:
    """Columns of a labels file as text, and its id column (None without one).

    ``key``: the predictions' id column, when the labels were joined by id; the labels
    file's column of that name is the id (a ``customer_id`` both files hold,
    :func:`shared_key`), else the one ``--id-col`` or an id's name gives.
    """
    source = open_one_column(path)
    header = table_header(source)
    ident = (key if id_col is None and key is not None and key in header else
             _pick(source.name, header, id_col, ID_NAMES, "id", "--id-col", required=False))
    missing = [c for c in columns if c not in header]
    if missing:
        raise ClfdiagError(f"no column {missing[0]!r} for --by in the predictions or in "
                           f"{source.name}", f"the columns of {source.name} are: "
                           f"{', '.join(header)}")
    wanted = [c for c in (ident, *columns) if c is not None]
    return read_columns(source, list(dict.fromkeys(wanted)), ident), ident


def _pick(name: str, header: tuple[str, ...], wanted: str | None, names: tuple[str, ...],
          role: str, flag: str, *, required: bool = True) -> str | None:
    """The column for ``role`` in a header: the one named with ``flag``, else by its name."""
    by_key = {name_key(c): c for c in header}
    if wanted is not None:
        column = by_key.get(name_key(wanted))
        if column is None and required:
            raise ClfdiagError(f"{name}: {flag} {wanted!r} is not a column; columns are: "
                               f"{', '.join(map(repr, header))}")
        return column
    matches = [by_key[k] for k in names if k in by_key]
    if len(matches) > 1:
        raise ClfdiagError(f"{name}: several columns could be the {role}: "
                           f"{', '.join(map(repr, matches))}", f"choose one with {flag}")
    if not matches and required:
        raise ClfdiagError(f"{name}: found no {role} column; columns are: "
                           f"{', '.join(map(repr, header))}", f"name it with {flag}")
    return matches[0] if matches else None

