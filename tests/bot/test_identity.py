"""bot/identity.py: namespaced conversation ids, hashed numbers, signed web sessions."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.identity import (
    SECRET_FILE_NAME,
    SECRET_VARIABLE,
    Identities,
    conversation_id,
    load_secret,
    namespace_of,
)

SECRET = "s" * 32


def test_each_channel_has_its_own_namespace() -> None:
    assert conversation_id("telegram", "123") == "telegram:123"
    assert conversation_id("rest", "telegram:123") == "rest:telegram:123"
    assert namespace_of("rest:telegram:123") == "rest"
    assert namespace_of("+15551230010") is None  # an id stored before namespaces
    assert namespace_of("other:1") is None
    with pytest.raises(ValueError, match="namespace"):
        conversation_id("sms", "+15551230010")


def test_a_phone_number_becomes_a_keyed_hash() -> None:
    identities = Identities(SECRET)
    hashed = identities.hashed("twilio", "+15551230010")
    assert hashed == identities.hashed("twilio", "+15551230010")
    assert hashed.startswith("twilio:") and len(hashed) == len("twilio:") + 32
    assert "5551230010" not in hashed
    assert hashed != identities.hashed("twilio", "whatsapp:+15551230010")
    assert hashed != Identities("t" * 32).hashed("twilio", "+15551230010")


def test_only_a_session_this_secret_signed_names_a_web_conversation() -> None:
    identities = Identities(SECRET)
    token = identities.new_session()
    session_id, signature = token.split(".")
    assert identities.web_conversation(token) == f"web:{session_id}"
    assert identities.new_session() != token
    forged = f"{session_id}.{'0' * 32}"
    refused = [session_id, forged, token.upper(), token + "0", "", None, 5, ["x"]]
    assert all(identities.web_conversation(value) is None for value in refused)
    assert Identities("t" * 32).web_conversation(token) is None
    assert len(signature) == 32


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32"):
        Identities("short")


def test_the_secret_is_generated_once_kept_private_and_reused(tmp_path: Path) -> None:
    env: dict[str, str] = {}
    secret = load_secret(env, tmp_path / "state")
    path = tmp_path / "state" / SECRET_FILE_NAME
    assert env[SECRET_VARIABLE] == secret and len(secret) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again: dict[str, str] = {}
    assert load_secret(again, tmp_path / "state") == secret


def test_a_set_secret_wins_and_must_be_long_enough(tmp_path: Path) -> None:
    assert load_secret({SECRET_VARIABLE: SECRET}, tmp_path) == SECRET
    assert not (tmp_path / SECRET_FILE_NAME).exists()
    with pytest.raises(SystemExit, match="32"):
        load_secret({SECRET_VARIABLE: "short"}, tmp_path)


def test_a_shared_database_needs_the_secret_set(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=SECRET_VARIABLE):
        load_secret({}, tmp_path, shared_database=True)
    assert load_secret({SECRET_VARIABLE: SECRET}, tmp_path, shared_database=True) == SECRET


def test_a_damaged_secret_file_stops_start_up(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE_NAME).write_text("abc\n")
    with pytest.raises(SystemExit, match="damaged"):
        load_secret({}, tmp_path)
