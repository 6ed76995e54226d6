"""Reading a predictions file batch by batch, for files larger than memory.

Every batch goes through the same checks as a whole file
(:func:`~clfdiag.io.predictions.predictions_from_table`), with row numbers that
refer to the file. What cannot be checked one batch at a time is said so: ids
are checked for repeats within a batch only.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import replace

from clfdiag.errors import ClfdiagError, flag_value
from clfdiag.io.content_roles import confidence_alone, confidence_refusal
from clfdiag.io.header_roles import ColumnRoles, detect_columns
from clfdiag.io.labels import binary_classes, column_class, one_value_error
from clfdiag.io.memory import available_memory
from clfdiag.io.predictions import ReadOptions, predictions_from_table
from clfdiag.io.shapes import NO_HEADER_HINT, refuse_value_as_name
from clfdiag.io.source import MAGIC, open_source, readable_path
from clfdiag.io.tables import iter_tables, table_header
from clfdiag.predictions import Predictions

BATCH_BYTES = 1 << 22
"""4 MB of input a batch: Arrow's streaming reader holds many blocks in flight, so its
memory grows with the block size (measured on 10^8 rows: 245 MB with 4 MB blocks,
1.3-1.5 GB with 32 MB blocks)."""
MEMORY_FACTOR = 5
"""Peak memory of an in-memory evaluation, as a multiple of the CSV's size (measured: 4.5)."""


def should_stream(path: str) -> bool:
    """True when evaluating ``path`` in memory would need most of the memory available.

    The in-memory path peaks at about ``MEMORY_FACTOR`` times the size of the
    text. A compressed input is decompressed (and thrown away) up to that
    budget to find out, whatever its compression ratio; standard input and
    pipes are first copied to a temporary file, once.
    """
    _, path = readable_path(path)
    budget = 0.8 * available_memory() / MEMORY_FACTOR
    with open(path, "rb") as f:
        head = f.read(8)
    kind = next((k for magic, k in MAGIC.items() if head.startswith(magic)), None)
    if kind not in ("gzip", "bz2", "xz", "zip"):
        return os.path.getsize(path) > budget
    return _decompressed_size(path, budget) > budget


def _decompressed_size(path: str, budget: float) -> int:
    """Bytes of decompressed content, counted in blocks up to just past ``budget``."""
    source = open_source(path)
    total = 0
    try:
        with source.opener() as stream:
            while total <= budget:
                block = stream.read(1 << 22)
                if not block:
                    break
                total += len(block)
    except Exception:  # a corrupt archive is reported by the read that follows
        return 0
    return total


def stream_predictions(path: str, options: ReadOptions | None = None,
                       batch_bytes: int = BATCH_BYTES) -> Iterator[Predictions]:
    """Yield the file's predictions batch by batch; rows and ids refer to the whole file.

    Binary classes are settled across batches: a batch that shows only one
    label is coded with the pair's rule, and a later batch may only confirm the
    positive class, never change it. Every batch carries the classes settled
    so far, so the last batch names both classes as a whole-file read would.
    """
    options = options or ReadOptions()
    if options.confidence_of_predicted:
        raise ClfdiagError("--confidence-of-predicted needs the whole file: it cannot be read "
                           "in batches", "evaluate with --in-memory")
    source = open_source(path, no_header=options.no_header)
    if not options.no_header:
        refuse_value_as_name(source.name, table_header(source), NO_HEADER_HINT)
    if options.label_col is None and options.labels_required:
        from clfdiag.io.multilabel import one_hot_label_columns

        one_hot = one_hot_label_columns(source, table_header(source))
        if one_hot is not None:
            raise ClfdiagError(
                f"{source.name}: columns {', '.join(one_hot.truth)} hold one-hot labels (one "
                "1 per row, beside probabilities that sum to 1), which a batch-by-batch "
                "read does not turn into labels", "evaluate with --in-memory")
    roles = detect_columns(source.name, table_header(source), options.label_col,
                           options.prob_cols, options.id_col, weight_col=options.weight_col)
    first_row = 1
    seen: set[str] = set()
    labelled = 0
    classes: tuple[str, ...] | None = None
    # A confidence-named score is tested over the whole file, as a whole read tests it.
    testing_confidence = confidence_alone(roles, options)
    lowest = math.inf
    for table in iter_tables(source, roles, batch_bytes):
        if table.num_rows == 0:
            continue
        batch = predictions_from_table(source.name, table, roles, options, source, first_row,
                                       whole=False)
        first_row += batch.source.rows
        labelled += len(batch)
        if testing_confidence and len(batch):
            lowest = min(lowest, float(batch.proba.min()))
        seen |= {batch.classes[int(c)] for c in set(batch.y.tolist()) if c >= 0}
        if batch.task == "binary":
            classes = _settle(source.name, classes, batch.classes, seen, options, roles)
            if classes != batch.classes:
                batch = replace(batch, classes=classes)
        yield batch
    if first_row == 1:
        raise ClfdiagError(f"{source.name}: the header has no rows under it",
                           "the file holds no data")
    if len(seen) == 1 and options.labels_required and not options.classes:
        # Only the whole file tells a label column of one value from a batch of one class.
        raise one_value_error(source.name, roles.label, seen.pop(), labelled)
    if testing_confidence and len(seen) == 2 and 0.5 <= lowest < math.inf:
        raise confidence_refusal(source.name, roles.scores[0])


def _settle(name: str, running: tuple[str, ...] | None, batch: tuple[str, ...],
            seen: set[str], options: ReadOptions, roles: ColumnRoles) -> tuple[str, ...]:
    """Binary classes over all batches so far; the positive class must not change."""
    if running is None or running == batch:
        return batch
    named = column_class(roles.scores[0], roles.classes[0], sorted(seen)) \
        if len(roles.scores) == 1 else roles.classes[0]
    settled = binary_classes(name, sorted(seen), options.positive, named)
    if settled[1] != running[1] or settled[1] != batch[1]:
        raise ClfdiagError(
            f"{name}: the positive class is {running[1]!r} for the first rows but "
            f"{settled[1]!r} once all labels are seen",
            f"pass --positive {flag_value(settled[1])} (or the class you mean)")
    return settled
