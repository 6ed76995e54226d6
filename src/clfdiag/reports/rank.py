"""The report of ``clfdiag rank``: models ranked over datasets (Demsar 2006), as a JSON-able dict.

Models and datasets keep the table's order; every pair is listed once, ``a``
before ``b``, and its signed quantities are ``b - a``.
"""

from __future__ import annotations

from typing import Any, TypedDict

from clfdiag.core.model_comparison import Ranking
from clfdiag.io.score_table import ScoreTable
from clfdiag.reports.common import SCHEMA_VERSION, number
from clfdiag.version import __version__


class ScoresInputJSON(TypedDict):
    """The scores table: its path and shape, the score column (long) and the fold columns."""

    path: str
    shape: str
    score_column: str | None
    fold_columns: list[str]
    test_train_ratio: float | None


class RankPairJSON(TypedDict):
    """The Wilcoxon signed-rank test of one pair's per-dataset scores, raw and adjusted."""

    a: str
    b: str
    statistic: float
    p: float
    p_adjusted: float


class CorrectedTJSON(TypedDict):
    """Nadeau and Bengio's corrected resampled t test of one pair on one dataset's folds."""

    dataset: str
    a: str
    b: str
    mean_diff: float
    t: float | None
    df: int
    p: float | None


class RankReport(TypedDict):
    """The report of ``clfdiag rank`` (``--format json``)."""

    schema_version: int
    clfdiag_version: str
    command: str
    input: ScoresInputJSON
    models: list[str]
    datasets: list[str]
    n_datasets: int
    higher_is_better: bool
    alpha: float
    correction: str
    scores: dict[str, dict[str, float]]
    average_ranks: dict[str, float]
    friedman: dict[str, Any]
    iman_davenport: dict[str, Any]
    nemenyi: dict[str, float]
    pairwise: list[RankPairJSON]
    corrected_t: list[CorrectedTJSON] | None
    notes: list[str]


def rank_report(table: ScoreTable, ranking: Ranking) -> RankReport:
    """Assemble the report of ``clfdiag rank`` from the table read and its ranking."""
    models, datasets = list(table.models), list(table.datasets)
    friedman, iman, nemenyi = ranking.friedman, ranking.iman_davenport, ranking.nemenyi
    corrected: list[CorrectedTJSON] | None = None
    if ranking.corrected_t is not None:
        corrected = [{"dataset": datasets[f.dataset], "a": models[f.a], "b": models[f.b],
                      "mean_diff": f.test.mean_diff, "t": number(f.test.t), "df": f.test.df,
                      "p": number(f.test.p)} for f in ranking.corrected_t]
    return {
        "schema_version": SCHEMA_VERSION,
        "clfdiag_version": __version__,
        "command": "rank",
        "input": {"path": table.path, "shape": table.shape, "score_column": table.score_column,
                  "fold_columns": list(table.fold_columns),
                  "test_train_ratio": table.test_train_ratio},
        "models": models,
        "datasets": datasets,
        "n_datasets": len(datasets),
        "higher_is_better": ranking.higher_is_better,
        "alpha": nemenyi.alpha,
        "correction": ranking.correction,
        "scores": {d: {m: float(ranking.scores[i, j]) for j, m in enumerate(models)}
                   for i, d in enumerate(datasets)},
        "average_ranks": {m: float(r) for m, r in zip(models, ranking.average_ranks,
                                                      strict=True)},
        "friedman": {"statistic": friedman.statistic, "df": friedman.df, "p": friedman.p},
        "iman_davenport": {"statistic": iman.statistic, "df1": iman.df1, "df2": iman.df2,
                           "p": iman.p},
        "nemenyi": {"alpha": nemenyi.alpha, "q": nemenyi.q, "cd": nemenyi.cd},
        "pairwise": [{"a": models[p.a], "b": models[p.b], "statistic": p.wilcoxon.statistic,
                      "p": p.wilcoxon.p, "p_adjusted": p.p_adjusted} for p in ranking.pairs],
        "corrected_t": corrected,
        "notes": rank_notes(table, ranking),
    }


def rank_notes(table: ScoreTable, ranking: Ranking) -> list[str]:
    """What a reader needs to weigh the numbers: direction, means of folds, small samples."""
    better = "higher" if ranking.higher_is_better else "lower"
    notes = [f"rank 1 is the best score ({better} is better); tied scores share their "
             "average rank",
             f"pairwise Wilcoxon p-values are adjusted over the "
             f"{len(ranking.pairs)} pairs ({ranking.correction})",
             f"models whose average ranks differ by more than CD = {ranking.nemenyi.cd:.4g} "
             f"differ at level {ranking.nemenyi.alpha} (Nemenyi)"]
    if table.index_column is not None:
        notes.append(f"the unnamed first column ({table.index_column!r}) is a row index as "
                     "pandas writes it: not used")
    if table.fold_columns:
        notes.append("each dataset's score is the mean over its folds and repeats; "
                     "corrected_t tests the folds themselves")
    n = len(table.datasets)
    if n < 6:
        notes.append(f"{n} dataset{'' if n == 1 else 's'}: with fewer than 6 datasets no "
                     "two-sided Wilcoxon test reaches p < 0.05")
    if ranking.iman_davenport.statistic is None and ranking.iman_davenport.p is not None:
        notes.append("every dataset ranks the models the same way: Iman-Davenport's F is "
                     "infinite (null) and its p is 0")
    return notes
