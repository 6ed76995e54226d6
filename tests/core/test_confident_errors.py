"""The overconfident errors one flag each, and how many of them confident learning flags."""

import warnings

import cleanlab.filter
import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from clfdiag.core.evaluation import evaluate_predictions
from clfdiag.core.label_quality import issues_among
from clfdiag.core.ood import as_class_matrix
from clfdiag.core.overconfidence import confident_errors
from tests.core.test_label_quality import continuous_problems, label_problems, tie_free
from tests.strategies import binary_problems, multiclass_problems

THRESHOLDS = st.sampled_from([0.5, 0.0, 0.3, 0.9, 1.0])
MIN_CONFIDENCE = st.sampled_from([0.0, 0.5, 0.9, 1.0])


def brute_confident_errors(y, proba, threshold, min_confidence):
    """One example at a time: the predicted class, its probability, wrong and sure."""
    out = []
    for label, p in zip(y, proba, strict=True):
        if np.ndim(p) == 0:
            predicted = 1 if p >= threshold else 0
            confidence = p if predicted == 1 else 1.0 - p
        else:
            predicted = int(np.argmax(p))
            confidence = p[predicted]
        out.append(predicted != label and confidence >= min_confidence)
    return np.array(out, dtype=bool)


@given(binary_problems(), THRESHOLDS, MIN_CONFIDENCE)
def test_binary_flags_are_the_errors_evaluate_counts(problem, threshold, min_confidence):
    y, p = problem
    flags = confident_errors(y, p, threshold=threshold, min_confidence=min_confidence)
    np.testing.assert_array_equal(flags, brute_confident_errors(y, p, threshold, min_confidence))
    ev = evaluate_predictions(y, p, threshold=threshold, min_confidence=min_confidence, top=0)
    assert int(flags.sum()) == ev.overconfident.count


@given(multiclass_problems(), MIN_CONFIDENCE)
def test_multiclass_flags_are_the_errors_evaluate_counts(problem, min_confidence):
    y, p = problem
    flags = confident_errors(y, p, min_confidence=min_confidence)
    np.testing.assert_array_equal(flags, brute_confident_errors(y, p, 0.5, min_confidence))
    ev = evaluate_predictions(y, p, min_confidence=min_confidence, top=0)
    assert int(flags.sum()) == ev.overconfident.count


def cleanlab_flags(y, proba):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cleanlab warns about small classes
        return cleanlab.filter.find_label_issues(y, as_class_matrix(proba), n_jobs=1)


@given(continuous_problems(), st.data())
def test_issues_among_counts_cleanlabs_flags_inside_the_mask(problem, data):
    y, proba = problem
    assume(tie_free(y, proba))  # cleanlab's choice among ties is unspecified
    among = np.array(data.draw(st.lists(st.booleans(), min_size=y.size, max_size=y.size)))
    assert issues_among(y, proba, among) == int(np.count_nonzero(cleanlab_flags(y, proba)
                                                                 & among))


@given(label_problems())
def test_nothing_to_count_without_examples_in_the_mask(problem):
    y, proba = problem
    assert issues_among(y, proba, np.zeros(y.size, dtype=bool)) == 0


@given(binary_problems(), st.data())
def test_binary_issues_among_equals_the_two_column_matrix(problem, data):
    # Ties, probabilities 0 and 1 and a single class included: the positive-class
    # path must flag exactly what the general path flags on [1 - p, p].
    y, p = problem
    among = np.array(data.draw(st.lists(st.booleans(), min_size=y.size, max_size=y.size)))
    assert issues_among(y.astype(np.int8), p, among) == issues_among(y, as_class_matrix(p),
                                                                    among)


@given(st.integers(0, 2**32 - 1), st.integers(2, 300))
def test_binary_issues_among_counts_cleanlabs_flags(seed, n):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[0] = 1 - y[1]  # cleanlab needs both classes
    p = np.clip(rng.beta(2, 2, n) * 0.6 + 0.4 * y, 0.0, 1.0)
    assume(tie_free(y, as_class_matrix(p)))
    among = rng.random(n) < 0.5
    assert issues_among(y, p, among) == int(np.count_nonzero(cleanlab_flags(y, p) & among))


@given(binary_problems(), THRESHOLDS, MIN_CONFIDENCE)
def test_binary_issues_among_the_confident_errors_equal_the_two_column_matrix(
        problem, threshold, min_confidence):
    # The mask evaluate passes: the most confident errors, which mostly lie within
    # the flagged margins (counted without a partition), sometimes not.
    y, p = problem
    among = confident_errors(y, p, threshold=threshold, min_confidence=min_confidence)
    assert issues_among(y.astype(np.int8), p, among) == issues_among(y, as_class_matrix(p),
                                                                    among)


@given(multiclass_problems(), st.data())
def test_issues_among_equals_the_flags_of_the_whole_filter(problem, data):
    # With ties (cleanlab's own choice among them is unspecified): counting only the
    # classes that hold a marked example flags exactly what the whole filter flags.
    from clfdiag.core.label_quality import find_label_issues

    y, proba = problem
    among = (confident_errors(y, proba, min_confidence=data.draw(MIN_CONFIDENCE))
             if data.draw(st.booleans()) else
             np.array(data.draw(st.lists(st.booleans(), min_size=y.size, max_size=y.size))))
    assert issues_among(y, proba, among) == int(np.count_nonzero(find_label_issues(y, proba)
                                                                 & among))


@given(binary_problems(), multiclass_problems(), THRESHOLDS, MIN_CONFIDENCE,
       st.integers(1, 7))
def test_the_flags_do_not_depend_on_the_block_size(binary, multiclass, threshold,
                                                   min_confidence, block):
    from clfdiag.core import overconfidence

    whole = overconfidence.BLOCK
    try:
        overconfidence.BLOCK = block
        for (y, p), cut in ((binary, threshold), (multiclass, 0.5)):
            np.testing.assert_array_equal(
                confident_errors(y, p, threshold=cut, min_confidence=min_confidence),
                brute_confident_errors(y, p, cut, min_confidence))
    finally:
        overconfidence.BLOCK = whole
