"""bot/launch/rasa_server.py: the ``rasa run`` command line and what happens before it."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.launch import rasa_server
from bot.launch.settings import PROJECT_DIR, Settings
from bot.rasa.changes import CHANGES


def test_rasa_runs_on_loopback_without_the_http_api() -> None:
    args = rasa_server.rasa_run_args(Settings.from_env({"RASA_PORT": "6100"}), [])
    assert args[:2] == ["rasa", "run"]
    assert args[args.index("--interface") + 1] == "127.0.0.1"
    assert args[args.index("--port") + 1] == "6100"
    assert "--enable-api" not in args
    cors = args[args.index("--cors") + 1 :]
    assert cors == ["http://127.0.0.1:8080", "http://localhost:8080"]


@pytest.mark.parametrize(
    ("extra", "env", "level"),
    [
        ([], {}, logging.INFO),
        (["--debug"], {}, logging.DEBUG),
        (["--quiet"], {"LOG_LEVEL": "DEBUG"}, logging.WARNING),
        ([], {"LOG_LEVEL": "warning"}, logging.WARNING),
        ([], {"LOG_LEVEL": "nonsense"}, logging.INFO),
    ],
)
def test_the_bots_loggers_follow_rasas_level(
    extra: list[str], env: dict[str, str], level: int
) -> None:
    assert rasa_server.rasa_log_level(extra, env) == level


def test_the_launcher_puts_every_change_to_rasa_in_effect(tmp_path: Path) -> None:
    """In a fresh process: each change's check fails before the launcher, none after."""
    code = (
        "import json; from bot.launch import rasa_server; from bot.rasa import changes; "
        "before = changes.inactive(); rasa_server.prepare(['rasa_server']); "
        "print(json.dumps([before, changes.inactive()]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANIC_", "ACTION_"))}
    env.update(BOT_ENV_FILE="", TRACKER_DB=str(tmp_path / "conversations.db"))
    env.pop("BOT_IDENTITY_SECRET", None)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    before, after = json.loads(done.stdout.strip().splitlines()[-1])
    assert before == [change.name for change in CHANGES]
    assert after == []
