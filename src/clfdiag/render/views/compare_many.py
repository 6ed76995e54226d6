"""The document and CSV rows of ``clfdiag compare`` with three or more files.

The view of ``compare`` (:mod:`clfdiag.render.views.compare`) hands a report with
``models`` here: one table of models by metrics (the best of each in bold), the
omnibus tests, the matrix of adjusted p-values of the mean log-loss test, every
pair's tests, and the sentence on which model is best.
"""

from __future__ import annotations

from typing import Any

from clfdiag.render import text as t
from clfdiag.render.command_view import CsvRows, Report
from clfdiag.render.document import Document, Heading, Paragraph, Table, gates_and_notes

SHOWN_METRICS = {"log_loss": "log loss", "brier": "Brier", "accuracy": "accuracy",
                 "balanced_accuracy": "bal. acc.", "f1": "F1", "roc_auc": "ROC AUC",
                 "ece": "ECE"}
"""The metrics of the models table and their headers (every metric is in the JSON and CSV)."""


def many_models_document(report: Report) -> Document:
    """The best model and the others, the metrics table, omnibus and pairwise tests."""
    doc = Document("clfdiag compare")
    b = doc.blocks
    models = report["models"]
    pairing = report["pairing"]
    b += [Paragraph(report["summary"], "lead"),
          Paragraph(f"{len(models)} models on {pairing['n']:,} examples paired by "
                    f"{pairing['by']}; pairwise p-values adjusted over "
                    f"{len(report['pairwise'])} pairs ({report['correction']}), "
                    f"alpha {report['alpha']:g}.", "quiet")]
    keys = [k for k in SHOWN_METRICS if k in models[0]["metrics"]]
    rows, strong = [], set()
    for i, model in enumerate(models):
        rows.append([model["name"], *(t.fmt(model["metrics"][k]) for k in keys)])
        strong |= {(i, j + 1) for j, k in enumerate(keys) if _is_best(models, i, k)}
    b += [Heading("Metrics (the best of each in bold)"),
          Table(["model", *(SHOWN_METRICS[k] for k in keys)], rows,
                strong=frozenset(strong))]
    b += [Heading("Tests of all the models at once"),
          Table(["test", "statistic", "df", "p-value"],
                [[label, t.fmt(test["statistic"]), str(test["df"]), t.p_value(test["p"])]
                 for label, test in (("Cochran's Q (right/wrong)", report["cochran_q"]),
                                     ("Friedman (per-example log loss)",
                                      report["friedman_log_loss"]))])]
    names = [m["name"] for m in models]
    adjusted = {}
    for pair in report["pairwise"]:
        adjusted[pair["a"], pair["b"]] = adjusted[pair["b"], pair["a"]] = (
            t.p_value(pair["log_loss"]["p_adjusted"]))
    b += [Heading(f"Adjusted p-values of the mean log-loss difference ({report['correction']})"),
          Table(["", *names], [[row, *(adjusted.get((row, col), "") for col in names)]
                               for row in names])]
    b += [Heading("Pairs: b − a and the adjusted p of each test"),
          Table(["a", "b", "Δ loss", "p", "Wilcoxon", "McNemar", "Δ AUC", "DeLong"],
                [[p["a"], p["b"], t.signed(p["log_loss"]["mean_diff"]),
                  t.p_value(p["log_loss"]["p_adjusted"]),
                  t.p_value(p["wilcoxon_log_loss"]["p_adjusted"]),
                  t.p_value(p["mcnemar"]["p_adjusted"]),
                  t.signed(None if p["delong"] is None else p["delong"]["difference"]),
                  t.p_value(None if p["delong"] is None else p["delong"]["p_adjusted"])]
                 for p in report["pairwise"]], "llrrrrrr")]
    b += gates_and_notes(report)
    return doc


def _is_best(models: list[dict[str, Any]], index: int, key: str) -> bool:
    ranks = [m["ranks"].get(key) for m in models]
    return ranks[index] is not None and None not in ranks and ranks[index] == min(ranks)


def many_models_rows(report: Report) -> CsvRows:
    """``model,<metric>...``: one row per model, every metric."""
    keys = list(report["models"][0]["metrics"])
    return [["model", *keys],
            *([m["name"], *(m["metrics"][k] for k in keys)] for m in report["models"])]
