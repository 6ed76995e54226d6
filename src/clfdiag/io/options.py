"""How to interpret a predictions file: the reading options, which every reader takes.

A module of its own so that the readers (``joined``, ``roles``, ``predictions``)
can all name it without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReadOptions:
    """How to interpret a predictions file; every field mirrors a CLI flag.

    ``percent``: the score columns hold percentages (divided by 100).
    ``scores``: the score column holds real-valued scores (higher = more
    positive), not probabilities. ``pred_col``: a column of predicted classes.
    ``weight_col``: a column of sample weights (read into ``Predictions.weights``).
    ``labels_file``: a separate file of true labels joined to the predictions.
    ``labels_required``: False reads predictions without labels (a label column,
    if present, is ignored and said so in a note); ``Predictions.y`` is then -1.
    ``confidence_of_predicted``: the one score column holds the confidence of the
    class in the prediction column, converted to the positive class's probability.
    ``classes``: the classes that exist (``--classes``), so that a label column
    holding one of them is read (one class present), never refused.
    ``no_header``: the file has no header line; columns are named by their
    0-based position (``--label-col 0``).
    """

    label_col: str | None = None
    prob_cols: tuple[str, ...] = ()
    id_col: str | None = None
    positive: str | None = None
    logits: bool = False
    renormalize: bool = False
    drop_invalid: bool = False
    pred_col: str | None = None
    percent: bool = False
    scores: bool = False
    weight_col: str | None = None
    labels_file: str | None = None
    labels_required: bool = True
    confidence_of_predicted: bool = False
    classes: tuple[str, ...] = ()
    no_header: bool = False
    part: bool = False
    """The file is one part of a larger input (Dask): a part may hold one class, so a
    label column of one value is checked on the whole input, by the engine."""
