"""Dumps as people write them, third round: the right numbers, or exit 2 naming the flag.

Each fixture is written under tmp_path from arrays whose metrics scikit-learn computes.
"""

import json

import numpy as np
import pytest
from sklearn import metrics as skm
from typer.testing import CliRunner

from clfdiag.cli.app import app

RNG = np.random.default_rng(7)
N = 60
Y = RNG.integers(0, 2, N)
Y[:2] = [0, 1]
P = np.clip(0.25 + 0.5 * Y + RNG.normal(0, 0.2, N), 0.01, 0.99).round(4)


def run(*args, code=0):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def evaluate(path, *flags):
    return json.loads(run("evaluate", path, *flags, "--format", "json").stdout)


def check(rep, y, p):
    m = rep["metrics"]
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, p, labels=[0, 1]), rel=1e-9)
    assert m["brier"] == pytest.approx(skm.brier_score_loss(y, p), rel=1e-9)
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, p >= 0.5), rel=1e-12)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(("column", "names", "mode"), [
    ("prob_1", ("0", "1"), "--in-memory"), ("prob_1", ("0", "1"), "--streaming"),
    ("p_fraud", ("legit", "fraud"), "--in-memory"), ("proba_yes", ("no", "yes"), "--in-memory")])
def test_positive_naming_the_other_class_takes_the_complement(tmp_path, mode, column, names):
    """``p_fraud`` is P(fraud) by its name: under --positive legit, P(legit) = 1 - p_fraud."""
    labels = np.array(names)[Y]
    path = write(tmp_path, "named.csv", f"label,{column}\n"
                 + "".join(f"{lab},{q}\n" for lab, q in zip(labels, P, strict=True)))
    rep = evaluate(path, "--positive", names[0], mode)
    assert rep["positive_class"] == names[0]
    check(rep, 1 - Y, 1 - P)
    assert any("1 - " + column in note for note in rep["notes"])
    check(evaluate(path, "--positive", names[1], mode), Y, P)


def test_a_negated_raw_score_is_the_other_class_score(tmp_path):
    scores = np.round((P - 0.5) * 6, 4)
    path = write(tmp_path, "scores.csv", "label,score_0\n"
                 + "".join(f"{lab},{-s}\n" for lab, s in zip(Y, scores, strict=True)))
    rep = evaluate(path, "--positive", "1", "--scores")
    assert rep["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(Y, scores), rel=1e-12)
    rep = evaluate(path, "--positive", "1", "--logits")
    check(rep, Y, 1 / (1 + np.exp(-scores)))


def test_an_inverted_named_column_is_not_sent_to_positive(tmp_path):
    """A class-named column reads the same under either --positive: no hint to pass it."""
    path = write(tmp_path, "p1.csv", "label,p_1\n"
                 + "".join(f"{lab},{1 - q:.4f}\n" for lab, q in zip(Y, P, strict=True)))
    rep = evaluate(path)
    check(rep, Y, np.round(1 - P, 4))
    note = next(n for n in rep["notes"] if "below 0.5" in n)
    assert "--positive" not in note
    assert "rename" in note


def _multiclass(k=4, present=3, n=90):
    """Labels 0..present-1 and softmax probabilities over k classes (the last never occurs)."""
    rng = np.random.default_rng(11)
    y = rng.integers(0, present, n)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), y] += 1.5
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    p = p.round(5)
    p[:, -1] = 1 - p[:, :-1].sum(axis=1)
    return y, p


@pytest.mark.parametrize(("names", "label"), [(["0", "1", "2", "3"], "{:.1f}"),
                                         (["zebra", "ant", "moose", "bee"], None)])
@pytest.mark.parametrize("flags", [(), ("--renormalize",)])
def test_class_named_columns_keep_a_class_no_label_holds(tmp_path, names, label, flags):
    """``predict_proba`` columns named as the classes, one class absent from the labels.

    The three columns named after labels do not sum to 1: never renormalised alone.
    """
    y, p = _multiclass()
    text = [label.format(v) if label else names[v] for v in y]
    path = write(tmp_path, "proba.csv", "y," + ",".join(names) + "\n" + "".join(
        f"{t}," + ",".join(f"{v:.5f}" for v in row) + "\n" for t, row in zip(text, p, strict=True)))
    rep = evaluate(path, *flags)
    assert rep["classes"] == names
    m = rep["metrics"]
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, p, labels=[0, 1, 2, 3]), rel=1e-9)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, p.argmax(axis=1)), rel=1e-12)


def test_prob_col_joined_by_commas_is_told_to_repeat(tmp_path):
    y, p = _multiclass()
    path = write(tmp_path, "proba.csv", "y,a,b,c,d\n" + "".join(
        f"{'abcd'[t]}," + ",".join(f"{v:.5f}" for v in row) + "\n"
        for t, row in zip(y, p, strict=True)))
    err = run("evaluate", path, "--prob-col", "a,b,c,d", code=2).stderr
    flags = "--prob-col a --prob-col b --prob-col c --prob-col d"
    assert flags in err
    rep = evaluate(path, *flags.split())
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p, labels=[0, 1, 2, 3]),
                                                       rel=1e-9)


def test_class_columns_short_of_one_beside_another_probability_column_ask_which(tmp_path):
    """Sigmoids named after three labels beside a fourth column of probabilities.

    --renormalize would rescale three of them, so the columns are asked for.
    """
    rng = np.random.default_rng(5)
    y = rng.integers(0, 3, 50)
    p = rng.uniform(0.01, 0.99, (50, 4)).round(3)
    path = write(tmp_path, "sig.csv", "label,a,b,c,d\n" + "".join(
        f"{'abc'[t]}," + ",".join(map(str, row)) + "\n" for t, row in zip(y, p, strict=True)))
    assert "--renormalize" in run("evaluate", path, code=2).stderr
    err = run("evaluate", path, "--renormalize", code=2).stderr
    assert "--prob-col a --prob-col b --prob-col c --prob-col d if 'd' is a class" in err
    q = p / p.sum(axis=1, keepdims=True)
    rep = evaluate(path, "--prob-col", "a", "--prob-col", "b", "--prob-col", "c",
                   "--prob-col", "d", "--renormalize")
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, q, labels=[0, 1, 2, 3]),
                                                       rel=1e-9)


def test_json_lines_arrays_of_probabilities_are_class_vectors(tmp_path):
    """``{"label": 1, "probs": [0.2, 0.8]}``: entry k is class k, as Spark's vectors."""
    path = tmp_path / "preds.jsonl"
    path.write_text("".join(json.dumps({"label": int(t), "probs": [round(1 - q, 4), q],
                                        "tags": ["a", "b"]}) + "\n"
                            for t, q in zip(Y, P, strict=True)))
    rep = evaluate(path)
    check(rep, Y, P)
    logits = tmp_path / "logits.jsonl"
    z = np.round(np.column_stack([-2 * P, 2 * P]), 4)
    logits.write_text("".join(json.dumps({"label": int(t), "logits": list(map(float, r))})
                              + "\n" for t, r in zip(Y, z, strict=True)))
    assert "--logits" in run("evaluate", logits, code=2).stderr
    e = np.exp(z)
    check(evaluate(logits, "--logits"), Y, e[:, 1] / e.sum(axis=1))


def test_a_delimiter_ending_every_line_is_no_id(tmp_path):
    """``label,prob,`` and ``0,0.2,``: an empty column with an empty name, not a pandas index."""
    path = write(tmp_path, "trailing.csv", "label,prob,\n"
                 + "".join(f"{t},{q},\n" for t, q in zip(Y, P, strict=True)))
    rep = evaluate(path)
    check(rep, Y, P)
    assert rep["input"]["id_column"] is None
    # Not the first column, it is no pandas index in the header either: streaming reads it.
    streamed = evaluate(path, "--streaming")
    check(streamed, Y, P)
    assert streamed["input"]["id_column"] is None


@pytest.mark.parametrize(("rows", "needle"), [
    ("".join(f"{t},{q},\n" for t, q in zip(Y, P, strict=True)), "remove the delimiter at the end"),
    ("".join(f'"{i}",{t},{q}\n' for i, (t, q) in enumerate(zip(Y, P, strict=True))),
     "row.names = FALSE")])
def test_rows_one_field_wider_than_the_header_say_why(tmp_path, rows, needle):
    path = write(tmp_path, "wide.csv", "label,prob\n" + rows)
    assert needle in run("evaluate", path, code=2).stderr


def test_percentages_with_a_sign_are_sent_to_percent(tmp_path):
    text = "".join(f"{t},{q * 100:.2f}%\n" for t, q in zip(Y, P, strict=True))
    path = write(tmp_path, "signed.csv", "label,prob\n" + text)
    err = run("evaluate", path, code=2).stderr
    assert "'%' sign" in err
    assert "--percent" in err
    plain = write(tmp_path, "plain.csv", "label,prob\n" + text.replace("%", ""))
    check(evaluate(plain, "--percent"), Y, np.round(P * 100, 2) / 100)


def test_predicted_classes_with_a_class_no_label_holds_are_predictions(tmp_path):
    """``label,pred,conf``: pred holds 0..3, the labels 0..2; never a probability column."""
    y, p = _multiclass()
    pred = p.argmax(axis=1)
    assert 3 in pred
    path = write(tmp_path, "mc.csv", "label,pred,conf\n" + "".join(
        f"{t},{h},{c:.5f}\n" for t, h, c in zip(y, pred, p.max(axis=1), strict=True)))
    rep = evaluate(path)
    assert rep["input"]["prediction_column"] == "pred"
    assert rep["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, pred), rel=1e-12)
    assert rep["metrics"]["macro_f1"] == pytest.approx(
        skm.f1_score(y, pred, average="macro", labels=[0, 1, 2, 3]), rel=1e-12)
    assert rep["metrics"]["log_loss"] is None


def test_sas_class_columns_name_the_flags_that_read_them(tmp_path):
    """SAS's ``P_Target1, P_Target0`` beside labels 1/0: no class by name, each column offered."""
    path = write(tmp_path, "sas.csv", "F_Target,I_Target,P_Target1,P_Target0\n" + "".join(
        f"{t},{int(q >= 0.5)},{q},{1 - q:.4f}\n" for t, q in zip(Y, P, strict=True)))
    err = run("evaluate", path, "--label-col", "F_Target", code=2).stderr
    assert "--prob-col P_Target1 --positive 1 if 'P_Target1' is the probability of '1'" in err
    check(evaluate(path, "--label-col", "F_Target", "--prob-col", "P_Target1", "--positive", "1"),
          Y, P)
    check(evaluate(path, "--label-col", "F_Target", "--prob-col", "P_Target0", "--positive", "0"),
          1 - Y, np.round(1 - P, 4))


def test_compare_reads_each_file_by_the_class_its_column_names(tmp_path):
    """A scores ``p_dog``, B ``p_cat``: under --positive dog, B is 1 - p_cat, not p_cat."""
    labels = np.array(["cat", "dog"])[Y]
    q = np.clip(P + RNG.normal(0, 0.1, N), 0.01, 0.99).round(4)
    a = write(tmp_path, "a.csv", "id,label,p_dog\n" + "".join(
        f"{i},{t},{v}\n" for i, (t, v) in enumerate(zip(labels, P, strict=True))))
    b = write(tmp_path, "b.csv", "id,label,p_cat\n" + "".join(
        f"{i},{t},{1 - v:.4f}\n" for i, (t, v) in enumerate(zip(labels, q, strict=True))))
    rep = json.loads(run("compare", a, b, "--positive", "dog", "--format", "json").stdout)
    assert rep["b"]["log_loss"] == pytest.approx(skm.log_loss(Y, q), rel=1e-9)
    assert rep["b"]["roc_auc"] == pytest.approx(skm.roc_auc_score(Y, q), rel=1e-12)
    assert rep["a"]["roc_auc"] == pytest.approx(skm.roc_auc_score(Y, P), rel=1e-12)


def test_a_repeated_header_line_is_named(tmp_path):
    """``cat fold*.csv > oof.csv`` keeps every header: the hint says so, not --prob-col."""
    half = N // 2
    rows = ["".join(f"{t},{q}\n" for t, q in zip(Y[s], P[s], strict=True))
            for s in (slice(0, half), slice(half, N))]
    path = write(tmp_path, "joined.csv", "label,prob\n" + rows[0] + "label,prob\n" + rows[1])
    err = run("evaluate", path, code=2).stderr
    assert f"row {half + 1} repeats the header line" in err


@pytest.mark.parametrize("mode", ["--in-memory", "--streaming"])
def test_a_total_row_is_a_row_problem_before_a_third_class(tmp_path, mode):
    """A spreadsheet's ``Total,`` row: its missing probability is named, and dropped."""
    path = write(tmp_path, "total.csv", "label,prob\n"
                 + "".join(f"{t},{q}\n" for t, q in zip(Y, P, strict=True)) + "Total,\n")
    err = run("evaluate", path, mode, code=2).stderr
    assert f"rows {N + 1}" in err
    assert "--drop-invalid" in err
    rep = evaluate(path, mode, "--drop-invalid")
    check(rep, Y, P)
    assert rep["input"]["dropped"] == 1


def test_excel_sep_directive_is_named(tmp_path):
    path = write(tmp_path, "excel.csv", "sep=,\nlabel,prob\n"
                 + "".join(f"{t},{q}\n" for t, q in zip(Y, P, strict=True)))
    err = run("evaluate", path, code=2).stderr
    assert "Excel's delimiter directive" in err
    assert "--label-col" not in err


@pytest.mark.parametrize("form", ["{:05d}", "{:.1f}"])
def test_labels_joined_by_ids_a_spreadsheet_rewrote(tmp_path, form):
    """``00012`` or ``12.0`` in the predictions, ``12`` in the ground truth (shuffled)."""
    order = np.random.default_rng(3).permutation(N)
    pred = write(tmp_path, "pred.csv", "id,prob\n" + "".join(
        f"{form.format(i)},{q}\n" for i, q in enumerate(P)))
    truth = write(tmp_path, "truth.csv", "id,label\n" + "".join(f"{i},{Y[i]}\n" for i in order))
    rep = evaluate(pred, "--labels", truth)
    check(rep, Y, P)
    assert rep["input"]["labels_joined_by"] == "id"
    assert any("whole numbers" in note for note in rep["notes"])


def test_a_submission_of_one_column_joins_its_labels_by_row(tmp_path):
    pred = write(tmp_path, "sub.csv", "prob\n" + "".join(f"{q}\n" for q in P))
    truth = write(tmp_path, "truth.csv", "id,label\n" + "".join(
        f"{i},{t}\n" for i, t in enumerate(Y)))
    rep = evaluate(pred, "--labels", truth)
    check(rep, Y, P)
    assert rep["input"]["labels_joined_by"] == "row"


def test_compare_pairs_ids_a_spreadsheet_rewrote(tmp_path):
    """A's ids ``00012``, B's ``12`` in another order: paired as numbers, with a note."""
    order = np.random.default_rng(4).permutation(N)
    q = np.clip(P + RNG.normal(0, 0.1, N), 0.01, 0.99).round(4)
    a = write(tmp_path, "a.csv", "id,label,prob\n" + "".join(
        f"{i:05d},{t},{v}\n" for i, (t, v) in enumerate(zip(Y, P, strict=True))))
    b = write(tmp_path, "b.csv", "id,label,prob\n" + "".join(
        f"{i},{Y[i]},{q[i]}\n" for i in order))
    rep = json.loads(run("compare", a, b, "--format", "json").stdout)
    assert rep["b"]["log_loss"] == pytest.approx(skm.log_loss(Y, q), rel=1e-9)
    assert rep["b"]["roc_auc"] == pytest.approx(skm.roc_auc_score(Y, q), rel=1e-12)
    assert any("whole numbers" in note for note in rep["notes"])


@pytest.mark.parametrize(("column", "names", "flags"), [
    ("no", ("no", "yes"), ("--positive", "yes")), ("no", ("no", "yes"), ()),
    ("0", ("0", "1"), ("--positive", "0"))])
def test_a_lone_column_named_as_a_label_is_that_class(tmp_path, column, names, flags):
    """``label,no`` is P(no), under any --positive; a lone ``0`` is P(--positive)."""
    labels = np.array(names)[Y]
    path = write(tmp_path, "lone.csv", f"label,{column}\n"
                 + "".join(f"{t},{1 - q:.4f}\n" for t, q in zip(labels, P, strict=True)))
    rep = evaluate(path, *flags)
    check(rep, Y, P)


def test_index_named_columns_beside_text_labels_offer_each_reading(tmp_path):
    """``prob_0, prob_1`` beside labels no/yes (a LabelEncoder's indices)."""
    labels = np.array(["no", "yes"])[Y]
    path = write(tmp_path, "idx.csv", "label,prob_0,prob_1\n" + "".join(
        f"{t},{1 - q:.4f},{q}\n" for t, q in zip(labels, P, strict=True)))
    err = run("evaluate", path, code=2).stderr
    assert "--prob-col prob_1 --positive yes if 'prob_1' is the probability of 'yes'" in err
    check(evaluate(path, "--prob-col", "prob_1", "--positive", "yes"), Y, P)
    check(evaluate(path, "--prob-col", "prob_0", "--positive", "no"), 1 - Y, np.round(1 - P, 4))


@pytest.mark.parametrize("mode", ["--in-memory", "--streaming"])
def test_a_stray_label_is_left_out_with_the_classes_named(tmp_path, mode):
    """A binary file with one mistyped label ``2``: --classes 0,1 --drop-invalid reads it."""
    labels = Y.astype(str)
    labels[7] = "2"
    path = write(tmp_path, "typo.csv", "label,prob\n"
                 + "".join(f"{t},{q}\n" for t, q in zip(labels, P, strict=True)))
    assert "--classes A,B and pass --drop-invalid" in run("evaluate", path, code=2).stderr
    assert "--drop-invalid" in run("evaluate", path, "--classes", "0,1", code=2).stderr
    keep = np.arange(N) != 7
    rep = evaluate(path, "--classes", "0,1", "--drop-invalid", mode)
    check(rep, Y[keep], P[keep])
    assert rep["input"]["dropped"] == 1


def test_a_lone_index_zero_column_beside_text_labels_asks_for_the_class(tmp_path):
    """``prob_0`` beside labels no/yes is P(no) by scikit-learn's order: never P(yes) silently."""
    labels = np.array(["no", "yes"])[Y]
    path = write(tmp_path, "p0.csv", "label,prob_0\n" + "".join(
        f"{t},{1 - q:.4f}\n" for t, q in zip(labels, P, strict=True)))
    err = run("evaluate", path, code=2).stderr
    assert "--positive no if it is the probability of 'no'" in err
    check(evaluate(path, "--positive", "no"), 1 - Y, np.round(1 - P, 4))


def test_spark_probability_vectors_named_by_the_header_are_split(tmp_path):
    """``predictions.select("label", "probability")``: the named column holds vectors."""
    path = write(tmp_path, "spark.csv", "label,probability\n" + "".join(
        f'{t},"[{1 - q:.4f},{q}]"\n' for t, q in zip(Y, P, strict=True)))
    check(evaluate(path), Y, P)
    assert "--in-memory" in run("evaluate", path, "--streaming", code=2).stderr
    text = write(tmp_path, "spark_text.csv", "label,probability\n" + "".join(
        f'{["cat", "dog"][t]},"[{1 - q:.4f},{q}]"\n' for t, q in zip(Y, P, strict=True)))
    err = run("evaluate", text, code=2).stderr
    assert "class indices" in err
    assert "--prob-col" not in err


def test_a_lone_zero_column_asks_which_class_it_scores(tmp_path):
    """``DataFrame(model.predict(X))`` names a Keras sigmoid ``0``: P(1), not P(0)."""
    path = write(tmp_path, "keras.csv", "label,0\n" + "".join(
        f"{t},{q}\n" for t, q in zip(Y, P, strict=True)))
    err = run("evaluate", path, code=2).stderr
    assert "--positive 1 if it is the probability of 1" in err
    check(evaluate(path, "--positive", "1"), Y, P)


def test_a_headerless_score_in_column_zero_is_not_asked_about(tmp_path):
    path = write(tmp_path, "nh.csv", "".join(f"{q},{t}\n" for t, q in zip(Y, P, strict=True)))
    check(evaluate(path, "--no-header", "--label-col", "1"), Y, P)


def test_whole_numbers_up_to_100_are_never_sent_to_percent_alone(tmp_path):
    # Token counts beside a label: --percent would read them as probabilities.
    counts = tmp_path / "counts.csv"
    counts.write_text("label,n_tokens\n0,3\n1,13\n0,5\n1,7\n0,2\n1,11\n")
    result = CliRunner().invoke(app, ["evaluate", str(counts)])
    assert result.exit_code == 2
    assert "percentages or counts" in result.stderr
    assert "pass --percent if they are percentages" in result.stderr
    assert "--prob-col" in result.stderr
    percent = tmp_path / "percent.csv"
    percent.write_text("label,conf\n0,3.5\n1,73.2\n0,25.1\n1,87\n")
    result = CliRunner().invoke(app, ["evaluate", str(percent)])
    assert result.exit_code == 2
    assert "pass --percent to divide it by 100" in result.stderr


@pytest.mark.parametrize("mode", ["--in-memory", "--streaming"])
def test_float32_overshoot_is_named_with_where_to_clip(tmp_path, mode):
    path = tmp_path / "float32.csv"
    path.write_text("label,prob\n0,0.2\n1,1.0000001\n1,0.7\n0,-0.00000002\n")
    result = CliRunner().invoke(app, ["evaluate", str(path), mode])
    assert result.exit_code == 2
    assert "values outside [0, 1] in 2 of 4 rows" in result.stderr
    assert "float32 rounding" in result.stderr
    assert "numpy.clip(p, 0, 1)" in result.stderr
    assert "--scores" not in result.stderr


def test_predicted_classes_whose_one_hot_matrix_would_not_fit_are_refused(tmp_path,
                                                                           monkeypatch):
    # A column of probabilities taken for predicted classes: each value its own class.
    from clfdiag.io import predictions

    # Its first rows predict the labels, so that some predictions name a label.
    path = tmp_path / "hard.csv"
    path.write_text("label,pred\n0,0\n1,1\n"
                    + "".join(f"{i % 2},0.{i:04d}1\n" for i in range(300)))
    monkeypatch.setattr(predictions, "available_memory", lambda: 1 << 20)
    result = CliRunner().invoke(app, ["evaluate", str(path), "--pred-col", "pred"])
    assert result.exit_code == 2, result.output
    assert "holds 302 classes" in result.output
    assert "--prob-col pred" in result.output
    monkeypatch.setattr(predictions, "available_memory", lambda: 1 << 40)
    assert CliRunner().invoke(app, ["evaluate", str(path), "--pred-col", "pred"]).exit_code == 0


def test_the_one_hot_refusal_quotes_a_column_name_with_spaces(tmp_path, monkeypatch):
    # The hint is typed as written: a name with a space must come quoted after --prob-col.
    from clfdiag.io import predictions

    path = tmp_path / "hard.csv"
    path.write_text("label,my pred\n0,0\n1,1\n"
                    + "".join(f"{i % 2},0.{i:04d}1\n" for i in range(300)))
    monkeypatch.setattr(predictions, "available_memory", lambda: 1 << 20)
    result = CliRunner().invoke(app, ["evaluate", str(path), "--pred-col", "my pred"])
    assert result.exit_code == 2, result.output
    assert "--prob-col 'my pred'" in " ".join(result.output.split())


def test_ids_of_eighteen_digits_written_with_a_zero_fraction_never_round_together(tmp_path):
    # Through float64, 10^17 + 1 and 10^17 are the same number: the ids would pair wrongly.
    base = 10**17
    ids = [base + 64 * k for k in range(6)]
    y = [0, 1, 0, 1, 0, 1]
    a = write(tmp_path, "a.csv", "id,label,prob\n" + "".join(
        f"{i},{t},{v}\n" for i, t, v in zip(ids, y, [.2, .8, .3, .7, .4, .6], strict=True)))
    other = write(tmp_path, "other.csv", "id,label,prob\n" + "".join(
        f"{i + 1}.0,{t},{v}\n" for i, t, v in zip(ids, y, [.9, .1, .8, .2, .7, .3], strict=True)))
    assert "no example in common" in run("compare", a, other, code=2).stderr
    same = write(tmp_path, "same.csv", "id,label,prob\n" + "".join(
        f"{i}.0,{t},{v}\n" for i, t, v in zip(ids, y, [.9, .1, .8, .2, .7, .3], strict=True)))
    rep = json.loads(run("compare", a, same, "--format", "json").stdout)
    assert rep["pairing"]["n"] == 6
    assert rep["b"]["log_loss"] == pytest.approx(
        skm.log_loss(y, [.9, .1, .8, .2, .7, .3]), rel=1e-9)
