import io

import pytest

from bench.progress import Progress, clock


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0:00"), (59.9, "0:59"), (61, "1:01"), (3725, "1:02:05")]
)
def test_clock(seconds: float, text: str) -> None:
    assert clock(seconds) == text


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_step_prints_its_start_and_its_duration_with_the_elapsed_time() -> None:
    out = io.StringIO()
    fake = FakeClock()
    progress = Progress(60, out=out, now=fake, label="ours")
    fake.now = 105.0
    with progress.step("train"):
        fake.now = 135.5
    lines = out.getvalue().splitlines()
    assert lines == [
        "[   0:05] [ours] train ...",
        "[   0:35] [ours] train: done in 30.5 s",
    ]
    assert progress.steps == [("train", 30.5)]
    assert progress.remaining() == pytest.approx(24.5)


def test_a_failing_step_says_so() -> None:
    out = io.StringIO()
    progress = Progress(60, out=out, now=FakeClock())
    with pytest.raises(RuntimeError), progress.step("boom"):
        raise RuntimeError("x")
    assert "boom: FAILED" in out.getvalue()
    assert progress.steps == []


def test_workers_share_the_runs_start() -> None:
    fake = FakeClock()
    progress = Progress(60, out=io.StringIO(), now=fake, started=40.0)
    assert progress.elapsed == 60.0
