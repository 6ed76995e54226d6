"""The JSON contract of every command, pinned on the sample files.

Each case runs one command with ``--format json`` and compares the report with
the snapshot stored in ``tests/data/snapshots/<case>.json``: the same keys in
the same order, the same strings, integers, booleans and nulls, and floats
equal to 1e-12 (relative or absolute). The reports are computed by the same
arithmetic in the same order, so the tolerance only absorbs the last bits that
a reordered reduction (a NumPy upgrade, a different summation path) may move.

The cases cover every command and every branch of a report: binary,
multiclass, hard predictions, real-valued scores, sample weights, logits, a
threshold rule, streaming, slices, calibrate's ``--apply``, and the confident errors
that ``label-issues`` flags.

To write the snapshots again after a deliberate change of the contract::

    CLFDIAG_WRITE_SNAPSHOTS=1 PYTHONPATH=src python -m pytest tests/test_json_snapshot.py
"""

import json
import math
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clfdiag.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "data" / "snapshots"
WRITE = os.environ.get("CLFDIAG_WRITE_SNAPSHOTS") == "1"
# Floats of the same computation agree far beyond this; a real change moves them far more.
TOLERANCE = 1e-12
# Vector scaling stops its Newton steps once every gradient component is below 1e-11. On
# multiclass.csv the Hessian's two smallest eigenvalues are 8e-13 and 5e-11: along those
# directions the likelihood is flat to float precision, so where the parameters stop depends
# on the last bits of each step (numpy 1.26 and 2.4 differ by 6e-8 relative), and the figures
# computed from them by up to 1.3e-6 (a held-out loss moves to first order with the
# parameters). 1e-5 leaves room for that and still fails on any change of method.
FLAT_FIT_TOLERANCE = 1e-5
LOOSER = {"calibrate_multiclass": ("report['methods'][1]", "report['margin']")}

EPOCHS = [f"sample_data/epochs/epoch_{i:02d}.csv" for i in range(1, 21)]
OOD = ["sample_data/ood/digits.csv", "sample_data/ood/noise.csv", "sample_data/ood/scaled.csv"]
OOD_LOGITS = [p.replace(".csv", "_logits.csv") for p in OOD]
CONFORMAL = ["sample_data/conformal/cal.csv", "sample_data/conformal/test.csv"]
MODELS = [f"sample_data/models/{m}.csv" for m in ("logreg", "forest", "boosting")]

CASES = {
    "evaluate_binary": ["evaluate", "sample_data/binary.csv"],
    "evaluate_multiclass": ["evaluate", "sample_data/multiclass.csv"],
    "evaluate_rule": ["evaluate", "sample_data/binary.csv", "--threshold", "youden"],
    "evaluate_bootstrap": ["evaluate", "sample_data/binary.csv", "--bootstrap", "40",
                           "--seed", "3", "--target-risk", "0.02"],
    "evaluate_streaming": ["evaluate", "sample_data/epochs/epoch_20.csv", "--streaming"],
    "evaluate_streaming_by": ["evaluate", "tests/data/snapshots/binary_sites.csv",
                              "--streaming", "--by", "site", "--min-group", "10"],
    "evaluate_by": ["evaluate", "tests/data/snapshots/binary_sites.csv", "--by", "site",
                    "--min-group", "10", "--slice-metric", "roc_auc"],
    "evaluate_hard": ["evaluate", "tests/data/shapes/hard_binary.csv"],
    "evaluate_hard_multiclass": ["evaluate", "tests/data/shapes/hard_multiclass.csv"],
    "evaluate_scores": ["evaluate", "tests/data/shapes/raw_scores.csv", "--scores",
                        "--threshold", "0.1"],
    "evaluate_scores_no_threshold": ["evaluate", "tests/data/shapes/raw_scores.csv",
                                     "--scores"],
    "evaluate_weighted": ["evaluate", "tests/data/weighted/a.csv", "--weight-col", "w"],
    "evaluate_logits": ["evaluate", "sample_data/ood/digits_logits.csv", "--logits"],
    "evaluate_logits_threshold": ["evaluate", "tests/data/shapes/raw_scores.csv", "--logits",
                                  "--threshold", "0.3"],
    "evaluate_dask": ["evaluate", "sample_data/binary.csv", "--engine", "dask",
                      "--scheduler", "synchronous"],
    "compare": ["compare", EPOCHS[4], EPOCHS[5], "--top", "3"],
    "compare_bootstrap": ["compare", EPOCHS[2], EPOCHS[14], "--bootstrap", "50",
                          "--seed", "1"],
    "compare_multiclass": ["compare", "sample_data/multiclass.csv",
                           "sample_data/multiclass.csv"],
    "compare_scores": ["compare", "tests/data/shapes/raw_scores.csv",
                       "tests/data/shapes/raw_scores.csv", "--scores", "--threshold", "0"],
    "compare_weighted": ["compare", "tests/data/weighted/a.csv", "tests/data/weighted/b.csv",
                         "--weight-col", "w"],
    "compare_partial": ["compare", "tests/data/weighted/a.csv", "tests/data/weighted/b.csv",
                        "--allow-partial"],
    "compare_by": ["compare", "tests/data/snapshots/binary_sites.csv", "sample_data/binary.csv",
                   "--by", "site", "--fairness-bootstrap", "50", "--seed", "1", "--top", "0"],
    "epochs": ["epochs", *EPOCHS],
    "epochs_significant": ["epochs", *EPOCHS[:8], "--significant", "--keep-order"],
    "history_lightning": ["history", "tests/data/histories/lightning/metrics.csv"],
    "history_keras": ["history", "tests/data/histories/keras_two_fits.csv"],
    "threshold": ["threshold", "sample_data/binary.csv"],
    "threshold_cost": ["threshold", "sample_data/binary.csv", "--optimize", "cost",
                       "--cost-fn", "10", "--bootstrap", "30", "--seed", "2"],
    "threshold_by": ["threshold", "tests/data/snapshots/binary_sites.csv", "--by", "site",
                     "--optimize", "f1", "--folds", "0", "--min-recall", "0.5"],
    "threshold_multiclass": ["threshold", "sample_data/multiclass.csv", "--cost-matrix",
                             "tests/data/snapshots/digit_costs.csv"],
    "calibrate": ["calibrate", "sample_data/epochs/epoch_20.csv"],
    "calibrate_bootstrap": ["calibrate", "sample_data/epochs/epoch_20.csv", "--method",
                            "platt", "--bootstrap", "20", "--platt-smoothing"],
    "calibrate_multiclass": ["calibrate", "sample_data/multiclass.csv"],
    "calibrate_logits": ["calibrate", "sample_data/ood/digits_logits.csv", "--logits",
                         "--method", "temperature"],
    "calibrate_apply": ["calibrate", "--apply", "sample_data/epoch_20_platt.json",
                        "sample_data/epochs/epoch_20.csv", "-o", "{tmp}/calibrated.csv"],
    "ood": ["ood", *OOD],
    "ood_logits": ["ood", *OOD_LOGITS, "--logits", "--top", "2", "--keep", "0.9"],
    "conformal": ["conformal", *CONFORMAL, "--alpha", "0.1", "--alpha", "0.002",
                  "--fail-on", "undercoverage"],
    "conformal_mondrian": ["conformal", *CONFORMAL, "--alpha", "0.1", "--class-conditional"],
    "conformal_raps_unlabelled": ["conformal", CONFORMAL[0], "tests/data/conformal/unlabelled.csv",
                                  "--method", "raps", "--randomized", "--seed", "3",
                                  "--raps-penalty", "0.1", "--raps-kreg", "2"],
    "evaluate_multilabel": ["evaluate", "sample_data/multilabel.csv"],
    "evaluate_multilabel_lists": ["evaluate", "tests/data/multilabel/lists.csv",
                                  "--threshold", "0.3", "--zero-division", "1"],
    "compare_multilabel": ["compare", "tests/data/multilabel/delimited.csv",
                           "tests/data/multilabel/delimited.csv"],
    "compare_three": ["compare", *MODELS],
    "rank_folds": ["rank", "sample_data/models/scores.csv", "--test-train-ratio", "0.25"],
    "rank_wide": ["rank", "sample_data/models/scores_wide.csv", "--correction", "bonferroni"],
    "label_issues": ["label-issues", "sample_data/label_issues.csv"],
    "evaluate_label_issues": ["evaluate", "sample_data/label_issues.csv", "--top", "3"],
    "label_issues_binary_adjusted": ["label-issues", "sample_data/binary.csv", "--filter",
                                     "both", "--rank-by", "normalized-margin",
                                     "--adjust-pred-probs", "--top", "3"],
}


def normalised(value, tmp):
    """The report with the run's own paths replaced by placeholders."""
    if isinstance(value, dict):
        return {k: normalised(v, tmp) for k, v in value.items()}
    if isinstance(value, list):
        return [normalised(v, tmp) for v in value]
    if isinstance(value, str):
        return value.replace(str(tmp), "<tmp>").replace(str(ROOT), "<root>")
    return value


def assert_same(got, want, where="report", looser=()):
    """Keys in order, exact values, floats to TOLERANCE (FLAT_FIT_TOLERANCE under ``looser``)."""
    if isinstance(want, dict):
        assert isinstance(got, dict), where
        assert list(got) == list(want), where
        for key in want:
            assert_same(got[key], want[key], f"{where}[{key!r}]", looser)
    elif isinstance(want, list):
        assert isinstance(got, list), where
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same(g, w, f"{where}[{i}]", looser)
    elif isinstance(want, float) and not isinstance(want, bool):
        assert isinstance(got, float), (where, got, want)
        tolerance = FLAT_FIT_TOLERANCE if where.startswith(looser) else TOLERANCE
        assert math.isclose(got, want, rel_tol=tolerance, abs_tol=tolerance), (where, got, want)
    else:
        assert type(got) is type(want), (where, got, want)
        assert got == want, (where, got, want)


@pytest.mark.parametrize("case", sorted(CASES))
def test_json_report_matches_its_snapshot(case, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    args = [a.replace("{tmp}", str(tmp_path)) for a in CASES[case]]
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    report = normalised(json.loads(result.stdout), tmp_path)
    path = SNAPSHOTS / f"{case}.json"
    if WRITE:
        path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}: write it with CLFDIAG_WRITE_SNAPSHOTS=1"
    assert_same(report, json.loads(path.read_text(encoding="utf-8")), looser=LOOSER.get(case, ()))


def test_every_command_has_a_snapshot():
    from typer.main import get_command

    commands = set(get_command(app).commands)
    assert commands == {args[0] for args in CASES.values()}
