"""The supervisor with stand-in servers on loopback: restarts, limits, orderly stops."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.launch.supervisor import GaveUp, RestartPolicy, Server, Supervisor, exit_reason
from harness.servers import free_port

FAKE = Path(__file__).with_name("fake_server.py")
QUICK = RestartPolicy(first_pause=0.2, longest_pause=1.0, per_minute=3)


def fake(name: str, log: Path, *flags: str, stop_seconds: float = 5.0) -> Server:
    port = free_port()
    return Server(
        f"the {name} server",
        (sys.executable, str(FAKE), str(port), name, str(log), *flags),
        f"http://127.0.0.1:{port}/",
        start_seconds=20,
        stop_seconds=stop_seconds,
    )


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def supervisor(tmp_path: Path, lines: list[str]) -> Iterator[Supervisor]:
    running = Supervisor(os.environ, tmp_path, QUICK, say=lines.append)
    yield running
    running.stop()


def pid(supervisor: Supervisor, index: int) -> int:
    process = supervisor.running[index].process
    assert process is not None
    return process.pid


def watch_until(supervisor: Supervisor, done: Callable[[], bool], seconds: float = 20) -> None:
    """Let the supervisor look at its servers until ``done``."""
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "not in time"
        supervisor.watch(forever=False)
        time.sleep(0.05)


def test_a_killed_server_is_restarted_and_the_others_keep_running(
    supervisor: Supervisor, lines: list[str], tmp_path: Path
) -> None:
    log = tmp_path / "stops.log"
    supervisor.start(fake("first", log))
    supervisor.start(fake("second", log))
    first, second = pid(supervisor, 0), pid(supervisor, 1)
    os.kill(first, signal.SIGKILL)
    watch_until(supervisor, lambda: supervisor.running[0].ready and pid(supervisor, 0) != first)
    assert pid(supervisor, 1) == second
    assert lines[0] == (
        "The first server stopped unexpectedly (killed by SIGKILL). Restarting it in 0.2 s "
        "(restart 1 of at most 3 a minute); the other servers keep running."
    )
    assert lines[1].startswith("The first server is back: http://127.0.0.1:")


def kill_and_wait_for_restart(supervisor: Supervisor) -> None:
    old = pid(supervisor, 0)
    os.kill(old, signal.SIGKILL)
    watch_until(supervisor, lambda: pid(supervisor, 0) != old)


def test_the_pause_doubles_up_to_the_longest() -> None:
    policy = RestartPolicy(first_pause=1, longest_pause=30, per_minute=10)
    assert [policy.pause(n) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_server_that_keeps_stopping_makes_the_supervisor_give_up(
    supervisor: Supervisor, tmp_path: Path
) -> None:
    supervisor.start(fake("flaky", tmp_path / "stops.log"))
    with pytest.raises(GaveUp, match=r"flaky server stopped .* after 3 restarts within a minute"):
        for _ in range(QUICK.per_minute + 1):
            kill_and_wait_for_restart(supervisor)


def test_stop_asks_newest_first_and_kills_one_that_does_not_listen(
    supervisor: Supervisor, tmp_path: Path
) -> None:
    log = tmp_path / "stops.log"
    supervisor.start(fake("first", log))
    supervisor.start(fake("deaf", log, "--ignore-term", stop_seconds=1))
    supervisor.start(fake("last", log))
    began = time.monotonic()
    supervisor.stop()
    assert 1 <= time.monotonic() - began < 5
    assert log.read_text().split() == ["last", "first"]  # the deaf one was killed
    assert all(e.process is not None and e.process.poll() is not None for e in supervisor.running)


def test_a_server_that_cannot_start_is_named(supervisor: Supervisor, tmp_path: Path) -> None:
    broken = Server(
        "the broken server",
        (sys.executable, "-c", "raise SystemExit(3)"),
        "http://127.0.0.1:9/",
        20,
    )
    with pytest.raises(GaveUp, match=r"exited \(exit code 3\)"):
        supervisor.start(broken)


def test_exit_reasons_are_in_words() -> None:
    assert exit_reason(-9) == "killed by SIGKILL"
    assert exit_reason(1) == "exit code 1"
