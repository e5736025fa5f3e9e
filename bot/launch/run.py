"""``make run``: train if stale, then run the servers and the web widget's demo page.

The action server, the Rasa server and the demo page are bound to loopback by default
(see :mod:`bot.launch.settings`); Ctrl-C stops them cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from bot.launch.channels import env_file, load_dotenv
from bot.launch.settings import PROJECT_DIR, Settings
from bot.launch.train import ensure_model
from bot.launch.widget_server import widget_server_command

READY_TIMEOUT_SECONDS = 180


def action_server_command(settings: Settings) -> list[str]:
    """The command that starts the action server."""
    return [
        sys.executable,
        "-m",
        "rasa_sdk",
        "--actions",
        "actions",
        "--port",
        str(settings.action_port),
    ]


def rasa_server_command() -> list[str]:
    """The command that starts the Rasa server (settings come from the environment)."""
    return [sys.executable, "-m", "bot.launch.rasa_server"]


def wait_until_ready(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll ``url`` until it answers 200; fail if ``process`` dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"Server for {url} exited with code {process.returncode}.")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not become ready within {timeout:.0f} s.")


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Terminate ``processes`` (newest first), killing any that do not stop in time."""
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
    for process in reversed(processes):
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def quiet_env() -> dict[str, str]:
    """The environment for the servers, without library deprecation noise."""
    env = dict(os.environ)
    env.setdefault("PYTHONWARNINGS", "ignore")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def main() -> int:
    """Run the bot until Ctrl-C (SIGINT) or SIGTERM."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    load_dotenv(env_file())  # .env (or BOT_ENV_FILE); variables already set win
    settings = Settings.from_env()
    settings.export()
    ensure_model(settings)
    processes: list[subprocess.Popen[bytes]] = []
    env = quiet_env()
    try:
        actions = subprocess.Popen(action_server_command(settings), cwd=PROJECT_DIR, env=env)
        processes.append(actions)
        wait_until_ready(
            f"http://{settings.action_host}:{settings.action_port}/health", actions, 60
        )
        rasa = subprocess.Popen(rasa_server_command(), cwd=PROJECT_DIR, env=env)
        processes.append(rasa)
        print("Starting the Rasa server (about half a minute)...", flush=True)
        wait_until_ready(settings.rasa_url + "/", rasa, READY_TIMEOUT_SECONDS)
        widget = subprocess.Popen(widget_server_command(settings), cwd=PROJECT_DIR, env=env)
        processes.append(widget)
        wait_until_ready(settings.widget_url + "/", widget, 30)
        print(
            f"\nThe bot is ready.\n"
            f"  Web chat:  open {settings.widget_url}/ in a browser\n"
            f"  REST:      curl -s {settings.rasa_url}/webhooks/rest/webhook "
            f'-d \'{{"sender": "me", "message": "hello"}}\'\n'
            f"  Terminal:  make shell (in another terminal)\n"
            f"Press Ctrl-C to stop.\n",
            flush=True,
        )
        while all(p.poll() is None for p in processes):
            time.sleep(1)
        return 1  # a server stopped by itself
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not orphan servers
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
