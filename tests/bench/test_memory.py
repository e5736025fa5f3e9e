import os
import time

from bench.memory import RssSampler, parse_status_kib, status_kib

STATUS = "Name:\tpython\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t4\n"


def test_parse_status() -> None:
    assert parse_status_kib(STATUS, "VmRSS") == 102400
    assert parse_status_kib(STATUS, "VmHWM") == 204800
    assert parse_status_kib(STATUS, "VmSwap") is None


def test_reads_this_process() -> None:
    rss = status_kib(os.getpid(), "VmRSS")
    assert rss is not None and rss > 1000


def test_a_gone_process_reads_as_none() -> None:
    assert status_kib(2**22 + 12345, "VmRSS") is None


def test_sampler_tracks_a_process_and_its_peak() -> None:
    sampler = RssSampler(interval=0.01).start()
    sampler.watch("me", os.getpid())
    time.sleep(0.1)
    sampler.stop()
    track = sampler.tracks["me"]
    assert len(track.samples) >= 2
    assert track.peak_mib >= max(mib for _, mib in track.samples) > 1
