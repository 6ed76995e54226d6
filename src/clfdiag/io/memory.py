"""Giving memory the parser has freed back to the operating system.

Arrow's CSV reader allocates its blocks and scratch buffers (16 MiB and less)
from the C allocator on several threads. glibc keeps such freed memory in its
per-thread arenas, while numpy's large arrays are mapped afresh: without a
trim, a 10^7-row read leaves about 340 MB resident and unused under every
array that follows.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from typing import Any


def release_freed_memory() -> None:
    """Return the C allocator's free pages to the system (glibc's ``malloc_trim``); else a no-op."""
    trim = _libc_function("malloc_trim")
    if trim is not None:
        trim(0)


@cache
def _libc_function(name: str) -> Any:
    """The C library's function ``name`` (glibc); None off Linux, or where it is missing (musl)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return getattr(ctypes.CDLL("libc.so.6"), name)
    except (OSError, AttributeError):
        return None


M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
LARGEST_INT = 2**31 - 1


@cache
def reuse_freed_memory() -> None:
    """Let the C allocator keep large freed blocks for the next allocation (glibc); else a no-op.

    By default glibc maps each block above 32 MiB afresh and unmaps it when it is
    freed, so every temporary array of 10^7 floats is faulted in page by page
    again: measured at 10^7 rows, ``evaluate`` spent 3.5 s of its 8.4 s of CPU in
    the kernel, and 1.0 s less with the thresholds raised, at the same peak
    memory (1,057 MB). Blocks freed then stay in the heap for the next array;
    :func:`release_freed_memory` still hands them back after the parse. Set once
    per process, for in-memory evaluations (blocks above 2 GiB are still mapped).
    """
    mallopt = _libc_function("mallopt")
    if mallopt is not None:
        mallopt(M_MMAP_THRESHOLD, LARGEST_INT)
        mallopt(M_TRIM_THRESHOLD, LARGEST_INT)
        # One arena for every thread: another thread's arena is made of heaps of
        # 64 MiB at most, so its large blocks would be mapped afresh each time.
        mallopt(M_ARENA_MAX, 1)


def available_memory() -> int:
    """Bytes of memory available to this process.

    Linux ``MemAvailable`` (else the total), and no more than what an address
    space limit (``ulimit -v``) leaves.
    """
    import resource

    limit, _ = resource.getrlimit(resource.RLIMIT_AS)
    if limit != resource.RLIM_INFINITY:
        return max(0, limit - (_proc_bytes("/proc/self/status", "VmSize") or 0))
    available = _proc_bytes("/proc/meminfo", "MemAvailable")
    if available is not None:
        return available
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def _proc_bytes(path: str, key: str) -> int | None:
    """The ``key:  N kB`` line of a Linux ``/proc`` file, in bytes; None where there is none."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None
