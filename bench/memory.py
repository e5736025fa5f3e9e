"""Resident memory (RSS) of server processes, read from ``/proc`` every 0.2 s.

psutil is not installed in the project's environment, so this reads
``/proc/<pid>/status`` directly (Linux only, as the project's machines are).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

INTERVAL_SECONDS = 0.2


def status_kib(pid: int, key: str, proc: Path = Path("/proc")) -> int | None:
    """A ``kB`` field (``VmRSS``, ``VmHWM``) of ``/proc/<pid>/status``; None once gone."""
    try:
        text = (proc / str(pid) / "status").read_text()
    except OSError:
        return None
    return parse_status_kib(text, key)


def parse_status_kib(text: str, key: str) -> int | None:
    """The value in kB of ``key`` in the text of a ``/proc/<pid>/status`` file."""
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name == key:
            parts = value.split()
            return int(parts[0]) if parts else None
    return None


@dataclass
class Track:
    """The samples of one process: ``(seconds since start, MiB)``."""

    pid: int
    started: float
    samples: list[tuple[float, float]] = field(default_factory=list)
    high_water_mib: float = 0.0  # the kernel's VmHWM, the peak between samples too

    @property
    def peak_mib(self) -> float:
        """The peak RSS: the highest sample or the kernel's high-water mark."""
        sampled = max((mib for _, mib in self.samples), default=0.0)
        return max(sampled, self.high_water_mib)


class RssSampler:
    """Samples the RSS of named processes in a background thread."""

    def __init__(self, interval: float = INTERVAL_SECONDS) -> None:
        """Sample every ``interval`` seconds once :meth:`start` is called."""
        self.interval = interval
        self.tracks: dict[str, Track] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def watch(self, name: str, pid: int) -> None:
        """Start sampling process ``pid`` under ``name``."""
        with self._lock:
            self.tracks[name] = Track(pid=pid, started=time.monotonic())

    def sample(self) -> None:
        """Take one sample of every watched process that is still running."""
        with self._lock:
            tracks = list(self.tracks.values())
        now = time.monotonic()
        for track in tracks:
            rss = status_kib(track.pid, "VmRSS")
            if rss is not None:
                track.samples.append((now - track.started, rss / 1024))
            hwm = status_kib(track.pid, "VmHWM")
            if hwm is not None:
                track.high_water_mib = max(track.high_water_mib, hwm / 1024)

    def start(self) -> RssSampler:
        """Start the sampling thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Take a last sample and stop the thread."""
        self.sample()
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()
