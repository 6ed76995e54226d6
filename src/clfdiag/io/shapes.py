"""Shapes that are not one row per example with its label: each named, with what handles it.

A file can hold labels and scores and still not be predictions clfdiag reads as
they are: a file without its header line, multi-label indicator columns, soft
labels (the share of annotators' votes per class). Each is refused with the
flag or command that reads it, never read as something it is not.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from clfdiag.errors import ClfdiagError

DECIMAL = re.compile(r"^\s*[+-]?\d*\.\d+([eE][+-]?\d+)?\s*$")
NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
FRACTION = re.compile(
    r"^\s*[+-]?(\d*\.\d*[1-9]\d*([eE][+-]?\d+)?|(\d+\.?\d*|\.\d+)[eE][+-]?\d+)\s*$")
"""A number that is not whole, or written with an exponent: ``0.5646``, ``1.2e-05``."""
SOFT_LABEL_VOTERS = 20
"""Vote shares are multiples of 1/m for at most this many voters (annotators)."""
NO_HEADER_HINT = ("pass --no-header and name the columns by their 0-based position, e.g. "
                  "--label-col 0 --prob-col 1")


def refuse_unlabelled_shape(name: str, header: tuple[str, ...],
                            class_prefixes: tuple[str, ...]) -> None:
    """Name the shape of a header without a label column, when it is a known one.

    ``class_prefixes`` are the prefixes of per-class score columns (``prob_``, ...): a
    ``<prefix><class>`` column beside a ``<class>`` column for every class is the sign
    of multi-label indicator columns.
    """
    refuse_numbers_as_header(name, header, NO_HEADER_HINT)
    keys = {c.strip().lower(): c for c in header}
    for prefix in class_prefixes:
        classes = [k[len(prefix):] for k in keys if k.startswith(prefix) and len(k) > len(prefix)]
        indicators = [keys[c] for c in classes if c in keys]
        if len(classes) >= 2 and len(indicators) == len(classes):
            raise ClfdiagError(
                f"{name}: columns {', '.join(indicators)} beside "
                f"{', '.join(keys[prefix + c] for c in classes)} look like multi-label "
                "indicator columns (one 0/1 truth column per class), not one label per row",
                "read them with the multi-label mode, --multilabel; for one label per row "
                "name the label column with --label-col")


def refuse_numbers_as_header(name: str, header: tuple[str, ...], hint: str) -> None:
    """A first line of numbers, one at least with a fraction or an exponent, is no header.

    No tool names columns ``0.83`` or ``1.2e-05`` (pandas' unnamed columns are whole
    numbers): the file has no header line, and reading one would take its first row
    for names and evaluate the rest.
    """
    if header and all(NUMBER.match(c) for c in header) and any(DECIMAL.match(c)
                                                                 for c in header):
        shown = ",".join(header)
        raise ClfdiagError(
            f"{name}: the first line ({shown[:60]!r}) holds numbers, not column names: the "
            "file seems to have no header line", hint)


def refuse_value_as_name(name: str, header: tuple[str, ...], hint: str) -> None:
    """A first line with a cell such as ``0.5646`` or ``1.2e-05`` is a row, whatever else it holds.

    No tool names a column with a number that is not whole (classes ``0.0``, ``1.0``
    and pandas' unnamed columns are whole): a file without a header whose labels are
    text (``no,0.5646``) has such a first line, and reading it as names, also when the
    flags name its columns (``--label-col no``), would evaluate every row but the first.
    """
    refuse_numbers_as_header(name, header, hint)
    cell = next((c for c in header if FRACTION.match(c)), None)
    if cell is not None:
        shown = ",".join(header)
        raise ClfdiagError(
            f"{name}: the first line ({shown[:60]!r}) holds the number {cell.strip()!r}, not a "
            "column name: the file seems to have no header line", hint)


def refuse_soft_labels(name: str, label: str, columns: list[str], matrix: Any,
                       labels: list[str | None]) -> None:
    """Class-named columns that are vote shares and agree with the label on every row.

    ``matrix`` holds the columns' values (rows x classes) and ``labels`` the
    label of each row (canonical). Vote shares of m voters are multiples of 1/m,
    not all 0 or 1, and the label is always a most voted class: no model
    predicts its own labels so exactly, so these columns are labels, not scores.
    """
    rows = np.isfinite(matrix).all(axis=1)
    values = matrix[rows]
    if not values.size or bool(((values == 0) | (values == 1)).all()):
        return
    voters = next((m for m in range(2, SOFT_LABEL_VOTERS + 1)
                   if bool((np.abs(values * m - np.round(values * m)) < 1e-6).all())), None)
    if voters is None:
        return
    index = {c.strip().lower(): j for j, c in enumerate(columns)}
    kept = [v for v, keep in zip(labels, rows, strict=True) if keep]
    for row, value in zip(values, kept, strict=True):
        j = index.get((value or "").strip().lower())
        if j is None or row[j] < row.max():
            return
    raise ClfdiagError(
        f"{name}: columns {', '.join(columns)} hold soft labels (shares of {voters} votes per "
        f"class, and the label in {label!r} is always a most voted class), not a model's "
        "probabilities",
        "soft labels are labels, not predictions: give the model's probability columns with "
        "--prob-col (once per class), or its predicted classes with --pred-col; the label "
        f"column is {label!r} (--label-col)")
