"""The prebuilt check of action-server replies: Rasa's verdicts, a fraction of the time."""

from __future__ import annotations

import time
from typing import Any

import jsonschema
import pytest

from bot.rasa.remote_action import RasaRemoteAction
from bot.rasa.reply_check import check_reply, prebuilt_validator, reply_validator

REPLIES: list[Any] = [
    {"events": [{"event": "slot", "name": "topic", "value": "x"}], "responses": []},
    {"events": [{"event": "followup", "name": "action_listen"}], "responses": [{"text": "hi"}]},
    {"events": [{"event": "bot", "text": "hello", "data": {"buttons": []}}]},
    {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}}]},
    {"events": [], "responses": [{"text": "an answer", "buttons": [{"title": "More"}]}]},
    {},
    {"events": "not a list"},
    {"events": [{"name": "topic"}]},  # no event type
    {"events": [{"event": "nonsense"}]},
    {"events": [{"event": "slot", "name": 3, "value": "x"}]},
    {"events": [{"event": "bot", "text": 42}]},
    {"events": [{"event": "followup"}]},
    {"events": ["slot"]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"start": "a"}]}}]},
    {"responses": "not a list"},
    [],
    {"events": None},
]
GOOD = REPLIES[0]


def test_the_quick_check_agrees_with_rasas_on_good_and_bad_replies() -> None:
    schema = RasaRemoteAction.action_response_format_spec()
    check = reply_validator()
    verdicts = []
    for reply in REPLIES:
        try:
            jsonschema.validate(reply, schema)
            rasas = True
        except jsonschema.ValidationError:
            rasas = False
        try:
            check(reply)
            ours = True
        except jsonschema.ValidationError:
            ours = False
        assert ours == rasas, reply
        verdicts.append(ours)
    assert verdicts.count(True) >= 5 and verdicts.count(False) >= 8


def test_a_bad_reply_fails_with_rasas_message() -> None:
    assert check_reply(GOOD)
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server"):
        check_reply({"events": "not a list"})


def test_the_validator_is_built_once() -> None:
    assert prebuilt_validator() is prebuilt_validator()


def test_twenty_checks_take_less_than_one_of_rasas() -> None:
    rasas = RasaRemoteAction("action_reply", None)
    prebuilt_validator()(GOOD)  # built before timing
    started = time.perf_counter()
    rasas._validate_action_result(GOOD)
    rasa_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(20):
        check_reply(GOOD)
    assert time.perf_counter() - started < rasa_seconds
