"""Start the Rasa server with this project's settings.

Usage: ``python -m bot.launch.rasa_server [extra rasa run arguments]``.

Before handing over to ``rasa run`` it checks the fact set (safety rules, local numbers
and ``BOT_COUNTRY`` included), the endpoints file and the
model (each failure names its file), keeps patient text out of the logs, and installs
the changes to Rasa of :data:`bot.rasa.changes.CHANGES` (custom actions with a timeout of
``ACTION_TIMEOUT_SECONDS`` and a safe reply when the action server fails, replies checked
quickly, a kept connection closed on stop, and request bodies capped). The HTTP API
stays off unless ``RASA_ENABLE_API`` is true, and then needs a JWT secret. The
channels get the identity secret (:func:`bot.identity.load_secret`), which must be set
when the conversations are in a database several servers may share.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot import identity, logging_privacy
from bot.launch.channels import credentials_file, env_file, load_dotenv
from bot.launch.settings import PROJECT_DIR, Settings


def api_args(env: Mapping[str, str]) -> list[str]:
    """Rasa's HTTP API flags: none, unless ``RASA_ENABLE_API=true``, then JWT-protected.

    The API can replace the model and read or rewrite any conversation, so it is off by
    default and, when on, needs a JWT secret (never the weaker ``--auth-token``).
    """
    if env.get("RASA_ENABLE_API", "").strip().lower() not in {"1", "true", "yes"}:
        return []
    secret = env.get("RASA_JWT_SECRET", "")
    if len(secret) < 32:
        raise SystemExit(
            "RASA_ENABLE_API=true needs RASA_JWT_SECRET, at least 32 characters "
            "(e.g. `openssl rand -hex 32`)."
        )
    return ["--enable-api", "--jwt-secret", secret]


def rasa_log_level(extra: list[str], env: Mapping[str, str]) -> int:
    """The level ``rasa run`` logs at: its ``-v``/``--debug``/``--quiet``, else ``LOG_LEVEL``.

    Rasa sets it on its own loggers only; once Sanic runs, the root logger is at WARNING,
    so the bot's loggers need it too, or their INFO lines are dropped.
    """
    from rasa.cli.arguments.default_arguments import add_logging_options
    from rasa.shared.constants import DEFAULT_LOG_LEVEL, ENV_LOG_LEVEL

    parser = argparse.ArgumentParser(add_help=False)
    add_logging_options(parser)
    level = parser.parse_known_args(extra)[0].loglevel
    if level is None:
        level = logging.getLevelName(env.get(ENV_LOG_LEVEL, DEFAULT_LOG_LEVEL).upper())
    return level if isinstance(level, int) else logging.INFO


def check_model(path: Path) -> None:
    """Stop with an error naming ``path`` unless it is a readable Rasa model archive.

    Rasa itself only warns about a broken model and then serves without one.
    """
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    try:
        LocalModelStorage.metadata_from_archive(path)
    except Exception as error:
        raise SystemExit(
            f"The model {path} cannot be read ({type(error).__name__}: {error}). "
            "Run `make train` to rebuild it."
        ) from None


def endpoints_file(extra: list[str]) -> Path:
    """The endpoints file ``rasa run`` will read: ``--endpoints`` in ``extra`` wins."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--endpoints", default=str(PROJECT_DIR / "endpoints.yml"))
    return Path(parser.parse_known_args(extra)[0].endpoints)


def check_endpoints(path: Path) -> dict[str, Any]:
    """Stop with an error naming ``path`` where Rasa would go on without its settings.

    Rasa runs without an action server and keeps conversations only in memory when the
    file is missing, and falls back to memory when the tracker or lock store class
    cannot be imported; a YAML error does not name the file.

    Returns:
        The file's settings.
    """
    from rasa.shared.exceptions import RasaException
    from rasa.shared.utils.common import class_from_module_path
    from rasa.shared.utils.io import read_config_file

    if not path.is_file():
        raise SystemExit(f"The endpoints file {path} is missing.")
    try:
        content = read_config_file(path)
    except RasaException as error:
        raise SystemExit(f"The endpoints file {path} cannot be read: {error}") from None
    for section in ("tracker_store", "lock_store"):
        store = content.get(section) if isinstance(content, dict) else None
        kind = str(store.get("type") or "") if isinstance(store, dict) else ""
        if "." not in kind:
            continue  # one of Rasa's own stores
        try:
            class_from_module_path(kind)
        except (ImportError, AttributeError) as error:
            raise SystemExit(
                f"{path}: {section} type '{kind}' cannot be imported: {error}"
            ) from None
    return content if isinstance(content, dict) else {}


def shares_database(endpoints: Mapping[str, Any]) -> bool:
    """Whether the tracker store may be shared by several servers (anything but SQLite)."""
    store = endpoints.get("tracker_store")
    if not isinstance(store, dict) or not store.get("type"):
        return False  # conversations in this server's memory
    kind = str(store.get("dialect") or str(store.get("url") or "").split(":", 1)[0])
    return not kind.startswith("sqlite") and kind != ""


def rasa_run_args(
    settings: Settings, extra: list[str], env: Mapping[str, str] = os.environ
) -> list[str]:
    """The ``rasa run`` command line for ``settings``."""
    return [
        "rasa",
        "run",
        "--model",
        str(settings.model_path),
        "--endpoints",
        str(PROJECT_DIR / "endpoints.yml"),
        "--credentials",
        str(credentials_file(settings)),
        "--interface",
        settings.rasa_host,
        "--port",
        str(settings.rasa_port),
        "--cors",
        *settings.allowed_origins,
        *api_args(env),
        *extra,
    ]


def prepare(argv: list[str]) -> Settings:
    """Everything before ``rasa run``: settings, the checks, and the changes to Rasa.

    Args:
        argv: this program's command line (the extra ``rasa run`` arguments follow it).

    Returns:
        The settings the server runs with.
    """
    # skops (the intent classifier's file format) first: on import it looks up the module
    # of each type it trusts, searching every loaded module for NumPy's ufuncs, which name
    # none. After Rasa and TensorFlow (about 1,400 modules) that took 3.2 s here, before
    # them 1.6 s with scikit-learn, which the model needs anyway.
    import skops.io  # noqa: F401

    load_dotenv(env_file())  # .env (or BOT_ENV_FILE); variables already set win
    settings = Settings.from_env()
    settings.export()
    logging_privacy.install(argv)  # before Rasa configures logging
    logging.getLogger("bot").setLevel(rasa_log_level(argv[1:], os.environ))
    if not settings.model_path.is_file():
        raise SystemExit(f"No trained model at {settings.model_path}: run `make train` first.")
    from bot import emergency_numbers, knowledge
    from bot.safety import default_rules

    try:
        knowledge.default()  # a broken fact file stops start-up here, naming the file
        # so do broken safety rules or numbers, and a BOT_COUNTRY the numbers do not list
        emergency_numbers.require(default_rules().numbers, settings.country)
    except knowledge.KnowledgeError as error:
        raise SystemExit(f"Cannot start: {error}") from None
    endpoints = check_endpoints(endpoints_file(argv[1:]))
    identity.load_secret(os.environ, settings.tracker_db.parent, shares_database(endpoints))
    check_model(settings.model_path)
    from bot.rasa import changes

    changes.install_all(settings)
    return settings


def main(argv: list[str]) -> None:
    """Check the model and fact set, change Rasa, then hand over to ``rasa run``."""
    settings = prepare(argv)
    from rasa.__main__ import main as rasa_main

    sys.argv = rasa_run_args(settings, argv[1:])
    rasa_main()


if __name__ == "__main__":
    main(sys.argv)
