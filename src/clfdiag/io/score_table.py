"""Reading a table of scores of several models on several datasets (and folds), for ``rank``.

Two shapes, column names matched case-insensitively:

- **long**: ``dataset``, ``model``, optional ``repeat`` and/or ``fold``, and one score
  column: the only other numeric column, or the one named by ``--score-col``;
- **wide** (no ``model`` column): ``dataset``, optional ``repeat``/``fold``, and one
  numeric column per model, headed by the model's name.

Every model needs exactly one score on every dataset (and on every fold of it,
folds being identified by ``(repeat, fold)``); a missing or repeated cell is an
error naming the dataset, the model and the fold. Datasets keep their order of
first appearance; models their order of first appearance (long) or their column
order (wide).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from clfdiag.errors import ClfdiagError
from clfdiag.io.source import open_source, shorten

FloatArray = npt.NDArray[np.float64]
SHOW = 5
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
KEY_COLUMNS = ("dataset", "model", "repeat", "fold")
RATIO_HINT = ("pass --test-train-ratio R with R = n_test / n_train of the folds (0.25 for "
              "5-fold cross-validation): it cannot be read from the scores")


@dataclass(frozen=True)
class ScoreTable:
    """The scores of ``models`` on ``datasets``, one per dataset, or one per fold of each.

    Without folds, ``scores`` is datasets x models and ``fold_scores`` None.
    With folds (a ``repeat`` and/or ``fold`` column), ``fold_scores`` holds one
    folds x models array per dataset, its rows the dataset's ``(repeat, fold)``
    keys in order of first appearance (``folds``), and ``scores`` is None: the
    per-dataset means are computed with the statistics.
    """

    path: str
    shape: Literal["long", "wide"]
    datasets: tuple[str, ...]
    models: tuple[str, ...]
    score_column: str | None
    fold_columns: tuple[str, ...]
    scores: FloatArray | None
    fold_scores: tuple[FloatArray, ...] | None
    folds: tuple[tuple[tuple[str, ...], ...], ...] | None
    test_train_ratio: float | None
    index_column: str | None = None
    """The unnamed first column left out as a pandas index (``df.to_csv()``), or None."""


def read_score_table(path: str, *, score_col: str | None = None,
                     test_train_ratio: float | None = None) -> ScoreTable:
    """Read the scores table ``path`` (CSV, JSON Lines, Parquet...) in the long or wide shape.

    ``test_train_ratio`` (n_test / n_train) is required when the table has
    folds, for the corrected resampled t test, and must then be positive.
    """
    from clfdiag.io.header_roles import INDEX_NAMES, name_key
    from clfdiag.io.tables import read_inferred, table_header

    source = open_source(path)
    name = source.name
    header = list(table_header(source))
    by_lower: dict[str, list[str]] = {}
    for column in header:
        by_lower.setdefault(column.strip().lower(), []).append(column)
    for key in KEY_COLUMNS:
        if len(by_lower.get(key, [])) > 1:
            raise ClfdiagError(f"{name}: more than one column is named {key!r} "
                               f"({', '.join(by_lower[key])})",
                               "keep one; column names are matched whatever their case")
    keys = {key: by_lower[key][0] for key in KEY_COLUMNS if key in by_lower}
    if "dataset" not in keys:
        raise ClfdiagError(f"{name}: no 'dataset' column",
                           f"the scores table needs a dataset column; the columns are: "
                           f"{shorten(', '.join(header))}")
    text = tuple(header) if source.kind == "csv" else ()
    table = read_inferred(source, header, text)
    cells = {column: table[column].to_pylist() for column in header}
    decimal_comma = source.decimal_comma
    rows = table.num_rows
    if rows == 0:
        raise ClfdiagError(f"{name}: the table has no rows", "add one row per dataset and model")
    fold_columns = tuple(keys[k] for k in ("repeat", "fold") if k in keys)
    labels = {k: _labels(name, cells[c], c) for k, c in keys.items() if k != "model"}
    fold_keys = [tuple(labels[k][i] for k in ("repeat", "fold") if k in keys)
                 for i in range(rows)]
    dataset = labels["dataset"]
    others = [c for c in header if c not in keys.values()]
    # pandas and R's write.csv write the row index first, without a name: no model, no score.
    index_column = others[0] if others and header[0] == others[0] and name_key(
        header[0]) in INDEX_NAMES else None
    others = [c for c in others if c != index_column]

    entries: list[tuple[str, tuple[str, ...], str, float, int]] = []
    if "model" in keys:
        shape: Literal["long", "wide"] = "long"
        models_cells = _labels(name, cells[keys["model"]], keys["model"])
        score_column = _score_column(name, others, cells, score_col, decimal_comma)
        scores = _numbers(name, cells[score_column], score_column, decimal_comma)
        models = tuple(dict.fromkeys(models_cells))
        entries = [(dataset[i], fold_keys[i], models_cells[i], scores[i], i + 1)
                   for i in range(rows)]
    else:
        shape = "wide"
        if score_col is not None:
            raise ClfdiagError(f"{name}: --score-col does not apply to a wide table (one "
                               "column per model)",
                               "leave out --score-col, or add a 'model' column (long shape)")
        score_column = None
        if len(others) < 2:
            raise ClfdiagError(f"{name}: no 'model' column, and {len(others)} other column"
                               f"{'' if len(others) == 1 else 's'} besides the dataset and "
                               f"folds: a wide table needs one score column per model, two "
                               f"or more", "add a 'model' column for the long shape")
        models = tuple(others)
        columns = {m: _numbers(name, cells[m], m, decimal_comma) for m in models}
        entries = [(dataset[i], fold_keys[i], m, columns[m][i], i + 1)
                   for i in range(rows) for m in models]
    if len(models) < 2:
        raise ClfdiagError(f"{name}: only one model ({models[0]!r})",
                           "ranking needs scores of two or more models")

    grid = _grid(name, entries, models, fold_columns)
    datasets = tuple(grid)
    if fold_columns:
        if test_train_ratio is None:
            raise ClfdiagError(f"{name}: the table has folds ({', '.join(fold_columns)}), and "
                               "the corrected resampled t test needs --test-train-ratio",
                               RATIO_HINT)
        if not (math.isfinite(test_train_ratio) and test_train_ratio > 0):
            raise ClfdiagError(f"--test-train-ratio must be a positive number, not "
                               f"{test_train_ratio}", RATIO_HINT)
        folds = tuple(tuple(grid[d]) for d in datasets)
        fold_scores = tuple(np.array([[grid[d][f][m] for m in models] for f in grid[d]],
                                     dtype=np.float64) for d in datasets)
        return ScoreTable(name, shape, datasets, models, score_column, fold_columns, None,
                          fold_scores, folds, test_train_ratio, index_column)
    matrix = np.array([[grid[d][()][m] for m in models] for d in datasets], dtype=np.float64)
    return ScoreTable(name, shape, datasets, models, score_column, (), matrix, None, None,
                      test_train_ratio, index_column)


def _grid(name: str, entries: list[tuple[str, tuple[str, ...], str, float, int]],
          models: tuple[str, ...], fold_columns: tuple[str, ...]
          ) -> dict[str, dict[tuple[str, ...], dict[str, float]]]:
    """The scores by dataset, fold key and model, refusing repeated and missing cells."""
    grid: dict[str, dict[tuple[str, ...], dict[str, float]]] = {}
    row_of: dict[tuple[str, tuple[str, ...], str], int] = {}
    for dataset, fold, model, score, row in entries:
        cell = (dataset, fold, model)
        if cell in row_of:
            raise ClfdiagError(f"{name}: {_where(dataset, fold, model, fold_columns)} has more "
                               f"than one score (rows {row_of[cell]} and {row})",
                               "keep one score per dataset and model"
                               + (" and fold" if fold_columns else "")
                               + ("" if fold_columns else
                                  ", or add a 'fold' column if these are folds"))
        row_of[cell] = row
        grid.setdefault(dataset, {}).setdefault(fold, {})[model] = score
    missing = [(d, f, m) for d, by_fold in grid.items() for f, scores in by_fold.items()
               for m in models if m not in scores]
    if missing:
        shown = "; ".join(_where(d, f, m, fold_columns) for d, f, m in missing[:SHOW])
        more = f" and {len(missing) - SHOW} more" if len(missing) > SHOW else ""
        raise ClfdiagError(f"{name}: {len(missing)} score{'s are' if len(missing) > 1 else ' is'}"
                           f" missing: {shorten(shown)}{more}",
                           "every model needs a score on every dataset"
                           + (" and on every fold of it" if fold_columns else ""))
    return grid


def _where(dataset: str, fold: tuple[str, ...], model: str, fold_columns: tuple[str, ...]) -> str:
    parts = [f"dataset {dataset!r}", f"model {model!r}"]
    parts += [f"{c} {v!r}" for c, v in zip(fold_columns, fold, strict=True)]
    return ", ".join(parts)


def _labels(name: str, values: list[Any], column: str) -> list[str]:
    """A key column as text; an empty cell is an error naming its rows."""
    empty = [i + 1 for i, v in enumerate(values) if v is None or str(v).strip() == ""]
    if empty:
        raise ClfdiagError(f"{name}: column {column!r} is empty in {_rows(empty)}",
                           f"give every row its {column}")
    return [_label(v) for v in values]


def _label(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # fold 1.0 read from Parquet is fold 1
    return str(value).strip()


def _rows(rows: list[int]) -> str:
    many = "s" if len(rows) > 1 else ""
    shown = ", ".join(str(r) for r in rows[:SHOW])
    return f"{len(rows)} row{many} (row{many} {shown}{', ...' if len(rows) > SHOW else ''})"


def _number(value: Any, decimal_comma: bool) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if decimal_comma:
        text = text.replace(",", ".")
    return float(text) if NUMBER.match(text) else None


def _is_numeric(values: list[Any], decimal_comma: bool) -> bool:
    present = [v for v in values if v is not None and str(v).strip() != ""]
    return bool(present) and all(_number(v, decimal_comma) is not None for v in present)


def _score_column(name: str, others: list[str], cells: dict[str, list[Any]],
                  score_col: str | None, decimal_comma: bool) -> str:
    if score_col is not None:
        matches = [c for c in others if c.strip().lower() == score_col.strip().lower()]
        if not matches:
            raise ClfdiagError(f"{name}: no score column {score_col!r}",
                               f"the other columns are: {shorten(', '.join(others)) or 'none'}")
        return matches[0]
    numeric = [c for c in others if _is_numeric(cells[c], decimal_comma)]
    if len(numeric) == 1:
        return numeric[0]
    if not numeric:
        raise ClfdiagError(f"{name}: no numeric score column besides dataset, model and folds",
                           "add a column of scores, or name it with --score-col")
    raise ClfdiagError(f"{name}: {len(numeric)} numeric columns could be the score: "
                       f"{shorten(', '.join(numeric))}", "name one with --score-col")


def _numbers(name: str, values: list[Any], column: str, decimal_comma: bool) -> list[float]:
    """A score column as floats; empty, non-numeric or non-finite cells are errors by row."""
    numbers = [_number(v, decimal_comma) for v in values]
    empty = [i + 1 for i, v in enumerate(values) if v is None or str(v).strip() == ""]
    if empty:
        raise ClfdiagError(f"{name}: the score column {column!r} is empty in {_rows(empty)}",
                           "every model needs a score on every dataset")
    bad = [i + 1 for i, x in enumerate(numbers) if x is None or not math.isfinite(x)]
    if bad:
        shown = ", ".join(f"{values[r - 1]!r}" for r in bad[:SHOW])
        raise ClfdiagError(f"{name}: column {column!r} is not a finite number in {_rows(bad)}: "
                           f"{shorten(shown)}", "scores must be finite numbers")
    return [float(x) for x in numbers if x is not None]
