"""Reading multi-label predictions: several true labels per row, one probability per label.

Three shapes are recognised by their content, without any flag:

1. indicator columns ``y_<name>`` (0/1) beside probability columns ``p_<name>`` with
   the same two or more suffixes, whose rows do not all sum to 1;
2. a label column (one of the usual label names) of ``|``-separated label names,
   at least one row holding a separator (an empty cell: no true label), beside
   ``p_<name>`` columns (or columns named ``<name>``);
3. a column of Python/JSON list strings of 0/1 (``"[0, 1, 0, 0]"``), all of one
   length L, beside exactly L numeric columns, matched by position and named by
   their headers; an unnamed first column (a pandas index) is the id, text
   columns are not used.

Explicit options settle the rest (``--label-cols``, ``--label-list`` with
``--list-sep``, ``--prob-col``); whatever stays ambiguous or cannot be matched is
a :class:`~clfdiag.errors.ClfdiagError` naming the flag that settles it.
Probability columns keep their order in the file, which is the order of ``labels``.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from clfdiag.core.transforms import sigmoid
from clfdiag.errors import ClfdiagError
from clfdiag.io.arrays import null_mask, to_numpy
from clfdiag.io.header_roles import ID_NAMES, LABEL_NAMES
from clfdiag.io.options import ReadOptions
from clfdiag.io.source import Source
from clfdiag.predictions import InputSummary

SUM_TOLERANCE = 1e-3
SAMPLE_BYTES = 1 << 16
"""How much of a text file the single-label reader looks at for a multi-label shape."""
SAMPLE_ROWS = 2000
"""How many rows of a columnar file it looks at."""
SHOW_ROWS = 5
INDICATOR_PREFIX = "y_"
PROBABILITY_PREFIX = "p_"
UNNAMED_INDEX = ("", "unnamed: 0")
LIST_TEXT = re.compile(r"^\s*\[.*\]\s*$", re.DOTALL)
SHAPES = {
    "indicators": "indicator columns y_<name> beside probability columns p_<name>",
    "delimited": "a label column of separated label names beside probability columns",
    "lists": "a column of 0/1 indicator lists beside one probability column per entry",
}


@dataclass(frozen=True)
class MultilabelOptions:
    """How to read a multi-label file; each field mirrors a CLI flag.

    ``label_cols``: the indicator columns (``--label-cols``, repeatable), or one
    prefix such as ``y_``. ``label_list``: a column of label lists
    (``--label-list``), split on ``list_sep`` unless its cells are Python/JSON
    lists. ``prob_cols``: one probability column per label (``--prob-col``).
    ``logits``: the columns hold logits; a sigmoid is applied to each.
    """

    label_cols: tuple[str, ...] = ()
    label_list: str | None = None
    list_sep: str = "|"
    prob_cols: tuple[str, ...] = ()
    id_col: str | None = None
    logits: bool = False


@dataclass(frozen=True)
class MultilabelPredictions:
    """True label sets and per-label probabilities of one input.

    ``y`` is the ``(n, L)`` 0/1 indicator matrix (uint8), ``proba`` the ``(n, L)``
    probabilities (after the sigmoid with ``--logits``), ``labels`` the label
    names in the order of the probability columns, ``ids`` the example ids
    (a list of strings) or None, ``shape`` one of :data:`SHAPES`.
    """

    y: npt.NDArray[np.uint8]
    proba: npt.NDArray[np.float64]
    labels: tuple[str, ...]
    source: InputSummary
    shape: str
    ids: list[str] | None = None

    def __len__(self) -> int:
        return int(self.y.shape[0])


TRUTH_PREFIXES = ("y_", "label_", "labels_", "true_", "target_", "truth_", "gt_", "actual_",
                  "")
"""Prefixes of per-class truth columns (``label_cat``; ``""``: the class name alone)."""
SCORE_PREFIXES = ("p_", "prob_", "proba_", "probability_", "pred_", "prediction_",
                  "predicted_", "score_", "y_pred_", "y_prob_", "y_proba_")
"""Prefixes of per-class probability columns (``pred_cat``) beside truth columns."""


@dataclass(frozen=True)
class ClassColumns:
    """One truth column and one probability column per class, paired by the class name.

    ``truth_prefix`` is what the truth columns' names start with (``label_``, or ``""``
    when they are the class names), ``score_prefix`` that of the probability columns.
    """

    classes: tuple[str, ...]
    truth: tuple[str, ...]
    scores: tuple[str, ...]
    truth_prefix: str
    score_prefix: str


def class_columns(header: tuple[str, ...]) -> ClassColumns | None:
    """Truth and probability columns paired by class (``label_a``/``pred_a``, ...), or None.

    Two or more probability columns under one of :data:`SCORE_PREFIXES`, each beside a
    truth column with the same class after one of :data:`TRUTH_PREFIXES`; the first
    such pairing, in the prefixes' order.
    """
    keys = {c.strip().lower(): c for c in header}
    for score_prefix in SCORE_PREFIXES:
        scores = [c for c in header if c.strip().lower().startswith(score_prefix)
                  and len(c.strip()) > len(score_prefix)]
        if len(scores) < 2:
            continue
        classes = [c.strip()[len(score_prefix):] for c in scores]
        for truth_prefix in TRUTH_PREFIXES:
            truth = [keys.get(truth_prefix + k.lower()) for k in classes]
            if all(truth) and not {*truth} & {*scores}:
                return ClassColumns(tuple(classes), tuple(t for t in truth if t),
                                    tuple(scores), truth_prefix, score_prefix)
    return None


def positional_class_columns(header: tuple[str, ...]) -> ClassColumns | None:
    """In a file without a header, 2K columns as K truth columns, then K probabilities.

    ``np.savetxt(f, np.c_[np.eye(K)[y], proba])``, Keras' one-hot targets beside its
    softmax: the k-th column of each half is class index k. Only a candidate: the
    content decides (:func:`class_columns_kind`).
    """
    k = len(header) // 2
    if len(header) % 2 or k < 2:
        return None
    return ClassColumns(tuple(str(i) for i in range(k)), header[:k], header[k:], "", "")


def class_columns_kind(table: Any, pairs: ClassColumns) -> str | None:
    """What the paired truth columns hold, from a table of (some of) the file's rows.

    ``"one-hot"``: every truth cell is 0 or 1, every row holds exactly one 1, and the
    probabilities sum to 1 across the same classes: one label per row, written as
    one-hot columns (a single-label file). ``"indicators"``: 0/1 cells otherwise, one
    truth column per label of a multi-label file. None for anything else.
    """
    table = as_arrow(table)
    if table.num_rows == 0 or not all(_is_indicator(table[c]) for c in pairs.truth) or not all(
            _is_numeric(table[c]) for c in pairs.scores):
        return None
    ones = sum(_floats(table[c]) for c in pairs.truth)
    if bool((ones == 1).all()) and _rows_sum_to_one(table, list(pairs.scores)):
        return "one-hot"
    return "indicators"


def one_hot_classes(name: str, table: Any, pairs: ClassColumns) -> list[str | None]:
    """The class of each row of one-hot truth columns: the class whose column holds the 1.

    A row whose truth cells are all empty has no label (None); a row with no 1, with
    several, or with a cell other than 0/1 is an error naming its rows.
    """
    matrix = np.column_stack([_floats(table[c]) for c in pairs.truth])
    empty = np.isnan(matrix).all(axis=1)
    bad = ~empty & ~((np.isin(matrix, (0.0, 1.0))).all(axis=1) & (matrix.sum(axis=1) == 1))
    if bad.any():
        raise ClfdiagError(
            f"{name}: columns {', '.join(pairs.truth)} hold one-hot labels, but row(s) "
            f"{_rows(bad)} do not hold exactly one 1",
            "fix those rows; if a row may hold several labels the file is multi-label: "
            f"read it with --label-cols {pairs.truth_prefix or pairs.truth[0]}")
    index = np.argmax(np.nan_to_num(matrix), axis=1)
    return [None if e else pairs.classes[i] for i, e in zip(index, empty, strict=True)]


@dataclass(frozen=True)
class _Layout:
    """Which columns play which part, before the values are checked."""

    shape: str
    labels: tuple[str, ...]
    probabilities: tuple[str, ...]
    indicators: tuple[str, ...] = ()
    """Shape ``indicators``: one 0/1 column per label, in ``labels`` order."""
    list_column: str | None = None
    """Shapes ``delimited`` and ``lists``: the column holding each row's labels."""


def as_arrow(table: Any) -> Any:
    """A pyarrow Table from a pyarrow Table or a pandas DataFrame (its index left out)."""
    import pyarrow as pa

    if isinstance(table, pa.Table):
        return table
    return pa.Table.from_pandas(table, preserve_index=False)


def looks_multilabel(table: Any) -> str | None:
    """The description of the multi-label shape the table has, or None.

    For a single-label reader to refuse a multi-label file by name: the
    description says which shape was found and ``evaluate --multilabel`` reads it.
    """
    table = as_arrow(table)
    found = [layout for layout in _detected(table) if layout is not None]
    if not found:
        return None
    layout = found[0]
    return (f"{SHAPES[layout.shape]} ({len(layout.labels)} labels: "
            f"{', '.join(layout.labels[:6])}{', ...' if len(layout.labels) > 6 else ''})")


class MultilabelFile(ClfdiagError):
    """A reader of single-label predictions met a multi-label file; ``predictions`` holds it.

    A :class:`~clfdiag.errors.ClfdiagError` (exit 2) for the commands that read
    single-label predictions only; ``evaluate``, ``compare`` and ``epochs`` catch
    it and go on with the multi-label predictions already read.
    """

    def __init__(self, predictions: MultilabelPredictions) -> None:
        super().__init__(
            f"{predictions.source.path} holds multi-label predictions "
            f"({SHAPES[predictions.shape]}, {len(predictions.labels)} labels), which this "
            "command does not read",
            "evaluate, compare and epochs read multi-label files")
        self.predictions = predictions


SINGLE_LABEL_FLAGS = ("label_col", "pred_col", "labels_file", "weight_col", "positive",
                      "scores", "percent", "renormalize")
"""Reading options that say the file is single-label: with any of them, no shape is sought."""


def hand_over_multilabel(source: Source, header: tuple[str, ...], options: ReadOptions
                         ) -> None:
    """Raise :class:`MultilabelFile` when a single-label read meets a multi-label file.

    The shapes are sought in the first :data:`SAMPLE_BYTES` of a text file (the
    first :data:`SAMPLE_ROWS` rows of a columnar one), so a single-label file costs
    one small read; a shape found there is read from the whole file. A header of
    indicator and probability columns that gives no shape is refused with the
    flags that settle it. Returns None for everything else.
    """
    if holds_multilabel(source, header, options):
        raise MultilabelFile(read_multilabel_source(source, header, _implied(options)))


def holds_multilabel(source: Source, header: tuple[str, ...], options: ReadOptions) -> bool:
    """Whether the first rows of the input have a multi-label shape (read nothing more).

    False when a single-label reading option is given. A header of indicator
    and probability columns that gives no shape is refused with the flags that
    settle it.
    """
    if (len(header) < 3 or not options.labels_required
            or any(getattr(options, flag) for flag in SINGLE_LABEL_FLAGS)):
        return False
    sample = _sample(source, header)
    if sample is None or sample.num_rows == 0:
        return False
    if any(layout is not None for layout in _detected(sample)):
        return True
    has_label = any(c.strip().lower() in LABEL_NAMES for c in header)
    pairs = None if has_label else class_columns(header)
    kind = None if pairs is None else class_columns_kind(sample, pairs)
    if kind == "one-hot":
        return False  # one label per row: the single-label reader reads the one-hot columns
    if pairs is not None and kind == "indicators":
        raise ClfdiagError(
            f"{source.name}: columns {', '.join(pairs.truth)} hold 0/1 beside "
            f"{', '.join(pairs.scores)}: multi-label indicator columns (a row may hold "
            "several labels, or its probabilities do not sum to 1), one per label",
            "read them with the multi-label mode of evaluate, compare or epochs: --label-cols "
            + (pairs.truth_prefix if pairs.truth_prefix else
               " --label-cols ".join(pairs.truth))
            + " (the probability columns are matched by label name; see docs/multilabel.md)")
    if not has_label and len(_prefixed(sample, INDICATOR_PREFIX)) >= 2 and len(
            _prefixed(sample, PROBABILITY_PREFIX)) >= 2:
        _only_detected(source.name, sample, _implied(options))  # raises, naming the flags
    return False


def one_hot_label_columns(source: Source, header: tuple[str, ...]) -> ClassColumns | None:
    """The one-hot truth and probability columns of a single-label file, or None.

    Sought when no column has a label's name, in the same first rows as the
    multi-label shapes (:func:`class_columns_kind` says ``"one-hot"``). Without a
    header line (``--no-header``) the columns are paired by position
    (:func:`positional_class_columns`).
    """
    if source.no_header:
        pairs = positional_class_columns(header)
    elif any(c.strip().lower() in LABEL_NAMES for c in header):
        return None
    else:
        pairs = class_columns(header)
    if pairs is None:
        return None
    sample = _sample(source, header)
    if sample is None or class_columns_kind(sample, pairs) != "one-hot":
        return None
    return pairs


def _implied(options: ReadOptions) -> MultilabelOptions:
    """The multi-label reading of the options a single-label read was given."""
    return MultilabelOptions(prob_cols=options.prob_cols, id_col=options.id_col,
                             logits=options.logits)


def _sample(source: Source, header: tuple[str, ...]) -> Any:
    """The first rows of the input with inferred types, or None when they cannot be parsed.

    A sample that cannot be parsed is left to the single-label reader, which
    names the problem.
    """
    import io

    import pyarrow as pa

    text = _text_columns(header, None, None)
    try:
        if source.kind == "csv":
            import pyarrow.csv as pacsv

            with source.opener() as raw:
                head = bytes(raw.read(SAMPLE_BYTES))
            if len(head) == SAMPLE_BYTES:
                head = head[:head.rfind(b"\n") + 1]
            # Without a header line (--no-header) the columns are named by position.
            names = list(source.header) if source.no_header else None
            return pacsv.read_csv(
                io.BytesIO(head), read_options=pacsv.ReadOptions(column_names=names),
                parse_options=pacsv.ParseOptions(delimiter=source.delimiter),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in text}, null_values=[""],
                    strings_can_be_null=True, true_values=[], false_values=[],
                    decimal_point="," if source.decimal_comma else "."))
        if source.kind == "parquet":
            import pyarrow.parquet as pq

            batches = pq.ParquetFile(source.opener()).iter_batches(batch_size=SAMPLE_ROWS)
            first = next(batches, None)
            return None if first is None else pa.Table.from_batches([first])
        from clfdiag.io.tables import read_inferred

        return read_inferred(source, list(header), text)
    except (pa.ArrowException, ValueError, OSError, ClfdiagError):
        return None


def _text_columns(header: tuple[str, ...], label_list: str | None, id_col: str | None
                  ) -> tuple[str, ...]:
    """Columns read as text whatever they hold: labels and ids (``01`` stays ``01``)."""
    return tuple(c for c in header if c.strip().lower() in (*LABEL_NAMES, *ID_NAMES)
                 or c in (label_list, id_col))


def read_multilabel(path: str, options: MultilabelOptions | None = None,
                    stdin: IO[bytes] | None = None) -> MultilabelPredictions:
    """Read one multi-label predictions file (any format the project reads)."""
    from clfdiag.io.source import open_source
    from clfdiag.io.tables import table_header

    source = open_source(path, stdin)
    return read_multilabel_source(source, table_header(source), options)


def read_multilabel_source(source: Source, header: tuple[str, ...],
                           options: MultilabelOptions | None = None) -> MultilabelPredictions:
    """Read a sniffed input as multi-label predictions: every column, labels and ids as text."""
    from clfdiag.io.tables import read_inferred

    text = _text_columns(header, options.label_list if options else None,
                         options.id_col if options else None)
    table = read_inferred(source, list(header), text)
    return multilabel_from_table(source.name, table, options)


def multilabel_from_table(name: str, table: Any, options: MultilabelOptions | None = None
                          ) -> MultilabelPredictions:
    """Find the shape (from the options, else by content), check every cell, build the value."""
    options = options or MultilabelOptions()
    table = as_arrow(table)
    if table.num_rows == 0:
        raise ClfdiagError(f"{name}: the header has no rows under it", "the file holds no data")
    layout = _explicit(name, table, options) if (
        options.label_cols or options.label_list) else _only_detected(name, table, options)
    ident = _id_column(name, table, options)
    proba = _probabilities(name, table, layout.probabilities, options.logits)
    y = _truth(name, table, layout, options)
    ids = None
    if ident is not None:
        ids = _ids(name, table[ident], ident)
    summary = InputSummary(
        path=name, rows=table.num_rows, used=table.num_rows, dropped={},
        label_column=layout.list_column, probability_columns=layout.probabilities,
        id_column=ident, transform="logits" if options.logits else None,
        notes=(f"read as multi-label: {SHAPES[layout.shape]}",),
        column_roles=_roles(table.column_names, layout, ident, options.logits),
    )
    return MultilabelPredictions(y, proba, layout.labels, summary, layout.shape, ids)


def _detected(table: Any) -> list[_Layout | None]:
    return [_indicator_columns(table), _delimited_column(table), _indicator_lists(table)]


def _only_detected(name: str, table: Any, options: MultilabelOptions) -> _Layout:
    found = [layout for layout in _detected(table) if layout is not None]
    if len(found) == 1:
        return _with_prob_cols(name, table, found[0], options)
    if len(found) > 1:
        raise ClfdiagError(
            f"{name}: the columns could be read as several multi-label shapes: "
            + "; ".join(SHAPES[f.shape] for f in found),
            "choose with --label-cols (indicator columns) or --label-list COL (a column of "
            "label lists)")
    truth, probs = _prefixed(table, INDICATOR_PREFIX), _prefixed(table, PROBABILITY_PREFIX)
    if len(truth) >= 2 and len(probs) >= 2:
        have = {_suffix(c, PROBABILITY_PREFIX).lower() for c in probs}
        missing = [c for c in truth if _suffix(c, INDICATOR_PREFIX).lower() not in have]
        raise ClfdiagError(
            f"{name}: the indicator columns y_<label> cannot be matched to the probability "
            "columns p_<label>"
            + (f": no probability column for {', '.join(map(repr, missing))}" if missing
               else " (the rows of p_<label> sum to 1, or a y_ column is not 0/1)"),
            "name the true labels with --label-cols and one probability column per label "
            "with --prob-col, in the same order")
    raise ClfdiagError(
        f"{name}: found no multi-label shape; columns are: "
        + ", ".join(repr(c) for c in table.column_names),
        "name the true labels with --label-cols (repeatable, or a prefix such as y_) or "
        "--label-list COL (with --list-sep), and the probabilities with --prob-col (once per "
        "label)")


def _with_prob_cols(name: str, table: Any, layout: _Layout, options: MultilabelOptions
                    ) -> _Layout:
    """Honour ``--prob-col``: the same labels, matched by name, in the columns' order."""
    if not options.prob_cols:
        return layout
    columns = tuple(_resolve(name, table, c, "--prob-col") for c in options.prob_cols)
    return _match(name, layout, columns)


def _lower(table: Any) -> dict[str, str]:
    return {c.strip().lower(): c for c in table.column_names}


def _prefixed(table: Any, prefix: str) -> list[str]:
    return [c for c in table.column_names
            if c.strip().lower().startswith(prefix) and len(c.strip()) > len(prefix)]


def _suffix(column: str, prefix: str) -> str:
    return column.strip()[len(prefix):]


def _indicator_columns(table: Any) -> _Layout | None:
    """Shape 1: ``y_<s>`` 0/1 columns and ``p_<s>`` columns with the same suffixes."""
    truth = _prefixed(table, INDICATOR_PREFIX)
    probs = _prefixed(table, PROBABILITY_PREFIX)
    if len(truth) < 2 or len(probs) < 2:
        return None
    by_suffix = {_suffix(c, INDICATOR_PREFIX).lower(): c for c in truth}
    suffixes = [_suffix(c, PROBABILITY_PREFIX) for c in probs]
    if {s.lower() for s in suffixes} != set(by_suffix):
        return None
    if not all(_is_indicator(table[c]) for c in truth) or not all(
            _is_numeric(table[c]) for c in probs):
        return None
    if _rows_sum_to_one(table, probs):
        return None
    return _Layout("indicators", tuple(suffixes), tuple(probs),
                   tuple(by_suffix[s.lower()] for s in suffixes))


def _delimited_column(table: Any) -> _Layout | None:
    """Shape 2: a label column of ``|``-separated names beside ``p_<name>`` columns."""
    candidates = [c for c in table.column_names if c.strip().lower() in LABEL_NAMES]
    probs = _prefixed(table, PROBABILITY_PREFIX)
    if len(candidates) != 1 or len(probs) < 2:
        return None
    column = candidates[0]
    values = _texts(table[column])
    if values is None or not any("|" in v for v in values):
        return None
    return _Layout("delimited", tuple(_suffix(c, PROBABILITY_PREFIX) for c in probs),
                   tuple(probs), list_column=column)


def _indicator_lists(table: Any) -> _Layout | None:
    """Shape 3: a column of 0/1 lists of one length L beside exactly L numeric columns."""
    for column in table.column_names:
        values = _texts(table[column])
        if not values or not all(LIST_TEXT.match(v) for v in values):
            continue
        lists = [_parse_list(v) for v in values[:1000]]
        if any(x is None or not all(e in (0, 1) for e in x) for x in lists):
            continue
        widths = {len(x) for x in lists if x is not None}
        numeric = _probability_candidates(table, exclude=(column,))
        if len(widths) == 1 and len(numeric) == widths.pop() >= 2:
            return _Layout("lists", tuple(c.strip() for c in numeric), tuple(numeric),
                           list_column=column)
    return None


def _probability_candidates(table: Any, exclude: tuple[str, ...]) -> list[str]:
    """Numeric columns other than the id (by name, or an unnamed first column) and ``exclude``."""
    first = table.column_names[0] if table.column_names else None
    out = []
    for c in table.column_names:
        key = c.strip().lower()
        if c in exclude or key in ID_NAMES or (c == first and key in UNNAMED_INDEX):
            continue
        if _is_numeric(table[c]):
            out.append(c)
    return out


def _explicit(name: str, table: Any, options: MultilabelOptions) -> _Layout:
    """The layout the flags give: ``--label-cols`` or ``--label-list``, and ``--prob-col``."""
    if options.label_cols and options.label_list:
        raise ClfdiagError("--label-cols and --label-list cannot be combined",
                           "the true labels are either indicator columns or one list column")
    prob_cols = tuple(_resolve(name, table, c, "--prob-col") for c in options.prob_cols)
    if options.label_cols:
        indicators = _label_columns(name, table, options.label_cols)
        given = options.label_cols[0].strip()
        # A prefix names the labels by what follows it (true_sports is label sports).
        prefix = (given.lower() if len(options.label_cols) == 1 and given not in indicators
                  else _shared_prefix(indicators, TRUTH_PREFIXES))
        labels = tuple(_label_name(c, prefix) for c in indicators)
        # Labels follow the probability columns' order in the file.
        probs = prob_cols or tuple(sorted((_probability_of(name, table, label, indicators)
                                           for label in labels),
                                          key=table.column_names.index))
        layout = _match(name, _Layout("indicators", labels, probs,
                                      indicators), probs)
        return layout
    assert options.label_list is not None
    column = _resolve(name, table, options.label_list, "--label-list")
    values = _texts(table[column]) or []
    lists = [_parse_list(v) for v in values if LIST_TEXT.match(v)]
    if lists and len(lists) == len(values) and all(
            x is not None and all(e in (0, 1) for e in x) for x in lists):
        widths = {len(x) for x in lists if x is not None}
        probs = prob_cols or tuple(_probability_candidates(table, exclude=(column,)))
        if len(widths) == 1 and widths == {len(probs)}:
            return _Layout("lists", tuple(c.strip() for c in probs), probs,
                           list_column=column)
    probs = prob_cols or tuple(_prefixed(table, PROBABILITY_PREFIX))
    if len(probs) < 2:
        raise ClfdiagError(f"{name}: found fewer than two probability columns p_<label>",
                           "name one probability column per label with --prob-col")
    return _Layout("delimited", tuple(_label_name(c, PROBABILITY_PREFIX) for c in probs),
                   probs, list_column=column)


def _label_columns(name: str, table: Any, given: tuple[str, ...]) -> tuple[str, ...]:
    """``--label-cols``: columns by name, or one prefix (``y_``) naming every column it starts."""
    lower = _lower(table)
    if len(given) == 1 and given[0].strip().lower() not in lower:
        matched = _prefixed(table, given[0].strip().lower())
        if len(matched) < 2:
            raise ClfdiagError(f"{name}: --label-cols {given[0]!r} is neither a column nor the "
                               "prefix of two or more columns")
        return tuple(matched)
    columns = tuple(_resolve(name, table, c, "--label-cols") for c in given)
    if len(columns) < 2:
        raise ClfdiagError(f"{name}: --label-cols names one column; a multi-label file has two "
                           "or more labels", "repeat --label-cols once per label, or give a "
                           "prefix such as y_")
    return columns


def _label_name(column: str, prefix: str = INDICATOR_PREFIX) -> str:
    key = column.strip()
    return key[len(prefix):] if key.lower().startswith(prefix) and len(key) > len(prefix) else key


def _shared_prefix(columns: tuple[str, ...] | list[str], prefixes: tuple[str, ...]) -> str:
    """The first of ``prefixes`` that every column's name starts with (``""`` if none)."""
    keys = [c.strip().lower() for c in columns]
    return next((p for p in prefixes if p and all(k.startswith(p) and len(k) > len(p)
                                                  for k in keys)), "")


def _probability_of(name: str, table: Any, label: str, truth: tuple[str, ...] = ()) -> str:
    """The probability column of ``label``, never one of the ``truth`` columns.

    ``p_<label>``, else ``<prefix><label>`` for one of :data:`SCORE_PREFIXES`
    (``pred_<label>``) when exactly one such column exists.
    """
    lower = _lower(table)
    column = lower.get(f"{PROBABILITY_PREFIX}{label}".lower())
    if column is not None and column not in truth:
        return column
    found = list(dict.fromkeys(
        c for p in SCORE_PREFIXES if (c := lower.get(f"{p}{label}".lower())) is not None
        and c not in truth))
    if len(found) == 1:
        return found[0]
    if found:
        raise ClfdiagError(f"{name}: label {label!r} has several probability columns: "
                           f"{', '.join(found)}", "choose one per label with --prob-col, in "
                           "the order of the labels")
    raise ClfdiagError(f"{name}: label {label!r} has no probability column "
                       f"(no column {PROBABILITY_PREFIX}{label})",
                       "rename the columns p_<label>, or name the label columns y_<label> "
                       "after their probability columns p_<label> (--prob-col)")


def _match(name: str, layout: _Layout, probs: tuple[str, ...]) -> _Layout:
    """The labels matched to the probability columns by name; the file's column order wins."""
    if layout.shape != "indicators":
        return _Layout(layout.shape, tuple(_label_name(c, PROBABILITY_PREFIX) for c in probs)
                       if layout.shape == "delimited" else tuple(c.strip() for c in probs),
                       probs, list_column=layout.list_column)
    score_prefix = _shared_prefix(probs, SCORE_PREFIXES) or PROBABILITY_PREFIX
    named = {_label_name(c, score_prefix).lower(): c for c in probs}
    missing = [label for label in layout.labels if label.lower() not in named]
    if len(probs) != len(layout.labels) or missing:
        extra = sorted(set(named) - {label.lower() for label in layout.labels})
        raise ClfdiagError(
            f"{name}: the labels cannot be matched to the probability columns by name"
            + (f": no probability column for {', '.join(map(repr, missing))}" if missing
               else "")
            + (f"; probability columns without a label: {', '.join(extra)}" if extra else ""),
            "give one --prob-col per label, named p_<label>")
    truth = dict(zip((label.lower() for label in layout.labels), layout.indicators,
                     strict=True))
    order = [_label_name(c, score_prefix) for c in probs]
    return _Layout("indicators", tuple(order), probs, tuple(truth[x.lower()] for x in order))


def _resolve(name: str, table: Any, wanted: str, flag: str) -> str:
    if wanted in table.column_names:
        return wanted
    column = _lower(table).get(wanted.strip().lower())
    if column is None:
        raise ClfdiagError(f"{name}: {flag} {wanted!r} is not a column; columns are: "
                           + ", ".join(repr(c) for c in table.column_names))
    return column


def _id_column(name: str, table: Any, options: MultilabelOptions) -> str | None:
    if options.id_col:
        return _resolve(name, table, options.id_col, "--id-col")
    named: list[str] = [c for c in table.column_names if c.strip().lower() in ID_NAMES]
    if len(named) > 1:
        raise ClfdiagError(f"{name}: several columns could be the id: "
                           f"{', '.join(map(repr, named))}", "choose one with --id-col")
    if named:
        return named[0]
    first: str = table.column_names[0]
    return first if first.strip().lower() in UNNAMED_INDEX else None


def _probabilities(name: str, table: Any, columns: tuple[str, ...], logits: bool
                   ) -> npt.NDArray[np.float64]:
    out = np.empty((table.num_rows, len(columns)), dtype=np.float64)
    for j, column in enumerate(columns):
        if not _is_numeric(table[column]):
            raise ClfdiagError(f"{name}: column {column!r} holds text, expected probabilities",
                               "choose the probability columns with --prob-col")
        values = _floats(table[column])
        bad = ~np.isfinite(values)
        if not logits:
            bad |= (values < 0) | (values > 1)
        if bad.any():
            raise ClfdiagError(
                f"{name}: column {column!r}: {int(bad.sum())} rows hold a missing, infinite or "
                f"out-of-range value (rows {_rows(bad)})",
                "probabilities lie in [0, 1]; pass --logits if the columns hold logits (a "
                "sigmoid is applied to each label)" if not logits else "fill in the values")
        out[:, j] = values
    return sigmoid(out) if logits else out


def _truth(name: str, table: Any, layout: _Layout, options: MultilabelOptions
           ) -> npt.NDArray[np.uint8]:
    n, labels = table.num_rows, layout.labels
    y = np.zeros((n, len(labels)), dtype=np.uint8)
    if layout.shape == "indicators":
        for j, column in enumerate(layout.indicators):
            values = _floats(table[column])
            bad = ~np.isin(values, (0.0, 1.0))
            if bad.any():
                raise ClfdiagError(f"{name}: column {column!r} must hold 0 or 1; "
                                   f"{int(bad.sum())} rows do not (rows {_rows(bad)})",
                                   "fill in each label's indicator")
            y[:, j] = values
        return y
    assert layout.list_column is not None
    column = layout.list_column
    cells = table[column].to_pylist()
    index = {label.lower(): j for j, label in enumerate(labels)}
    unknown: dict[str, list[int]] = {}
    for i, cell in enumerate(cells):
        text = "" if cell is None else str(cell).strip()
        if layout.shape == "lists":
            entries = _parse_list(text)
            if entries is None or len(entries) != len(labels) or not all(
                    e in (0, 1) for e in entries):
                raise ClfdiagError(f"{name}: column {column!r}, row {i + 1}: {text!r} is not a "
                                   f"list of {len(labels)} indicators (0 or 1)",
                                   "each row needs one 0/1 entry per probability column")
            y[i] = entries
            continue
        for label in _names(text, options.list_sep):
            at = index.get(label.lower())
            if at is None:
                unknown.setdefault(label, []).append(i)
            else:
                y[i, at] = 1
    if unknown:
        shown = ", ".join(f"{label!r} (rows {', '.join(str(r + 1) for r in rows[:3])})"
                          for label, rows in list(unknown.items())[:5])
        raise ClfdiagError(
            f"{name}: column {column!r} names labels with no probability column: {shown}; "
            f"the probability columns give {', '.join(map(repr, labels))}",
            "add a p_<label> column for each, or name the probability columns with --prob-col")
    return y


def _names(text: str, sep: str) -> list[str]:
    """The label names of one cell: a Python/JSON list, or text split on ``sep``."""
    if not text:
        return []
    if LIST_TEXT.match(text):
        entries = _parse_list(text)
        if entries is not None:
            return [_canonical(e) for e in entries]
    return [part.strip() for part in text.split(sep) if part.strip()]


def _canonical(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_list(text: str) -> list[Any] | None:
    """A Python or JSON list literal, or None."""
    try:
        value = json.loads(text)
    except ValueError:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
    return list(value) if isinstance(value, (list, tuple)) else None


def _ids(name: str, column: Any, ident: str) -> list[str]:
    if column.null_count:
        raise ClfdiagError(f"{name}: column {ident!r}: {column.null_count} rows have no id "
                           f"(rows {_rows(null_mask(column))})",
                           "fill in the ids, or choose another column with --id-col")
    ids = [str(v) for v in column.to_pylist()]
    if len(set(ids)) != len(ids):
        raise ClfdiagError(f"{name}: column {ident!r} repeats ids",
                           "each example must appear once")
    return ids


def _roles(header: list[str], layout: _Layout, ident: str | None, logits: bool
           ) -> tuple[tuple[str, str], ...]:
    what = "logit" if logits else "probability"
    prob = dict(zip(layout.probabilities, layout.labels, strict=True))
    truth = dict(zip(layout.indicators, layout.labels, strict=False))
    out = []
    for column in header:
        if column in prob:
            role = f"{what} of label {prob[column]!r}"
        elif column in truth:
            role = f"true label indicator of label {truth[column]!r}"
        elif column == layout.list_column:
            role = ("true labels (one 0/1 list per row, by position)" if layout.shape == "lists"
                    else "true labels (separated label names)")
        elif column == ident:
            role = "example id"
        else:
            role = "not used"
        out.append((column, role))
    return tuple(out)


def _texts(column: Any) -> list[str] | None:
    """The non-empty cells of a text column, or None for a column that is not text."""
    import pyarrow as pa

    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return None
    return [v for v in column.drop_null().to_pylist() if v.strip()]


def _is_numeric(column: Any) -> bool:
    import pyarrow as pa

    kind = column.type
    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind)
                or pa.types.is_boolean(kind))


def _is_indicator(column: Any) -> bool:
    if not _is_numeric(column):
        return False
    values = _floats(column)
    return bool(np.isin(values, (0.0, 1.0)).all())


def _floats(column: Any) -> npt.NDArray[np.float64]:
    import pyarrow as pa
    import pyarrow.compute as pc

    return np.asarray(to_numpy(pc.cast(column, pa.float64()), fill=np.nan), dtype=np.float64)


def _rows_sum_to_one(table: Any, columns: list[str]) -> bool:
    total = np.zeros(table.num_rows)
    for c in columns:
        total += _floats(table[c])
    finite = np.isfinite(total)
    return bool(finite.any()) and bool((np.abs(total[finite] - 1.0) <= SUM_TOLERANCE).all())


def _rows(mask: npt.NDArray[np.bool_]) -> str:
    where = np.flatnonzero(mask)[:SHOW_ROWS] + 1
    return ", ".join(map(str, where)) + (", ..." if mask.sum() > SHOW_ROWS else "")


@dataclass(frozen=True)
class PairedMultilabel:
    """Two inputs' rows paired: the shared true labels and each model's probabilities.

    B's columns are put in A's label order. ``by`` is ``id`` or ``row``;
    ``only_in_a`` and ``only_in_b`` count the ids left out.
    """

    y: npt.NDArray[np.uint8]
    proba_a: npt.NDArray[np.float64]
    proba_b: npt.NDArray[np.float64]
    by: str
    only_in_a: int
    only_in_b: int

    def pairing_json(self) -> dict[str, Any]:
        """The ``pairing`` block of the compare report."""
        return {"by": self.by, "n": int(self.y.shape[0]), "only_in_a": self.only_in_a,
                "only_in_b": self.only_in_b}


def pair_multilabel(a: MultilabelPredictions, b: MultilabelPredictions) -> PairedMultilabel:
    """Pair two multi-label inputs by id (when both have ids), else by row position.

    The label sets must be the same, and the paired rows must have the same true labels.
    """
    lower_b = {label.lower(): j for j, label in enumerate(b.labels)}
    missing = [label for label in a.labels if label.lower() not in lower_b]
    if missing or len(a.labels) != len(b.labels):
        raise ClfdiagError(
            f"{a.source.path} and {b.source.path} do not have the same labels"
            + (f" ({', '.join(map(repr, missing))} missing from B)" if missing else ""),
            "compare two models' predictions for the same labels")
    columns = [lower_b[label.lower()] for label in a.labels]
    if a.ids is not None and b.ids is not None:
        where_b = {ident: i for i, ident in enumerate(b.ids)}
        rows_a = [i for i, ident in enumerate(a.ids) if ident in where_b]
        rows_b = [where_b[a.ids[i]] for i in rows_a]
        by = "id"
        if not rows_a:
            raise ClfdiagError(f"{a.source.path} and {b.source.path} share no id",
                               "compare predictions for the same examples")
    else:
        if len(a) != len(b):
            raise ClfdiagError(
                f"{a.source.path} has {len(a)} rows and {b.source.path} {len(b)}, and they have "
                "no ids to pair them by", "add an id column to both, or pass --id-col")
        rows_a = rows_b = list(range(len(a)))
        by = "row"
    y_a = a.y[rows_a]
    y_b = b.y[rows_b][:, columns]
    differ = np.flatnonzero((y_a != y_b).any(axis=1))
    if differ.size:
        raise ClfdiagError(
            f"{a.source.path} and {b.source.path} give different true labels for "
            f"{differ.size} paired rows (rows of A: "
            f"{', '.join(str(rows_a[i] + 1) for i in differ[:SHOW_ROWS])})",
            "both files must hold the same true labels for the same examples")
    return PairedMultilabel(y_a, a.proba[rows_a], b.proba[rows_b][:, columns], by,
                            len(a) - len(rows_a), len(b) - len(rows_b))


LabelThresholds = dict[str, float] | list[float]
"""Per-label thresholds as read: by label name, or a list in the order of ``labels``."""


def read_label_thresholds(path: str) -> LabelThresholds:
    """Read ``--thresholds FILE``: one threshold per label, as JSON or CSV.

    JSON: an object ``{"label": threshold, ...}`` or a list in the order of the
    labels. CSV: a header and two columns, the label and its threshold.
    """
    import csv

    flag = f"--thresholds {path}"
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ClfdiagError(f"{flag}: cannot read the file ({exc.__class__.__name__})",
                           "give a JSON or CSV file of one threshold per label") from None
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            value = json.loads(stripped)
        except ValueError as exc:
            raise ClfdiagError(f"{flag}: not valid JSON ({exc})",
                               'write {"label": threshold, ...}') from None
        if isinstance(value, dict):
            return {str(k): _threshold(flag, str(k), v) for k, v in value.items()}
        return [_threshold(flag, f"entry {i + 1}", v) for i, v in enumerate(value)]
    rows = [r for r in csv.reader(stripped.splitlines()) if any(c.strip() for c in r)]
    if len(rows) < 2 or any(len(r) != 2 for r in rows):
        raise ClfdiagError(f"{flag}: expected a header and rows of two columns (label, "
                           "threshold)", "write label,threshold then one line per label")
    out: dict[str, float] = {}
    for row in rows[1:]:
        label = row[0].strip()
        if label in out:
            raise ClfdiagError(f"{flag}: label {label!r} is given twice",
                               "give each label one threshold")
        out[label] = _threshold(flag, label, row[1].strip())
    return out


def _threshold(flag: str, where: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not 0.0 <= number <= 1.0:
        raise ClfdiagError(f"{flag}: {where}: {value!r} is not a threshold in [0, 1]",
                           "a label is predicted when its probability is >= its threshold")
    return number


def label_threshold_values(given: LabelThresholds, labels: tuple[str, ...], flag: str
                           ) -> tuple[float, ...]:
    """The threshold of each label in ``labels`` order; every label needs exactly one."""
    if isinstance(given, list):
        if len(given) != len(labels):
            raise ClfdiagError(f"{flag}: {len(given)} thresholds for {len(labels)} labels",
                               f"give one per label, in this order: {', '.join(labels)}")
        return tuple(given)
    by_name = {k.strip().lower(): v for k, v in given.items()}
    missing = [label for label in labels if label.lower() not in by_name]
    unknown = sorted(set(by_name) - {label.lower() for label in labels})
    if missing or unknown:
        raise ClfdiagError(
            f"{flag}: the thresholds do not match the labels"
            + (f"; no threshold for {', '.join(map(repr, missing))}" if missing else "")
            + (f"; not a label: {', '.join(map(repr, unknown))}" if unknown else ""),
            f"give one threshold for each of: {', '.join(labels)}")
    return tuple(by_name[label.lower()] for label in labels)
