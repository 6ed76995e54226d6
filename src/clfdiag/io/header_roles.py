"""Which column holds the label, which the probabilities, which the id: from the header.

Names are matched case-insensitively after trimming spaces. Multiclass
probabilities are columns sharing a prefix (``p_cat``, ``p_dog``, ...) whose
suffixes name the classes. When the header alone cannot settle which column is
the score (a ``y_pred`` beside a ``y_proba``, class names as headers, a column
of any name), the roles carry the ``candidates`` and their content decides
(:mod:`clfdiag.io.content_roles`). Anything ambiguous is an error that lists the
columns and the flags that settle it; nothing is guessed from position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clfdiag.errors import ClfdiagError, flag_value

LABEL_NAMES = ("label", "labels", "y", "y_true", "y_test", "target", "true", "truth", "gt",
               "class", "actual", "ground_truth", "true_label", "true_class", "gt_label",
               "label_ids")
LABEL_PREFIXES = ("actual_", "target_")
"""``actual_<x>``, ``target_<x>``: the label when no column has a label's name."""
SCORE_NAMES = ("prob", "proba", "p", "score", "y_prob", "y_proba", "y_score", "probability",
               "p1", "prob_1", "proba_1", "p_1", "score_1", "oof", "confidence")
"""Names of a probability column; its content is still checked."""
PREDICTION_NAMES = ("pred", "y_pred", "prediction", "predicted", "predicted_label",
                    "predicted_class", "y_hat", "preds", "predictions", "pred_label",
                    "pred_class", "predicted_labels", "predicted_classes", "yhat")
"""Names of a column that may hold hard predictions or probabilities: content decides."""
PREDICTION_AFFIXES = (("pred", "y_pred"),
                      ("_pred", "_preds", "_prediction", "_predictions", "_predicted", "_hat"))
"""Beginnings and endings of such names (``label_pred``, ``y_pred_class``, ``class_hat``)."""
CONFIDENCE_NAMES = ("confidence", "conf", "max_prob", "max_proba", "max_probability",
                    "top_prob", "top_proba", "top_probability", "certainty")
"""Names of a column that often holds the confidence of the predicted class, max_k p_k."""
WEIGHT_NAMES = ("weight", "weights", "sample_weight", "sample_weights")
CLASS_PREFIXES = ("probability_", "proba_", "prob_", "score_", "class_", "logit_", "p_")
ID_NAMES = ("id", "row_id", "sample_id", "index", "uid", "object_id", "filename", "file_name",
            "image_id")
INDEX_NAMES = ("", "unnamed:_0")
"""A pandas index written without a name (``df.to_csv()``): an id, never a score."""


def name_key(column: str) -> str:
    """How a header name is matched: case, surrounding spaces and space/underscore aside."""
    return re.sub(r"[\s_]+", "_", column.strip().lower())


def prediction_name(column: str) -> bool:
    """Whether a column's name says it holds predictions (``pred``, ``label_pred``)."""
    key = name_key(column)
    starts, ends = PREDICTION_AFFIXES
    return key in PREDICTION_NAMES or key.startswith(starts) or key.endswith(ends)


def confidence_name(column: str) -> bool:
    """Whether a column's name says it may hold the confidence of the predicted class."""
    key = name_key(column)
    return key in CONFIDENCE_NAMES or key.endswith("_confidence")


@dataclass(frozen=True)
class ColumnRoles:
    """The columns to read, by their exact header names, and the class each score column names."""

    label: str
    scores: tuple[str, ...]
    classes: tuple[str | None, ...]
    """Class named by each score column (its suffix after a known prefix), or None."""
    id: str | None
    prediction: str | None = None
    """Column of hard predictions (class labels): the input when ``scores`` is empty."""
    weight: str | None = None
    candidates: tuple[str, ...] = ()
    """Columns whose content decides which is the score (``scores`` is then empty)."""
    unused: tuple[str, ...] = ()
    """Columns that look like sample weights but were not asked for."""
    explicit: bool = False
    """The score columns were named with ``--prob-col``: honoured verbatim."""
    kinds: tuple[tuple[str, str], ...] = ()
    """What each candidate column was found to hold, when content decided."""
    header: tuple[str, ...] = ()
    confidence: bool = False
    """The one score column is the confidence of the class in ``prediction``, not of class 1."""
    loose: tuple[str, ...] = ()
    """Candidates whose names say nothing, beside a column named as predictions: one of them
    is the score only when its content is probabilities that fit the predictions."""
    one_hot: tuple[str, ...] = ()
    """Truth columns, one per class, whose 1 gives the label (``label`` is then built from
    them and is no column of the header)."""

    @property
    def needs_content(self) -> bool:
        """True when the score column is still to be chosen from the candidates' content."""
        return not self.scores and bool(self.candidates)

    def columns(self) -> list[str]:
        """Every column to read, each once."""
        wanted = [self.label, *self.scores, *self.candidates, self.prediction, self.id,
                  self.weight]
        return list(dict.fromkeys(c for c in wanted if c is not None))


def detect_columns(
    name: str,
    header: tuple[str, ...],
    label_col: str | None = None,
    prob_cols: tuple[str, ...] = (),
    id_col: str | None = None,
    pred_col: str | None = None,
    weight_col: str | None = None,
) -> ColumnRoles:
    """Assign roles to the header's columns, honouring explicit choices first.

    The score is settled here only when the header leaves one reading: the
    ``--prob-col`` columns, one set of prefixed class columns, or a single column
    with a probability's name. Otherwise the roles list the candidates whose
    content decides.
    """
    by_key: dict[str, list[str]] = {}
    for column in header:
        by_key.setdefault(name_key(column), []).append(column)
    found = ", ".join(repr(c) for c in header)

    def resolve(wanted: str, flag: str) -> str:
        matches = by_key.get(name_key(wanted), [])
        exact = [c for c in matches if c == wanted] or matches
        if not exact:
            parts = [p.strip() for p in wanted.split(",")]
            # ``--prob-col a,b,c`` where each is a column: the flag is repeated, not joined.
            repeat = (" ".join(f"{flag} {flag_value(p)}" for p in parts)
                      if flag == "--prob-col"
                      and len(parts) > 1 and all(name_key(p) in by_key for p in parts)
                      else None)
            raise ClfdiagError(f"{name}: {flag} {wanted!r} is not a column; columns are: {found}",
                               None if repeat is None else
                               f"give {flag} once for each column: {repeat}")
        if len(exact) > 1:
            raise ClfdiagError(
                f"{name}: column {wanted!r} appears {len(exact)} times in the header",
                "rename the duplicates")
        return exact[0]

    label = resolve(label_col, "--label-col") if label_col else _label_by_name(
        name, header, by_key, found)
    ident = resolve(id_col, "--id-col") if id_col else _one_of(
        name, by_key, ID_NAMES, "id", "--id-col", found, required=False)
    index = [c for k in INDEX_NAMES for c in by_key.get(k, []) if c != label]
    # pandas and R's write.csv write the row index first: an unnamed column elsewhere
    # (Weka's ``distribution,,`` header, whose empty names head the other classes'
    # shares) is no index, and its repeated values are no duplicate ids.
    if ident is None and len(index) == 1 and index[0] == header[0]:
        ident = index[0]
    prediction = resolve(pred_col, "--pred-col") if pred_col else None
    weight = resolve(weight_col, "--weight-col") if weight_col else None
    for column, flag in ((prediction, "--pred-col"), (weight, "--weight-col")):
        if column is not None and column in (label, ident):
            raise ClfdiagError(f"{name}: column {column!r} is given to {flag} and is also the "
                               f"{'label' if column == label else 'id'}")
    taken = {label, ident, prediction, weight, *index}
    unused = tuple(c for c in header if c not in taken and name_key(c) in WEIGHT_NAMES)
    taken |= set(unused)

    def roles(scores: tuple[str, ...], candidates: tuple[str, ...] = (), *,
              explicit: bool = False, hard: str | None = None,
              loose: tuple[str, ...] = ()) -> ColumnRoles:
        return ColumnRoles(label, scores, class_names(scores) if scores else (), ident,
                           prediction or hard, weight, candidates, unused, explicit,
                           header=tuple(header), loose=loose)

    if prob_cols:
        scores = tuple(resolve(c, "--prob-col") for c in prob_cols)
        if len(set(scores)) != len(scores):
            raise ClfdiagError(f"{name}: the same --prob-col is given twice")
        if label in scores:
            raise ClfdiagError(f"{name}: column {label!r} is both the label and a probability")
        if prediction in scores:
            raise ClfdiagError(f"{name}: column {prediction!r} is both --pred-col and --prob-col")
        return roles(scores, explicit=True)

    groups: dict[str, list[str]] = {}
    for column in header:
        if column in taken:
            continue
        key = column.strip().lower()
        for prefix in CLASS_PREFIXES:
            if key.startswith(prefix) and len(key) > len(prefix):
                groups.setdefault(prefix, []).append(column)
                break
    multi = {p: cols for p, cols in groups.items() if len(cols) >= 2}
    probability_named = _named(by_key, SCORE_NAMES, taken)
    prediction_named = _named(by_key, PREDICTION_NAMES, taken)
    in_group = {c for cols in multi.values() for c in cols}
    singles = [c for c in probability_named if c not in in_group]
    if len(singles) == 1 and confidence_name(singles[0]) and not prediction_named:
        # A confidence is read beside the classes it is of: a column named like predicted
        # classes (``label_pred``) is then one. Beside other scores such a name is left to
        # the exact names, so that a prediction at another threshold never displaces them.
        prediction_named = [c for c in header if c not in taken
                            and c not in probability_named and prediction_name(c)]
    if len(multi) > 1 or (multi and singles):
        options = [", ".join(cols) for cols in multi.values()] + singles
        raise ClfdiagError(
            f"{name}: several sets of probability columns: " + "; ".join(options),
            "choose with --prob-col (repeat it once per class column)",
        )
    if multi:
        # A predicted-class column beside the class probabilities is not a score.
        hard = prediction_named[0] if len(prediction_named) == 1 else None
        return roles(tuple(next(iter(multi.values()))), hard=hard)
    if len(singles) == 1 and not prediction_named and prediction is None:
        return roles((singles[0],))
    named = singles + prediction_named
    if prediction_named and not singles and prediction is None:
        # A confidence dumped beside the predicted class may have any name (``conf``):
        # the other columns are candidates too, settled by content.
        loose = tuple(c for c in header if c not in taken and c not in named)
        return roles((), (*named, *loose), loose=loose)
    if not named:
        named = [cols[0] for cols in groups.values()]
    if not named:
        named = [c for c in header if c not in taken]
    if prediction is not None and not named:
        return roles(())
    if not named:
        raise ClfdiagError(
            f"{name}: found no probability column; columns are: {found}",
            "name it with --prob-col (for multiclass, once per class column), or rename it to "
            "`prob` (binary) or `p_<class>` (one per class)",
        )
    return roles((), tuple(named))


def _label_by_name(name: str, header: tuple[str, ...], by_key: dict[str, list[str]],
                   found: str) -> str:
    """The label column by its name: a label's name, else the one ``actual_<x>``/``target_<x>``.

    A column ``True`` beside another label's name or beside ``False`` is a class's
    column (``DataFrame(predict_proba(X), columns=clf.classes_)`` of boolean classes).
    """
    names = LABEL_NAMES
    others = [c for k in LABEL_NAMES if k != "true" for c in by_key.get(k, [])]
    if by_key.get("true") and (others or by_key.get("false")):
        names = tuple(k for k in LABEL_NAMES if k != "true")
    label = _one_of(name, by_key, names, "label", "--label-col", found, required=False)
    if label is not None:
        return label
    prefixed = [c for c in header if name_key(c).startswith(LABEL_PREFIXES)
                and len(name_key(c)) > len("target_")]
    if len(prefixed) == 1:
        return prefixed[0]
    if prefixed:
        raise ClfdiagError(
            f"{name}: several columns could be the label: {', '.join(map(repr, prefixed))}",
            "choose one with --label-col")
    from clfdiag.io.shapes import refuse_unlabelled_shape

    refuse_unlabelled_shape(name, header, CLASS_PREFIXES)
    raise ClfdiagError(
        f"{name}: found no label column; columns are: {found}",
        f"name it with --label-col, or rename it to one of: {', '.join(LABEL_NAMES)}")


def _named(by_key: dict[str, list[str]], names: tuple[str, ...], taken: set[str | None]
           ) -> list[str]:
    return list(dict.fromkeys(c for k in names for c in by_key.get(k, []) if c not in taken))


def _one_of(name: str, by_key: dict[str, list[str]], names: tuple[str, ...], role: str,
            flag: str, found: str, *, required: bool) -> str | None:
    matches = [c for k in names for c in by_key.get(k, [])]
    if len(matches) > 1:
        raise ClfdiagError(
            f"{name}: several columns could be the {role}: {', '.join(map(repr, matches))}",
            f"choose one with {flag}",
        )
    if matches:
        return matches[0]
    if required:
        raise ClfdiagError(
            f"{name}: found no {role} column; columns are: {found}",
            f"name it with {flag}, or rename it to one of: {', '.join(names)}",
        )
    return None


def class_names(columns: tuple[str, ...]) -> tuple[str | None, ...]:
    """The class each column names: its suffix after a known prefix shared by all of them.

    With no shared prefix the column names themselves are the classes (when
    there are several columns) or no class is named (a single score column).
    """
    keys = [c.strip() for c in columns]
    for prefix in CLASS_PREFIXES:
        if all(k.lower().startswith(prefix) and len(k) > len(prefix) for k in keys):
            return tuple(k[len(prefix):] for k in keys)
    if len(columns) == 1:
        return (None,)
    return tuple(keys)


def shared_prefix_classes(columns: tuple[str, ...], labels: set[str]) -> tuple[str, ...] | None:
    """The classes after the longest prefix ``columns`` share, when every label is among them.

    Suffixes beyond the labels are allowed (a class no example has); callers that
    cannot check the columns' content otherwise require the suffixes to be the labels.

    ``predictions_0, predictions_1`` or CatBoost's ``Probability:Class=0, ...`` with
    labels 0 and 1 give ``('0', '1')``. The shared prefix is the longest one after
    which every label is a suffix: the classes may share a beginning of their own
    (OpenML's ``confidence.Iris-setosa, confidence.Iris-versicolor`` with labels
    ``Iris-setosa, ...``, whose longest shared prefix ``confidence.Iris-`` would cut
    the classes' names). None when there is no shared prefix, or for every shared
    prefix a suffix is empty or repeated or a label is not among the suffixes (which
    are then no class names, and nothing is read from them).
    """
    from clfdiag.io.labels import canonical

    keys = [c.strip() for c in columns]
    prefix = keys[0] if keys else ""
    for key in keys[1:]:
        while not key.startswith(prefix):
            prefix = prefix[:-1]
    if len(keys) < 2 or not labels:
        return None
    for cut in range(len(prefix), 0, -1):
        suffixes = tuple(k[cut:] for k in keys)
        named = {canonical(c) for c in suffixes}
        if "" not in suffixes and len(named) == len(suffixes) and labels <= named:
            return suffixes
    return None
