"""`clfdiag conformal` through the CLI: JSON and the --sets-out table against a brute-force
reading of the files, every format, the gate and every input error.

The oracle reads the CSV files with the ``csv`` module and computes each definition of
docs/conformal.md one row at a time: the rank order by sorting ``(-p, column)``, cumulative
sums left to right, ``k`` in integer arithmetic from the decimal alpha, ``qhat`` as the k-th
smallest score, and each set by its definition. The files are the bundled split
(``sample_data/make_conformal.py``) and files made from it here.
"""

import csv
import json
import math
import os
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from clfdiag.cli.app import app
from tests.conftest import SAMPLES

CAL = os.path.join(SAMPLES, "conformal", "cal.csv")
TEST = os.path.join(SAMPLES, "conformal", "test.csv")
BINARY = os.path.join(SAMPLES, "binary.csv")
DOCS = os.path.join(os.path.dirname(__file__), "..", "docs", "conformal.md")
UNLABELLED_NOTE = "the test file has no labels"


def invoke(*args):
    return CliRunner().invoke(app, ["conformal", *map(str, args)])


def run_json(*args):
    result = invoke(*args, "-f", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


# --------------------------------------------------------------------------- the oracle

def read_file(path, classes=None):
    """(ids or None, labels or None, probability rows, class names) of a predictions file."""
    header, body = read_csv(path)
    prob = [i for i, h in enumerate(header) if h.startswith("p_") or h == "prob"]
    ids = [r[header.index("id")] for r in body] if "id" in header else None
    labels = [r[header.index("label")] for r in body] if "label" in header else None
    if len(prob) == 1:  # binary: classes (0, 1), probabilities (1 - p, p)
        rows = [[1.0 - float(r[prob[0]]), float(r[prob[0]])] for r in body]
        names = ["0", "1"]
    else:
        rows = [[float(r[i]) for i in prob] for r in body]
        names = [header[i][2:] for i in prob]
    return ids, labels, rows, classes or names


def rank_order(p):
    return sorted(range(len(p)), key=lambda j: (-p[j], j))


def brute_scores(p, method, penalty, kreg):
    """s(x, c) for every class c of one row, by the definitions."""
    order = rank_order(p)
    scores = [0.0] * len(p)
    total = 0.0
    for r, c in enumerate(order, start=1):
        total += p[c]
        if method == "lac":
            scores[c] = 1.0 - p[c]
        elif method == "topk":
            scores[c] = float(r)
        elif method == "raps":
            scores[c] = total + penalty * max(r - kreg, 0)
        else:
            scores[c] = total
    return scores


def brute_k(n, alpha):
    """ceil((n + 1)(1 - alpha)) for the decimal alpha, in integers."""
    num, den = Decimal(alpha).as_integer_ratio()
    return -((-(n + 1) * (den - num)) // den)


def brute_set(p, qhat, method, penalty, kreg):
    if method == "aps-incl":
        chosen, total = [], 0.0
        for c in rank_order(p):
            chosen.append(c)
            total += p[c]
            if total >= qhat:
                break
        return sorted(chosen)
    s = brute_scores(p, "aps" if method == "aps-incl" else method, penalty, kreg)
    return [c for c in range(len(p)) if s[c] <= (qhat[c] if isinstance(qhat, list) else qhat)]


def brute_conformal(cal, test, alpha, method="lac", penalty=0.001, kreg=1, mondrian=False):
    """k, qhat (None for +inf) and the sets, by the definitions."""
    _, cal_labels, cal_p, classes = read_file(cal)
    _, _, test_p, _ = read_file(test)
    calibrate_on = "aps" if method == "aps-incl" else method
    scores = [brute_scores(p, calibrate_on, penalty, kreg)[classes.index(y)]
              for p, y in zip(cal_p, cal_labels, strict=True)]

    def threshold(values):
        k = brute_k(len(values), alpha)
        return k, (sorted(values)[k - 1] if k <= len(values) else math.inf)

    if mondrian:
        per_class = [threshold([s for s, y in zip(scores, cal_labels, strict=True) if y == c])
                     for c in classes]
        qhat = [q for _, q in per_class]
        k = [k for k, _ in per_class]
    else:
        k, qhat = threshold(scores)
    return k, qhat, [brute_set(p, qhat, method, penalty, kreg) for p in test_p], classes


def cells(sets, classes):
    return ["|".join(classes[c] for c in s) for s in sets]


# --------------------------------------------------------------------------- JSON and sets

ALPHAS = ["0.1", "0.05", "0.25", "0.002"]  # 0.002: k = 361 > n = 360


@pytest.mark.parametrize(("method", "extra"), [
    ("lac", []), ("aps", []), ("aps-incl", []), ("topk", []),
    ("raps", ["--raps-penalty", "0.1", "--raps-kreg", "2"])])
def test_json_and_sets_equal_the_definitions(method, extra, tmp_path):
    out = tmp_path / "sets.csv"
    args = [CAL, TEST, *(w for a in ALPHAS for w in ("--alpha", a)), "--method", method, *extra,
            "--sets-out", out]
    report = run_json(*args)
    penalty, kreg = (0.1, 2) if method == "raps" else (0.001, 1)
    ids, labels, _, _ = read_file(TEST)
    header, body = read_csv(out)
    assert header == ["id", "label", "set_a0.1", "set_a0.05", "set_a0.25", "set_a0.002"]
    assert [r[0] for r in body] == ids
    assert [r[1] for r in body] == labels
    assert report["method"] == method
    assert (report["n_calibration"], report["n_test"]) == (360, 359)
    for column, (alpha, entry) in enumerate(zip(ALPHAS, report["results"], strict=True), 2):
        k, qhat, sets, classes = brute_conformal(CAL, TEST, alpha, method, penalty, kreg)
        assert entry["alpha"] == float(alpha)
        assert entry["k"] == k
        assert entry["qhat_infinite"] is (qhat == math.inf)
        if qhat == math.inf:
            assert entry["qhat"] is None
        else:
            # The same float64 sums in the same order: equal but for the last bits at most.
            assert entry["qhat"] == pytest.approx(qhat, rel=0, abs=1e-12)
        assert [r[column] for r in body] == cells(sets, classes)
        n = len(sets)
        sizes = [len(s) for s in sets]
        hits = [classes.index(y) in s for y, s in zip(labels, sets, strict=True)]
        assert entry["coverage"] == sum(hits) / n
        assert entry["mean_size"] == pytest.approx(sum(sizes) / n, rel=1e-15)
        assert entry["empty_share"] == sizes.count(0) / n
        assert entry["singleton_share"] == sizes.count(1) / n
        assert entry["size_histogram"] == {str(s): sizes.count(s) for s in range(11)}
        for c in classes:
            rows = [h for y, h in zip(labels, hits, strict=True) if y == c]
            assert entry["coverage_by_class"][c] == (sum(rows) / len(rows) if rows else None)
        assert entry["coverage_by_size"] == {
            str(s): sum(h for z, h in zip(sizes, hits, strict=True) if z == s) / sizes.count(s)
            for s in sorted(set(sizes))}
    assert any("k = 361 > n = 360" in note for note in report["notes"])


def test_class_conditional_equals_the_definition(tmp_path):
    out = tmp_path / "sets.csv"
    report = run_json(CAL, TEST, "--alpha", "0.1", "--alpha", "0.02", "--class-conditional",
                      "--sets-out", out)
    _, body = read_csv(out)
    for column, (alpha, entry) in enumerate(zip(["0.1", "0.02"], report["results"],
                                                 strict=True), 2):
        k, qhat, sets, classes = brute_conformal(CAL, TEST, alpha, mondrian=True)
        assert (entry["k"], entry["qhat"]) == (None, None)
        assert entry["k_per_class"] == dict(zip(classes, k, strict=True))
        assert entry["qhat_per_class"] == {c: None if q == math.inf else q
                                           for c, q in zip(classes, qhat, strict=True)}
        assert entry["qhat_infinite"] is any(q == math.inf for q in qhat)
        _, cal_labels, _, _ = read_file(CAL)
        assert entry["n_per_class"] == {c: cal_labels.count(c) for c in classes}
        assert [r[column] for r in body] == cells(sets, classes)
    # 0.02 with 28 to 43 rows per class: k_c > n_c for every class, every set is full.
    assert report["results"][1]["qhat_infinite"] is True


def test_binary_files_work_as_two_classes(tmp_path):
    header, body = read_csv(BINARY)
    cal, test = tmp_path / "cal.csv", tmp_path / "test.csv"
    for path, rows in ((cal, body[:120]), (test, body[120:])):
        with open(path, "w", newline="") as f:
            csv.writer(f).writerows([header, *rows])
    out = tmp_path / "sets.csv"
    report = run_json(cal, test, "--alpha", "0.1", "--alpha", "0.3", "--sets-out", out)
    assert report["classes"] == ["0", "1"]
    _, sets_body = read_csv(out)
    for column, (alpha, entry) in enumerate(zip(["0.1", "0.3"], report["results"],
                                                 strict=True), 2):
        k, qhat, sets, classes = brute_conformal(cal, test, alpha)
        assert (entry["k"], entry["qhat"]) == (k, qhat)
        assert [r[column] for r in sets_body] == cells(sets, classes)
        assert entry["size_histogram"] == {str(s): [len(x) for x in sets].count(s)
                                           for s in range(3)}


def without_columns(source, target, drop, rows=None):
    header, body = read_csv(source)
    keep = [i for i, h in enumerate(header) if h not in drop]
    with open(target, "w", newline="") as f:
        csv.writer(f).writerows([[header[i] for i in keep],
                                 *([r[i] for i in keep] for r in body[:rows])])
    return target


def test_unlabelled_test_file_without_ids_gets_row_numbers(tmp_path):
    test = without_columns(TEST, tmp_path / "test.csv", {"id", "label"}, rows=50)
    out = tmp_path / "sets.parquet"
    report = run_json(CAL, test, "--alpha", "0.1", "--sets-out", out)
    entry = report["results"][0]
    for key in ("coverage", "coverage_by_class", "coverage_by_size", "undercoverage"):
        assert entry[key] is None
        assert entry["undefined"][key] == UNLABELLED_NOTE
    assert entry["mean_size"] is not None
    assert report["inputs"]["test"]["label_column"] is None
    table = pq.read_table(out)
    assert table.column_names == ["id", "set_a0.1"]
    assert table.column("id").to_pylist() == list(range(50))
    assert str(table.schema.field("set_a0.1").type) == "string"
    _, _, sets, classes = brute_conformal(CAL, test, "0.1")
    assert table.column("set_a0.1").to_pylist() == cells(sets, classes)


def test_ids_are_copied_as_written(tmp_path):
    header, body = read_csv(TEST)
    test = tmp_path / "test.csv"
    with open(test, "w", newline="") as f:
        csv.writer(f).writerows([header, *([f"{i:03d}", *r[1:]] for i, r in
                                           enumerate(body[:5]))])
    out = tmp_path / "sets.csv"
    run_json(CAL, test, "--sets-out", out)
    _, sets_body = read_csv(out)
    assert [r[0] for r in sets_body] == ["000", "001", "002", "003", "004"]


def test_alpha_is_read_as_written_and_named_by_its_shortest_repr(tmp_path):
    out = tmp_path / "sets.csv"
    report = run_json(CAL, TEST, "--alpha", "0.10", "--alpha", "0.050", "--sets-out", out)
    assert [e["alpha"] for e in report["results"]] == [0.1, 0.05]
    assert read_csv(out)[0][2:] == ["set_a0.1", "set_a0.05"]


def test_randomised_sets_are_seeded():
    first = run_json(CAL, TEST, "--method", "aps", "--randomized", "--seed", "5")
    again = run_json(CAL, TEST, "--method", "aps", "--randomized", "--seed", "5")
    assert first == again
    assert (first["randomized"], first["seed"]) == (True, 5)


# --------------------------------------------------------------------------- formats

def test_table_shows_a_line_per_alpha():
    result = invoke(CAL, TEST, "--alpha", "0.1", "--alpha", "0.002")
    assert result.exit_code == 0, result.output
    report = run_json(CAL, TEST, "--alpha", "0.1", "--alpha", "0.002")
    first = report["results"][0]
    assert (f"alpha 0.10: coverage {first['coverage']:.3f} (target >= 0.90), mean size "
            f"{first['mean_size']:.2f}, empty {100 * first['empty_share']:.1f}%") in result.stdout
    assert "alpha 0.002: coverage 1.000 (target >= 0.998)" in result.stdout
    assert "Set sizes" in result.stdout
    assert "Worst-covered classes" in result.stdout
    assert "+inf (k > n: every class)" in result.stdout


def test_csv_markdown_and_html():
    report = run_json(CAL, TEST, "--alpha", "0.1", "--alpha", "0.05")
    result = invoke(CAL, TEST, "--alpha", "0.1", "--alpha", "0.05", "-f", "csv")
    assert result.exit_code == 0, result.output
    header, *rows = list(csv.reader(result.stdout.splitlines()))
    assert header[:3] == ["alpha", "k", "qhat"]
    assert [float(r[0]) for r in rows] == [0.1, 0.05]
    assert [int(r[1]) for r in rows] == [e["k"] for e in report["results"]]
    assert [float(r[2]) for r in rows] == [e["qhat"] for e in report["results"]]
    markdown = invoke(CAL, TEST, "-f", "markdown")
    assert markdown.exit_code == 0, markdown.output
    assert markdown.stdout.startswith("## clfdiag conformal")
    assert "| size |" in markdown.stdout
    html = invoke(CAL, TEST, "-f", "html")
    assert html.exit_code == 0, html.output
    assert "<html" in html.stdout
    assert "Worst-covered classes" in html.stdout


def test_plot_writes_both_figures(tmp_path):
    pytest.importorskip("matplotlib")
    result = invoke(CAL, TEST, "--alpha", "0.1", "--alpha", "0.05", "--plot", tmp_path / "fig",
                    "-f", "json")
    assert result.exit_code == 0, result.output
    names = sorted(os.listdir(tmp_path / "fig"))
    assert names == ["conformal_coverage.png", "conformal_coverage.svg",
                     "conformal_size.png", "conformal_size.svg"]


def test_the_sets_shown_on_the_docs_page_are_real(tmp_path):
    with open(DOCS, encoding="utf-8") as f:
        page = f.read()
    block = page.split("```csv\n", 1)[1].split("```", 1)[0].splitlines()
    out = tmp_path / "sets.csv"
    run_json(CAL, TEST, "--alpha", "0.1", "--alpha", "0.02", "--sets-out", out)
    with open(out, encoding="utf-8") as f:
        assert f.read().splitlines()[:len(block)] == block


# --------------------------------------------------------------------------- the gate

def test_undercoverage_gate(tmp_path):
    passed = invoke(CAL, TEST, "--alpha", "0.1", "--fail-on", "undercoverage", "-f", "json")
    assert passed.exit_code == 0, passed.output
    assert json.loads(passed.stdout)["gates"][0]["passed"] is True
    # Labels shifted by one row: the sets no longer hold them.
    header, body = read_csv(TEST)
    label = header.index("label")
    wrong = tmp_path / "wrong.csv"
    with open(wrong, "w", newline="") as f:
        csv.writer(f).writerows([header, *([*r[:label], body[i - 1][label], *r[label + 1:]]
                                           for i, r in enumerate(body))])
    failed = invoke(CAL, wrong, "--alpha", "0.1", "--fail-on", "undercoverage", "-f", "json")
    assert failed.exit_code == 1, failed.output
    report = json.loads(failed.stdout)
    assert report["results"][0]["undercoverage"]["undercovered"] is True
    assert report["gates"][0]["passed"] is False
    assert "gate failed" in failed.stderr
    assert "alpha 0.1" in failed.stderr


def test_undercoverage_gate_message_keeps_the_side_of_the_coverage():
    # At a significance above the p-value the test fails although the coverage (0.9053)
    # is above the target 0.9: the message must not say it is below.
    failed = invoke(CAL, TEST, "--alpha", "0.1", "--fail-on", "undercoverage",
                    "--significance", "0.7", "-f", "json")
    assert failed.exit_code == 1, failed.output
    message = json.loads(failed.stdout)["gates"][0]["message"]
    assert "coverage 0.9053 >= 0.9 (p = 0.656 < 0.7)" in message
    assert "0.9053 < 0.9" not in failed.stderr


# --------------------------------------------------------------------------- input errors

def assert_refused(result, *words):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output


def test_different_class_columns_name_both_files(tmp_path):
    header, body = read_csv(without_columns(TEST, tmp_path / "test.csv", {"label"}))
    other = tmp_path / "renamed.csv"
    with open(other, "w", newline="") as f:
        csv.writer(f).writerows([[h.replace("p_9", "p_nine") for h in header], *body])
    assert_refused(invoke(CAL, other), str(other), CAL, "class columns")


def test_weights_are_refused_with_the_reason(tmp_path):
    header, body = read_csv(CAL)
    weighted = tmp_path / "weighted.csv"
    with open(weighted, "w", newline="") as f:
        csv.writer(f).writerows([[*header, "w"], *([*r, "1"] for r in body)])
    assert_refused(invoke(weighted, TEST, "--weight-col", "w"), "--weight-col",
                   "sample weights")


def test_scores_and_hard_predictions_are_refused(tmp_path):
    assert_refused(invoke(BINARY, BINARY, "--scores"), "--scores", "probabilities")
    hard = tmp_path / "hard.csv"
    with open(hard, "w", newline="") as f:
        csv.writer(f).writerows([["label", "pred"], *([str(i % 2), str(i % 3 % 2)]
                                                       for i in range(20))])
    assert_refused(invoke(hard, hard, "--pred-col", "pred"), "hard predictions")


@pytest.mark.parametrize(("args", "words"), [
    (["--alpha", "0"], ["--alpha 0"]),
    (["--alpha", "1"], ["--alpha 1"]),
    (["--alpha", "abc"], ["--alpha abc", "not a number"]),
    (["--alpha", "0.1", "--alpha", "0.10"], ["--alpha", "more than once"]),
    (["--method", "aps", "--class-conditional"], ["--class-conditional"]),
    (["--method", "lac", "--randomized"], ["--randomized"]),
    (["--method", "nope"], ["--method"]),
    (["--significance", "1.5"], ["--significance"]),
    (["--raps-kreg", "-1"], ["--raps-kreg"]),
    (["--fail-on", "regression"], ["--fail-on"]),
])
def test_bad_options_are_refused(args, words):
    assert_refused(invoke(CAL, TEST, *args), *words)


def test_undercoverage_gate_needs_test_labels(tmp_path):
    test = without_columns(TEST, tmp_path / "test.csv", {"label"}, rows=20)
    assert_refused(invoke(CAL, test, "--fail-on", "undercoverage"), "--fail-on", str(test),
                   "no labels")


def test_calibration_file_needs_labels(tmp_path):
    cal = without_columns(CAL, tmp_path / "cal.csv", {"label"})
    assert_refused(invoke(cal, TEST), str(cal), "label")


def test_sets_out_is_checked_before_any_work(tmp_path):
    assert_refused(invoke(CAL, TEST, "--sets-out", tmp_path / "sets.csv.gz"), "--sets-out",
                   "uncompressed")
    assert_refused(invoke(CAL, TEST, "--sets-out", TEST), TEST)


# --------------------------------------------------------------------------- other inputs

def test_labels_file_gives_the_calibration_labels(tmp_path):
    _, body = read_csv(CAL)
    labels = tmp_path / "labels.csv"
    with open(labels, "w", newline="") as f:
        csv.writer(f).writerows([["id", "label"], *([r[0], r[1]] for r in body)])
    cal = without_columns(CAL, tmp_path / "cal.csv", {"label"})
    joined = run_json(cal, TEST, "--labels", labels, "--alpha", "0.1")
    direct = run_json(CAL, TEST, "--alpha", "0.1")
    assert joined["results"] == direct["results"]
    assert joined["inputs"]["calibration"]["labels_file"] == str(labels)


def test_logits_are_turned_into_probabilities(tmp_path):
    logits = os.path.join(SAMPLES, "ood", "digits_logits.csv")
    header, body = read_csv(logits)
    cal, test = tmp_path / "cal.csv", tmp_path / "test.csv"
    for path, rows in ((cal, body[:200]), (test, body[200:])):
        with open(path, "w", newline="") as f:
            csv.writer(f).writerows([header, *rows])
    report = run_json(cal, test, "--logits", "--alpha", "0.1")
    assert report["inputs"]["calibration"]["transform"] == "logits"
    assert report["results"][0]["k"] == brute_k(200, "0.1")


def test_the_python_api_reads_alphas_exactly_and_refuses_weights():
    import numpy as np

    import clfdiag
    from clfdiag.errors import ClfdiagError

    cal = clfdiag.read_predictions(CAL)
    test = clfdiag.read_predictions(TEST)
    report = clfdiag.conformal(cal, test, alpha=[0.1, "0.05"])
    assert [e["k"] for e in report["results"]] == [brute_k(360, "0.1"), brute_k(360, "0.05")]
    with pytest.raises(ClfdiagError, match="more than once"):
        clfdiag.conformal(cal, test, alpha=["0.1", 0.1])
    import dataclasses

    weighted = dataclasses.replace(cal, weights=np.ones(len(cal)))
    with pytest.raises(ClfdiagError, match="sample weights"):
        clfdiag.conformal(weighted, test)
