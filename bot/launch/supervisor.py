"""Keep the bot's servers running: restart one that stops, stop them all in order.

:class:`Supervisor` starts each :class:`Server` in turn and waits until it answers. After
that, a server that exits by itself (a crash, an out-of-memory kill) is started again
after a pause that doubles with each recent restart (:class:`RestartPolicy`), while the
others keep running: with the action server down, the Rasa server answers with its safe
reply meanwhile. A server that stops more often than the policy allows in a minute, or
does not answer within its start-up time, is a fault no restart will mend: the supervisor
then stops everything and says why. :meth:`Supervisor.stop` stops the servers newest
first, each asked with SIGTERM and given its ``stop_seconds`` (the Rasa server finishes
the messages in hand) before it is killed.

The servers run in their own session, so a Ctrl-C in the terminal reaches only the
supervisor, which then stops them in that order; should the supervisor itself be killed,
Linux sends each of them SIGTERM (``PR_SET_PDEATHSIG``), so none is left holding its port.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

CHECK_SECONDS = 0.25  # how often the supervisor looks at its servers
PR_SET_PDEATHSIG = 1  # prctl option: the signal a process gets when its parent dies
WINDOW_SECONDS = 60.0  # the restart limit counts restarts within this time


@dataclass(frozen=True)
class Server:
    """A server to run: its command, the URL that answers 200 once it is ready."""

    name: str  # for the log: "the action server"
    command: tuple[str, ...]
    ready_url: str
    start_seconds: float  # to become ready
    stop_seconds: float = 10.0  # after SIGTERM, before it is killed


@dataclass(frozen=True)
class RestartPolicy:
    """How soon, and how often, a server that stopped is started again."""

    first_pause: float = 1.0  # seconds before the first restart
    longest_pause: float = 30.0
    per_minute: int = 5  # more restarts than this within a minute: give up

    def pause(self, recent: int) -> float:
        """Seconds to wait before a restart, after ``recent`` restarts within a minute."""
        return float(min(self.longest_pause, self.first_pause * 2**recent))


class GaveUp(SystemExit):
    """A server could not be started or kept running; the message says which and why."""


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether ``url`` answers 200 now."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_until_ready(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll ``url`` until it answers 200; :class:`GaveUp` if ``process`` dies or time runs out."""
    deadline = time.monotonic() + timeout
    while not answers(url):
        code = process.poll()
        if code is not None:
            raise GaveUp(f"Server for {url} exited ({exit_reason(code)}).")
        if time.monotonic() > deadline:
            raise GaveUp(f"{url} did not become ready within {timeout:.0f} s.")
        time.sleep(0.5)


def exit_reason(code: int) -> str:
    """``code`` of a process that exited, in words ("exit code 1", "killed by SIGKILL")."""
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


@dataclass
class Running:
    """A server's process and what the supervisor knows of it."""

    server: Server
    process: subprocess.Popen[bytes] | None = None
    ready: bool = False
    started_at: float = 0.0
    restart_at: float | None = None  # when a stopped server is due to start again
    restarts: collections.deque[float] = field(default_factory=collections.deque)

    def recent_restarts(self, now: float) -> int:
        """Restarts within the last minute."""
        while self.restarts and now - self.restarts[0] > WINDOW_SECONDS:
            self.restarts.popleft()
        return len(self.restarts)


class Supervisor:
    """Starts servers, restarts those that stop, and stops them all."""

    def __init__(
        self,
        env: Mapping[str, str],
        cwd: Path,
        policy: RestartPolicy | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        """Run the servers in ``cwd`` with ``env``; report through ``say`` (print)."""
        self.env = dict(env)
        self.cwd = cwd
        self.policy = policy or RestartPolicy()
        self.say = say or (lambda line: print(line, flush=True))
        self.running: list[Running] = []

    def _spawn(self, entry: Running) -> None:
        entry.process = subprocess.Popen(
            entry.server.command,
            cwd=self.cwd,
            env=self.env,
            start_new_session=True,
            preexec_fn=_end_with_parent,
        )
        entry.ready = False
        entry.started_at = time.monotonic()
        entry.restart_at = None

    def start(self, server: Server) -> None:
        """Start ``server`` and wait until it answers; :class:`GaveUp` if it does not."""
        entry = Running(server)
        self.running.append(entry)
        self._spawn(entry)
        assert entry.process is not None
        wait_until_ready(server.ready_url, entry.process, server.start_seconds)
        entry.ready = True

    def check(self) -> None:
        """Look at every server once: restart those that stopped, note those that are back.

        Raises:
            GaveUp: a server stopped too often, or did not come back in time.
        """
        now = time.monotonic()
        for entry in self.running:
            process, server = entry.process, entry.server
            if entry.restart_at is not None:
                if now >= entry.restart_at:
                    self._spawn(entry)
                continue
            assert process is not None
            code = process.poll()
            if code is not None:
                self._schedule_restart(entry, exit_reason(code), now)
            elif not entry.ready and answers(server.ready_url, timeout=1.0):
                entry.ready = True
                self.say(f"{server.name.capitalize()} is back: {server.ready_url} answers.")
            elif not entry.ready and now - entry.started_at > server.start_seconds:
                terminate(process, server.stop_seconds)
                raise GaveUp(
                    f"{server.name.capitalize()} did not answer within "
                    f"{server.start_seconds:.0f} s of a restart."
                )

    def _schedule_restart(self, entry: Running, reason: str, now: float) -> None:
        name = entry.server.name.capitalize()
        recent = entry.recent_restarts(now)
        if recent >= self.policy.per_minute:
            raise GaveUp(
                f"{name} stopped ({reason}) after {recent} restarts within a minute; giving up."
            )
        pause = self.policy.pause(recent)
        entry.restarts.append(now)
        entry.restart_at = now + pause
        entry.ready = False
        self.say(
            f"{name} stopped unexpectedly ({reason}). Restarting it in {pause:g} s "
            f"(restart {recent + 1} of at most {self.policy.per_minute} a minute); "
            "the other servers keep running."
        )

    def watch(self, forever: bool = True) -> None:
        """:meth:`check` every :data:`CHECK_SECONDS` (once, unless ``forever``)."""
        while True:
            self.check()
            if not forever:
                return
            time.sleep(CHECK_SECONDS)

    def stop(self) -> None:
        """Stop every server, newest first, each given its ``stop_seconds``."""
        for entry in reversed(self.running):
            if entry.process is not None:
                terminate(entry.process, entry.server.stop_seconds)


def _end_with_parent() -> None:
    """In a new server's process: receive SIGTERM when the supervisor dies (Linux)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def terminate(process: subprocess.Popen[bytes], seconds: float) -> None:
    """Ask ``process`` to stop (SIGTERM), then kill it if it is still there after ``seconds``."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
        os.kill(process.pid, signal.SIGCONT)  # a stopped (SIGSTOP) process must see it
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
