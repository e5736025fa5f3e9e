"""`make run`'s launcher: everything starts, answers, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.launch.settings import PROJECT_DIR
from harness.servers import CHANNEL_VARIABLES, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_run_starts_everything_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "WIDGET_PORT")}
    env = {k: v for k, v in os.environ.items() if k not in CHANNEL_VARIABLES}
    env.update({k: str(v) for k, v in ports.items()}, BOT_ENV_FILE="")
    env["TRACKER_DB"] = str(tmp_path / "conversations.db")
    log = (tmp_path / "run.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.launch.run"], cwd=PROJECT_DIR, env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 240
        while "The bot is ready." not in (tmp_path / "run.log").read_text():
            assert process.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "not ready in time"
            time.sleep(0.5)
        output = (tmp_path / "run.log").read_text()
        assert f"open http://127.0.0.1:{ports['WIDGET_PORT']}/" in output
        with urllib.request.urlopen(f"http://127.0.0.1:{ports['WIDGET_PORT']}/", timeout=5) as page:
            assert b"<html" in page.read().lower()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        for port in ports.values():
            assert not port_open(port), f"port {port} still open after Ctrl-C"
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
