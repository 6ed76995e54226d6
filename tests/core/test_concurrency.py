"""Work spread over threads gives what the same work done in turn gives."""

import pytest

from clfdiag.core import concurrency
from clfdiag.core.concurrency import alongside, each


@pytest.mark.parametrize("workers", [1, 2])
def test_each_keeps_the_order_of_the_parts(monkeypatch, workers):
    monkeypatch.setattr(concurrency, "cores", lambda: workers)
    assert each(lambda i: i * i, 7) == [i * i for i in range(7)]
    assert each(lambda i: i, 0) == []


def test_each_raises_a_parts_error(monkeypatch):
    monkeypatch.setattr(concurrency, "cores", lambda: 2)

    def work(i):
        if i == 3:
            raise ValueError("part 3")
        return i

    with pytest.raises(ValueError, match="part 3"):
        each(work, 5)


def test_alongside_gives_the_result_and_raises_its_error():
    with alongside(lambda: 41 + 1) as result:
        pass
    assert result() == 42

    def fail():
        raise KeyError("beside")

    with pytest.raises(KeyError, match="beside"), alongside(fail) as failed:
        failed()
