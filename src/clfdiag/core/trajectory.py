"""A training run: its validation loss and a quality metric, evaluation after evaluation.

The quality metric is accuracy unless another one is chosen (ROC AUC, F1, ...); it must be
better when higher, so that "loss and metric both rose" is the paradox the scan looks for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Trajectory:
    """Flags and landmarks of a sequence of evaluations (indices into the sequence).

    ``loss_up_accuracy_up[i]`` compares evaluation ``i`` with ``i - 1`` only; it is
    None for the first evaluation, at a segment start, and where a value is missing.
    ``loss_deltas[i]`` and ``metric_deltas[i]`` are the changes it compared (None where
    it compared nothing).
    """

    loss_up_accuracy_up: tuple[bool | None, ...]
    best_by_loss: int | None
    best_by_accuracy: int | None
    """Best by the scanned metric (accuracy unless another was chosen)."""
    loss_rises_from: int | None
    """First evaluation after the last minimum of the loss (loss never comes back down)."""
    loss_deltas: tuple[float | None, ...] = ()
    metric_deltas: tuple[float | None, ...] = ()

    @property
    def flagged(self) -> list[int]:
        """Indices where loss and the metric both rose."""
        return [i for i, f in enumerate(self.loss_up_accuracy_up) if f]

    @property
    def compared(self) -> int:
        """How many evaluations were compared with the one before (a flag of True or False)."""
        return sum(f is not None for f in self.loss_up_accuracy_up)


def scan(
    losses: Sequence[float | None],
    accuracies: Sequence[float | None],
    *,
    min_loss_delta: float = 0.0,
    min_accuracy_delta: float = 0.0,
    segment_starts: Sequence[int] = (),
    loss_noise: Sequence[float] = (),
    metric_noise: Sequence[float] = (),
) -> Trajectory:
    """Flag every evaluation whose loss and metric both rose against the previous one.

    ``accuracies`` holds the metric's values (accuracy, or any metric that is better
    when higher). A rise counts when it exceeds ``min_loss_delta`` (``min_accuracy_delta``)
    and, when given, the float64 noise of the change: ``loss_noise[i - 1] + loss_noise[i]``
    (``metric_noise``), each evaluation's own noise, so that evaluations equal but for
    rounding are never flagged.
    Evaluations that start a new segment (a training restarted in the same log)
    are not compared with the one before.
    """
    starts = set(segment_starts)
    flags: list[bool | None] = []
    loss_deltas: list[float | None] = []
    metric_deltas: list[float | None] = []
    for i, (loss, acc) in enumerate(zip(losses, accuracies, strict=True)):
        prev_loss = losses[i - 1] if i and i not in starts else None
        prev_acc = accuracies[i - 1] if i and i not in starts else None
        if loss is None or acc is None or prev_loss is None or prev_acc is None:
            flags.append(None)
            loss_deltas.append(None)
            metric_deltas.append(None)
        else:
            flags.append(loss - prev_loss > max(min_loss_delta, _pair_noise(loss_noise, i))
                         and acc - prev_acc > max(min_accuracy_delta,
                                                  _pair_noise(metric_noise, i)))
            loss_deltas.append(loss - prev_loss)
            metric_deltas.append(acc - prev_acc)
    known_loss = [(v, i) for i, v in enumerate(losses) if v is not None]
    known_acc = [(v, i) for i, v in enumerate(accuracies) if v is not None]
    best_loss = min(known_loss, key=lambda t: (t[0], t[1]))[1] if known_loss else None
    best_acc = max(known_acc, key=lambda t: (t[0], -t[1]))[1] if known_acc else None
    rises_from = None
    if known_loss:
        lowest = min(v for v, _ in known_loss)
        last_low = max(i for v, i in known_loss if v == lowest)
        later = [i for _, i in known_loss if i > last_low]
        rises_from = later[0] if later else None
    return Trajectory(tuple(flags), best_loss, best_acc, rises_from, tuple(loss_deltas),
                      tuple(metric_deltas))


def _pair_noise(noise: Sequence[float], i: int) -> float:
    """The noise of the change from evaluation ``i - 1`` to ``i``: both of theirs (0 unknown)."""
    return noise[i - 1] + noise[i] if noise else 0.0
