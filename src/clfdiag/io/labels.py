"""Turning label values into class indices, and deciding the positive class.

Labels arrive as text (``1``, ``1.0``, ``True``, ``yes``, ``fraud``). Integral
numbers are compared as integers, so ``1.0`` and ``1`` are the same class. The
positive class of a binary problem is never guessed: it comes from
``--positive``, from a probability column that names it (``p_fraud``), or from
an unambiguous pair such as 1/0 or yes/no. A wrong guess would silently invert
every ranking metric.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from clfdiag.errors import ClfdiagError, flag_value

KNOWN_PAIRS = (
    ("1", "0"),
    ("1", "-1"),
    ("true", "false"),
    ("yes", "no"),
    ("pos", "neg"),
    ("positive", "negative"),
)


def canonical(value: str) -> str:
    """The class name of a label value: trimmed, integral numbers written as integers."""
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        return text
    if math.isfinite(number) and number == int(number) and text.lower() not in ("nan", "inf"):
        return str(int(number))
    return text


BOOLEAN_LABELS = {"true": "1", "false": "0"}
"""Booleans and the integers they equal: ``proba > 0.5`` written by pandas is ``True``/``False``."""


def label_named(value: str, labels: list[str] | set[str]) -> str:
    """The label a predicted class names: itself, else the one label it spells otherwise.

    A prediction matches a label exactly, else ignoring case (``Yes`` for ``yes``), else
    as the boolean it equals (``True``/``False`` beside labels 1 and 0, and ``1``/``0``
    beside labels True and False: Python and scikit-learn hold ``True == 1``). A value
    that names no label is returned unchanged (a class no label holds).
    """
    if value in labels:
        return value
    folded = [v for v in labels if v.lower() == value.lower()]
    if len(folded) == 1:
        return folded[0]
    lowered = {v.lower() for v in labels}
    if lowered <= set(BOOLEAN_LABELS.values()):
        return BOOLEAN_LABELS.get(value.strip().lower(), value)
    if lowered <= set(BOOLEAN_LABELS):
        named = {number: word for word, number in BOOLEAN_LABELS.items()}.get(value.strip())
        spelled = [v for v in labels if v.lower() == named]
        return spelled[0] if spelled else named or value
    return value


def one_value_error(name: str, column: str, value: str, rows: int) -> ClfdiagError:
    """A label column with one distinct value: a split name or a constant, not a class.

    One class present is legitimate only when the user says which classes
    exist (``--classes``); a second class is never invented from the first.
    """
    return ClfdiagError(
        f"{name}: column {column!r} holds the single value {value!r} in all {rows:,} rows: "
        "a label column needs the classes that exist, and one value may be a split name or a "
        "constant rather than a class",
        "if every example truly belongs to one class, pass --classes with the classes that "
        "exist (e.g. --classes 0,1); otherwise choose the label column with --label-col")


def declared_classes(name: str, column: str, present: list[str], rows: int,
                     classes: tuple[str, ...], drop: bool = False) -> list[str]:
    """The classes of the problem: ``classes`` (``--classes``) when given, else the labels present.

    ``present`` are the distinct canonical labels and ``rows`` the rows that hold
    one. Without ``classes`` a single distinct label is an error
    (:func:`one_value_error`); with them every label must be one of them, unless
    ``drop`` (``--drop-invalid``): the rows of other labels are then left out and
    counted by the caller, as labels with no probability column.
    """
    if not classes:
        if len(present) == 1:
            raise one_value_error(name, column, present[0], rows)
        return present
    declared = list(dict.fromkeys(canonical(c) for c in classes if c.strip()))
    if len(declared) < 2:
        raise ClfdiagError(f"--classes {','.join(classes)!r} names fewer than two classes",
                           "name every class that exists, separated by commas, e.g. "
                           "--classes 0,1")
    unknown = [v for v in present if _match(v, declared) is None]
    if unknown and not drop:
        raise ClfdiagError(
            f"{name}: column {column!r} holds {shown_values(unknown)}, which --classes "
            f"({', '.join(declared)}) does not list",
            "list every class that exists with --classes, or pass --drop-invalid to leave "
            "out the rows of other labels (they are counted)")
    # Spelled as in the labels ("Yes" for --classes yes), so that the labels find their class.
    spelled = {_match(v, declared): v for v in present}
    return [spelled.get(d, d) for d in declared]


def parse_classes(text: str | None) -> tuple[str, ...]:
    """``--classes A,B`` as a tuple of class names (empty when not given)."""
    if text is None:
        return ()
    return tuple(c.strip() for c in text.split(","))


def binary_classes(
    name: str, values: list[str], positive: str | None, named: str | None
) -> tuple[str, str]:
    """Return ``(negative, positive)`` class names for a binary problem.

    ``values`` are the distinct canonical labels; ``named`` is the class that the
    probability column names, if any.
    """
    shown = ", ".join(repr(v) for v in sorted(values))
    if len(values) > 2:
        raise ClfdiagError(
            f"{name}: the label column has {len(values)} classes ({shown_values(values)}) but "
            "there is one probability column",
            "for a multiclass problem give one probability column per class, e.g. p_<class>; "
            "if the problem is binary and other labels are mistakes, name the two classes with "
            "--classes A,B and pass --drop-invalid to leave the other rows out (they are "
            "counted)",
        )
    if positive is not None:
        pos = _match(canonical(positive), values)
        if pos is None and len(values) == 2:
            raise ClfdiagError(f"{name}: --positive {positive!r} is not a label value; "
                               f"labels are {shown}")
        pos = pos if pos is not None else canonical(positive)
        others = [v for v in values if v != pos]
        return (others[0] if others else _partner(pos) or f"not {pos}"), pos
    if named is not None:
        _refuse_name_or_index(name, values, canonical(named))
        pos = _match(canonical(named), values)
        pair = _known_pair(values)
        if pos is not None or (pair and canonical(named).lower() in map(str.lower, pair)):
            pos = pos if pos is not None else canonical(named)
            others = [v for v in values if v != pos]
            return (others[0] if others else _partner(pos) or f"not {pos}"), pos
    pair = _known_pair(values)
    if pair is not None and named is not None and canonical(named) == "0" and len(values) == 2:
        # ``prob_0`` beside labels no/yes: class index 0 is the first label in sorted order
        # (scikit-learn's classes_), the negative one, never the positive the pair gives.
        ordered = sorted(values)
        raise ClfdiagError(
            f"{name}: the probability column names class '0', which is no label; labels are "
            f"{shown}, and index 0 would be {ordered[0]!r}",
            f"pass --positive {flag_value(ordered[0])} if it is the probability of "
            f"{ordered[0]!r}, or --positive {flag_value(ordered[1])} if it is the probability "
            f"of {ordered[1]!r}")
    if pair is not None:
        pos_key, neg_key = pair
        by_lower = {v.lower(): v for v in values}
        return (by_lower.get(neg_key, _cased_like(neg_key, values[0])),
                by_lower.get(pos_key, _cased_like(pos_key, values[0])))
    # A label is typed after the flag as the shell must read it: ``not churn`` quoted.
    choices = " or ".join(f"--positive {flag_value(v)}" for v in sorted(values))
    raise ClfdiagError(
        f"{name}: cannot tell which label is the positive class among {shown}",
        f"pass {choices}; guessing wrong would silently invert the AUC",
    )


def column_class(column: str, named: str | None, values: list[str]) -> str | None:
    """The class a lone score column names: ``named`` (after a class prefix), else a label.

    A column named as a text label, in any case (``no``, ``NO`` or ``No`` beside labels
    no and yes, ``NOT CHURN`` beside ``not churn``), is that class's probability as
    ``p_no`` is, also when --prob-col names it: a label is matched ignoring case, as a
    predicted class is. A whole number names no class here (a lone ``0`` or ``1`` may
    be pandas' name for a column, or an index).
    """
    if named is not None:
        return _side_named(named, values)
    key = canonical(column)
    if key != column.strip() or key.lstrip("+-").isdigit():
        return None
    return _match(key, [v for v in values if not v.lstrip("+-").isdigit()])


def _side_named(named: str, values: list[str]) -> str:
    """A class name that is no label but a word of a known pair's side: that side's label.

    ``score_neg`` or ``prob_no`` beside labels 0 and 1, ``p_false`` beside -1 and 1: the
    word says which side of the labels' pair the column scores, as ``neg`` beside
    ``pos``/``neg`` would; read as the other side's, the AUC would come out as 1 - AUC.
    Numbers are left as they are (``prob_0`` beside yes/no is refused elsewhere).
    """
    if named.lstrip("+-").isdigit() or not values or _match(named, values) is not None:
        return named
    pair = _known_pair(values)
    if pair is None:
        return named
    for known in KNOWN_PAIRS:
        for side in (0, 1):
            if named.lower() == known[side]:
                return _match(pair[side], values) or named
    return named


def _refuse_name_or_index(name: str, values: list[str], named: str) -> None:
    """Refuse a column class that is a label and the index of the other label.

    ``prob_1`` beside labels 1 and 2: the probability of label 1 by its name, or of
    label 2 as index 1 of scikit-learn's ``classes_`` (``predict_proba(X)[:, 1]``,
    the labels in sorted order). Labels 0 and 1 (or -1 and 1) name their own index.
    """
    try:
        numbers = sorted(int(v) for v in values)
        index = int(named)
    except ValueError:
        return
    if len(numbers) != 2 or not 0 <= index < 2 or index not in numbers:
        return
    by_index = numbers[index]
    if by_index == index:
        return
    raise ClfdiagError(
        f"{name}: the probability column names class '{named}', which is a label and also "
        f"the index of label '{by_index}' in sorted order (scikit-learn's "
        f"predict_proba(X)[:, {index}] is the probability of {by_index!r}); labels are "
        f"{numbers[0]!r}, {numbers[1]!r}",
        f"pass --positive {index} if it is the probability of {index!r}; if it is the "
        f"probability of {by_index!r}, rename the column (prob_{by_index}, or prob with "
        f"--positive {by_index})")


def class_lookup(name: str, labels: list[str], classes: tuple[str, ...],
                 columns: tuple[str, ...] = (), positional: bool = False) -> dict[str, int]:
    """Map each label value to the index of its class column (exact, then case-insensitive).

    Labels that match no class are left out (the caller reports those rows);
    when no label matches any class the columns and labels disagree altogether.
    ``positional``: the file has no header, so its columns are named by position.
    """
    exact = {canonical(c): i for i, c in enumerate(classes)}
    folded: dict[str, list[int]] = {}
    for c, i in exact.items():
        folded.setdefault(c.lower(), []).append(i)
    lookup = {}
    for value in labels:
        if value in exact:
            lookup[value] = exact[value]
        elif len(folded.get(value.lower(), [])) == 1:
            lookup[value] = folded[value.lower()][0]
    if labels and not lookup:
        hint = ("probability columns map to classes by name (p_<class>); rename them so that "
                "each names its class")
        if positional:
            hint = ("without a header the k-th probability column is class index k: write a "
                    "header that names each probability column after its class (e.g. "
                    f"{', '.join(sorted(labels)[:3])})")
        pairs = _suffix_pairs(labels, classes, columns)
        if columns and all(c.endswith("]") and "[" in c for c in columns):
            # Entries of a vector column (``probability[0]``): no --prob-col names them.
            hint = ("the entries of a vector column are class indices 0..K-1: write the labels "
                    "as the indices the model was trained with (Spark's StringIndexer numbers "
                    "the most frequent label 0)")
        elif pairs:
            # Two classes: the positive class's column alone is read as its probability.
            hint += "; or name the positive class's column alone: " + ", or ".join(
                f"--prob-col {flag_value(c)} --positive {flag_value(v)} if {c!r} is the "
                f"probability of {v!r}"
                for c, v in pairs)
        raise ClfdiagError(
            f"{name}: no label value matches a probability column's class; labels are "
            f"{shown_values(labels)}, columns give classes {shown_values(list(classes))}", hint)
    return lookup


def _suffix_pairs(labels: list[str], classes: tuple[str, ...],
                  columns: tuple[str, ...]) -> list[tuple[str, str]]:
    """For two labels and two columns, each column with the label it may be the probability of.

    SAS's ``P_Target1, P_Target0`` beside labels 1 and 0: the label each name ends
    with. ``prob_0, prob_1`` beside labels no/yes: the label of that index in sorted
    order (scikit-learn's ``classes_``). The hint offers each pair conditionally.
    """
    if len(labels) != 2 or len(columns) != 2 or len(classes) != 2 or any(
            " " in c for c in columns):
        return []
    pairs = []
    for column in columns:
        ends = [v for v in labels if column.strip().lower().endswith(v.lower())]
        if len(ends) != 1:
            break
        pairs.append((column, ends[0]))
    else:
        if pairs[0][1] != pairs[1][1]:
            return pairs
    if sorted(canonical(c) for c in classes) == ["0", "1"]:
        # Class indices (``prob_0, prob_1`` beside labels no/yes): scikit-learn's classes_
        # are the sorted labels, so index k is the k-th label in sorted order.
        ordered = sorted(labels)
        return [(c, ordered[int(canonical(k))]) for c, k in zip(columns, classes, strict=True)]
    return []


def _known_pair(values: list[str]) -> tuple[str, str] | None:
    lowered = {v.lower() for v in values}
    for pair in KNOWN_PAIRS:
        if lowered and lowered <= set(pair):
            return pair
    return None


def _partner(value: str) -> str | None:
    for pos, neg in KNOWN_PAIRS:
        if value.lower() == pos:
            return _cased_like(neg, value)
        if value.lower() == neg:
            return _cased_like(pos, value)
    return None


def _cased_like(word: str, label: str) -> str:
    """A known pair's missing class, written as the label seen is (``False`` -> ``True``).

    A batch or part that shows one label names the other as the whole input will.
    """
    if label.isupper():
        return word.upper()
    return word.capitalize() if label[:1].isupper() else word


def _match(value: str, values: list[str]) -> str | None:
    if value in values:
        return value
    folded = [v for v in values if v.lower() == value.lower()]
    return folded[0] if len(folded) == 1 else None


def shown_values(values: Iterable[str], limit: int = 8,
                 key: Callable[[str], Any] | None = None) -> str:
    """The first ``limit`` values in order (``key``), quoted, and how many there are in all."""
    values = sorted(values, key=key)
    shown = ", ".join(repr(v) for v in values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")
