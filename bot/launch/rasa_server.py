"""Start the Rasa server with this project's settings.

Usage: ``python -m bot.launch.rasa_server [extra rasa run arguments]``.

Rasa calls the action server with a hard-coded five-minute timeout; this launcher sets it
to ``ACTION_TIMEOUT_SECONDS`` (default 5) so a stuck action server cannot leave a patient
waiting for minutes.
"""

from __future__ import annotations

import sys
from typing import Any

from bot.launch.channels import credentials_file, env_file, load_dotenv
from bot.launch.settings import PROJECT_DIR, Settings


def set_action_timeout(seconds: float) -> None:
    """Bound how long Rasa waits for the action server."""
    import rasa.core.actions.action as remote_action

    remote_action.DEFAULT_REQUEST_TIMEOUT = seconds


def validate_action_replies_once() -> None:
    """Check action-server replies with one prebuilt JSON-schema validator.

    Rasa 3.6 calls ``jsonschema.validate`` for every reply, which first re-checks Rasa's
    whole event schema against the meta-schema: about 40 ms of every answer here. The
    same check with a validator built once takes well under a millisecond.
    """
    import jsonschema
    import rasa.core.actions.action as remote_action

    schema = remote_action.RemoteAction.action_response_format_spec()
    validator = jsonschema.validators.validator_for(schema)(schema)

    def validate(self: remote_action.RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
        except jsonschema.ValidationError as error:
            error.message += ". Failed to validate Action server response from API."
            raise
        return True

    remote_action.RemoteAction._validate_action_result = validate


def rasa_run_args(settings: Settings, extra: list[str]) -> list[str]:
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
        *extra,
    ]


def main(argv: list[str]) -> None:
    """Check the model and fact set, then hand over to ``rasa run``."""
    load_dotenv(env_file())  # .env (or BOT_ENV_FILE); variables already set win
    settings = Settings.from_env()
    settings.export()
    if not settings.model_path.is_file():
        raise SystemExit(f"No trained model at {settings.model_path}: run `make train` first.")
    from bot import knowledge

    knowledge.default()  # a broken fact file stops start-up here, naming the file
    set_action_timeout(settings.action_timeout_seconds)
    validate_action_replies_once()
    from rasa.__main__ import main as rasa_main

    sys.argv = rasa_run_args(settings, argv[1:])
    rasa_main()


if __name__ == "__main__":
    main(sys.argv)
