"""Broken or missing start-up files stop the Rasa server with an error naming the file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.knowledge import KNOWLEDGE_DIR
from bot.launch import rasa_server
from bot.launch.settings import PROJECT_DIR, Settings
from harness.servers import free_port

START_SECONDS = 240
POSTGRES_VARIABLES = (
    "POSTGRES_HOST",
    "POSTGRES_PORT",
    "POSTGRES_DB",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "REDIS_HOST",
    "REDIS_PORT",
    "REDIS_PASSWORD",
)


def launch(tmp_path: Path, *extra: str, code: str | None = None, **env: str) -> str:
    """Run the launcher (or ``code``) until it exits; its output. It must fail."""
    environment = {
        **os.environ,
        "BOT_ENV_FILE": "",
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "TRACKER_DB": str(tmp_path / "conversations.db"),
        "PYTHONWARNINGS": "ignore",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    for key in ("ACTION_ENDPOINT_URL", "SANIC_HOST", "BOT_IDENTITY_SECRET"):
        environment.pop(key, None)
    environment.update(env)
    command = [sys.executable, "-m", "bot.launch.rasa_server", *extra]
    if code is not None:
        command = [sys.executable, "-c", code]
    done = subprocess.run(
        command,
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
        check=False,
    )
    assert done.returncode != 0, "the launcher should have stopped"
    return done.stdout + done.stderr


# -------------------------------------------------------- the checks, in this process


def test_a_readable_model_passes() -> None:
    rasa_server.check_model(Settings.from_env().model_path)


@pytest.mark.parametrize("content", [b"not a model", b"\x1f\x8b\x08\x00 truncated"])
def test_an_unreadable_model_is_named(tmp_path: Path, content: bytes) -> None:
    model = tmp_path / "broken.tar.gz"
    model.write_bytes(content)
    with pytest.raises(SystemExit, match=f"The model {model} cannot be read"):
        rasa_server.check_model(model)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (None, "is missing"),
        ("tracker_store:\n  db: [unclosed\n", "cannot be read: Failed to read YAML"),
        ("action_endpoint:\n  url: ${NO_SUCH_VARIABLE_HERE}\n", "NO_SUCH_VARIABLE_HERE"),
        ("tracker_store:\n  type: bot.rasa.tracker_store.NoSuchStore\n", "cannot be imported"),
        ("lock_store:\n  type: no_such_module.Store\n", "cannot be imported"),
    ],
)
def test_a_broken_endpoints_file_is_named(tmp_path: Path, text: str | None, problem: str) -> None:
    path = tmp_path / "endpoints.yml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(SystemExit) as stopped:
        rasa_server.check_endpoints(path)
    assert str(path) in str(stopped.value) and problem in str(stopped.value)


def test_the_project_endpoints_files_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ACTION_ENDPOINT_URL", "TRACKER_DB", *POSTGRES_VARIABLES):
        monkeypatch.setenv(name, "1")
    for name in ("endpoints.yml", "endpoints.postgres.yml"):
        rasa_server.check_endpoints(PROJECT_DIR / name)


@pytest.mark.parametrize(
    ("store", "shared"),
    [
        (None, False),  # conversations in the server's memory
        ({"type": "bot.rasa.tracker_store.PrivateSQLTrackerStore", "db": "x.db"}, False),
        ({"type": "bot.rasa.tracker_store.PrivateSQLTrackerStore", "dialect": "sqlite"}, False),
        ({"type": "sql", "url": "sqlite:///file:x.db?mode=ro&uri=true"}, False),
        ({"type": "bot.rasa.tracker_store.PrivateSQLTrackerStore", "dialect": "postgresql"}, True),
        ({"type": "sql", "url": "postgresql://bot@db/bot"}, True),
        ({"type": "redis", "url": "localhost"}, True),
    ],
)
def test_a_database_other_than_sqlite_may_be_shared(store: object, shared: bool) -> None:
    assert rasa_server.shares_database({"tracker_store": store}) is shared


def test_the_launcher_checks_the_endpoints_file_rasa_will_read() -> None:
    assert rasa_server.endpoints_file([]) == PROJECT_DIR / "endpoints.yml"
    chosen = rasa_server.endpoints_file(["--endpoints", "other.yml", "--debug"])
    assert chosen == Path("other.yml")


# ------------------------------------------------------ the launcher, as a process


@pytest.mark.slow
def test_a_missing_model_stops_start_up(tmp_path: Path) -> None:
    missing = tmp_path / "no-model.tar.gz"
    assert f"No trained model at {missing}" in launch(tmp_path, MODEL_PATH=str(missing))


@pytest.mark.slow
def test_a_truncated_model_stops_start_up(tmp_path: Path) -> None:
    model = tmp_path / "truncated.tar.gz"
    model.write_bytes(Settings.from_env().model_path.read_bytes()[:200_000])
    assert f"The model {model} cannot be read" in launch(tmp_path, MODEL_PATH=str(model))


@pytest.mark.slow
def test_a_broken_fact_file_stops_start_up(tmp_path: Path) -> None:
    facts = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, facts)
    (facts / "facts.yml").write_text("facts: [this is not closed\n")
    code = (
        "from pathlib import Path; from bot import knowledge; "
        f"knowledge.default = lambda: knowledge.load(Path({str(facts)!r})); "
        "from bot.launch import rasa_server; rasa_server.main(['rasa_server'])"
    )
    output = launch(tmp_path, code=code)
    assert f"Cannot start: {facts / 'facts.yml'}: cannot be read" in output


@pytest.mark.slow
def test_a_country_without_numbers_stops_start_up(tmp_path: Path) -> None:
    output = launch(tmp_path, BOT_COUNTRY="XX")
    assert "Cannot start: BOT_COUNTRY=XX is not in" in output
    assert "emergency_numbers.yml" in output
    assert "BOT_COUNTRY must be a country code" in launch(tmp_path, BOT_COUNTRY="U.K.")


@pytest.mark.slow
def test_a_broken_endpoints_file_stops_start_up(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint: [\n")
    output = launch(tmp_path, "--endpoints", str(endpoints))
    assert f"The endpoints file {endpoints} cannot be read" in output


def postgres_endpoints(tmp_path: Path) -> Path:
    """An endpoints file naming a PostgreSQL database that does not answer."""
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n"
        "  type: bot.rasa.tracker_store.PrivateSQLTrackerStore\n"
        "  dialect: postgresql\n"
        "  url: 127.0.0.1\n"
        f"  port: {free_port()}\n"
        "  db: conversations\n"
        "  username: bot\n"
        "  password: not-logged-4f9c2\n"
        "  connect_timeout: 2\n"
    )
    return endpoints


@pytest.mark.slow
def test_a_shared_database_without_the_identity_secret_stops_start_up(tmp_path: Path) -> None:
    output = launch(tmp_path, "--endpoints", str(postgres_endpoints(tmp_path)))
    assert "Set BOT_IDENTITY_SECRET" in output
    assert not (tmp_path / "identity.key").exists(), "no secret of its own was made"


@pytest.mark.slow
def test_an_unreachable_database_stops_start_up_naming_it(tmp_path: Path) -> None:
    endpoints = postgres_endpoints(tmp_path)
    output = launch(tmp_path, "--endpoints", str(endpoints), BOT_IDENTITY_SECRET="i" * 32)
    assert "Cannot open the conversation database postgresql://bot:***@127.0.0.1" in output
    assert "not-logged-4f9c2" not in output
