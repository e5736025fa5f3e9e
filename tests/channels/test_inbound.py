"""bot/channels/inbound.py and payload.py: one pipeline, text cleaned once, odd bodies refused."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels import payload
from bot.channels.facebook import parse_events
from bot.channels.inbound import Incoming, WebhookInput
from bot.channels.payload import MAX_DEPTH, RequestError, check_depth, clean_text, load_json
from bot.channels.seen import MemorySeenIds
from bot.channels.slack import parse_event, parse_interaction
from bot.channels.telegram import parse_update
from bot.channels.twilio import redelivery_key
from bot.limits import MAX_MESSAGE_CHARS
from tests.channels.test_base import Recorder


class Input(WebhookInput):
    @classmethod
    def name(cls) -> str:
        return "telegram"


def test_the_text_is_cleaned_and_cut_once_and_named_in_the_channels_namespace() -> None:
    incoming = Incoming("u1", "hi\x00 there\ud800" + "x" * (MAX_MESSAGE_CHARS * 5), "m1")
    message = Input().user_message(incoming, Recorder())
    assert message.text is not None and message.text.startswith("hi  there?x")
    assert len(message.text) == MAX_MESSAGE_CHARS
    assert (message.sender_id, message.input_channel) == ("telegram:u1", "telegram")
    assert message.message_id == "m1"


def test_clean_text_keeps_tabs_and_line_ends() -> None:
    assert clean_text("tab\tand\r\nnewlines stay") == "tab\tand\r\nnewlines stay"
    assert len(clean_text("é" * 100_000)) == MAX_MESSAGE_CHARS


def test_a_message_seen_under_any_of_its_keys_is_a_redelivery() -> None:
    channel, seen_ids = Input(), MemorySeenIds()
    first = Incoming("u1", "hi", keys=("event:1", "C1:1.0"))
    assert channel.first_time(first, seen_ids)
    assert not channel.first_time(first, seen_ids)
    assert not channel.first_time(Incoming("u1", "hi", keys=("event:2", "C1:1.0")), seen_ids)
    assert channel.first_time(Incoming("u1", "hi"), seen_ids)  # no keys: never a redelivery
    assert channel.first_time(Incoming("u1", "hi"), seen_ids)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_nesting_is_measured_without_recursion() -> None:
    assert load_json(nested(MAX_DEPTH)) is not None
    for deep in (nested(MAX_DEPTH + 1), nested(990), nested(100_000)):
        with pytest.raises(RequestError, match="nested"):
            load_json(deep)
    with pytest.raises(RequestError, match="nested"):
        check_depth({"a": json.loads(nested(MAX_DEPTH))})
    with pytest.raises(RequestError, match="not valid JSON"):
        load_json(b"\xff{")


def test_fields_are_read_with_their_types() -> None:
    assert payload.optional_id(7, "id") == "7"
    assert payload.optional_id("", "id") is None
    for odd in (True, 1.5, [], {}):
        with pytest.raises(RequestError, match="'id'"):
            payload.optional_id(odd, "'id'")
    assert payload.optional_object(None, "x") == {}
    with pytest.raises(RequestError):
        payload.optional_object("x", "x")
    with pytest.raises(RequestError):
        payload.optional_list({}, "x")


def test_twilio_requests_without_a_message_id_are_told_apart_by_their_signed_fields() -> None:
    one = {"From": ["+1555"], "Body": ["hi"]}
    assert redelivery_key(one) == redelivery_key({"Body": ["hi"], "From": ["+1555"]})
    assert redelivery_key(one) != redelivery_key({**one, "Body": ["bye"]})
    assert redelivery_key({**one, "MessageSid": ["SM1"]}) == "sid:SM1"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
KEYS = ["update_id", "message", "callback_query", "chat", "id", "text", "caption", "from", "data"]
KEYS += ["event", "event_id", "user", "channel", "ts", "type", "actions", "value", "entry"]
KEYS += ["messaging", "sender", "postback", "payload", "quick_reply", "mid", "attachments"]
SHAPED = st.recursive(
    JSON,
    lambda inner: st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, database=None)
@given(body=SHAPED)
def test_any_body_is_read_or_refused_with_a_request_error(body: Any) -> None:
    """What reaches the parsers passed the nesting check: nothing else may escape them."""
    for parse in (
        lambda b: parse_update(b, "Bot"),
        parse_event,
        parse_interaction,
        parse_events,
    ):
        with contextlib.suppress(RequestError):
            parse(body)
