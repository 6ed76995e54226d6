import json
import os

import numpy as np
import pytest

from clfdiag.core.comparison import compare_predictions
from clfdiag.core.model_comparison import compare_models, rank_models
from clfdiag.io.predictions import read_predictions
from clfdiag.io.score_table import read_score_table
from clfdiag.pairing import pair_predictions
from clfdiag.reports.compare import compare_report
from clfdiag.reports.compare_many import best_sentence, compare_many_report
from clfdiag.reports.rank import rank_report
from tests.conftest import SAMPLES

MODELS = os.path.join(SAMPLES, "models")
NAMES = ("logreg", "forest", "boosting")


@pytest.fixture(scope="module")
def three_models():
    preds = [read_predictions(os.path.join(MODELS, f"{name}.csv")) for name in NAMES]
    pairs = [pair_predictions(preds[0], other) for other in preds[1:]]
    assert np.array_equal(pairs[0].index_a, pairs[1].index_a)
    probas = [pairs[0].proba_a, pairs[0].proba_b, pairs[1].proba_b]
    result = compare_models(pairs[0].y, probas)
    pairing = {"by": pairs[0].by, "n": len(pairs[0])}
    report = compare_many_report(preds, NAMES, pairing, result, threshold=0.5,
                                 classes=pairs[0].classes)
    return preds, pairs, report


def test_compare_many_keys_are_the_contract(three_models):
    _, _, report = three_models
    json.dumps(report, allow_nan=False)
    assert report["command"] == "compare"
    assert report["correction"] == "holm"
    for key in ("alpha", "threshold", "pairing", "models", "cochran_q", "friedman_log_loss",
                "pairwise", "best", "schema_version", "notes"):
        assert key in report
    assert report["pairing"]["by"] == "id"
    assert [m["name"] for m in report["models"]] == list(NAMES)
    for model in report["models"]:
        assert {"name", "file", "metrics", "intervals", "ranks"} <= set(model)
        assert set(model["intervals"]) == {"accuracy", "roc_auc"}
        assert model["ranks"]["accuracy"] in (1.0, 1.5, 2.0, 2.5, 3.0)
    assert set(report["cochran_q"]) == set(report["friedman_log_loss"]) == {"statistic", "df",
                                                                              "p"}
    assert report["cochran_q"]["df"] == 2
    assert [(p["a"], p["b"]) for p in report["pairwise"]] == [
        ("logreg", "forest"), ("logreg", "boosting"), ("forest", "boosting")]
    for pair in report["pairwise"]:
        assert {"statistic", "p", "p_adjusted"} <= set(pair["wilcoxon_log_loss"])
        assert {"table", "p", "p_adjusted"} <= set(pair["mcnemar"])
        assert {"mean_diff", "p", "p_adjusted"} <= set(pair["log_loss"])
        assert {"difference", "p", "p_adjusted"} <= set(pair["delong"])
    assert set(report["best"]) == {"name", "log_loss", "not_significantly_worse"}


def test_compare_many_pairs_equal_the_two_file_report(three_models):
    preds, pairs, report = three_models
    for pair_json in report["pairwise"][:2]:
        other = NAMES.index(pair_json["b"])
        paired = pairs[other - 1]
        cmp = compare_predictions(paired.y, paired.proba_a, paired.proba_b)
        two = compare_report(preds[0], preds[other], paired, cmp, threshold=0.5,
                            min_loss_delta=0.0, min_accuracy_delta=0.0, alpha=0.05)
        assert pair_json["log_loss"]["mean_diff"] == two["tests"]["log_loss"]["mean_diff"]
        assert pair_json["log_loss"]["p"] == two["tests"]["log_loss"]["p_value"]
        assert pair_json["delong"]["p"] == two["tests"]["delong"]["p_value"]
        assert pair_json["delong"]["difference"] == pytest.approx(
            two["tests"]["delong"]["auc_b"] - two["tests"]["delong"]["auc_a"], abs=1e-15)
        assert pair_json["mcnemar"]["p"] == two["tests"]["mcnemar"]["p_value"]
        table = pair_json["mcnemar"]["table"]
        assert (table[1][0], table[0][1]) == (two["tests"]["mcnemar"]["b01"],
                                              two["tests"]["mcnemar"]["b10"])
        assert report["models"][other]["metrics"] == two["b"]


def test_best_sentence_names_every_other_model():
    report = {
        "best": {"name": "catboost", "not_significantly_worse": ["xgb"]},
        "models": [{"name": "lgbm"}, {"name": "xgb"}, {"name": "catboost"}],
        "pairwise": [{"a": "lgbm", "b": "xgb", "log_loss": {"p_adjusted": 0.5}},
                     {"a": "lgbm", "b": "catboost", "log_loss": {"p_adjusted": 0.003}},
                     {"a": "xgb", "b": "catboost", "log_loss": {"p_adjusted": 0.41}}],
    }
    assert best_sentence(report) == ("catboost is best; xgb (p = 0.41) is not significantly "
                                     "worse; lgbm (p = 0.003) is.")


def test_rank_report_from_the_sample_scores():
    table = read_score_table(os.path.join(MODELS, "scores.csv"), test_train_ratio=0.25)
    ranking = rank_models(None, fold_scores=table.fold_scores, test_train_ratio=0.25)
    report = rank_report(table, ranking)
    json.dumps(report, allow_nan=False)
    assert report["command"] == "rank"
    assert report["models"] == ["logreg", "forest", "boosting"]
    assert report["n_datasets"] == len(report["datasets"]) == 6
    assert report["higher_is_better"] is True
    assert report["correction"] == "holm"
    assert set(report["average_ranks"]) == set(report["models"])
    assert sum(report["average_ranks"].values()) == pytest.approx(6.0, abs=1e-12)
    assert set(report["friedman"]) == {"statistic", "df", "p"}
    assert set(report["iman_davenport"]) == {"statistic", "df1", "df2", "p"}
    assert set(report["nemenyi"]) == {"alpha", "q", "cd"}
    assert [set(p) for p in report["pairwise"]] == [{"a", "b", "statistic", "p",
                                                     "p_adjusted"}] * 3
    assert len(report["corrected_t"]) == 6 * 3
    assert set(report["corrected_t"][0]) == {"dataset", "a", "b", "mean_diff", "t", "df", "p"}
    assert report["corrected_t"][0]["df"] == 4

    wide = read_score_table(os.path.join(MODELS, "scores_wide.csv"))
    plain = rank_report(wide, rank_models(wide.scores))
    assert plain["corrected_t"] is None
    # The wide table holds the same means as repr'd floats: the same ranks and tests.
    assert plain["average_ranks"] == report["average_ranks"]
    assert plain["friedman"] == report["friedman"]
    assert [p["p"] for p in plain["pairwise"]] == [p["p"] for p in report["pairwise"]]
