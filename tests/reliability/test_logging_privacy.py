"""What patients write stays out of the logs at the default level."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot import logging_privacy
from harness.servers import BotServers
from tests.reliability.client import post, say

# Rasa 3.6's own line when the REST channel fails, as its JSON renderer writes it
RASA_FAILURE_LINE = json.dumps(
    {
        "text": "I think I am pregnant",
        "event": "rest.message.received.failure",
        "level": "error",
        "exception": [
            {
                "exc_type": "TypeError",
                "exc_value": "boom",
                "frames": [{"name": "receive", "locals": {"text": "I think I am pregnant"}}],
            }
        ],
    }
)
SQL_ERROR = (
    "(sqlite3.OperationalError) database is locked\n"
    "[SQL: INSERT INTO events (sender_id, data) VALUES (?, ?)]\n"
    "[parameters: ('me', '{\"text\": \"I think I am pregnant\"}')]\n"
    "(Background on this error at: https://sqlalche.me/e/14/e3q8)"
)


def test_a_rasa_failure_line_keeps_its_event_but_not_the_text() -> None:
    cleaned = logging_privacy.redact_message(RASA_FAILURE_LINE)
    assert "pregnant" not in cleaned
    data = json.loads(cleaned)
    assert data["event"] == "rest.message.received.failure" and data["text"] == "[redacted]"
    assert data["exception"][0]["exc_type"] == "TypeError"


def test_sql_parameters_are_cut_from_error_texts() -> None:
    cleaned = logging_privacy.scrub(SQL_ERROR)
    assert "pregnant" not in cleaned and "[SQL: INSERT INTO events" in cleaned
    assert "(Background on this error" in cleaned


@pytest.mark.parametrize(
    "warning",
    [
        "UserWarning: Failed to parse arguments in line '/I think I am pregnant'. Expected "
        "the intent to be one of [['greet']] but found I think I am pregnant.Continuing "
        "with given line as user text.",
        'UserWarning: Failed to parse arguments in line \'/greet{"pregnant": 1} am I '
        "pregnant'. Expected entities from ['drug'] but found {'pregnant'}. Continuing "
        "without  am I pregnant. \n  More info at https://rasa.com/docs/rasa/stories",
        "UserWarning: Parsed an intent 'pregnant' which is not defined in the domain.",
    ],
)
def test_rasa_warnings_quoting_a_message_are_redacted(warning: str) -> None:
    cleaned = logging_privacy.scrub(warning)
    assert "pregnant" not in cleaned and "[redacted]" in cleaned


@pytest.mark.parametrize(
    ("argv", "env", "allowed"),
    [
        ([], {}, False),
        ([], {"LOG_MESSAGES": "true"}, True),
        ([], {"LOG_MESSAGES": "no"}, False),
        (["rasa_server", "--debug"], {}, True),
        (["rasa_server", "-vv"], {}, True),
        ([], {"LOG_LEVEL": "DEBUG"}, True),
    ],
)
def test_message_logging_is_on_only_when_asked(
    argv: list[str], env: dict[str, str], allowed: bool
) -> None:
    assert logging_privacy.messages_allowed(argv, env) is allowed


@pytest.fixture
def record_factory() -> Iterator[None]:
    """Restore this process's log record factory and warning capture after the test."""
    previous = logging.getLogRecordFactory()
    try:
        yield
    finally:
        logging.setLogRecordFactory(previous)
        logging.captureWarnings(False)


def test_install_redacts_every_record(
    record_factory: None, caplog: pytest.LogCaptureFixture
) -> None:
    env: dict[str, str] = {}
    assert logging_privacy.install([], env) is True
    assert env["FORCE_JSON_LOGGING"] == "1"
    assert logging_privacy.install([], env) is True  # twice is harmless
    with caplog.at_level(logging.INFO):
        logging.getLogger("rasa.core.channels.rest").error(RASA_FAILURE_LINE)
        try:
            raise RuntimeError(SQL_ERROR)
        except RuntimeError:
            logging.getLogger("rasa.core.processor").exception("failed")
    text = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "pregnant" not in text and "[redacted]" in text


def test_install_does_nothing_when_message_logging_is_on(record_factory: None) -> None:
    previous = logging.getLogRecordFactory()
    assert logging_privacy.install([], {"LOG_MESSAGES": "1"}) is False
    assert logging.getLogRecordFactory() is previous


# ------------------------------------------------------------------- the real servers

MARK = "zebraquartz4711"  # a word no log line has a reason to contain


@pytest.mark.e2e
def test_messages_do_not_reach_the_logs(
    bot: BotServers, rasa_log: Path, sender: Callable[[], str]
) -> None:
    me = sender()
    for text in [
        f"is {MARK} a side effect?",
        f"/{MARK} feel sick",  # read as an unknown intent: Rasa warns, quoting it
        f'/greet{{"{MARK}": 1}} more',
        f"\x00{MARK}\ud800",
        f"{MARK} " * 3000,
    ]:
        say(bot.rasa_url, me, text)
    post(bot.rasa_url, {"sender": me, "message": {MARK: 1}})
    post(bot.rasa_url, raw=f"{{{MARK}".encode())
    log = rasa_log.read_text(errors="replace") + (bot.workdir / "actions.log").read_text(
        errors="replace"
    )
    assert MARK not in log
