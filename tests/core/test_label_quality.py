"""Confident learning against cleanlab 2.9.0, the reference implementation.

cleanlab breaks exact ties with numpy's default (unstable) argsort, so among
tied values its choice is unspecified. Two comparisons follow from that:

- with cleanlab's sorts made stable (``stable_ties``: its ``np.argsort`` gets
  ``kind="stable"``), ties go to the earlier example, the rule clfdiag
  documents, and every flagged set, ranking and integer must be equal;
- with cleanlab as shipped, flagged sets are equal on inputs without ties,
  rankings are equal up to the order inside runs of tied scores, and the
  integers of the calibrated confident joint differ at most by moving one
  count between entries with equal remainders.
"""

import contextlib
import warnings
from pathlib import Path
from unittest import mock

import cleanlab.filter
import cleanlab.internal.util
import cleanlab.rank
import numpy as np
import pandas as pd
import pytest
from cleanlab import count, dataset, rank
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from clfdiag.core import label_quality as lq

SAMPLES = Path(__file__).parents[2] / "sample_data"
# Scores are elementwise arithmetic on the same floats in the same order as cleanlab's;
# only the entropy's row sum may associate differently: 1e-12 bounds that many ulps of 1.
SCORE_TOL = 1e-12
# Probabilities on a coarse grid make ties in p, in margins and in scores common.
GRID = [0.0, 0.1, 0.2, 0.25, 0.5, 1.0]


class _StableNumpy:
    """numpy, except that ``argsort`` is stable: ties keep the earlier position."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def argsort(a, *args, **kwargs):
        kwargs.setdefault("kind", "stable")
        return np.argsort(a, *args, **kwargs)


@contextlib.contextmanager
def stable_ties():
    """Run cleanlab with its ties broken in example order (see the module docstring)."""
    with contextlib.ExitStack() as stack:
        for module in (cleanlab.filter, cleanlab.rank, cleanlab.internal.util):
            stack.enter_context(mock.patch.object(module, "np", _StableNumpy()))
        yield


def quietly(function, *args, **kwargs):
    """cleanlab warns about small classes; pytest makes warnings errors, these are expected."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def cl_name(name):
    return name.replace("-", "_")


@st.composite
def label_problems(draw, min_k=2, max_k=12, max_size=60):
    """Given labels (at least two distinct, as cleanlab requires) and (n, K) probabilities."""
    k = draw(st.integers(min_k, max_k))
    n = draw(st.integers(2, max_size))
    y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, k - 1)))
    if y.min() == y.max():
        y[0] = (y[0] + 1) % k
    values = st.one_of(st.sampled_from(GRID), st.floats(0.0, 1.0))
    raw = draw(hnp.arrays(np.float64, (n, k), elements=values))
    raw[raw.sum(axis=1) == 0, 0] = 1.0
    return y, raw / raw.sum(axis=1, keepdims=True)


def tie_free(y, proba):
    """Whether no sort inside cleanlab's filters meets a tie.

    Distinct values in every column are not enough: pruning by noise rate sorts the
    examples of class k by ``p_j - p_k``, and two examples with ``p_j == p_k`` tie at 0;
    the ``low-*`` filters sort all examples by self-confidence and normalized margin; and
    the calibrated confident joint, which sets how many examples are pruned, is rounded by
    sorting remainders, where equal remainders are common (every whole entry has 0): the
    rounding met no tie that matters when it gives cleanlab's integers.
    """
    calibrated = quietly(count.compute_confident_joint, y, proba)
    if not np.array_equal(lq.compute_confident_joint(y, proba).calibrated, calibrated):
        return False
    if any(np.unique(proba[:, k]).size != proba.shape[0] for k in range(proba.shape[1])):
        return False
    margins = lq.normalized_margin(y, proba)
    if np.unique(margins).size != margins.size:
        return False
    for c in np.unique(y):
        rows = proba[y == c]
        differences = np.delete(rows - rows[:, [c]], c, axis=1)
        if any(np.unique(column).size != column.size for column in differences.T):
            return False
    return True


def fixture_problems():
    """Hand-made inputs: 2, 3 and 12 classes, an unpredicted class, an unlabelled class, ties."""
    rng = np.random.default_rng(24)
    binary_p = np.array([0.0, 0.1, 0.5, 0.5, 0.9, 1.0, 0.3, 0.7, 0.5, 0.2])
    binary_y = np.array([0, 0, 1, 0, 1, 1, 1, 0, 1, 0])
    three = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.5, 0.5, 0.0],
                      [0.6, 0.3, 0.1], [0.1, 0.1, 0.8], [0.4, 0.4, 0.2], [1.0, 0.0, 0.0],
                      [0.3, 0.6, 0.1], [0.0, 0.0, 1.0]])
    three_y = np.array([0, 1, 2, 1, 1, 2, 0, 2, 0, 2])
    # Class 2 is never the argmax; class 1 labels no example.
    never = np.array([[0.6, 0.1, 0.3], [0.2, 0.5, 0.3], [0.7, 0.0, 0.3], [0.3, 0.4, 0.3],
                      [0.5, 0.2, 0.3], [0.1, 0.6, 0.3]])
    never_y = np.array([0, 2, 0, 2, 2, 0])
    k = 12
    noisy_y = rng.integers(0, k, 300)
    noisy = rng.dirichlet(np.full(k, 0.3), 300)
    noisy[np.arange(300), noisy_y] += rng.uniform(0, 2, 300)
    noisy = np.round(noisy / noisy.sum(axis=1, keepdims=True), 2)
    noisy /= noisy.sum(axis=1, keepdims=True)
    return {
        "binary": (binary_y, np.column_stack((1 - binary_p, binary_p))),
        "three": (three_y, three),
        "unpredicted-and-unlabelled": (never_y, never),
        "twelve-rounded": (noisy_y, noisy),
    }


FIXTURES = fixture_problems()


def assert_matches_cleanlab(y, proba):
    """Every quantity of :func:`lq.label_issues` equals cleanlab's, ties broken in example order."""
    with stable_ties():
        for filter_by in lq.FILTERS:
            ours = lq.label_issues(y, proba, filter_by=filter_by)
            theirs = quietly(cleanlab.filter.find_label_issues, y, proba,
                             filter_by=cl_name(filter_by), n_jobs=1)
            np.testing.assert_array_equal(ours.is_issue, theirs, err_msg=filter_by)
        for rank_by in lq.RANK_BY:
            for adjust in (False, True) if rank_by != "confidence-weighted-entropy" else (False,):
                ours = lq.label_issues(y, proba, rank_by=rank_by, adjust_pred_probs=adjust)
                theirs = quietly(cleanlab.filter.find_label_issues, y, proba, n_jobs=1,
                                 return_indices_ranked_by=cl_name(rank_by),
                                 rank_by_kwargs={"adjust_pred_probs": adjust})
                scores = rank.get_label_quality_scores(
                    y, proba, method=cl_name(rank_by), adjust_pred_probs=adjust)
                np.testing.assert_allclose(ours.quality, scores, rtol=0, atol=SCORE_TOL)
                # Exact ties keep example order in both; scores a few ulps apart (sums of
                # the same terms in another order) may be ranked either way.
                assert_same_up_to_ties(ours.ranked, theirs, ours.quality, tol=SCORE_TOL)
        calibrated = quietly(count.compute_confident_joint, y, proba)
        result = lq.label_issues(y, proba)
        cj = result.confident_joint
        np.testing.assert_allclose(cj.thresholds, count.get_confident_thresholds(y, proba),
                                   rtol=0, atol=SCORE_TOL)
        np.testing.assert_array_equal(
            cj.raw, quietly(count.compute_confident_joint, y, proba, calibrate=False))
        np.testing.assert_array_equal(cj.calibrated, calibrated)
        prior, noise, inverse = count.estimate_latent(calibrated, y)
        # Divisions of small integers and one renormalisation: a few ulps.
        np.testing.assert_allclose(result.latent.prior_true, prior, rtol=0, atol=SCORE_TOL)
        np.testing.assert_allclose(result.latent.noise_matrix, noise, rtol=0, atol=SCORE_TOL)
        np.testing.assert_allclose(result.latent.inverse_noise_matrix, inverse, rtol=0,
                                   atol=SCORE_TOL)
        assert result.num_issues_off_diagonal == quietly(count.num_label_issues, y, proba)
        assert result.num_issues_off_diagonal_calibrated == quietly(
            count.num_label_issues, y, proba, estimation_method="off_diagonal_calibrated")
        assert result.label_health_score == pytest.approx(
            quietly(dataset.overall_label_health_score, y, proba, verbose=False), abs=1e-15)
        assert_class_quality_matches(result.class_quality, y, proba)


def assert_class_quality_matches(quality, y, proba):
    table = quietly(dataset.rank_classes_by_label_quality, y, proba)
    by_class = table.sort_values("Class Index")
    np.testing.assert_array_equal(quality.label_issues, by_class["Label Issues"].to_numpy())
    np.testing.assert_allclose(quality.label_noise, by_class["Label Noise"].to_numpy(),
                               rtol=0, atol=SCORE_TOL)
    np.testing.assert_allclose(quality.label_quality,
                               by_class["Label Quality Score"].to_numpy(), rtol=0,
                               atol=SCORE_TOL)
    # pandas' sort among tied qualities is unspecified: compare the runs of ties as sets.
    assert_same_up_to_ties(quality.order, table["Class Index"].to_numpy(),
                           quality.label_quality)
    assert np.all(np.diff(quality.label_quality[quality.order]) >= 0)


def assert_same_up_to_ties(ours, theirs, scores, tol=0.0):
    """Same sequence of examples, except in any order inside a run of equal scores.

    ``tol``: scores this close count as equal. Two sums of the same terms in another
    order differ by ulps, and such a pair is ranked by its rounding.
    """
    assert len(ours) == len(theirs)
    np.testing.assert_allclose(scores[ours], scores[theirs], rtol=0, atol=tol)
    values = scores[ours]
    start = 0
    for end in range(1, len(values) + 1):
        if end == len(values) or abs(values[end] - values[end - 1]) > tol:
            assert set(ours[start:end]) == set(theirs[start:end])
            start = end


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixtures_match_cleanlab(name):
    assert_matches_cleanlab(*FIXTURES[name])


@given(label_problems())
def test_matches_cleanlab_with_ties_in_example_order(problem):
    assert_matches_cleanlab(*problem)


@given(label_problems(min_k=10, max_k=14, max_size=120))
def test_matches_cleanlab_with_many_classes(problem):
    assert_matches_cleanlab(*problem)


@st.composite
def continuous_problems(draw, max_k=12, max_size=60):
    """Labels and Dirichlet probabilities from a drawn seed: ties have probability zero."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    k = draw(st.integers(2, max_k))
    n = draw(st.integers(2, max_size))
    y = rng.integers(0, k, n)
    if y.min() == y.max():
        y[0] = (y[0] + 1) % k
    proba = rng.dirichlet(np.full(k, draw(st.sampled_from([0.3, 1.0, 3.0]))), n)
    # Mostly right, as a trained model is, so that every filter has work to do.
    proba[np.arange(n), y] += rng.uniform(0, 1, n)
    return y, proba / proba.sum(axis=1, keepdims=True)


@given(continuous_problems())
def test_flagged_sets_equal_shipped_cleanlab_without_ties(problem):
    y, proba = problem
    assume(tie_free(y, proba))
    for filter_by in lq.FILTERS:
        theirs = quietly(cleanlab.filter.find_label_issues, y, proba,
                         filter_by=cl_name(filter_by), n_jobs=1)
        np.testing.assert_array_equal(lq.find_label_issues(y, proba, filter_by), theirs,
                                      err_msg=filter_by)


@given(label_problems())
def test_rankings_equal_shipped_cleanlab_up_to_ties(problem):
    y, proba = problem
    for rank_by in lq.RANK_BY:
        ours = lq.label_issues(y, proba, filter_by="confident-learning", rank_by=rank_by)
        # confident-learning flags no example by a sort, so only the order can differ.
        theirs = quietly(cleanlab.filter.find_label_issues, y, proba, n_jobs=1,
                         filter_by="confident_learning",
                         return_indices_ranked_by=cl_name(rank_by))
        assert_same_up_to_ties(ours.ranked, theirs, ours.quality)


@given(label_problems())
def test_calibrated_joint_equals_shipped_cleanlab_up_to_tied_remainders(problem):
    y, proba = problem
    ours = lq.compute_confident_joint(y, proba).calibrated
    theirs = quietly(count.compute_confident_joint, y, proba)
    np.testing.assert_array_equal(ours.sum(axis=1), theirs.sum(axis=1))
    assert np.abs(ours - theirs).max() <= 1


def brute_confident_joint(y, proba):
    """The definition read literally: one example at a time."""
    n, k = proba.shape
    thresholds = np.array([max(np.mean(proba[y == c, c]), 2e-6) if np.any(y == c) else 2.0
                           for c in range(k)])
    raw = np.zeros((k, k), dtype=np.int64)
    for i in range(n):
        confident = [c for c in range(k) if proba[i, c] >= thresholds[c] - 1e-6]
        if len(confident) == 1:
            raw[y[i], confident[0]] += 1
        elif confident:
            raw[y[i], int(np.argmax(proba[i]))] += 1
    for c in range(k):
        raw[c, c] = max(raw[c, c], 1)
    return raw


@given(label_problems())
def test_raw_joint_equals_the_definition_read_literally(problem):
    y, proba = problem
    np.testing.assert_array_equal(lq.compute_confident_joint(y, proba).raw,
                                  brute_confident_joint(y, proba))


@given(label_problems())
def test_calibrated_rows_sum_to_label_counts_and_matrices_are_stochastic(problem):
    y, proba = problem
    result = lq.label_issues(y, proba)
    counts = np.bincount(y, minlength=proba.shape[1])
    np.testing.assert_array_equal(result.confident_joint.calibrated.sum(axis=1), counts)
    assert result.confident_joint.calibrated.sum() == len(y)
    for matrix in (result.latent.noise_matrix, result.latent.inverse_noise_matrix):
        columns = matrix.sum(axis=0)
        # A column is all zero only when its class has no confident example at all.
        assert np.all((np.abs(columns - 1) < 1e-12) | (columns == 0))
    assert result.latent.prior_true.sum() == pytest.approx(1.0, abs=1e-12)


@given(label_problems(), st.sampled_from(lq.FILTERS), st.sampled_from(lq.RANK_BY),
       st.booleans())
def test_rank_by_and_adjustment_change_only_the_order(problem, filter_by, rank_by, adjust):
    y, proba = problem
    adjust = adjust and rank_by != "confidence-weighted-entropy"
    plain = lq.label_issues(y, proba, filter_by=filter_by)
    ranked = lq.label_issues(y, proba, filter_by=filter_by, rank_by=rank_by,
                             adjust_pred_probs=adjust)
    np.testing.assert_array_equal(plain.is_issue, ranked.is_issue)
    assert set(ranked.ranked) == set(np.flatnonzero(plain.is_issue))
    assert np.all(np.diff(ranked.quality[ranked.ranked]) >= 0)


def test_one_given_class_matches_cleanlab_where_cleanlab_allows_it():
    # cleanlab accepts a single given class only when it is class 0, and only in
    # find_label_issues with the pruning filters and confident-learning (the others
    # validate the labels again and refuse it).
    y, proba = np.zeros(6, np.int64), FIXTURES["three"][1][:6]
    with stable_ties():
        for filter_by in lq.FILTERS[:4]:
            theirs = quietly(cleanlab.filter.find_label_issues, y, proba,
                             filter_by=cl_name(filter_by), n_jobs=1)
            np.testing.assert_array_equal(lq.find_label_issues(y, proba, filter_by), theirs)
    result = lq.label_issues(y, proba)
    np.testing.assert_array_equal(result.confident_joint.calibrated.sum(axis=1), [6, 0, 0])
    assert result.label_health_score == 1 - result.num_issues_off_diagonal / 6


def test_binary_vector_is_read_as_two_columns():
    y, proba = FIXTURES["binary"]
    by_vector = lq.label_issues(y, proba[:, 1], filter_by="both")
    by_matrix = lq.label_issues(y, proba, filter_by="both")
    np.testing.assert_array_equal(by_vector.is_issue, by_matrix.is_issue)
    np.testing.assert_array_equal(by_vector.confident_joint.calibrated,
                                  by_matrix.confident_joint.calibrated)


def test_adjusted_entropy_is_refused_as_cleanlab_does():
    y, proba = FIXTURES["three"]
    with pytest.raises(ValueError, match="confidence-weighted-entropy"):
        lq.label_issues(y, proba, rank_by="confidence-weighted-entropy", adjust_pred_probs=True)
    with pytest.raises(ValueError, match="adjust_pred_probs"):
        rank.get_label_quality_scores(y, proba, method="confidence_weighted_entropy",
                                      adjust_pred_probs=True)


def test_unknown_filter_and_empty_input_are_refused():
    y, proba = FIXTURES["three"]
    with pytest.raises(ValueError, match="unknown filter"):
        lq.label_issues(y, proba, filter_by="prune_by_noise_rate")
    with pytest.raises(ValueError, match="at least one example"):
        lq.label_issues(y[:0], proba[:0])


@given(hnp.arrays(np.int64, st.tuples(st.integers(2, 8)).map(lambda t: (t[0], t[0])),
                  elements=st.sampled_from([0, 0, 1, 2, 3, 7, 40])))
def test_prune_counts_match_cleanlab_including_empty_diagonals(calibrated):
    # Calibrated joints rarely have a zero diagonal; arbitrary counts exercise the
    # increase taken from the off-diagonal entries and cleanlab's truncation.
    theirs = cleanlab.filter._keep_at_least_n_per_class(calibrated.T, 1).T
    np.testing.assert_array_equal(lq.keep_at_least_one_per_class(calibrated), theirs)


def test_round_preserving_row_totals_matches_cleanlab_on_tied_remainders():
    rows = np.array([[0.8, 0.8, 0.8, 0.8, 0.8, 0.0], [2.5, 0.5, 1.0, 0.0, 0.0, 0.0],
                     [1 / 3, 1 / 3, 1 / 3, 0.0, 0.0, 0.0]])
    with stable_ties():
        theirs = cleanlab.internal.util.round_preserving_row_totals(rows)
    np.testing.assert_array_equal(lq.round_preserving_row_totals(rows), theirs)
    np.testing.assert_array_equal(lq.round_preserving_row_totals(rows).sum(axis=1),
                                  np.round(rows.sum(axis=1)))


def test_planted_label_errors_are_mostly_found():
    table = pd.read_csv(SAMPLES / "label_issues.csv")
    planted = set(pd.read_csv(SAMPLES / "label_issues_planted.csv")["id"])
    proba = table[[f"p_{k}" for k in range(10)]].to_numpy()
    result = lq.label_issues(table["label"].to_numpy(), proba)
    flagged = set(table["id"][result.is_issue])
    assert len(flagged & planted) >= 0.7 * len(planted)
    # Most of what is flagged was planted: the rest are digits a person may also misread.
    assert len(flagged & planted) >= 0.7 * len(flagged)
