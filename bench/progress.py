"""Progress lines with elapsed time, and the run's time budget."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO


def clock(seconds: float) -> str:
    """``seconds`` as ``m:ss`` (``h:mm:ss`` from an hour on)."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class Progress:
    """Prints one line when a step starts and one when it ends, with elapsed times.

    The run also has a budget: :meth:`remaining` tells the steps that can shrink (the
    cross-validation of the default pipeline) how much time is left.
    """

    budget_seconds: float
    out: TextIO = field(default_factory=lambda: sys.stdout)
    now: Callable[[], float] = time.time
    started: float | None = None  # a ``now()`` value; None: when this object is made
    label: str = ""  # printed after the time, e.g. the worker's name
    steps: list[tuple[str, float]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        if self.started is None:
            self.started = self.now()

    @property
    def start(self) -> float:
        """When the run started, as a ``now()`` value."""
        assert self.started is not None
        return self.started

    @property
    def elapsed(self) -> float:
        """Seconds since the run started."""
        return self.now() - self.start

    def remaining(self) -> float:
        """Seconds left in the budget (negative once it is spent)."""
        return self.budget_seconds - self.elapsed

    def say(self, message: str) -> None:
        """Print ``message`` prefixed with the elapsed run time."""
        label = f"[{self.label}] " if self.label else ""
        print(f"[{clock(self.elapsed):>7}] {label}{message}", file=self.out, flush=True)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the step ``name``; its duration is kept in :attr:`steps`."""
        self.say(f"{name} ...")
        began = self.now()
        try:
            yield
        except BaseException:
            self.say(f"{name}: FAILED after {self.now() - began:.1f} s")
            raise
        took = self.now() - began
        self.steps.append((name, took))
        self.say(f"{name}: done in {took:.1f} s")
