"""``make run``: train if stale, then run and supervise the servers and the demo page.

The action server, the Rasa server and the web widget's demo page are bound to loopback
by default (see :mod:`bot.launch.settings`). They start in that order, each once the one
before answers. A server that stops by itself is started again
(:mod:`bot.launch.supervisor`) while the others keep running; one that keeps stopping
stops the bot with a message saying which. Ctrl-C or SIGTERM stops them all cleanly:
the demo page, then the Rasa server (given time to finish the messages in hand), then
the action server.
"""

from __future__ import annotations

import os
import signal
import sys

from bot.launch.channels import env_file, load_dotenv
from bot.launch.settings import PROJECT_DIR, Settings
from bot.launch.supervisor import GaveUp, Server, Supervisor, wait_until_ready
from bot.launch.train import ensure_model
from bot.launch.widget_server import widget_server_command

__all__ = ["action_server_command", "main", "rasa_server_command", "wait_until_ready"]
READY_TIMEOUT_SECONDS = 180
# Sanic lets the requests in hand finish for 15 s (GRACEFUL_SHUTDOWN_TIMEOUT) after SIGTERM
RASA_STOP_SECONDS = 20


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


def servers(settings: Settings) -> list[Server]:
    """The servers ``make run`` runs, in the order they start."""
    return [
        Server(
            "the action server",
            tuple(action_server_command(settings)),
            f"http://{settings.action_host}:{settings.action_port}/health",
            start_seconds=60,
        ),
        Server(
            "the Rasa server",
            tuple(rasa_server_command()),
            settings.rasa_url + "/",
            start_seconds=READY_TIMEOUT_SECONDS,
            stop_seconds=RASA_STOP_SECONDS,
        ),
        Server(
            "the demo page server",
            tuple(widget_server_command(settings)),
            settings.widget_url + "/",
            start_seconds=30,
        ),
    ]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def quiet_env() -> dict[str, str]:
    """The environment for the servers, without library deprecation noise."""
    env = dict(os.environ)
    env.setdefault("PYTHONWARNINGS", "ignore")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def ready_message(settings: Settings) -> str:
    """Where to chat, printed once everything answers."""
    return (
        f"\nThe bot is ready.\n"
        f"  Web chat:  open {settings.widget_url}/ in a browser\n"
        f"  REST:      curl -s {settings.rasa_url}/webhooks/rest/webhook "
        f'-d \'{{"sender": "me", "message": "hello"}}\'\n'
        f"  Terminal:  make shell (in another terminal)\n"
        f"Press Ctrl-C to stop.\n"
    )


def main() -> int:
    """Run the bot until Ctrl-C (SIGINT) or SIGTERM; 1 if a server could not be kept up."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    load_dotenv(env_file())  # .env (or BOT_ENV_FILE); variables already set win
    settings = Settings.from_env()
    settings.export()
    ensure_model(settings)
    supervisor = Supervisor(quiet_env(), PROJECT_DIR)
    try:
        for server in servers(settings):
            if server.name == "the Rasa server":
                print("Starting the Rasa server (about half a minute)...", flush=True)
            supervisor.start(server)
        print(ready_message(settings), flush=True)
        supervisor.watch()
        return 1  # not reached: watch returns only by an exception
    except GaveUp as error:
        print(f"\n{error.code} Stopping the bot.", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return 0
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):  # a second one must not orphan servers
            signal.signal(signum, signal.SIG_IGN)
        supervisor.stop()


if __name__ == "__main__":
    sys.exit(main())
