"""Start and stop the servers that are measured: ours and Rasa's starter bot.

Ours starts exactly as ``harness/servers.py`` and ``make run`` start it (the same commands
and environment, on free loopback ports); the starter bot is made by
``rasa init --no-prompt`` in a temporary folder and run with ``rasa run`` on its REST
channel.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.launch.run import action_server_command, rasa_server_command
from bot.launch.settings import PROJECT_DIR, Settings
from harness.servers import BotServers, free_port

STOP_SECONDS = 15

# Rasa asks a telemetry service abroad at start-up unless told not to; the bench must only
# talk to loopback. The training cache is off so that every training is a real one.
QUIET_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "RASA_MAX_CACHE_SIZE": "0",
    "PYTHONWARNINGS": "ignore",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "BOT_ENV_FILE": "",  # read no .env file: the bench runs the bot as configured here
}


def quiet(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the settings every process the bench starts needs."""
    return {**env, **QUIET_ENV}


def lowest_priority(pid: int) -> None:
    """Give process ``pid``, which leads a session of its own, the lowest CPU priority.

    With the kernel's autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``)
    each session shares the CPUs fairly with every other session whatever its processes'
    nice values, so the session's own priority is lowered too (``/proc/<pid>/autogroup``).
    """
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, pid, 19)
    with contextlib.suppress(OSError):  # no autogroup scheduling: the nice value is enough
        Path(f"/proc/{pid}/autogroup").write_text("19")


def normal_priority(pid: int) -> None:
    """Undo :func:`lowest_priority` for ``pid`` and all its threads, once nothing is timed."""
    tasks = Path(f"/proc/{pid}/task")
    ids = [int(t.name) for t in tasks.iterdir()] if tasks.is_dir() else [pid]
    for task in ids:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, task, 0)
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/autogroup").write_text("0")


@dataclass
class Server:
    """One server process, its log written to a file."""

    name: str
    command: list[str]
    cwd: Path
    env: dict[str, str]
    log: Path
    show_stdout: bool = False  # True: stdout goes to the terminal, only stderr to the log
    background: bool = False  # True: lowest CPU priority, for work that is not timed
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    started_at: float = field(default=0.0, init=False)

    def start(self) -> Server:
        """Start the process (in its own process group) and note when."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.started_at = time.monotonic()
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdout=None if self.show_stdout else log,
                stderr=log if self.show_stdout else subprocess.STDOUT,
                start_new_session=True,
            )
        if self.background:
            lowest_priority(self.process.pid)
        return self

    @property
    def pid(self) -> int:
        """The process id (the server must have been started)."""
        if self.process is None:
            raise RuntimeError(f"{self.name} was not started")
        return self.process.pid

    def alive(self) -> bool:
        """Whether the process is running."""
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """Terminate the process group; kill it if it does not stop in time."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_SECONDS)

    def log_tail(self, lines: int = 30) -> str:
        """The last ``lines`` of the log, for error messages."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class BotUnderTest:
    """The servers of one bot, not yet started, and where to send messages."""

    label: str
    rasa: Server
    actions: Server | None
    rest_url: str
    action_health_url: str | None
    model: Path


def ours(workdir: Path, model: Path) -> BotUnderTest:
    """Our action and Rasa servers, configured as ``harness/servers.py`` does."""
    servers = BotServers.create(workdir, MODEL_PATH=str(model))
    env = quiet(servers.env)
    settings = Settings.from_env(env)
    actions = Server(
        "actions (ours)", action_server_command(settings), PROJECT_DIR, env, workdir / "actions.log"
    )
    rasa = Server("rasa (ours)", rasa_server_command(), PROJECT_DIR, env, workdir / "rasa.log")
    return BotUnderTest(
        label="ours",
        rasa=rasa,
        actions=actions,
        rest_url=f"{settings.rasa_url}/webhooks/rest/webhook",
        action_health_url=f"http://{settings.action_host}:{settings.action_port}/health",
        model=model,
    )


def starter_model(project: Path) -> Path:
    """The model ``rasa init`` trained in ``project``."""
    models = sorted((project / "models").glob("*.tar.gz"))
    if not models:
        raise RuntimeError(f"rasa init left no model in {project / 'models'}")
    return models[-1]


def baseline(project: Path, workdir: Path) -> BotUnderTest:
    """Rasa's starter bot in ``project``: ``rasa run`` on REST, and its action server.

    The starter's ``actions.py`` registers no action and its ``endpoints.yml`` names no
    action server, so Rasa never calls it; it is started anyway (the same way as ours,
    ``python -m rasa_sdk``, which is what ``rasa run actions`` runs) so that both bots
    are measured with the same two processes.
    """
    env = quiet(dict(os.environ))
    for key in ("ACTION_ENDPOINT_URL", "SANIC_HOST", "TRACKER_DB", "MODEL_PATH"):
        env.pop(key, None)
    rasa_port, action_port = free_port(), free_port()
    model = starter_model(project)
    rasa = Server(
        "rasa (baseline)",
        [
            sys.executable,
            "-m",
            "rasa",
            "run",
            "--model",
            str(model),
            "--credentials",
            "credentials.yml",
            "--endpoints",
            "endpoints.yml",
            "--interface",
            "127.0.0.1",
            "--port",
            str(rasa_port),
        ],
        project,
        env,
        workdir / "rasa.log",
    )
    actions = Server(
        "actions (baseline)",
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
        project,
        {**env, "SANIC_HOST": "127.0.0.1"},
        workdir / "actions.log",
    )
    return BotUnderTest(
        label="baseline",
        rasa=rasa,
        actions=actions,
        rest_url=f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
        action_health_url=f"http://127.0.0.1:{action_port}/health",
        model=model,
    )


def rasa_init(project: Path, log: Path, timeout: float) -> float:
    """Run ``rasa init --no-prompt`` into ``project`` (it trains); its wall time in s."""
    project.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("ab") as out:
        subprocess.run(
            [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(project)],
            cwd=project,
            env=quiet(dict(os.environ)),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            check=True,
            timeout=timeout,
        )
    return time.monotonic() - started
