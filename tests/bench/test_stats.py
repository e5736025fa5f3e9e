import math

import numpy as np
import pytest

from bench.stats import LatencySummary, percentile, ratio


@pytest.mark.parametrize("q", [0, 1, 25, 50, 90, 95, 99, 100])
@pytest.mark.parametrize(
    "values", [[3.0], [1.0, 2.0], [5.0, 1.0, 4.0, 2.0, 3.0], [0.1 * i for i in range(1, 301)]]
)
def test_percentile_matches_numpy_linear(values: list[float], q: float) -> None:
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([10.0, 20.0], 50) == 15.0
    assert percentile([10.0, 20.0, 30.0, 40.0], 95) == pytest.approx(38.5)


def test_percentile_rejects_empty_samples_and_bad_percentiles() -> None:
    with pytest.raises(ValueError, match="empty"):
        percentile([], 50)
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1.0], 101)


def test_latency_summary() -> None:
    summary = LatencySummary.of([0.1, 0.2, 0.3, 0.4])
    assert summary.count == 4
    assert summary.p50 == pytest.approx(0.25)
    assert summary.mean == pytest.approx(0.25)
    assert summary.max == 0.4


def test_latency_summary_of_nothing_is_nan() -> None:
    summary = LatencySummary.of([])
    assert summary.count == 0
    assert math.isnan(summary.p50)


def test_ratio() -> None:
    assert ratio(1.0, 4.0) == 0.25
    assert ratio(None, 4.0) is None
    assert ratio(1.0, 0.0) is None
    assert ratio(float("nan"), 1.0) is None


def test_repeat_ratios_compare_the_same_stretch_of_each_run() -> None:
    from bench.stats import repeat_ratios

    ours = [1.0, 1.0, 2.0, 2.0]  # slower in the second half, as the machine got busy
    baseline = [2.0, 2.0, 4.0, 4.0]
    assert repeat_ratios(ours, baseline, 2) == [0.5, 0.5]
    assert repeat_ratios([1.0], [2.0, 2.0], 2) == [0.5]  # a run with nothing of ours: left out
