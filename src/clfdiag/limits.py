"""The largest values of the options that size memory or time, in one place.

Each is far beyond what a report needs, and small enough that the worst case
stays within seconds and megabytes: ``bins`` and ``top`` size the report
itself (every bin and every listed row is printed), ``bootstrap`` multiplies
the time of a comparison (N resamples of every example).
"""

from __future__ import annotations

from clfdiag.errors import ClfdiagError

MAX_BINS = 10_000
MAX_TOP = 10_000
MAX_BOOTSTRAP = 100_000
MAX_SAMPLE_POINTS = 1_000_000
# Resamples x examples: about 80 s on one core of a 2026 laptop.
MAX_BOOTSTRAP_DRAWS = 2_000_000_000
# Classes of a single-label problem: the report's confusion matrix holds K x K counts (25
# million at the limit: 200 MB of int64, and about 60 MB of JSON).
MAX_CLASSES = 5_000
# Resampled counts of the disparities' intervals (--by): resamples x groups x 4 cells (16 in
# compare), held at once in float64: 160 MB at the limit.
MAX_FAIRNESS_COUNTS = 20_000_000


def check_limits(*, bins: int | None = None, top: int | None = None,
                 bootstrap: int | None = None, sample_points: int | None = None) -> None:
    """Fail (exit 2) when an option is outside its range, naming the range."""
    for name, value, low, high in (("--bins", bins, 1, MAX_BINS), ("--top", top, 0, MAX_TOP),
                                   ("--bootstrap", bootstrap, 0, MAX_BOOTSTRAP),
                                   ("sample_points", sample_points, 0, MAX_SAMPLE_POINTS)):
        if value is not None and not low <= value <= high:
            raise ClfdiagError(f"{name} {value} is outside the allowed range, "
                               f"{low:,} to {high:,}")


def check_bootstrap_draws(resamples: int, examples: int) -> None:
    """Fail (exit 2) when a bootstrap would draw more than :data:`MAX_BOOTSTRAP_DRAWS` rows."""
    if resamples * examples > MAX_BOOTSTRAP_DRAWS:
        most = MAX_BOOTSTRAP_DRAWS // max(examples, 1)
        raise ClfdiagError(
            f"--bootstrap {resamples} on {examples:,} examples would draw "
            f"{resamples * examples:,} rows, more than the limit of {MAX_BOOTSTRAP_DRAWS:,}",
            f"use --bootstrap {most} or fewer, or the t test (no --bootstrap), which is "
            "accurate at this size")


def check_fairness_draws(resamples: int, groups: int, cells: int = 4) -> None:
    """Fail (exit 2) when the disparities' bootstrap would hold too many resampled counts.

    ``cells`` counts a group and resample; the limit is :data:`MAX_FAIRNESS_COUNTS`.
    """
    if resamples * groups * cells > MAX_FAIRNESS_COUNTS:
        most = MAX_FAIRNESS_COUNTS // max(groups * cells, 1)
        raise ClfdiagError(
            f"--fairness-bootstrap {resamples} over {groups:,} groups of --by would hold "
            f"{resamples * groups * cells:,} resampled counts, more than the limit of "
            f"{MAX_FAIRNESS_COUNTS:,}",
            f"use --fairness-bootstrap {most} or fewer (0: no intervals), or --by a column "
            "with fewer values")


def check_classes(name: str, classes: int, what: str) -> None:
    """Fail (exit 2) above :data:`MAX_CLASSES` classes: the K x K confusion matrix grows as K^2.

    ``what`` says where the classes come from (``"probability columns"``).
    """
    if classes > MAX_CLASSES:
        raise ClfdiagError(
            f"{name}: {classes:,} {what}, more than the limit of {MAX_CLASSES:,} classes: the "
            f"report's confusion matrix alone would hold {classes * classes:,} counts",
            "evaluate a subset of the classes (the most frequent ones, their probabilities "
            "renormalized with --renormalize), or group rare classes into one")
