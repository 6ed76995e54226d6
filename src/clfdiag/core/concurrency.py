"""Independent parts of a computation on the machine's other cores."""

from __future__ import annotations

import contextlib
import os
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


EACH_WORKERS = 2
"""Threads of :func:`each`: every worker holds its part's temporaries at once, so memory,
not the count of cores, sets how many run together."""


def each(work: Callable[[int], T], count: int) -> list[T]:
    """``[work(0), ..., work(count - 1)]``, computed by up to :data:`EACH_WORKERS` threads.

    For independent parts whose numpy loops release the GIL (one class's ranking
    and tests each); on one core, or for one part, simply in turn.
    """
    workers = min(EACH_WORKERS, count, cores())
    if workers < 2:
        return [work(i) for i in range(count)]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(work, range(count)))


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1
