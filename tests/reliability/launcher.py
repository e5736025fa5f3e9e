"""``make run``'s launcher (``python -m bot.launch.run``) as a process, for tests (loopback)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.launch.settings import PROJECT_DIR
from harness.servers import CHANNEL_VARIABLES, free_port
from tests.reliability.client import say

READY_SECONDS = 240
READY_LINE = "The bot is ready."


@dataclass
class Launcher:
    """A running launcher, its log (its own output and its servers') and its ports."""

    process: subprocess.Popen[bytes]
    log_path: Path
    ports: dict[str, int]

    @classmethod
    def start(cls, workdir: Path, **env: str) -> Launcher:
        """Start it on free ports, conversations in ``workdir``; wait until it is ready."""
        ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "WIDGET_PORT")}
        environment = {k: v for k, v in os.environ.items() if k not in CHANNEL_VARIABLES}
        for key in ("ACTION_ENDPOINT_URL", "SANIC_HOST", "BOT_COUNTRY"):
            environment.pop(key, None)
        environment.update({k: str(v) for k, v in ports.items()}, BOT_ENV_FILE="")
        environment.update(TRACKER_DB=str(workdir / "conversations.db"), **env)
        log_path = workdir / "run.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.launch.run"],
                cwd=PROJECT_DIR,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        launcher = cls(process, log_path, ports)
        deadline = time.monotonic() + READY_SECONDS
        while READY_LINE not in launcher.log():
            assert process.poll() is None, launcher.log()[-3000:]
            assert time.monotonic() < deadline, "not ready in time"
            time.sleep(0.5)
        return launcher

    def log(self) -> str:
        """Everything printed so far."""
        return self.log_path.read_text(errors="replace")

    @property
    def rasa_url(self) -> str:
        """Base URL of its Rasa server."""
        return f"http://127.0.0.1:{self.ports['RASA_PORT']}"

    def say(self, sender: str, text: str, timeout: float = 30) -> str:
        """The reply texts to ``text`` from ``sender``, over REST."""
        return say(self.rasa_url, sender, text, timeout=timeout).texts

    def servers(self) -> dict[str, int]:
        """Its servers' process ids: "actions", "rasa", "widget"."""
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except (OSError, IndexError, ValueError):
                continue  # it exited meanwhile
            if parent != self.process.pid or len(command) < 3:
                continue
            module = command[2].decode()
            name = {"rasa_sdk": "actions", "bot.launch.rasa_server": "rasa"}.get(module, "widget")
            found[name] = int(entry.name)
        return found

    def interrupt(self, timeout: float = 90) -> int:
        """Ctrl-C it and wait; its exit code."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """Stop it at once if it is still running (its servers get SIGTERM from Linux)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
