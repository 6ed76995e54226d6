"""Which column holds the label, which the probabilities, which the id.

Names are matched case-insensitively after trimming spaces. Multiclass
probabilities are columns sharing a prefix (``p_cat``, ``p_dog``, ...) whose
suffixes name the classes. Anything ambiguous is an error that lists the columns
and the flags that settle it; nothing is guessed from position.
"""

from __future__ import annotations

from dataclasses import dataclass

from clfdiag.errors import ClfdiagError

LABEL_NAMES = ("label", "y", "y_true", "target", "true", "truth", "class", "actual",
               "ground_truth")
SCORE_NAMES = ("prob", "proba", "p", "score", "y_prob", "y_score", "y_pred", "pred",
               "prediction", "p1", "prob_1")
CLASS_PREFIXES = ("probability_", "proba_", "prob_", "score_", "class_", "logit_", "p_")
ID_NAMES = ("id", "row_id", "sample_id", "index", "uid")


@dataclass(frozen=True)
class ColumnRoles:
    """The columns to read, by their exact header names, and the class each score column names."""

    label: str
    scores: tuple[str, ...]
    classes: tuple[str | None, ...]
    """Class named by each score column (its suffix after a known prefix), or None."""
    id: str | None


def detect_columns(
    name: str,
    header: tuple[str, ...],
    label_col: str | None = None,
    prob_cols: tuple[str, ...] = (),
    id_col: str | None = None,
) -> ColumnRoles:
    """Assign roles to the header's columns, honouring explicit choices first."""
    by_key: dict[str, list[str]] = {}
    for column in header:
        by_key.setdefault(column.strip().lower(), []).append(column)
    found = ", ".join(repr(c) for c in header)

    def resolve(wanted: str, flag: str) -> str:
        matches = by_key.get(wanted.strip().lower(), [])
        exact = [c for c in matches if c == wanted] or matches
        if not exact:
            raise ClfdiagError(f"{name}: {flag} {wanted!r} is not a column; columns are: {found}")
        if len(exact) > 1:
            raise ClfdiagError(
                f"{name}: column {wanted!r} appears {len(exact)} times in the header",
                "rename the duplicates")
        return exact[0]

    label = resolve(label_col, "--label-col") if label_col else _one_of(
        name, by_key, LABEL_NAMES, "label", "--label-col", found, required=True)
    ident = resolve(id_col, "--id-col") if id_col else _one_of(
        name, by_key, ID_NAMES, "id", "--id-col", found, required=False)
    taken = {label, ident}

    if prob_cols:
        scores = tuple(resolve(c, "--prob-col") for c in prob_cols)
        if len(set(scores)) != len(scores):
            raise ClfdiagError(f"{name}: the same --prob-col is given twice")
        if label in scores:
            raise ClfdiagError(f"{name}: column {label!r} is both the label and a probability")
        return ColumnRoles(label, scores, _class_names(scores), ident)

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
    singles = [c for k in SCORE_NAMES for c in by_key.get(k, []) if c not in taken]
    singles = list(dict.fromkeys(singles))
    if len(multi) > 1 or (multi and any(c not in next(iter(multi.values())) for c in singles)):
        options = [", ".join(cols) for cols in multi.values()] + singles
        raise ClfdiagError(
            f"{name}: several sets of probability columns: " + "; ".join(options),
            "choose with --prob-col (repeat it once per class column)",
        )
    if multi:
        scores = tuple(next(iter(multi.values())))
        return ColumnRoles(label, scores, _class_names(scores), ident)
    if len(singles) > 1:
        raise ClfdiagError(
            f"{name}: several probability columns: {', '.join(singles)}",
            "choose one with --prob-col",
        )
    if not singles:
        singles = [cols[0] for cols in groups.values()]
    if len(singles) != 1:
        raise ClfdiagError(
            f"{name}: found no probability column; columns are: {found}",
            "name it with --prob-col (for multiclass, once per class column), or rename it to "
            "`prob` (binary) or `p_<class>` (one per class)",
        )
    return ColumnRoles(label, (singles[0],), _class_names((singles[0],)), ident)


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


def _class_names(columns: tuple[str, ...]) -> tuple[str | None, ...]:
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
