"""The report of ``clfdiag compare`` with three or more files of the same examples.

Models keep the order of the files; every pair is listed once, ``a`` before
``b``, and its signed quantities are ``b - a``. Each pairwise test has its raw
``p`` and its ``p_adjusted`` over the k(k - 1)/2 pairs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from clfdiag.core.model_comparison import ManyModelComparison, ModelPair, OmnibusTest
from clfdiag.reports.common import SCHEMA_VERSION, input_json, number, pair
from clfdiag.version import __version__

if TYPE_CHECKING:
    from clfdiag.predictions import Predictions


def compare_many_report(preds: Sequence[Predictions], names: Sequence[str],
                        pairing: Mapping[str, Any], result: ManyModelComparison, *,
                        threshold: float, classes: Sequence[str]) -> dict[str, Any]:
    """Assemble the report of ``compare`` for three or more files.

    ``pairing`` describes how the files' examples were matched (at least
    ``by`` and ``n``, as the two-file report's); ``classes`` are the paired
    examples' classes (binary: negative, positive).
    """
    task = result.evaluations[0].task
    models = [_model_json(p, name, i, result) for i, (p, name) in enumerate(zip(preds, names,
                                                                                strict=True))]
    best = result.best
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "clfdiag_version": __version__,
        "command": "compare",
        "inputs": [input_json(p) for p in preds],
        "task": task,
        "classes": list(classes),
        "positive_class": classes[1] if task == "binary" else None,
        "correction": result.correction,
        "alpha": result.alpha,
        "threshold": threshold if task == "binary" else None,
        "pairing": dict(pairing),
        "models": models,
        "cochran_q": _omnibus(result.cochran_q),
        "friedman_log_loss": _omnibus(result.friedman_log_loss),
        "pairwise": [_pair_json(pair, names) for pair in result.pairs],
        "best": {
            "name": names[best],
            "log_loss": number(result.evaluations[best].metrics["log_loss"]),
            "not_significantly_worse": [names[i] for i in result.not_significantly_worse],
        },
        "notes": [
            *(f"{p.source.path}: {note}" for p in preds for note in p.source.notes),
            f"pairwise p-values are adjusted over the {len(result.pairs)} pairs of each test "
            f"({result.correction})",
            "best is the lowest mean log loss; a model is not significantly worse when the "
            "paired test of the mean log-loss difference with the best has p_adjusted >= "
            f"{result.alpha} (Wilcoxon is reported beside it, but a rank test can disagree "
            "in direction with the means)",
        ],
    }
    report["summary"] = best_sentence(report)
    return report


def best_sentence(report: Mapping[str, Any]) -> str:
    """One sentence: the best model, and which others are (not) significantly worse.

    ``catboost is best; xgb is not significantly worse (p = 0.41); lgbm is (p = 0.003).``
    """
    best = report["best"]["name"]
    fine = set(report["best"]["not_significantly_worse"])
    p_of = {}
    for entry in report["pairwise"]:
        if best in (entry["a"], entry["b"]):
            other = entry["b"] if entry["a"] == best else entry["a"]
            p_of[other] = entry["log_loss"]["p_adjusted"]
    names = [m["name"] for m in report["models"] if m["name"] != best]
    not_worse = [n for n in names if n in fine]
    worse = [n for n in names if n not in fine]
    parts = [f"{best} is best"]
    if not_worse:
        verb = "is" if len(not_worse) == 1 else "are"
        parts.append(f"{_listed(not_worse, p_of)} {verb} not significantly worse")
    if worse:
        verb = "is" if len(worse) == 1 else "are"
        parts.append(f"{_listed(worse, p_of)} {verb}")
    return "; ".join(parts) + "."


def _listed(names: list[str], p_of: Mapping[str, float | None]) -> str:
    def one(name: str) -> str:
        p = p_of.get(name)
        return f"{name} (p = {p:.2g})" if p is not None else f"{name} (identical losses)"
    items = [one(n) for n in names]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _model_json(preds: Predictions, name: str, index: int,
                result: ManyModelComparison) -> dict[str, Any]:
    ev = result.evaluations[index]
    return {
        "name": name,
        "file": preds.source.path,
        "metrics": {k: number(v) for k, v in ev.metrics.items()},
        "intervals": {"accuracy": pair(ev.accuracy_ci), "roc_auc": pair(ev.roc_auc_ci)},
        "ranks": {metric: None if ranks is None else ranks[index]
                  for metric, ranks in result.metric_ranks.items()},
    }


def _omnibus(test: OmnibusTest) -> dict[str, Any]:
    return {"statistic": test.statistic, "df": test.df, "p": test.p}


def _pair_json(pair: ModelPair, names: Sequence[str]) -> dict[str, Any]:
    ll, d = pair.log_loss, pair.delong
    return {
        "a": names[pair.a],
        "b": names[pair.b],
        "mcnemar": {"table": [list(row) for row in pair.mcnemar.table], "p": pair.mcnemar.p,
                    "p_adjusted": pair.mcnemar_p_adjusted},
        "wilcoxon_log_loss": {"statistic": pair.wilcoxon_log_loss.statistic,
                              "p": pair.wilcoxon_log_loss.p,
                              "p_adjusted": pair.wilcoxon_p_adjusted,
                              "exact": pair.wilcoxon_log_loss.exact},
        "log_loss": {"mean_diff": ll.mean_diff, "p": ll.p_value,
                     "p_adjusted": pair.log_loss_p_adjusted,
                     "ci": None if ll.ci is None else list(ll.ci), "method": ll.method},
        "delong": None if d is None else {"difference": d.auc_b - d.auc_a, "p": d.p_value,
                                          "p_adjusted": pair.delong_p_adjusted},
    }
