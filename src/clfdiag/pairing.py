"""Matching the examples of two prediction files, so that each is compared with itself.

Rows pair by id when both files have an id column, else by row number (when
only one file has ids, the report says so: :func:`row_pairing_note`). Ids
found in only one file and labels that disagree are errors naming how many and
which, unless ``allow_partial`` keeps the examples both files agree on (and the
report says what was left out).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from clfdiag.errors import ClfdiagError
from clfdiag.io.arrays import index_array, null_mask, to_numpy
from clfdiag.predictions import Predictions

SHOW = 5


@dataclass(frozen=True)
class Paired:
    """Two models' probabilities for the same examples, in A's order and A's class order."""

    y: npt.NDArray[np.int64]
    proba_a: npt.NDArray[np.float64]
    proba_b: npt.NDArray[np.float64]
    classes: tuple[str, ...]
    index_a: npt.NDArray[np.int64]
    """Position of each paired example in A (for row numbers and ids)."""
    index_b: npt.NDArray[np.int64]
    by: str
    only_in_a: int
    only_in_b: int
    label_mismatch: int
    examples_left_out: dict[str, list[Any]] = field(default_factory=dict)
    ids_only_in: str | None = None
    """``"a"`` or ``"b"`` when only that file has ids (so they were not used), else None."""
    weights: npt.NDArray[np.float64] | None = None
    """Sample weights of the paired examples (the same in both files), or None."""
    ids_as_numbers: bool = False
    """The ids were paired as whole numbers (``00012`` with ``12``)."""

    def __len__(self) -> int:
        return int(self.y.shape[0])


def pair_predictions(a: Predictions, b: Predictions, allow_partial: bool = False) -> Paired:
    """Pair the examples of ``a`` and ``b``; see the module docstring for the rules."""
    name_a, name_b = a.source.path, b.source.path
    if a.task != b.task:
        raise ClfdiagError(f"{name_a} is {a.task} but {name_b} is {b.task}",
                           "compare predictions of the same task")
    proba_b = b.proba
    if a.task == "binary":
        if a.classes != b.classes:
            # --positive applies to both files: it can settle which class is positive, never
            # labels spelled differently.
            raise ClfdiagError(
                f"{name_a} has classes {a.classes} (positive {a.classes[1]!r}) but {name_b} has "
                f"{b.classes} (positive {b.classes[1]!r})",
                _positive_hint(a, b) if set(a.classes) == set(b.classes) else
                "write both files' labels the same way (e.g. 0/1 in both)")
        y_b = b.y
    else:
        if set(a.classes) != set(b.classes):
            only_a = sorted(set(a.classes) - set(b.classes))
            only_b = sorted(set(b.classes) - set(a.classes))
            raise ClfdiagError(
                f"the class sets differ: only in {name_a}: {only_a}; only in {name_b}: {only_b}",
                "compare predictions over the same classes")
        order = np.array([b.classes.index(c) for c in a.classes])
        proba_b = b.proba[:, order]
        to_a = np.argsort(order)  # b's class index -> a's class index
        y_b = to_a[b.y]

    as_numbers = False
    if a.ids is not None and b.ids is not None:
        index_a, index_b, only_a, only_b, by = _match_ids(a, b)
        if len(only_a) or len(only_b):
            numeric = _match_whole_number_ids(a, b)
            if numeric is not None and len(numeric[0]) > len(index_a):
                index_a, index_b, only_a, only_b, by = numeric
                as_numbers = True
    else:
        index_a, index_b, only_a, only_b, by = _match_rows(a, b)
    one_sided = None if (a.ids is None) == (b.ids is None) else ("a" if b.ids is None else "b")
    left_out: dict[str, list[Any]] = {}
    if len(only_a) or len(only_b):
        what = "ids" if by == "id" else "rows"
        shown_a = _shown(a, only_a, by)
        shown_b = _shown(b, only_b, by)
        if len(index_a) == 0:  # --allow-partial would keep nothing: not a hint to give
            raise ClfdiagError(
                f"{name_a} and {name_b} have no example in common: {len(only_a)} {what} only in "
                f"{name_a} (e.g. {shown_a}) and {len(only_b)} only in {name_b} (e.g. {shown_b})",
                "compare predictions of the same examples")
        if not allow_partial:
            raise ClfdiagError(
                f"{len(only_a)} {what} only in {name_a} (e.g. {shown_a}) and {len(only_b)} only "
                f"in {name_b} (e.g. {shown_b})",
                "give both files the same examples, or pass --allow-partial to keep those in "
                "both")
        left_out["only_in_a"] = _values(a, only_a, by)
        left_out["only_in_b"] = _values(b, only_b, by)

    # Every example in order in both files (the usual case): no gathers of the labels.
    in_order = _identity(index_a, len(a)) and _identity(index_b, len(b))
    mismatch = np.flatnonzero(a.y != y_b if in_order else a.y[index_a] != y_b[index_b])
    if mismatch.size:
        labels = [(a.classes[a.y[index_a[i]]], a.classes[y_b[index_b[i]]]) for i in mismatch]
        key = _values(a, index_a[mismatch], by)
        shown = ", ".join(f"{k} ({la!r} vs {lb!r})"
                          for k, (la, lb) in zip(key[:SHOW], labels[:SHOW], strict=False))
        if not allow_partial or mismatch.size == len(index_a):
            hint = ("are the rows in the same order? add an id column to both files"
                    if by == "row" else "the files disagree on the truth")
            # Every pair differing, --allow-partial would leave nothing to compare.
            raise ClfdiagError(
                f"labels differ for {mismatch.size} paired examples ({by} {shown})",
                hint if mismatch.size == len(index_a)
                else hint + ", or pass --allow-partial to leave them out")
        left_out["label_mismatch"] = key
        keep = np.ones(len(index_a), dtype=bool)
        keep[mismatch] = False
        index_a, index_b = index_a[keep], index_b[keep]
        in_order = False
    if len(index_a) == 0:
        raise ClfdiagError(f"{name_a} and {name_b} have no example in common")
    weights = _paired_weights(a, b, index_a, index_b, by)
    if in_order:
        return Paired(y=a.y, proba_a=a.proba, proba_b=proba_b, classes=a.classes,
                      index_a=index_a, index_b=index_b, by=by, only_in_a=0, only_in_b=0,
                      label_mismatch=0, examples_left_out=left_out, ids_only_in=one_sided,
                      weights=weights, ids_as_numbers=as_numbers)
    return Paired(
        y=a.y[index_a], proba_a=a.proba[index_a], proba_b=proba_b[index_b],
        classes=a.classes, index_a=index_a, index_b=index_b, by=by,
        only_in_a=len(only_a), only_in_b=len(only_b), label_mismatch=int(mismatch.size),
        examples_left_out=left_out, ids_only_in=one_sided, weights=weights,
        ids_as_numbers=as_numbers,
    )


def _positive_hint(a: Predictions, b: Predictions) -> str:
    """The ``--positive`` that reads both files as they were read, when their positives differ.

    A score column that names its class (``p_no``) is read the same whatever
    ``--positive`` says; one that names none (``prob``) is P(--positive). So the
    positive to give is that of the file whose column names no class: any other would
    read its scores as the other class's probability.
    """
    from clfdiag.errors import flag_value

    unnamed = [p for p in (a, b) if p.source.named_class is None]
    if len(unnamed) == 1:
        path, positive = unnamed[0].source.path, unnamed[0].classes[1]
        return (f"pass --positive {flag_value(positive)} ({path}'s score column names no class "
                f"and was read as P({positive}))")
    return "give both files the same labels, or the same --positive"


def row_pairing_note(paired: Paired, a: Predictions, b: Predictions) -> str | None:
    """The note on how ids were used, or None.

    Ids are ignored when only one of the files has them, and paired as whole numbers
    when the files write them differently.
    """
    if paired.ids_as_numbers:
        return (f"ids paired as whole numbers: {a.source.path} and {b.source.path} write them "
                f"differently (e.g. {a.ids[0].as_py()!r} and {b.ids[0].as_py()!r})")
    if paired.ids_only_in is None:
        return None
    has, lacks = (a, b) if paired.ids_only_in == "a" else (b, a)
    column = has.source.id_column
    return (f"only {paired.ids_only_in.upper()} ({has.source.path}) has an id column"
            f"{f' ({column!r})' if column else ''}: examples are paired by row number, "
            f"so row k of {has.source.path} is compared with row k of {lacks.source.path}; "
            "give both files ids (--id-col) to pair by id")


def _paired_weights(a: Predictions, b: Predictions, index_a: npt.NDArray[np.int64],
                    index_b: npt.NDArray[np.int64], by: str) -> npt.NDArray[np.float64] | None:
    """The sample weights of the paired examples; both files must give each example the same."""
    if a.weights is None and b.weights is None:
        return None
    if a.weights is None or b.weights is None:
        weighted, plain = (a, b) if b.weights is None else (b, a)
        raise ClfdiagError(f"{weighted.source.path} has sample weights "
                           f"({weighted.source.weight_column!r}) but {plain.source.path} has "
                           "none", "give both files the weight column, or leave out --weight-col")
    weights_a, weights_b = a.weights[index_a], b.weights[index_b]
    differ = np.flatnonzero(weights_a != weights_b)
    if differ.size:
        shown = ", ".join(str(v) for v in _values(a, index_a[differ[:SHOW]], by))
        raise ClfdiagError(
            f"sample weights differ between {a.source.path} and {b.source.path} for "
            f"{differ.size} paired examples ({by} {shown})",
            "give every example the same weight in both files (the weights belong to the "
            "examples, not to the models)")
    return weights_a


def _match_ids(a: Predictions, b: Predictions) -> tuple[Any, Any, Any, Any, str]:
    import pyarrow.compute as pc

    if len(a) == len(b) and pc.all(pc.equal(a.ids, b.ids)).as_py():
        # The same ids in the same order (the usual dump of one validation set).
        same = np.arange(len(a), dtype=np.int64)
        empty = np.zeros(0, dtype=np.int64)
        return same, same, empty, empty, "id"

    position_in_a = pc.index_in(b.ids, value_set=a.ids)
    found = ~null_mask(position_in_a)
    index_b = np.flatnonzero(found).astype(np.int64)
    index_a = to_numpy(pc.drop_null(position_in_a)).astype(np.int64)
    order = np.argsort(index_a, kind="stable")
    index_a, index_b = index_a[order], index_b[order]
    matched_a = np.zeros(len(a), dtype=bool)
    matched_a[index_a] = True
    return (index_a, index_b, np.flatnonzero(~matched_a), np.flatnonzero(~found), "id")


def _match_whole_number_ids(a: Predictions, b: Predictions
                            ) -> tuple[Any, Any, Any, Any, str] | None:
    """:func:`_match_ids` on ids read as whole numbers, when every id of both files is one."""
    from clfdiag.io.joined import as_whole_numbers

    numbers_a, numbers_b = as_whole_numbers(a.ids), as_whole_numbers(b.ids)
    if numbers_a is None or numbers_b is None:
        return None
    return _match_ids(replace(a, ids=numbers_a), replace(b, ids=numbers_b))


def _match_rows(a: Predictions, b: Predictions) -> tuple[Any, Any, Any, Any, str]:
    rows_a = a.rows if a.rows is not None else np.arange(1, len(a) + 1)
    rows_b = b.rows if b.rows is not None else np.arange(1, len(b) + 1)
    _, index_a, index_b = np.intersect1d(rows_a, rows_b, assume_unique=True,
                                              return_indices=True)
    only_a = np.setdiff1d(np.arange(len(a)), index_a)
    only_b = np.setdiff1d(np.arange(len(b)), index_b)
    return index_a.astype(np.int64), index_b.astype(np.int64), only_a, only_b, "row"


IDENTITY_BLOCK = 1 << 16


def _identity(index: npt.NDArray[np.integer], n: int) -> bool:
    """True when ``index`` is 0, 1, ..., n - 1 (every example, in order).

    Checked block by block against one small range: no array of n positions.
    """
    if index.shape[0] != n:
        return False
    block = np.arange(IDENTITY_BLOCK, dtype=np.int64)
    for start in range(0, n, IDENTITY_BLOCK):
        part = index[start:start + IDENTITY_BLOCK]
        if not np.array_equal(part, block[:part.shape[0]] + start):
            return False
    return True


def _values(p: Predictions, index: npt.NDArray[np.integer], by: str) -> list[Any]:
    return list(p.id_values(index)) if by == "id" else p.row_numbers(index)


def _shown(p: Predictions, index: npt.NDArray[np.integer], by: str) -> str:
    values = _values(p, index[:SHOW], by)
    return ", ".join(repr(v) if by == "id" else str(v) for v in values) or "none"


def subset(p: Predictions, index: npt.NDArray[np.integer]) -> Predictions:
    """The examples of ``p`` at ``index``, keeping their input row numbers and ids."""
    index = np.asarray(index, dtype=np.int64)
    rows = np.asarray(p.row_numbers(index), dtype=np.int64)
    ids = None if p.ids is None else p.ids.take(index_array(index))
    return replace(p, y=p.y[index], proba=p.proba[index], ids=ids, rows=rows,
                   logits=None if p.logits is None else p.logits[index],
                   weights=None if p.weights is None else p.weights[index],
                   source=replace(p.source, used=len(index)))


@dataclass(frozen=True)
class CommonExamples:
    """Runs cut down to the examples every file holds, and what each file lost."""

    runs: list[Predictions]
    left_out: dict[str, int]
    """File -> number of its examples left out (only with ``allow_partial``)."""
    by: str


def common_examples(runs: list[Predictions], allow_partial: bool = False) -> CommonExamples:
    """Check that every file holds the same examples as the first (see :func:`pair_predictions`).

    Every file is checked, not only neighbours. With ``allow_partial`` the
    examples that all files hold with the same label are kept, in the first
    file's order, and the report counts what each file lost.
    """
    first = runs[0]
    keep = np.ones(len(first), dtype=bool)
    positions = []
    by = "row"
    for other in runs[1:]:
        paired = pair_predictions(first, other, allow_partial)
        by = paired.by
        position = np.full(len(first), -1, dtype=np.int64)
        position[paired.index_a] = paired.index_b
        positions.append(position)
        keep &= position >= 0
    index = np.flatnonzero(keep)
    if keep.all() and all(len(r) == len(first) for r in runs) and all(
            _identity(pos, len(first)) for pos in positions):
        return CommonExamples(list(runs), {}, by)
    if len(index) == 0:
        raise ClfdiagError("the prediction files have no example in common")
    kept = [subset(first, index)] + [subset(r, pos[index])
                                     for r, pos in zip(runs[1:], positions, strict=True)]
    left_out = {r.source.path: len(r) - len(index) for r in runs if len(r) != len(index)}
    return CommonExamples(kept, left_out, by)
