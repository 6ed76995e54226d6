"""Reading training histories: validation loss and accuracy, evaluation after evaluation.

Formats, detected from the content:

- Keras ``CSVLogger`` (``epoch,accuracy,loss,val_accuracy,val_loss``; older ``acc``/``val_acc``).
  A log appended by a second ``fit()`` restarts its epoch count: a new segment.
- PyTorch Lightning ``CSVLogger`` ``metrics.csv``: sparse rows, train and validation metrics
  of one epoch on different rows, ``_step``/``_epoch`` suffixes; rows are merged.
- Keras ``history.history`` and LightGBM/XGBoost evaluation records saved as JSON
  (lists of values by metric, or by data set and metric): :func:`_json_columns`.
- Hugging Face ``trainer_state.json``: ``log_history`` entries with ``eval_loss`` (and
  ``eval_accuracy`` when it was computed), interleaved with training-loss entries.
- CatBoost ``test_error.tsv`` (``iter``, then one column per metric, the loss ``Logloss``
  or ``CrossEntropy`` or ``MultiClass``): every column is a validation metric and the
  evaluations are labelled by ``iter``. Tab- and semicolon-separated logs are read too.
- A ``fold`` column (or ``--fold-col``): several runs in one file, each read on its own.
- TensorBoard scalar CSV exports (``Wall time,Step,Value``), one file per metric.
- MLflow file-store metric files (``<timestamp> <value> <step>`` lines), or their folder.

Evaluations logged by step rather than by whole epoch are labelled by step.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from clfdiag.errors import ClfdiagError
from clfdiag.io.source import UTF16_BOMS, csv_field_limit, not_utf8

LOG_FIELD_LIMIT = 131_072
"""The longest field of a training log, in characters (Python's csv module's default)."""
LOSS_NAMES = ("val_loss", "validation_loss", "valid_loss", "eval_loss", "val_nll", "test_loss")
ACC_NAMES = ("val_accuracy", "val_acc", "validation_accuracy", "valid_accuracy", "valid_acc",
             "eval_accuracy", "eval_acc", "val_categorical_accuracy", "val_binary_accuracy",
             "val_sparse_categorical_accuracy", "test_accuracy", "test_acc")
EVAL_WORDS = ("val", "valid", "validation", "eval", "test")
CATBOOST_LOSSES = ("logloss", "crossentropy", "multiclass")
"""The losses CatBoost writes in ``test_error.tsv`` (lower is better)."""
NOT_METRICS = ("loss", "runtime", "per_second", "epoch", "step", "iter", "fold", "lr",
               "learning_rate", "time")
"""Words of logged columns that are no quality metric (bookkeeping, or a loss)."""
UNPREFIXED_ACCURACY = ("acc", "accuracy")
PHASE_NAMES = ("phase", "split", "stage", "mode", "subset")
"""Names of a column that tells a log's training rows from its validation rows."""
TRAIN_PHASES = ("train", "training")
VALIDATION_PHASES = ("val", "valid", "validation", "eval", "evaluation", "dev")


@dataclass(frozen=True)
class Evaluation:
    """One validation evaluation found in a history."""

    label: float
    epoch: float | None
    step: int | None
    segment: int
    loss: float | None
    """None where the log holds no finite number (a diverged ``nan``, ``inf``, text)."""
    accuracy: float | None
    metric: float | None = None
    """The value of the metric scanned beside the loss (the accuracy unless chosen)."""
    fold: Any = None


@dataclass(frozen=True)
class History:
    """The validation evaluations of one training run, in order."""

    path: str
    format: str
    evaluations: tuple[Evaluation, ...]
    loss_column: str
    accuracy_column: str | None
    labelled_by: str  # "epoch", "step" or "iter"
    notes: tuple[str, ...] = ()
    metric_column: str | None = None
    """The column scanned beside the loss: ``--metric``, else the accuracy column."""
    metric_columns: tuple[str, ...] = ()
    """The quality-metric columns the file logged (what ``--metric`` can name)."""
    fold_column: str | None = None

    @property
    def folds(self) -> list[Any]:
        """The folds in the order of their first appearance (empty without a fold column)."""
        if self.fold_column is None:
            return []
        return list(dict.fromkeys(e.fold for e in self.evaluations))

    @property
    def segment_starts(self) -> list[int]:
        """Indices where a new segment (a restarted training) begins."""
        return [i for i, e in enumerate(self.evaluations)
                if i and (e.segment, e.fold) != (self.evaluations[i - 1].segment,
                                                 self.evaluations[i - 1].fold)]


def read_history(paths: list[str] | str, loss_col: str | None = None,
                 acc_col: str | None = None, metric: str | None = None,
                 fold_col: str | None = None) -> History:
    """Read a history from one file (or folder), or from one file per metric.

    ``metric`` names the logged column scanned beside the loss instead of the accuracy
    (``val_auc``, ``eval_f1``, ``AUC``); ``fold_col`` names the column that tells the
    runs of one file apart (a column named ``fold`` is taken without it).
    """
    paths = [paths] if isinstance(paths, str) else list(paths)
    for p in paths:
        if not Path(p).exists():
            raise ClfdiagError(f"{p}: no such file")
    if len(paths) == 1 and Path(paths[0]).is_dir():
        folder = Path(paths[0])
        if (folder / "metrics").is_dir():  # an MLflow run folder
            folder = folder / "metrics"
        files = sorted(str(f) for f in folder.iterdir() if f.is_file())
        if not files:
            raise ClfdiagError(f"{paths[0]}: an empty folder")
        return _choose_metric(_per_metric_files(paths[0], files, loss_col, acc_col, metric),
                              metric)
    if len(paths) > 1:
        return _choose_metric(_per_metric_files(", ".join(paths), paths, loss_col, acc_col,
                                                metric), metric)
    path = paths[0]
    text = _text(path)
    if text.lstrip().startswith("{"):
        if fold_col is not None:
            raise ClfdiagError(f"{path}: --fold-col {fold_col!r}: a trainer_state.json holds "
                               "one run", "leave out --fold-col")
        return _choose_metric(_hugging_face(path, text, loss_col, acc_col, metric), metric)
    rows = _csv_rows(path, text)
    header = [h.strip() for h in rows[0]] if rows else []
    if _is_tensorboard(header) or _is_mlflow(rows):
        return _choose_metric(_per_metric_files(path, [path], loss_col, acc_col, metric),
                              metric)
    wide = _pivoted(path, header, rows[1:], fold_col)
    if wide is not None:
        wide_header, wide_rows, run_column, note = wide
        history = _keras_or_lightning(path, wide_header, wide_rows, loss_col, acc_col, metric,
                                      run_column)
        return _choose_metric(replace(history, format="long format",
                                      notes=(note, *history.notes)), metric)
    return _choose_metric(_keras_or_lightning(path, header, rows[1:], loss_col, acc_col,
                                              metric, fold_col), metric)


def _choose_metric(history: History, metric: str | None) -> History:
    """Say what the loss-up/metric-up scan can use when ``--metric`` was not given."""
    if metric is not None or history.accuracy_column is not None:
        return history
    others = list(history.metric_columns)
    if others:
        note = ("no validation accuracy was logged: the loss-up/accuracy-up flag needs "
                f"--metric, one of: {', '.join(others)}")
    else:
        note = ("no validation accuracy was logged: the loss-up/accuracy-up flag "
                "cannot be computed")
    notes = tuple(n for n in history.notes if not n.startswith("no validation accuracy"))
    return replace(history, notes=(*notes, note))


def _text(path: str) -> str:
    raw = Path(path).read_bytes()
    if not raw.strip():
        raise ClfdiagError(f"{path}: the file is empty")
    if raw.startswith(UTF16_BOMS):
        # PowerShell's `>` and Windows editors write UTF-16 with a byte-order mark.
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ClfdiagError(f"{path}: starts as UTF-16 text but byte {exc.start:,} is not "
                               "UTF-16", "re-save the file as UTF-8") from None
    if b"\x00" in raw[:4096]:
        hint = ("export the scalars from TensorBoard as CSV (one file per metric)"
                if "tfevents" in path else "pass a CSV or JSON training log")
        raise ClfdiagError(f"{path}: binary content, not a training history", hint)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise not_utf8(path, raw, exc.start) from None


def delimiter_of(text: str) -> str:
    """The separator of a delimited log: the one of comma, tab and semicolon its header uses most.

    A header with none of them (an MLflow metric file, one metric) reads as CSV.
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _csv_rows(path: str, text: str) -> list[list[str]]:
    """The rows of a delimited log; a malformed one is an input error naming its line."""
    reader = csv.reader(text.splitlines(), delimiter=delimiter_of(text))
    rows: list[list[str]] = []
    start = 1  # the line where the row being read begins
    try:
        with csv_field_limit(LOG_FIELD_LIMIT):
            for row in reader:
                rows.append(row)
                start = reader.line_num + 1
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise ClfdiagError(f"{path}: line {start}: a field longer than "
                               f"{LOG_FIELD_LIMIT:,} characters",
                               "not a training log: pass the CSV written by the "
                               "logger") from None
        raise ClfdiagError(f"{path}: line {start}: not valid CSV ({exc})") from None
    if reader.dialect.delimiter != "," and _decimal_comma(rows):
        rows = [[c.replace(",", ".") if DECIMAL_COMMA.match(c) else c for c in r] for r in rows]
    return rows


DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+,\d+([eE][+-]?\d+)?\s*$")
DECIMAL_POINT = re.compile(r"^\s*[+-]?\d*\.\d+([eE][+-]?\d+)?\s*$")


def _decimal_comma(rows: list[list[str]]) -> bool:
    """Numbers written with a decimal comma (a spreadsheet's ``0,4127`` in a ``;`` log).

    Only when no cell has a decimal point, so that a thousands separator never
    reads as one.
    """
    cells = [c for r in rows[1:] for c in r]
    return any(DECIMAL_COMMA.match(c) for c in cells) and not any(
        DECIMAL_POINT.match(c) for c in cells)


def _step(value: Any, path: str, where: str) -> int | None:
    """A logged step: a whole, finite number, or None when it was not logged."""
    if value is None:
        return None
    number = _number(value) if not isinstance(value, bool) else None
    if number is None or not number.is_integer():
        raise ClfdiagError(f"{path}: {where}: the step {value!r} is not a whole number",
                           "the log is damaged: fix or remove that entry")
    return int(number)


def normalise(name: str) -> str:
    """A metric name in one spelling: ``valid/loss_epoch`` becomes ``valid_loss``."""
    key = re.sub(r"[/\-. ]+", "_", name.strip().lower())
    return re.sub(r"_(epoch|step)$", "", key)


def _pick(path: str, names: list[str], wanted: str | None, exact: tuple[str, ...], word: str,
          flag: str, required: bool) -> str | None:
    if wanted is not None:
        matches = [n for n in names if n == wanted] or [n for n in names if
                                                        normalise(n) == normalise(wanted)]
        if not matches:
            raise ClfdiagError(f"{path}: {flag} {wanted!r} is not among: {', '.join(names)}")
        return matches[0]
    for candidate in exact:
        matches = [n for n in names if normalise(n) == candidate]
        if matches:
            # Prefer the epoch-level aggregate over per-step values (Lightning).
            return sorted(matches, key=lambda n: not n.lower().endswith("_epoch"))[0]
    loose = [n for n in names if word in normalise(n)
             and any(w in normalise(n).split("_") for w in EVAL_WORDS)]
    if len({normalise(n) for n in loose}) == 1:
        return loose[0]
    if len(loose) > 1:
        raise ClfdiagError(f"{path}: several validation {word} columns: {', '.join(loose)}",
                           f"choose one with {flag}")
    if required:
        raise ClfdiagError(
            f"{path}: found no validation loss; columns are: {', '.join(names)}",
            f"name it with {flag} (e.g. {flag} val_loss)")
    return None


def _number(cell: Any) -> float | None:
    if cell is None:
        return None
    try:
        value = float(str(cell).strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _loss_number(cell: Any) -> float | None:
    """A loss cell: None when empty (no evaluation), NaN when it holds no finite number."""
    if cell is None or not str(cell).strip():
        return None
    value = _number(cell)
    return math.nan if value is None else value


Record = tuple[float | None, int | None, float | None, float | None, float | None, Any]
"""One evaluation as read: epoch, step, loss, accuracy, metric, fold."""


def metric_columns(names: list[str], loss_name: str, all_validation: bool = False) -> list[str]:
    """The logged quality metrics: validation columns that are neither a loss nor bookkeeping.

    ``all_validation`` says every column is a validation metric (CatBoost's
    ``test_error.tsv``), so no ``val_``/``eval_`` prefix is needed.
    """
    out = []
    for name in names:
        key = normalise(name)
        words = key.split("_")
        if name == loss_name or any(w in key for w in NOT_METRICS):
            continue
        if all_validation or any(w in words for w in EVAL_WORDS):
            out.append(name)
    return list(dict.fromkeys(out))


def _metric_name(path: str, names: list[str], wanted: str, available: list[str]) -> str:
    """The column ``--metric`` names, by its name as logged (or in another spelling)."""
    matches = [n for n in names if n == wanted] or [n for n in names
                                                    if normalise(n) == normalise(wanted)]
    if not matches:
        raise ClfdiagError(f"{path}: --metric {wanted!r} is not a logged column",
                           "metric columns are: " + (", ".join(available) or "none"))
    if any(w in normalise(matches[0]) for w in ("loss", *CATBOOST_LOSSES)):
        raise ClfdiagError(f"{path}: --metric {wanted!r} is a loss (lower is better)",
                           "--metric takes a metric that is better when higher: "
                           + (", ".join(available) or "none is logged"))
    return matches[0]


def _catboost_loss(path: str, header: list[str]) -> str | None:
    """The loss of a CatBoost error log (``iter`` then one column per metric), else None."""
    if "iter" not in [h.lower() for h in header]:
        return None
    if Path(path).name.lower().startswith("learn_error"):
        raise ClfdiagError(f"{path}: CatBoost's learn_error.tsv holds training metrics",
                           "pass test_error.tsv, the metrics on the evaluation set")
    losses = [h for h in header if normalise(h) in CATBOOST_LOSSES]
    return losses[0] if len(losses) == 1 else None


def _fold_index(path: str, header: list[str], fold_col: str | None) -> int | None:
    if fold_col is not None:
        if fold_col not in header:
            raise ClfdiagError(f"{path}: --fold-col {fold_col!r} is not among: "
                               f"{', '.join(header)}")
        return header.index(fold_col)
    named = [i for i, h in enumerate(header) if normalise(h) == "fold"]
    return named[0] if named else None


def _fold_value(cell: str) -> Any:
    """A fold as the file writes it: a whole number as a number, anything else as text."""
    text = cell.strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def _unprefixed_accuracy(header: list[str]) -> str | None:
    """The note on an ``acc`` column without a train/validation prefix: not scanned.

    Beside a training ``loss`` it is the training accuracy (Keras logs ``loss, acc,
    val_loss, val_acc``); alone beside the validation loss it could be either. Taking it
    for the validation accuracy could flag the wrong evaluations, so it is not scanned
    and the note names the flag that says otherwise.
    """
    plain = [h for h in header if normalise(h) in UNPREFIXED_ACCURACY]
    if not plain:
        return None
    why = ("sits beside the training `loss`: read as the training accuracy"
           if any(normalise(h) == "loss" for h in header)
           else "may be the training accuracy")
    return (f"column `{plain[0]}` has no train/validation prefix and {why}, not scanned; "
            f"if it is measured on the validation set, pass --acc-col {plain[0]}")


def _keras_or_lightning(path: str, header: list[str], rows: list[list[str]],
                        loss_col: str | None, acc_col: str | None, metric: str | None,
                        fold_col: str | None) -> History:
    if not header:
        raise ClfdiagError(f"{path}: the file is empty")
    lowered = [h.lower() for h in header]
    notes = []
    rows, phase_note = _validation_phase(path, header, rows)
    if phase_note is not None:
        notes.append(phase_note)
        plain = {normalise(h): h for h in header}
        if loss_col is None and "loss" in plain and not any(
                normalise(h) in LOSS_NAMES for h in header):
            loss_col = plain["loss"]
        if acc_col is None and not any(normalise(h) in ACC_NAMES for h in header):
            acc_col = next((plain[a] for a in ("accuracy", "acc") if a in plain), None)
    catboost_loss = _catboost_loss(path, header) if loss_col is None else None
    all_validation = catboost_loss is not None or (
        loss_col is not None and "iter" in lowered
        and normalise(loss_col) in CATBOOST_LOSSES)
    if catboost_loss is not None:
        loss_name: str | None = catboost_loss
    else:
        try:
            loss_name = _pick(path, header, loss_col, LOSS_NAMES, "loss", "--loss-col", True)
        except ClfdiagError as exc:
            if "iter" in lowered and exc.hint and "--loss-col" in exc.hint:
                raise ClfdiagError(exc.message, "name the validation loss with --loss-col "
                                   "(CatBoost: --loss-col Logloss)") from None
            raise
    assert loss_name is not None
    if all_validation:
        accurate = [h for h in header if normalise(h) == "accuracy"]
        acc_name = (_pick(path, header, acc_col, (), "acc", "--acc-col", False) if acc_col
                    else (accurate[0] if accurate else None))
        notes.append(f"every column is a metric on the evaluation set (CatBoost): the loss "
                     f"is {loss_name}")
    else:
        acc_name = _pick(path, header, acc_col, ACC_NAMES, "acc", "--acc-col", False)
        if acc_name is None:
            note = _unprefixed_accuracy(header)
            notes += [note] if note else []
    available = metric_columns(header, loss_name, all_validation)
    metric_name = (_metric_name(path, header, metric, available) if metric is not None
                   else acc_name)
    duplicates = [h for h in header if h != loss_name
                  and re.fullmatch(re.escape(normalise(loss_name)) + r"_?\d+", normalise(h))]
    li = header.index(loss_name)
    ai = header.index(acc_name) if acc_name else None
    mi = header.index(metric_name) if metric_name else None
    fi = _fold_index(path, header, fold_col)
    ei = lowered.index("epoch") if "epoch" in lowered else None
    si = lowered.index("step") if "step" in lowered else None
    if ei is None and si is None and "iter" in lowered:
        si = lowered.index("iter")
    if ei is None and si is None:
        raise ClfdiagError(f"{path}: no epoch or step column; columns are: {', '.join(header)}",
                           "a Keras or Lightning CSV log has an `epoch` column")
    if duplicates:
        notes.append(f"{', '.join(duplicates)} repeat{'s' if len(duplicates) == 1 else ''} "
                     f"the validation loss under another name: {loss_name} was read")
    labelled_by = "iter" if si is not None and lowered[si] == "iter" else None
    sparse = (si is not None and labelled_by is None) or any(
        len(r) > li and not r[li].strip() for r in rows)
    by_fold: dict[Any, list[list[str]]] = {}
    for r in rows:
        if not any(c.strip() for c in r):
            continue
        cells = r + [""] * (len(header) - len(r))
        if [c.strip().lower() for c in cells] == lowered:
            continue  # a header repeated by an appended log
        by_fold.setdefault(_fold_value(cells[fi]) if fi is not None else None, []).append(cells)
    records: list[Record] = []
    for fold, fold_rows in by_fold.items():
        if sparse:
            read, unplaced = _merge_sparse(fold_rows, ei, si, li, ai, mi)
            if unplaced:
                notes.append(f"{unplaced} rows with metrics but neither epoch nor step were "
                             "skipped")
        else:
            read = [(_number(c[ei]) if ei is not None else None,
                     None if ei is not None or si is None or _number(c[si]) is None
                     else int(_number(c[si]) or 0),
                     _loss_number(c[li]), _number(c[ai]) if ai is not None else None,
                     _number(c[mi]) if mi is not None else None) for c in fold_rows]
        records += [(*rec, fold) for rec in read]
    fmt = ("CatBoost" if all_validation else
           "Lightning" if si is not None and labelled_by is None else "Keras")
    missing = sum(1 for rec in records if rec[2] is None)
    if si is None and sparse:
        # One row an epoch (Keras): a row without a loss is an evaluation skipped, also when
        # no other validation value was logged there (validation_freq), which the merge of
        # sparse rows passes over without a record.
        missing = sum(1 for cells in (c for rows_ in by_fold.values() for c in rows_)
                      if _loss_number(cells[li]) is None)
    if missing:
        notes.append(f"{missing} evaluations without a {loss_name} value were skipped")
    records = [rec for rec in records if rec[2] is not None]
    if labelled_by is None:
        labelled_by = ("epoch" if all(rec[0] is not None for rec in records)
                       and not _several_per_epoch(records) else "step")
    return _history(path, fmt, records, loss_name, acc_name, labelled_by, notes,
                    metric_name, available, None if fi is None else header[fi])


def _validation_phase(path: str, header: list[str], rows: list[list[str]]
                      ) -> tuple[list[list[str]], str | None]:
    """The validation rows of a log whose ``phase`` column tells them from training rows.

    A hand-written loop often logs ``epoch,phase,loss,accuracy`` with one row per
    phase: the loss of a ``train`` row is the training loss, never an evaluation.
    Only the rows of the validation phase are kept, and the note says so; a log
    without such a column is returned as it is, with no note.
    """
    known = (*TRAIN_PHASES, *VALIDATION_PHASES, "test")
    for index, name in enumerate(header):
        if normalise(name) not in PHASE_NAMES:
            continue
        values = [r[index].strip().lower() if len(r) > index else "" for r in rows]
        present = {v for v in values if v}
        if not present or not present <= set(known) or not present & set(TRAIN_PHASES):
            continue
        wanted = present & set(VALIDATION_PHASES) or present & {"test"}
        if not wanted:
            raise ClfdiagError(f"{path}: column {name!r} holds only training rows "
                               f"({', '.join(sorted(present))})",
                               "log the validation metrics too")
        kept = [r for r, v in zip(rows, values, strict=True) if v in wanted]
        others = sorted(present - wanted)
        return kept, (f"column {name!r} tells training rows from validation rows: the "
                      f"{len(kept)} rows of {', '.join(sorted(wanted))} were read, the "
                      f"{len(rows) - len(kept)} others ({', '.join(others)}) left out")
    return rows, None


def _several_per_epoch(records: list[Record]) -> bool:
    """Whether some epoch holds several evaluations at increasing steps, every one with a step.

    Lightning's ``val_check_interval < 1`` validates several times an epoch: the
    evaluations are then ordered and labelled by step, never read as restarts.
    """
    by_fold: dict[Any, list[Record]] = {}
    for rec in records:
        by_fold.setdefault(rec[5], []).append(rec)
    repeated = False
    for fold_records in by_fold.values():
        for before, after in itertools.pairwise(fold_records):
            if before[0] != after[0]:
                continue
            if before[1] is None or after[1] is None or after[1] <= before[1]:
                return False
            repeated = True
    return repeated


def _merge_sparse(rows: list[list[str]], ei: int | None, si: int | None, li: int,
                  ai: int | None, mi: int | None
                  ) -> tuple[list[tuple[float | None, int | None, float | None, float | None,
                                        float | None]], int]:
    """Merge a Lightning log's rows of one evaluation (its metrics on different rows)."""
    merged: dict[tuple[Any, Any, int], list[Any]] = {}
    runs: dict[tuple[Any, Any], int] = {}
    step_epoch: dict[Any, float] = {}
    for cells in rows:
        epoch = _number(cells[ei]) if ei is not None else None
        step = _number(cells[si]) if si is not None else None
        if epoch is not None and step is not None:
            step_epoch[step] = epoch
    unplaced = 0
    for cells in rows:
        epoch = _number(cells[ei]) if ei is not None else None
        step = _number(cells[si]) if si is not None else None
        if epoch is None and step is not None:
            epoch = step_epoch.get(step)
        values = [_loss_number(cells[li]), *(_number(cells[i]) if i is not None else None
                                        for i in (ai, mi))]
        if all(v is None for v in values):
            continue
        if epoch is None and step is None:
            unplaced += 1
            continue
        # A second loss at the same epoch and step is a restarted run appended to the log
        # (its steps start again): a slot of its own, never merged into the first run's.
        run = runs.get((epoch, step), 0)
        if values[0] is not None and merged.get((epoch, step, run), [None])[0] is not None:
            run = runs[(epoch, step)] = run + 1
        slot = merged.setdefault((epoch, step, run), [None, None, None])
        for k, v in enumerate(values):
            slot[k] = v if v is not None else slot[k]
    by_epoch: dict[Any, list[Any]] = {}
    for (epoch, step, _), values in merged.items():
        entry = by_epoch.setdefault(epoch, [step, None, None, None])
        entry[0] = step
        for k, v in enumerate(values):
            entry[k + 1] = v if v is not None else entry[k + 1]
    validation_rows = [(k, v) for k, v in merged.items() if v[0] is not None]
    if len({k[0] for k, _ in validation_rows}) == len(validation_rows):
        return [(epoch, None if step is None else int(step), loss, acc, m)
                for epoch, (step, loss, acc, m) in by_epoch.items()], unplaced
    return [(epoch, None if step is None else int(step), loss, acc, m)
            for (epoch, step, _), (loss, acc, m) in merged.items()], unplaced


def _history(path: str, fmt: str, records: list[Record], loss_name: str,
             acc_name: str | None, labelled_by: str, notes: list[str],
             metric_name: str | None = None, available: list[str] | None = None,
             fold_column: str | None = None) -> History:
    """Number the segments (a count that goes back restarts) and build the History.

    With a fold column, each fold is its own run: its evaluations are kept together
    (in the order of the fold's first appearance) and its segments counted apart.
    """
    if not records:
        raise ClfdiagError(f"{path}: no validation evaluation with a {loss_name} value",
                           "was validation run? name the column with --loss-col")
    evaluations = []
    restarts = unreadable = 0
    folds = list(dict.fromkeys(rec[5] for rec in records))
    for fold in folds:
        segment = 0
        previous: float | None = None
        fold_records = [r for r in records if r[5] == fold]
        for count, (epoch, step, loss, acc, metric, _) in enumerate(fold_records, start=1):
            position = epoch if labelled_by == "epoch" else step
            if previous is not None and position is not None and position <= previous:
                segment += 1
            previous = position if position is not None else previous
            label = position if position is not None else float(count)
            assert loss is not None
            if not math.isfinite(loss):
                unreadable += 1
            evaluations.append(Evaluation(label, epoch, step, segment,
                                          loss if math.isfinite(loss) else None, acc, metric,
                                          fold))
        restarts += segment
    if unreadable:
        notes.append(f"{unreadable} evaluations logged a {loss_name} that is no finite number "
                     "(nan, inf or text, as a diverged training writes): kept without a loss, "
                     "so no flag there, and none compared across them")
    if restarts:
        notes.append(f"the {labelled_by} count restarts {restarts} time(s): the log holds "
                     f"{restarts + len(folds)} training segments, not compared across their "
                     "boundary")
    if fold_column is not None:
        notes.append(f"{len(folds)} folds (column {fold_column}): each is scanned on its own, "
                     "never compared with another")
    if acc_name is None:
        notes.append("no validation accuracy was logged: the loss-up/accuracy-up flag "
                     "cannot be computed")
    elif any(e.accuracy is None for e in evaluations):
        count = sum(e.accuracy is None for e in evaluations)
        notes.append(f"{count} evaluations logged a loss but no accuracy: no flag there")
    if metric_name is not None and metric_name != acc_name:
        count = sum(e.metric is None for e in evaluations)
        if count:
            notes.append(f"{count} evaluations logged a loss but no {metric_name}: no flag "
                         "there")
    return History(path, fmt, tuple(evaluations), loss_name, acc_name, labelled_by,
                   tuple(notes), metric_name, tuple(available or ()), fold_column)


HF_BOOKKEEPING = ("eval_runtime", "eval_samples_per_second", "eval_steps_per_second")


def _hugging_face(path: str, text: str, loss_col: str | None, acc_col: str | None,
                  metric: str | None) -> History:
    try:
        state = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ClfdiagError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise ClfdiagError(f"{path}: JSON nested too deeply to be a trainer_state.json",
                           "expected a Hugging Face trainer_state.json") from None
    log = state.get("log_history") if isinstance(state, dict) else None
    if not isinstance(log, list):
        columns = _json_columns(state)
        if columns is None:
            raise ClfdiagError(
                f"{path}: a JSON file without `log_history`",
                "expected a Hugging Face trainer_state.json, a Keras `history.history` "
                "(metric -> list of values) or a LightGBM/XGBoost evaluation record "
                "(data set -> metric -> list of values)")
        header, rows, note = columns
        history = _keras_or_lightning(path, header, rows, loss_col, acc_col, metric, None)
        fmt = "Keras" if header[0] == "epoch" else "LightGBM/XGBoost"
        return replace(history, format=fmt, notes=(note, *history.notes))
    keys = sorted({k for entry in log if isinstance(entry, dict) for k in entry})
    loss_name = _pick(path, keys, loss_col, LOSS_NAMES, "loss", "--loss-col", True)
    acc_name = _pick(path, keys, acc_col, ACC_NAMES, "acc", "--acc-col", False)
    assert loss_name is not None
    available = metric_columns([k for k in keys if k not in HF_BOOKKEEPING], loss_name)
    metric_name = (_metric_name(path, keys, metric, available) if metric is not None
                   else acc_name)
    records: list[Record] = []
    for index, entry in enumerate(log):
        # A loss of NaN or Infinity (json writes a diverged float so) is kept without a value.
        if isinstance(entry, dict) and _loss_number(entry.get(loss_name)) is not None:
            where = f"log_history entry {index + 1}"
            epoch = entry.get("epoch")
            if isinstance(epoch, float) and not math.isfinite(epoch):
                raise ClfdiagError(f"{path}: {where}: the epoch is {epoch}",
                                   "the log is damaged: fix or remove that entry")
            records.append((_number(epoch), _step(entry.get("step"), path, where),
                            _loss_number(entry.get(loss_name)),
                            _number(entry.get(acc_name)) if acc_name else None,
                            _number(entry.get(metric_name)) if metric_name else None, None))
    whole = all(rec[0] is not None and float(rec[0]).is_integer() for rec in records)
    by = "epoch" if whole or all(rec[1] is None for rec in records) else "step"
    return _history(path, "Hugging Face", records, loss_name, acc_name, by, [],
                    metric_name, available)


def _json_columns(state: Any) -> tuple[list[str], list[list[str]], str] | None:
    """A JSON history of equal-length value lists as a table: header, rows and a note.

    Keras's ``history.history`` (``{"loss": [...], "val_loss": [...]}``) is numbered
    by epoch from 0, as its ``CSVLogger`` numbers them; LightGBM's ``record_evaluation``
    and XGBoost's ``evals_result()`` (``{"valid_0": {"binary_logloss": [...]}}``) by
    boosting round from 1 (as steps), their columns named ``<data set>_<metric>``. None for any
    other JSON.
    """
    if not isinstance(state, dict) or not state:
        return None
    if all(isinstance(v, dict) and v for v in state.values()):
        series = {f"{data}_{name}": values for data, metrics in state.items()
                  for name, values in metrics.items()}
        header, first = "step", 1
        note = ("evaluations numbered by boosting round from 1 (XGBoost's best_iteration "
                "counts from 0)")
    else:
        series, header, first = dict(state), "epoch", 0
        note = "evaluations numbered by epoch from 0, as Keras's CSVLogger numbers them"
    lengths = {len(v) if isinstance(v, list) else -1 for v in series.values()}
    if len(lengths) != 1 or lengths == {-1} or any(
            isinstance(x, (dict, list, str)) for v in series.values() for x in v):
        return None
    count = lengths.pop()
    names = list(series)
    rows = [[str(first + i), *("" if series[n][i] is None else repr(series[n][i])
                               for n in names)] for i in range(count)]
    return [header, *names], rows, note


LONG_NAMES = ("key", "metric", "tag", "name", "metric_name")
LONG_STEPS = ("step", "epoch", "iter", "iteration")
LONG_RUNS = ("run_id", "run", "run_name", "fold")


def _pivoted(path: str, header: list[str], rows: list[list[str]], run_col: str | None
             ) -> tuple[list[str], list[list[str]], str | None, str] | None:
    """A long-format log (one metric value per row: name, value, step) as one column per metric.

    MLflow's ``get_metric_history`` and TensorBoard's ``get_scalars`` export such
    tables (``key,value,step,timestamp``; ``run,tag,step,value``). The rows are
    pivoted by step, the metric names becoming columns; a later row for the same
    metric and step replaces an earlier one (a logger that wrote it twice). A run
    column with several runs becomes the fold column. None for any other header.
    """
    lowered = [normalise(h) for h in header]
    found = [next((lowered.index(n) for n in names if n in lowered), None)
             for names in (LONG_NAMES, ("value",), LONG_STEPS)]
    ki, vi, si = found
    if ki is None or vi is None or si is None:
        return None
    if run_col is not None and run_col not in header:
        raise ClfdiagError(f"{path}: --fold-col {run_col!r} is not among: {', '.join(header)}")
    ri = header.index(run_col) if run_col else next(
        (lowered.index(n) for n in LONG_RUNS if n in lowered), None)
    width = max(ki, vi, si, -1 if ri is None else ri) + 1
    step_name = "epoch" if lowered[si] == "epoch" else "step"
    keys: dict[str, None] = {}
    cells: dict[tuple[str, str], dict[str, str]] = {}
    replaced = 0
    for r in rows:
        if len(r) < width or not r[ki].strip():
            continue
        key = r[ki].strip()
        keys.setdefault(key)
        at = cells.setdefault((r[ri].strip() if ri is not None else "", r[si].strip()), {})
        replaced += key in at
        at[key] = r[vi]
    if not keys:
        return None
    if step_name in {normalise(k) for k in keys}:
        keys = {k: None for k in keys if normalise(k) != step_name}
    runs = list(dict.fromkeys(run for run, _ in cells))
    several = ri is not None and len(runs) > 1
    names = list(keys)
    run_name = header[ri] if several and ri is not None else ""
    wide_header = [*([run_name] if several else []), step_name, *names]
    # By step within each run: the rows of one metric may come before another's.
    order = sorted(cells, key=lambda c: (runs.index(c[0]), _number(c[1]) is None,
                                         _number(c[1]) or 0.0))
    wide_rows = [[*([run] if several else []), step, *(cells[run, step].get(k, "")
                                                       for k in names)]
                 for run, step in order]
    note = (f"long format ({header[ki]}, {header[vi]}, {header[si]}): one row per logged "
            f"value, pivoted by {header[si]} into the metrics {', '.join(names)}"
            + (f"; {len(runs)} runs in {header[ri]}, each read as a fold" if several else "")
            + (f"; {replaced} values logged twice for the same {header[si]}: the later one "
               "was read" if replaced else ""))
    return wide_header, wide_rows, run_name or None, note


def _is_tensorboard(header: list[str]) -> bool:
    return [h.lower() for h in header] == ["wall time", "step", "value"]


def _is_mlflow(rows: list[list[str]]) -> bool:
    # The value may be nan or inf (a diverged run); the timestamp and the step are numbers.
    lines = [r[0].split() for r in rows[:5] if r]
    return bool(lines) and all(len(p) == 3 and _number(p[0]) is not None
                               and _number(p[2]) is not None and _is_float(p[1])
                               for p in lines)


def _is_float(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _series(path: str) -> dict[tuple[int, int], float]:
    """``(run, step) -> value`` from a TensorBoard CSV export or an MLflow metric file.

    A value that is no finite number (``NaN``, ``inf``, as a diverged training logs)
    is kept as NaN, never dropped: the loss is then kept without a value. A step
    that does not increase starts a new run (a training restarted into the same
    log), so that a later run's step never replaces an earlier run's.
    """
    rows = _csv_rows(path, _text(path))
    steps: list[tuple[int, float]] = []
    if rows and _is_tensorboard([h.strip() for h in rows[0]]):
        for line, r in enumerate(rows[1:], start=2):
            value = _loss_number(r[2]) if len(r) > 2 else None
            if value is not None:
                step = _step(r[1], path, f"line {line}")
                if step is not None:
                    steps.append((step, value))
    elif _is_mlflow(rows):
        for line, r in enumerate(rows, start=1):
            parts = r[0].split() if r else []
            if len(parts) == 3 and _is_float(parts[1]):
                step = _step(parts[2], path, f"line {line}")
                if step is not None:
                    steps.append((step, float(parts[1])))
    else:
        raise ClfdiagError(f"{path}: not a TensorBoard scalar CSV (Wall time,Step,Value) or an "
                           "MLflow metric file (timestamp value step)")
    out: dict[tuple[int, int], float] = {}
    run = 0
    for i, (step, value) in enumerate(steps):
        if i and step <= steps[i - 1][0]:
            run += 1
        out[run, step] = value
    return out


def _finite(value: float | None) -> float | None:
    """A metric's value, None when it is no finite number (as a missing one)."""
    return value if value is not None and math.isfinite(value) else None


def _stem(wanted: str | None, stems: dict[str, str]) -> str | None:
    """A metric named by its file name (``val_loss.csv``, a path) or by its stem."""
    if wanted is None:
        return None
    for stem, path in stems.items():
        if wanted in (path, Path(path).name) or Path(wanted).name == Path(path).name:
            return stem
    return wanted


def _per_metric_files(name: str, files: list[str], loss_col: str | None,
                      acc_col: str | None, metric: str | None = None) -> History:
    """One file per metric (TensorBoard exports, MLflow metrics): pick them by file name."""
    stems = {Path(f).name.removesuffix(".csv"): f for f in files}
    # A training metric (plain `loss`, `accuracy`) is never taken for the validation one.
    loss_stem = _pick(name, list(stems), _stem(loss_col, stems), LOSS_NAMES, "loss",
                      "--loss-col", False)
    if loss_stem is None:
        raise ClfdiagError(f"{name}: found no validation loss among the files: "
                           + ", ".join(Path(f).name for f in files),
                           "a file named `loss` is the training loss; name the validation "
                           "loss file with --loss-col FILENAME")
    acc_stem = _pick(name, [s for s in stems if s != loss_stem], _stem(acc_col, stems),
                     ACC_NAMES, "acc", "--acc-col", False)
    available = metric_columns(list(stems), loss_stem)
    metric_stem = (_metric_name(name, list(stems), _stem(metric, stems) or metric, available)
                   if metric is not None else acc_stem)
    losses = _series(stems[loss_stem])
    accs = _series(stems[acc_stem]) if acc_stem else {}
    values = _series(stems[metric_stem]) if metric_stem else {}
    fmt = "TensorBoard export" if files[0].endswith(".csv") else "MLflow"
    # Ordered by run, then step: _history counts a step that goes back as a restart.
    records: list[Record] = [(None, step, losses[run, step], _finite(accs.get((run, step))),
                              _finite(values.get((run, step))), None)
                             for run, step in sorted(losses)]
    return _history(name, fmt, records, loss_stem, acc_stem, "step", [], metric_stem,
                    available)
