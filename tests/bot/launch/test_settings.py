from pathlib import Path

import pytest

from bot.launch.settings import Settings


def test_defaults_bind_to_loopback() -> None:
    settings = Settings.from_env({})
    assert settings.rasa_host == settings.action_host == "127.0.0.1"
    assert (settings.rasa_port, settings.action_port) == (5005, 5055)
    assert settings.action_url == "http://127.0.0.1:5055/webhook"
    assert settings.action_timeout_seconds == 5


def test_environment_overrides() -> None:
    settings = Settings.from_env(
        {
            "RASA_PORT": "6000",
            "ACTION_PORT": "6001",
            "TRACKER_DB": "/tmp/x.db",
            "CORS_ORIGINS": "https://a.org https://b.org",
        }
    )
    assert settings.rasa_url == "http://127.0.0.1:6000"
    assert settings.action_url.endswith(":6001/webhook")
    assert settings.tracker_db == Path("/tmp/x.db")
    assert settings.allowed_origins == ("https://a.org", "https://b.org")


def test_cors_defaults_to_the_demo_page_only() -> None:
    assert Settings.from_env({"WIDGET_PORT": "9000"}).allowed_origins == (
        "http://127.0.0.1:9000",
        "http://localhost:9000",
    )


def test_a_malformed_number_is_a_clear_error() -> None:
    with pytest.raises(SystemExit, match="RASA_PORT must be a number"):
        Settings.from_env({"RASA_PORT": "five"})


def test_export_fills_the_variables_the_yaml_files_need(tmp_path: Path) -> None:
    env: dict[str, str] = {}
    Settings.from_env({"TRACKER_DB": str(tmp_path / "db" / "c.db")}).export(env)
    assert env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5055/webhook"
    assert env["TRACKER_DB"] == str(tmp_path / "db" / "c.db")
    assert env["SANIC_HOST"] == "127.0.0.1"
    assert (tmp_path / "db").is_dir()


def test_export_keeps_values_already_set() -> None:
    env = {"ACTION_ENDPOINT_URL": "http://actions.internal/webhook"}
    Settings.from_env({}).export(env)
    assert env["ACTION_ENDPOINT_URL"] == "http://actions.internal/webhook"


def test_the_country_is_unset_by_default_and_read_as_a_code() -> None:
    assert Settings.from_env({}).country is None
    assert Settings.from_env({"BOT_COUNTRY": ""}).country is None
    assert Settings.from_env({"BOT_COUNTRY": " gb "}).country == "GB"
    assert Settings.from_env({"BOT_COUNTRY": "NANP"}).country == "NANP"


@pytest.mark.parametrize("value", ["G", "U.K.", "44", "United Kingdom"])
def test_a_malformed_country_is_a_clear_error(value: str) -> None:
    with pytest.raises(SystemExit, match="BOT_COUNTRY must be a country code"):
        Settings.from_env({"BOT_COUNTRY": value})
