"""Memory the C allocator keeps after a parse goes back to the system."""

from __future__ import annotations

import sys
import threading

import pytest

from clfdiag.io import memory
from clfdiag.io.memory import release_freed_memory


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux")
                    or memory._libc_function("malloc_trim") is None, reason="glibc only")
def test_freed_arena_memory_is_returned():
    import pyarrow as pa

    pool = pa.system_memory_pool()
    kept = []

    def allocate() -> None:
        # Small buffers on another thread live in that thread's arena, like Arrow's
        # parse blocks; the last one stays alive so the arena's top cannot shrink.
        buffers = [pa.allocate_buffer(64 << 10, memory_pool=pool) for _ in range(3200)]
        for b in buffers:
            memoryview(b).cast("B")[::4096] = b"\x01" * len(range(0, 64 << 10, 4096))
        kept.append(buffers[-1])
        del buffers

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    before = resident_mb()
    release_freed_memory()
    assert resident_mb() < before - 100


def test_other_systems_skip_the_trim(monkeypatch):
    memory._libc_function.cache_clear()
    monkeypatch.setattr(sys, "platform", "darwin")
    try:
        assert memory._libc_function("malloc_trim") is None
        release_freed_memory()
    finally:
        memory._libc_function.cache_clear()


@pytest.mark.skipif(not sys.platform.startswith("linux")
                    or memory._libc_function("mallopt") is None, reason="glibc only")
def test_large_blocks_kept_for_reuse_still_go_back_after_a_trim():
    import subprocess

    # A fresh interpreter: the allocator's thresholds are set once per process.
    code = """
import numpy as np
from clfdiag.io.memory import release_freed_memory, reuse_freed_memory

def resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20

reuse_freed_memory()
reuse_freed_memory()
before = resident_mb()
block = np.ones(256 << 17)  # 256 MiB, touched
held = resident_mb()
del block
kept = resident_mb()
release_freed_memory()
print(held - before, kept - before, resident_mb() - before)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    held, kept, trimmed = map(float, out)
    assert held > 200  # the block was resident
    assert kept > 200  # freed, but kept in the heap for the next array (not unmapped)
    assert trimmed < 50  # and handed back by the trim
