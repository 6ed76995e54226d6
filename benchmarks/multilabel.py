"""In-memory multi-label evaluation: 10^6 rows x 20 labels should take under 10 s.

    PYTHONPATH=src python benchmarks/multilabel.py [rows] [labels]

Times ``evaluate_multilabel`` on synthetic per-label probabilities (the arrays are
made first and not timed), and reports the time of each stage; then writes them as a
Parquet file of indicator and probability columns (shape 1) and times the whole
``evaluate`` of that file (found by its shape, read, evaluated, reported) in this process.
"""

import sys
import time

import numpy as np

from clfdiag.core.multilabel import (
    MultilabelSettings,
    column_rankings,
    evaluate_multilabel,
    label_thresholds,
    multilabel_sums,
)


def timed(work) -> str:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return f"{time.perf_counter() - wall:.2f} / {time.process_time() - cpu:.2f}"


def main(rows: int = 1_000_000, labels: int = 20) -> None:
    rng = np.random.default_rng(0)
    prevalence = rng.uniform(0.02, 0.4, labels)
    y = rng.random((rows, labels)) < prevalence
    # Informative but imperfect probabilities, rounded to 4 places so that ties occur.
    logit = rng.normal(0.0, 1.0, (rows, labels)) + np.where(y, 1.5, -1.5)
    p = np.round(1.0 / (1.0 + np.exp(-logit)), 4)

    settings = MultilabelSettings(labels, label_thresholds(0.5, labels))
    sums_time = timed(lambda: multilabel_sums(y, p, settings))
    ranking_time = timed(lambda: column_rankings(y, p, None))
    result = []
    total = timed(lambda: result.append(evaluate_multilabel(y, p)))
    ev = result[0]
    print(f"{rows} rows x {labels} labels (wall s / CPU s; the machine is shared, so CPU time "
          f"is the steadier figure): sums {sums_time}, column rankings {ranking_time}, "
          f"evaluate_multilabel {total}")
    print(f"f1_micro {ev.metrics['f1_micro']:.4f}, roc_auc_macro {ev.metrics['roc_auc_macro']:.4f}")
    end_to_end(y, p)


def end_to_end(y: np.ndarray, p: np.ndarray) -> None:
    import os
    import tempfile

    import pyarrow as pa
    import pyarrow.parquet as pq

    from clfdiag.api import evaluate_file

    columns = {f"y_{j}": y[:, j].astype(np.int8) for j in range(y.shape[1])}
    columns |= {f"p_{j}": p[:, j] for j in range(p.shape[1])}
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "multilabel.parquet")
        pq.write_table(pa.table(columns), path)
        report = []
        took = timed(lambda: report.append(evaluate_file(path, streaming=False)))
    print(f"evaluate of a Parquet file (wall s / CPU s): {took}; task {report[0]['task']}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
