"""Small statistics helpers: percentiles, latency summaries, ratios."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile of ``values``, interpolated linearly between ranks.

    Matches ``numpy.percentile(values, q)`` (its default "linear" method).

    Args:
        values: the sample; must not be empty.
        q: the percentile, from 0 to 100.

    Returns:
        The percentile value.

    Raises:
        ValueError: for an empty sample or ``q`` outside 0..100.
    """
    if not values:
        raise ValueError("percentile of an empty sample")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class LatencySummary:
    """Percentiles of a set of request latencies, in seconds."""

    count: int
    p50: float
    p95: float
    p99: float
    mean: float
    max: float

    @classmethod
    def of(cls, latencies: Sequence[float]) -> LatencySummary:
        """Summarise ``latencies`` (seconds); an empty sample gives NaNs."""
        if not latencies:
            nan = float("nan")
            return cls(0, nan, nan, nan, nan, nan)
        return cls(
            count=len(latencies),
            p50=percentile(latencies, 50),
            p95=percentile(latencies, 95),
            p99=percentile(latencies, 99),
            mean=sum(latencies) / len(latencies),
            max=max(latencies),
        )


def ratio(ours: float | None, baseline: float | None) -> float | None:
    """``ours / baseline``, or None when either is missing, not finite, or the base is 0."""
    if ours is None or baseline is None:
        return None
    if not (math.isfinite(ours) and math.isfinite(baseline)) or baseline == 0:
        return None
    return ours / baseline


def repeat_ratios(
    ours: Sequence[float], baseline: Sequence[float], repeats: int, q: float = 50
) -> list[float]:
    """The ratio of the ``q``-th percentiles in each of ``repeats`` equal runs, in order.

    ``ours`` and ``baseline`` are latencies in the order they were measured (taking
    turns), so the n-th run of each covers the same stretch of time. A run too short to
    hold a message of each is left out.
    """
    found = []
    for index in range(repeats):
        o = ours[index * len(ours) // repeats : (index + 1) * len(ours) // repeats]
        b = baseline[index * len(baseline) // repeats : (index + 1) * len(baseline) // repeats]
        if o and b:
            found.append(percentile(o, q) / percentile(b, q))
    return found
