"""Start the Rasa server with this project's settings.

Usage: ``python -m bot.launch.rasa_server [extra rasa run arguments]``.

Before handing over to ``rasa run`` it checks the fact set (safety rules, local numbers
and ``BOT_COUNTRY`` included), the endpoints file and the
model (each failure names its file), keeps patient text out of the logs, and adjusts
Rasa where it would fail patients: the action server timeout is ``ACTION_TIMEOUT_SECONDS``
(default 5) instead of five minutes, a failing action server gets a short safe reply
instead of silence, action replies are validated without rebuilding the schema each
time, the connection to the action server is kept open, and request bodies are capped.
The HTTP API stays off unless ``RASA_ENABLE_API`` is true, and then needs a JWT secret. The
channels get the identity secret (:func:`bot.identity.load_secret`), which must be set
when the conversations are in a database several servers may share.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bot import identity, logging_privacy
from bot.launch.channels import credentials_file, env_file, load_dotenv
from bot.launch.settings import PROJECT_DIR, Settings


def set_action_timeout(seconds: float) -> None:
    """Bound how long Rasa waits for the action server."""
    import rasa.core.actions.action as remote_action

    remote_action.DEFAULT_REQUEST_TIMEOUT = seconds


def reply_validator() -> Callable[[Any], None]:
    """A check of action-server replies against Rasa's schema, built once.

    Rasa's schema lets each event be ``oneOf`` its 23 event types, so a generic validator
    tries every type on every event. Here each event is checked against the types that
    carry its ``event`` name (the others cannot match), which is the same check.
    """
    import jsonschema
    import rasa.core.actions.action as remote_action

    schema = remote_action.RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    events = schema["properties"]["events"]
    item = events["items"]
    common = {key: value for key, value in item.items() if key != "oneOf"}
    options: dict[str, list[dict[str, Any]]] = {}
    for option in item["oneOf"]:
        options.setdefault(option["properties"]["event"]["const"], []).append(option)
    reply_shape = validator_class(
        {**schema, "properties": {**schema["properties"], "events": {"type": "array"}}}
    )
    any_event = validator_class(item)
    by_name = {name: validator_class({**common, "oneOf": o}) for name, o in options.items()}

    def validate(reply: Any) -> None:
        reply_shape.validate(reply)
        for event in reply.get("events") or []:
            name = event.get("event") if isinstance(event, dict) else None
            validator = by_name.get(name, any_event) if isinstance(name, str) else any_event
            validator.validate(event)

    return validate


def validate_action_replies_once() -> None:
    """Check action-server replies with :func:`reply_validator`, built once.

    Rasa 3.6 calls ``jsonschema.validate`` for every reply, which first re-checks Rasa's
    whole event schema against the meta-schema: about 40 ms of every answer here, and
    still about 1 ms with a prebuilt generic validator. This one takes about 0.1 ms.
    """
    import jsonschema
    import rasa.core.actions.action as remote_action

    check = reply_validator()

    def validate(self: remote_action.RemoteAction, result: dict[str, Any]) -> bool:
        try:
            check(result)
        except jsonschema.ValidationError as error:
            error.message += ". Failed to validate Action server response from API."
            raise
        return True

    remote_action.RemoteAction._validate_action_result = validate


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


def main(argv: list[str]) -> None:
    """Check the model and fact set, then hand over to ``rasa run``."""
    load_dotenv(env_file())  # .env (or BOT_ENV_FILE); variables already set win
    settings = Settings.from_env()
    settings.export()
    logging_privacy.install(argv)  # before Rasa configures logging
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
    from bot.channels.rest import limit_request_size
    from bot.launch import action_fallback, keep_alive

    set_action_timeout(settings.action_timeout_seconds)
    validate_action_replies_once()
    action_fallback.install()  # a short safe reply when the action server fails
    keep_alive.install()  # one kept connection to the action server, not one per call
    limit_request_size()  # SANIC_REQUEST_MAX_SIZE, for this process only
    from rasa.__main__ import main as rasa_main

    sys.argv = rasa_run_args(settings, argv[1:])
    rasa_main()


if __name__ == "__main__":
    main(sys.argv)
