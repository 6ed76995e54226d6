"""`epochs --metric` and `compare --metric`: a catalogue metric takes accuracy's place in the flag.

The oracle reads each epoch file with pandas and scores it with scikit-learn, then flags
by a plain loop over consecutive epochs.
"""

import glob
import itertools
import json
import os

import pandas as pd
import pytest
from sklearn import metrics as skm

from tests.conftest import SAMPLES
from tests.test_cli import run
from tests.test_trajectories import expected_flags

FILES = sorted(glob.glob(os.path.join(SAMPLES, "epochs", "epoch_*.csv")))


def scores(path):
    frame = pd.read_csv(path)
    p = frame["prob"] if "prob" in frame else frame.iloc[:, -1]
    return (skm.log_loss(frame["label"], p, labels=[0, 1]),
            skm.roc_auc_score(frame["label"], p))


def test_epochs_scan_roc_auc_like_sklearn():
    losses, aucs = zip(*(scores(f) for f in FILES), strict=True)
    report = json.loads(run("epochs", *FILES, "--metric", "roc_auc", "-f", "json").stdout)
    labels = [r["epoch"] for r in report["epochs"]]
    expected = [labels[i] for i in expected_flags(list(losses), list(aucs))]
    assert expected  # the sample run has rises of both to find
    assert report["metric"] == "roc_auc"
    # Sums over a few hundred rows: rounding far below the 1e-9 allowed here.
    assert [r["metric_value"] for r in report["epochs"]] == pytest.approx(aucs, abs=1e-9)
    assert report["flagged"] == expected
    for flag in report["flags"]:
        i = labels.index(flag["epoch"])
        assert flag["metric"] == "roc_auc"
        assert flag["loss_delta"] == pytest.approx(losses[i] - losses[i - 1], abs=1e-9)
        assert flag["metric_delta"] == pytest.approx(aucs[i] - aucs[i - 1], abs=1e-9)
    gate = run("epochs", *FILES, "--metric", "roc_auc", "--fail-on", "loss-up-accuracy-up",
               "-f", "json", code=1)
    [entry] = json.loads(gate.stdout)["gates"]
    assert entry["metric"] == "roc_auc"
    assert "roc_auc" in entry["message"]


def test_epochs_default_metric_is_accuracy():
    report = json.loads(run("epochs", *FILES[:3], "-f", "json").stdout)
    assert report["metric"] == "accuracy"
    assert all(r["metric_value"] == r["accuracy"] for r in report["epochs"])


@pytest.mark.parametrize(("metric", "needle"), [("log_loss", "a loss"), ("val_auc", "not a metric"),
                                                ("n", "count")])
def test_a_loss_or_an_unknown_metric_is_refused(metric, needle):
    for command in (["epochs", *FILES[:3]], ["compare", *FILES[:2]]):
        result = run(*command, "--metric", metric, code=2)
        assert needle in result.stderr
        assert "roc_auc" in result.stderr


def test_compare_flags_by_the_chosen_metric():
    seen = set()
    for a, b in itertools.pairwise(FILES):
        (loss_a, auc_a), (loss_b, auc_b) = scores(a), scores(b)
        report = json.loads(run("compare", a, b, "--metric", "roc_auc", "-f", "json").stdout)
        assert report["metric"] == "roc_auc"
        assert report["loss_up_accuracy_up"] == (loss_b > loss_a and auc_b > auc_a)
        seen.add(report["loss_up_accuracy_up"])
    assert seen == {True, False}
