"""Start the real action server and Rasa server on free loopback ports, for tests and the bench."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot.evaluation import rest_say
from bot.identity import SECRET_VARIABLE, Identities
from bot.launch.channels import CHANNELS
from bot.launch.run import action_server_command, rasa_server_command, wait_until_ready
from bot.launch.settings import PROJECT_DIR, Settings

READY_SECONDS = 240
CHANNEL_VARIABLES = tuple(name for channel in CHANNELS for name in channel.variables())


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class BotServers:
    """The two servers of one test session, with controls to stop and restart them."""

    workdir: Path
    settings: Settings
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    rasa_args: list[str] = field(default_factory=list)  # e.g. another --endpoints file

    @classmethod
    def create(cls, workdir: Path, **overrides: str) -> BotServers:
        """Servers on free ports, keeping conversations in ``workdir``."""
        env = dict(os.environ)
        env.update(
            RASA_PORT=str(free_port()),
            ACTION_PORT=str(free_port()),
            WIDGET_PORT=str(free_port()),
            TRACKER_DB=str(workdir / "conversations.db"),
            PYTHONWARNINGS="ignore",
            TF_CPP_MIN_LOG_LEVEL="2",
        )
        # a developer's .env or shell must not switch real messaging channels on in tests,
        # nor choose the emergency numbers (tests that need a country pass BOT_COUNTRY)
        for key in ("ACTION_ENDPOINT_URL", "SANIC_HOST", "BOT_COUNTRY", *CHANNEL_VARIABLES):
            env.pop(key, None)
        env["BOT_ENV_FILE"] = ""
        env[SECRET_VARIABLE] = secrets.token_hex(32)  # the tests sign and hash with it too
        env.update(overrides)
        settings = Settings.from_env(env)
        settings.export(env)
        return cls(workdir=workdir, settings=settings, env=env)

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return self.settings.rasa_url

    @property
    def identities(self) -> Identities:
        """The servers' identity secret, to name conversations as the channels do."""
        return Identities(self.env[SECRET_VARIABLE])

    def _start(self, name: str, command: list[str], ready_url: str) -> None:
        log = (self.workdir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes[name] = process
        wait_until_ready(ready_url, process, READY_SECONDS)

    def start_actions(self) -> None:
        """Start the action server and wait until it is healthy."""
        s = self.settings
        command = action_server_command(s)
        self._start("actions", command, f"http://{s.action_host}:{s.action_port}/health")

    def start_rasa(self) -> None:
        """Start the Rasa server and wait until its REST channel answers."""
        self._start(
            "rasa", rasa_server_command() + self.rasa_args, f"{self.rasa_url}/webhooks/rest/"
        )

    def start(self) -> BotServers:
        """Start both servers."""
        self.start_actions()
        self.start_rasa()
        return self

    def stop(self, name: str) -> None:
        """Stop one server ("rasa" or "actions") and wait for it to exit."""
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self) -> None:
        """Stop every server started."""
        for name in list(self.processes):
            self.stop(name)

    def say(
        self,
        sender: str,
        message: str,
        timeout: float = 30,
        metadata: dict[str, object] | None = None,
    ) -> list[dict[str, object]]:
        """Post ``message`` to the REST channel as ``sender``; return the bot's replies.

        ``metadata`` goes with the message as the web widget sends it (``{"country": "GB"}``).
        """
        if metadata is None:
            return [dict(r) for r in rest_say(self.rasa_url, timeout)(sender, message)]
        body = json.dumps({"sender": sender, "message": message, "metadata": metadata})
        request = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook",
            body.encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return [dict(r) for r in json.load(response)]


def texts(replies: list[dict[str, object]]) -> str:
    """All reply texts joined, for assertions."""
    return "\n".join(str(r.get("text", "")) for r in replies)
