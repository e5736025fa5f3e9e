"""bot/launch/channels.py: the credentials file per the environment, and .env loading."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import rasa.shared.utils.io
import yaml

from bot.launch.channels import (
    CHANNELS,
    DEFAULT_ENV_FILE,
    credentials,
    credentials_file,
    env_file,
    load_dotenv,
)
from bot.launch.settings import PROJECT_DIR, Settings
from tests.channels.platforms import SECRETS

TELEGRAM = "bot.channels.telegram.TelegramInput"
SLACK = "bot.channels.slack.SlackInput"
FACEBOOK = "bot.channels.facebook.MessengerInput"
TWILIO = "bot.channels.twilio.TwilioInput"
REST = "bot.channels.rest.SafeRestInput"
SOCKETIO = "bot.channels.socketio.SafeSocketIOInput"


IDENTITY = {"identity_secret": "${BOT_IDENTITY_SECRET}"}


def test_without_secrets_only_rest_and_socketio_are_on_with_the_identity_secret() -> None:
    data = credentials({})
    assert list(data) == [REST, SOCKETIO]
    base = yaml.safe_load((PROJECT_DIR / "credentials.yml").read_text())
    assert data[SOCKETIO] == {**base[SOCKETIO], **IDENTITY}
    assert data[REST] == IDENTITY  # no token: local clients only


def test_a_rest_token_is_passed_by_reference_and_must_be_long() -> None:
    data = credentials({"REST_TOKEN": "t" * 32})
    assert data[REST] == {**IDENTITY, "token": "${REST_TOKEN}"}
    with pytest.raises(SystemExit, match="REST_TOKEN"):
        credentials({"REST_TOKEN": "short"})


def test_twilio_gets_the_identity_secret_to_hash_numbers() -> None:
    assert credentials(SECRETS)[TWILIO]["identity_secret"] == "${BOT_IDENTITY_SECRET}"
    assert "identity_secret" not in credentials(SECRETS)[TELEGRAM]


def test_each_fully_configured_platform_is_added() -> None:
    env = {"SLACK_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    assert list(credentials(env)) == [REST, SOCKETIO, SLACK]
    assert list(credentials(SECRETS)) == [REST, SOCKETIO, TELEGRAM, SLACK, FACEBOOK, TWILIO]


def test_values_are_references_not_secrets() -> None:
    data = credentials(SECRETS)
    assert data[SLACK] == {"token": "${SLACK_TOKEN}", "signing_secret": "${SLACK_SIGNING_SECRET}"}
    assert "api_url" not in data[FACEBOOK]  # unset optional values are left out


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"SLACK_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_NUMBER": "+1"}, "TWILIO_AUTH_TOKEN"),
        ({"FACEBOOK_SECRET": "s", "FACEBOOK_VERIFY_TOKEN": " "}, "FACEBOOK_PAGE_ACCESS_TOKEN"),
        ({"TELEGRAM_BOT_NAME": "b"}, "TELEGRAM_ACCESS_TOKEN, TELEGRAM_WEBHOOK_URL"),
    ],
)
def test_a_partly_configured_platform_stops_start_up_naming_what_is_missing(
    env: dict[str, str], missing: str
) -> None:
    with pytest.raises(SystemExit, match=missing):
        credentials(env)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"TELEGRAM_SECRET_TOKEN": "has spaces"}, "TELEGRAM_SECRET_TOKEN"),
        ({"TWILIO_MAX_MESSAGE_CHARS": "5000"}, "TWILIO_MAX_MESSAGE_CHARS"),
        ({"TWILIO_MAX_MESSAGE_CHARS": "many"}, "TWILIO_MAX_MESSAGE_CHARS"),
    ],
)
def test_values_a_platform_would_refuse_stop_start_up(change: dict[str, str], message: str) -> None:
    with pytest.raises(SystemExit, match=message):
        credentials({**SECRETS, **change})


def test_the_file_is_private_and_rasa_reads_the_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BOT_IDENTITY_SECRET", "i" * 32)
    settings = Settings(tracker_db=tmp_path / "rasa" / "conversations.db")
    path = credentials_file(settings)
    assert path.parent == tmp_path / "rasa"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SECRETS["SLACK_SIGNING_SECRET"] not in path.read_text()  # no secret on disk
    read = rasa.shared.utils.io.read_config_file(path)
    assert read[SLACK]["signing_secret"] == SECRETS["SLACK_SIGNING_SECRET"]
    assert read[TWILIO]["number"] == SECRETS["TWILIO_NUMBER"]
    assert read[REST]["identity_secret"] == "i" * 32
    assert list(tmp_path.joinpath("rasa").iterdir()) == [path]  # no temporary files left


def test_the_example_env_file_lists_every_variable() -> None:
    example = (PROJECT_DIR / ".env.example").read_text()
    for channel in CHANNELS:
        for name in channel.variables():
            assert f"{name}=" in example
    assert "BOT_IDENTITY_SECRET=" in example and "REST_TOKEN=" in example


def test_dotenv_lines_are_loaded_without_overriding_the_environment(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(
        "# comment\n\n"
        "SLACK_TOKEN=xoxb-from-file\n"
        "export TWILIO_NUMBER='+1 555'\n"
        'FACEBOOK_SECRET="quoted # not a comment"\n'
        "TELEGRAM_BOT_NAME=LemsBot # a comment\n"
        "RASA_PORT=6000\n"
        "EMPTY=\n"
    )
    environ = {"RASA_PORT": "5005"}
    loaded = load_dotenv(path, environ)
    assert environ == {
        "RASA_PORT": "5005",  # the environment wins
        "SLACK_TOKEN": "xoxb-from-file",
        "TWILIO_NUMBER": "+1 555",
        "FACEBOOK_SECRET": "quoted # not a comment",
        "TELEGRAM_BOT_NAME": "LemsBot",
        "EMPTY": "",
    }
    assert "RASA_PORT" not in loaded


def test_a_malformed_dotenv_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("GOOD=1\nthis is not an assignment\n")
    with pytest.raises(SystemExit, match=r"\.env:2"):
        load_dotenv(path, {})


def test_a_missing_dotenv_file_loads_nothing(tmp_path: Path) -> None:
    assert load_dotenv(tmp_path / "absent", {}) == {}
    assert load_dotenv(None, {}) == {}


def test_the_dotenv_file_can_be_chosen_or_turned_off(tmp_path: Path) -> None:
    assert env_file({}) == DEFAULT_ENV_FILE
    assert env_file({"BOT_ENV_FILE": str(tmp_path / "x.env")}) == tmp_path / "x.env"
    assert env_file({"BOT_ENV_FILE": ""}) is None
