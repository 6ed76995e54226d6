"""Independent halves of a computation on the machine's second core."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


@contextlib.contextmanager
def alongside(work: Callable[[], T]) -> Iterator[Callable[[], T]]:
    """Run ``work`` on a second thread while the block runs; yield its result's getter.

    numpy releases the GIL in its loops and sorts, so two independent halves take
    the time of the longer one on a machine with two cores. The getter waits for
    ``work`` and raises its exception. Leaving the block waits for ``work`` either
    way, so nothing runs on once the caller has moved on. Each half's temporaries
    are then held at once: overlap only halves whose memory is small beside the
    data's (the sums beside the sort, not two passes over rankings of every row).
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        yield pool.submit(work).result
