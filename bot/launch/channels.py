"""Which channel configuration the Rasa server starts with.

REST and socket.io (``credentials.yml``, the documented base) are always on; both get the
identity secret (``BOT_IDENTITY_SECRET``, see :mod:`bot.identity`), and REST its token
when ``REST_TOKEN`` is set (32 characters or more: off loopback, REST answers only
requests that carry it). A messaging platform is added when all of its variables are
set; setting only some of them stops start-up with an error naming the missing ones. The
generated file refers to the values as ``${VAR}`` (Rasa fills them in from the
environment when it reads the file), so no secret is written to disk; it is still
created private (mode 0600) in ``.rasa/``.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.identity import MIN_SECRET_CHARS, SECRET_VARIABLE
from bot.launch.settings import PROJECT_DIR, Settings

logger = logging.getLogger(__name__)

BASE_CREDENTIALS = PROJECT_DIR / "credentials.yml"
GENERATED_NAME = "credentials.generated.yml"
# where load_dotenv reads from; set it to "" to read no file (the tests do)
ENV_FILE_VARIABLE = "BOT_ENV_FILE"
DEFAULT_ENV_FILE = PROJECT_DIR / ".env"
REST_CONNECTOR = "bot.channels.rest.SafeRestInput"
SOCKETIO_CONNECTOR = "bot.channels.socketio.SafeSocketIOInput"
REST_TOKEN_VARIABLE = "REST_TOKEN"
IDENTITY_KEY = "identity_secret"

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class Channel:
    """A messaging platform: its connector and the variables that configure it."""

    label: str
    connector: str  # import path of the InputChannel, the key in the credentials file
    required: tuple[tuple[str, str], ...]  # (variable, credentials key): all must be set
    optional: tuple[tuple[str, str], ...] = ()  # used when set
    check: Callable[[Mapping[str, str]], None] | None = None  # stops on a bad value
    always: tuple[tuple[str, str], ...] = ()  # set by the launcher (the identity secret)

    def variables(self) -> tuple[str, ...]:
        """Every variable this channel reads."""
        return tuple(name for name, _ in (*self.required, *self.optional))


def check_telegram(env: Mapping[str, str]) -> None:
    """Stop on a secret token Telegram would refuse; warn when there is none."""
    secret = env.get("TELEGRAM_SECRET_TOKEN", "")
    if secret and not _TELEGRAM_SECRET.fullmatch(secret):
        raise SystemExit("TELEGRAM_SECRET_TOKEN may only hold A-Z, a-z, 0-9, _ and - (1 to 256).")
    if not secret:
        logger.warning(
            "TELEGRAM_SECRET_TOKEN is not set: anyone who knows the webhook URL can send "
            "the bot fake Telegram updates."
        )


def check_twilio(env: Mapping[str, str]) -> None:
    """Stop on a message length Twilio would refuse."""
    limit = env.get("TWILIO_MAX_MESSAGE_CHARS", "").strip()
    if limit and not (limit.isdigit() and 1 <= int(limit) <= 1600):
        raise SystemExit(f"TWILIO_MAX_MESSAGE_CHARS must be 1 to 1600, got '{limit}'.")


CHANNELS = (
    Channel(
        "Telegram",
        "bot.channels.telegram.TelegramInput",
        required=(
            ("TELEGRAM_ACCESS_TOKEN", "access_token"),
            ("TELEGRAM_BOT_NAME", "bot_name"),
            ("TELEGRAM_WEBHOOK_URL", "webhook_url"),
        ),
        optional=(("TELEGRAM_SECRET_TOKEN", "secret_token"), ("TELEGRAM_API_URL", "api_url")),
        check=check_telegram,
    ),
    Channel(
        "Slack",
        "bot.channels.slack.SlackInput",
        required=(("SLACK_TOKEN", "token"), ("SLACK_SIGNING_SECRET", "signing_secret")),
        optional=(("SLACK_API_URL", "api_url"),),
    ),
    Channel(
        "Facebook Messenger",
        "bot.channels.facebook.MessengerInput",
        required=(
            ("FACEBOOK_PAGE_ACCESS_TOKEN", "page_access_token"),
            ("FACEBOOK_SECRET", "secret"),
            ("FACEBOOK_VERIFY_TOKEN", "verify_token"),
        ),
        optional=(("FACEBOOK_API_URL", "api_url"),),
    ),
    Channel(
        "Twilio",
        "bot.channels.twilio.TwilioInput",
        required=(
            ("TWILIO_ACCOUNT_SID", "account_sid"),
            ("TWILIO_AUTH_TOKEN", "auth_token"),
            ("TWILIO_NUMBER", "number"),
        ),
        optional=(
            ("TWILIO_WEBHOOK_URL", "webhook_url"),
            ("TWILIO_API_URL", "api_url"),
            ("TWILIO_MAX_MESSAGE_CHARS", "max_message_chars"),
        ),
        check=check_twilio,
        always=((SECRET_VARIABLE, IDENTITY_KEY),),  # the numbers are stored as keyed hashes
    ),
)


def _is_set(env: Mapping[str, str], name: str) -> bool:
    return bool(env.get(name, "").strip())


def enabled_channels(env: Mapping[str, str]) -> list[Channel]:
    """The platforms whose variables are all set; an error for a half-configured one."""
    enabled = []
    for channel in CHANNELS:
        names = [name for name, _ in channel.required]
        missing = [name for name in names if not _is_set(env, name)]
        if len(missing) == len(names):
            continue
        if missing:
            raise SystemExit(
                f"{channel.label} is only partly configured: set {', '.join(missing)} "
                f"(or unset {', '.join(n for n in names if n not in missing)}). "
                f"See .env.example and docs/channels.md."
            )
        if channel.check is not None:
            channel.check(env)
        enabled.append(channel)
    return enabled


def reference(name: str) -> str:
    """``${name}``: Rasa puts the variable's value there when it reads the file."""
    return f"${{{name}}}"


def channel_credentials(channel: Channel, env: Mapping[str, str]) -> dict[str, str]:
    """The connector's credentials, as ``${VAR}`` references to the set variables."""
    found = {
        key: reference(name)
        for name, key in (*channel.required, *channel.optional)
        if _is_set(env, name)
    }
    return {**found, **{key: reference(name) for name, key in channel.always}}


def rest_token(env: Mapping[str, str]) -> bool:
    """Whether ``REST_TOKEN`` is set; stops start-up when it is too short to be safe."""
    token = env.get(REST_TOKEN_VARIABLE, "").strip()
    if token and len(token) < MIN_SECRET_CHARS:
        raise SystemExit(
            f"{REST_TOKEN_VARIABLE} must be at least {MIN_SECRET_CHARS} characters "
            "(e.g. `openssl rand -hex 32`)."
        )
    return bool(token)


def credentials(env: Mapping[str, str], base: Path = BASE_CREDENTIALS) -> dict[str, Any]:
    """The base channels (REST, socket.io) plus every platform enabled by ``env``."""
    data: dict[str, Any] = yaml.safe_load(base.read_text(encoding="utf-8")) or {}
    for connector in (REST_CONNECTOR, SOCKETIO_CONNECTOR):
        data[connector] = {**(data.get(connector) or {}), IDENTITY_KEY: reference(SECRET_VARIABLE)}
    if rest_token(env):
        data[REST_CONNECTOR]["token"] = reference(REST_TOKEN_VARIABLE)
    for channel in enabled_channels(env):
        data[channel.connector] = channel_credentials(channel, env)
    return data


def credentials_file(settings: Settings, env: Mapping[str, str] | None = None) -> Path:
    """Write the credentials file for ``rasa run`` next to the conversations; its path."""
    data = credentials(os.environ if env is None else env)
    directory = settings.tracker_db.parent
    directory.mkdir(parents=True, exist_ok=True)
    header = "# Generated at start-up by bot/launch/channels.py from credentials.yml.\n"
    handle, temporary = tempfile.mkstemp(prefix=".credentials-", suffix=".yml", dir=directory)
    with os.fdopen(handle, "w", encoding="utf-8") as file:  # mkstemp: mode 0600
        file.write(header + yaml.safe_dump(data, sort_keys=False))
    target = directory / GENERATED_NAME
    os.replace(temporary, target)
    return target


def env_file(env: Mapping[str, str] = os.environ) -> Path | None:
    """The ``.env`` file to load: ``BOT_ENV_FILE`` if set ("" for none), else ``.env``."""
    chosen = env.get(ENV_FILE_VARIABLE)
    if chosen is None:
        return DEFAULT_ENV_FILE
    return Path(chosen) if chosen.strip() else None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return re.split(r"\s+#", value, maxsplit=1)[0].strip()  # an unquoted value's comment


def load_dotenv(
    path: Path | None, environ: MutableMapping[str, str] | None = None
) -> dict[str, str]:
    """Set the ``KEY=VALUE`` lines of ``path`` that the environment does not already set.

    Blank lines and ``#`` comments are skipped, ``export`` is allowed, and a value may be
    quoted. A missing file (or None) sets nothing.

    Args:
        path: the ``.env`` file.
        environ: where to set the variables (``os.environ`` by default).

    Returns:
        The variables that were set.

    Raises:
        SystemExit: for a line that is not ``KEY=VALUE``, naming the file and line.
    """
    target = os.environ if environ is None else environ
    if path is None or not path.is_file():
        return {}
    loaded: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").lstrip()
        key, equals, value = line.partition("=")
        key = key.strip()
        if not equals or not _KEY.fullmatch(key):
            raise SystemExit(f"{path}:{number}: expected KEY=VALUE")
        if key not in target:
            target[key] = loaded[key] = _unquote(value.strip())
    return loaded
