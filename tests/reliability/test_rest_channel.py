"""The REST channel: bad input gets a kind reply or a clear 4xx, never a 5xx, hang or crash;
its conversations are its own, and only local clients (or those with the token) may use it."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels import rest
from bot.channels.inbound import Incoming
from bot.identity import Identities
from bot.limits import MAX_MESSAGE_CHARS
from harness.servers import BotServers
from tests.reliability.client import post, request, rest_conversation, say, stored_events

# ---------------------------------------------------------------- the checks themselves


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ([1, 2], "JSON object"),
        ("hello", "JSON object"),
        (None, "JSON object"),
        ({"message": "hi"}, "'sender'"),
        ({"sender": "", "message": "hi"}, "'sender'"),
        ({"sender": 7, "message": "hi"}, "'sender'"),
        ({"sender": "x" * 129, "message": "hi"}, "at most 128"),
        ({"sender": "a\x00b", "message": "hi"}, "printable"),
        ({"sender": "a\ud800", "message": "hi"}, "printable"),
        ({"sender": "a\nb", "message": "hi"}, "printable"),
        ({"sender": "me"}, "'message'"),
        ({"sender": "me", "message": 5}, "'message'"),
        ({"sender": "me", "message": {"text": "hi"}}, "'message'"),
        ({"sender": "me", "message": "hi", "metadata": "x"}, "'metadata'"),
        ({"sender": "me", "message": "hi", "metadata": {"x": "y" * 5000}}, "4096"),
    ],
)
def test_check_body_refuses_what_rasa_cannot_handle(body: Any, problem: str) -> None:
    with pytest.raises(rest.RequestError, match=problem):
        rest.check_body(body)


def test_check_body_accepts_a_message_as_sent() -> None:
    """The text is cleaned later, once, by the pipeline (tests/channels/test_inbound.py)."""
    checked = rest.check_body(
        {"sender": "patient 1", "message": "hi\x00 there\ud800\n", "metadata": {"a": 1}}
    )
    assert checked == Incoming("patient 1", "hi\x00 there\ud800\n", metadata={"a": 1})


def test_the_request_limit_is_set_for_this_process_only_when_unset() -> None:
    env: dict[str, str] = {}
    assert rest.limit_request_size(env) == rest.REQUEST_MAX_BYTES
    assert env == {"SANIC_REQUEST_MAX_SIZE": str(rest.REQUEST_MAX_BYTES)}
    assert rest.limit_request_size({"SANIC_REQUEST_MAX_SIZE": "2048"}) == 2048
    with pytest.raises(SystemExit, match="SANIC_REQUEST_MAX_SIZE"):
        rest.limit_request_size({"SANIC_REQUEST_MAX_SIZE": "lots"})


def fake_request(ip: str, **headers: str) -> Any:
    """What ``is_local`` and ``has_token`` read of a Sanic request."""
    return SimpleNamespace(ip=ip, headers={k.lower(): v for k, v in headers.items()})


@pytest.mark.parametrize(
    ("ip", "headers", "local"),
    [
        ("127.0.0.1", {}, True),
        ("::1", {}, True),
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}, False),  # through a proxy
        ("127.0.0.1", {"Forwarded": "for=203.0.113.9"}, False),
        ("127.0.0.1", {"X-Real-IP": "203.0.113.9"}, False),
        ("10.1.2.3", {}, False),
        ("", {}, False),
    ],
)
def test_only_a_direct_loopback_client_is_local(
    ip: str, headers: dict[str, str], local: bool
) -> None:
    assert rest.is_local(fake_request(ip, **headers)) is local


def test_the_token_must_be_the_bearer_token() -> None:
    token = "t" * 40
    assert rest.has_token(fake_request("10.1.2.3", Authorization=f"Bearer {token}"), token)
    assert rest.has_token(fake_request("10.1.2.3", Authorization=f"bearer {token}"), token)
    assert not rest.has_token(fake_request("10.1.2.3", Authorization=f"Bearer {token}x"), token)
    assert not rest.has_token(fake_request("10.1.2.3", Authorization=token), token)
    assert not rest.has_token(fake_request("10.1.2.3"), token)
    assert not rest.has_token(fake_request("10.1.2.3", Authorization="Bearer "), None)


def test_a_sender_names_a_rest_conversation_or_its_own_web_session() -> None:
    identities = Identities("s" * 32)
    channel = rest.SafeRestInput(identities, token="t" * 40)
    local, remote = fake_request("127.0.0.1"), fake_request("10.1.2.3")
    assert channel.conversation_for(local, "+15551230010") == "rest:+15551230010"
    assert channel.conversation_for(local, "telegram:123") == "rest:telegram:123"
    assert channel.conversation_for(remote, "+15551230010") is None
    with_token = fake_request("10.1.2.3", Authorization="Bearer " + "t" * 40)
    assert channel.conversation_for(with_token, "me") == "rest:me"
    token = identities.new_session()
    assert channel.conversation_for(remote, token) == identities.web_conversation(token)
    assert channel.conversation_for(remote, token.split(".")[0]) is None


# ------------------------------------------------------------------- the real server

BAD_REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("not JSON", {"raw": b"{not json"}),
    ("empty body", {"raw": b""}),
    ("JSON list", {"body": [1, 2]}),
    ("JSON string", {"body": "what is lems"}),
    ("JSON null", {"body": None}),
    ("no message", {"body": {"sender": "SENDER"}}),
    ("no sender", {"body": {"message": "hello"}}),
    ("number sender", {"body": {"sender": 5, "message": "hello"}}),
    ("long sender", {"body": {"sender": "x" * 300, "message": "hello"}}),
    ("NUL in sender", {"body": {"sender": "a\x00b", "message": "hello"}}),
    # a lone surrogate in the sender id stopped stock Rasa's whole server
    ("surrogate sender", {"body": {"sender": "a\ud800", "message": "hello"}}),
    ("number message", {"body": {"sender": "SENDER", "message": 5}}),
    ("object message", {"body": {"sender": "SENDER", "message": {"x": 1}}}),
    ("string metadata", {"body": {"sender": "SENDER", "message": "hi", "metadata": "x"}}),
    (
        "form body",
        {"raw": b"sender=a&message=hi", "content_type": "application/x-www-form-urlencoded"},
    ),
]


@pytest.mark.e2e
@pytest.mark.parametrize(("case", "kwargs"), BAD_REQUESTS, ids=[c for c, _ in BAD_REQUESTS])
def test_a_bad_request_is_a_clear_400_and_the_conversation_goes_on(
    bot: BotServers, sender: Callable[[], str], case: str, kwargs: dict[str, Any]
) -> None:
    me = sender()
    if isinstance(kwargs.get("body"), dict) and kwargs["body"].get("sender") == "SENDER":
        kwargs = {**kwargs, "body": {**kwargs["body"], "sender": me}}
    answer = post(bot.rasa_url, timeout=30, **kwargs)
    assert answer.status == 400, answer
    assert isinstance(answer.body, dict) and answer.body["error"], answer
    assert "autoimmune" in say(bot.rasa_url, me, "what is LEMS").texts


@pytest.mark.e2e
@pytest.mark.parametrize("where", ["metadata", "message", "body"])
def test_a_deeply_nested_body_is_a_clear_400(
    bot: BotServers, sender: Callable[[], str], where: str
) -> None:
    """990 levels in 2 KB: more than Python's JSON functions can recurse through."""
    me, deep = sender(), "[" * 990 + "]" * 990
    bodies = {
        "metadata": f'{{"sender": "{me}", "message": "hi", "metadata": {{"a": {deep}}}}}',
        "message": f'{{"sender": "{me}", "message": {deep}}}',
        "body": deep,
    }
    answer = post(bot.rasa_url, raw=bodies[where].encode(), timeout=30)
    assert answer.status == 400, answer
    assert "nested" in answer.body["error"]
    assert "autoimmune" in say(bot.rasa_url, me, "what is LEMS").texts


KIND_MESSAGES = {
    "empty": "",
    "whitespace": "  \n\t  ",
    "10,000 characters": "why " * 2_500,
    "100,000 characters": ("is headache a side effect? " + "blah " * 20_000)[:100_000],
    "emoji": "😀🙏💊😀",
    "Arabic (RTL)": "ما هو الميكوفينولات؟",
    "Hebrew (RTL)": "מה זה מיקופנולט?",
    "Chinese": "吗替麦考酚酯是什么",
    "Spanish": "¿Qué es el micofenolato?",
    "control characters": "hel\x00lo\x07\x1b[31m what is LEMS",
    "lone surrogate": "\ud800 what is lems",
    "HTML": "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "SQL": "'; DROP TABLE events; -- Robert'); DELETE FROM events WHERE ('1'='1",
    "unknown intent payload": "/no_such_intent",
    "broken payload": '/greet{"broken',
    "zero-width and bidi": "\u200b\u202ewhat is LEMS\u202c\ufeff",
}


@pytest.mark.e2e
@pytest.mark.parametrize("case", list(KIND_MESSAGES))
def test_odd_text_gets_a_kind_reply_and_the_conversation_goes_on(
    bot: BotServers, tracker_db: Path, sender: Callable[[], str], case: str
) -> None:
    me = sender()
    answer = say(bot.rasa_url, me, KIND_MESSAGES[case], timeout=60)
    assert answer.body and answer.texts.strip(), f"no reply to {case}"
    assert "autoimmune" in say(bot.rasa_url, me, "what is LEMS").texts
    events = stored_events(tracker_db, rest_conversation(me))
    stored = [e.data.get("text") or "" for e in events if e.type_name == "user"]
    assert stored and all(len(text) <= MAX_MESSAGE_CHARS for text in stored)


@pytest.mark.e2e
def test_json_sent_as_another_content_type_is_still_read(
    bot: BotServers, sender: Callable[[], str]
) -> None:
    body = json.dumps({"sender": sender(), "message": "what is LEMS"}).encode()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        answer = post(bot.rasa_url, raw=body, content_type=content_type)
        assert answer.status == 200 and "autoimmune" in answer.texts


@pytest.mark.e2e
def test_an_oversized_body_is_refused_with_413(bot: BotServers) -> None:
    huge = json.dumps({"sender": "big", "message": "x" * (rest.REQUEST_MAX_BYTES + 10)})
    assert post(bot.rasa_url, raw=huge.encode(), timeout=30).status == 413
    # the same without a Content-Length (chunked transfer encoding)
    parts = urllib.parse.urlsplit(bot.rasa_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        chunks = (huge[i : i + 65_536].encode() for i in range(0, len(huge), 65_536))
        connection.request(
            "POST",
            "/webhooks/rest/webhook",
            body=chunks,
            headers={"Content-Type": "application/json"},
            encode_chunked=True,
        )
        assert connection.getresponse().status == 413
    finally:
        connection.close()


@pytest.mark.e2e
def test_other_methods_and_the_health_route(bot: BotServers) -> None:
    url = bot.rasa_url + "/webhooks/rest/webhook"
    assert request(url, method="GET").status == 405
    health = request(bot.rasa_url + "/webhooks/rest/")
    assert health.status == 200 and health.body == {"status": "ok"}


@pytest.mark.e2e
def test_a_client_behind_a_proxy_needs_the_token(
    bot: BotServers, sender: Callable[[], str]
) -> None:
    """The session's server has no REST_TOKEN: through a proxy REST is off."""
    body = json.dumps({"sender": sender(), "message": "what is LEMS"}).encode()
    forwarded = {"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.9"}
    answer = request(bot.rasa_url + "/webhooks/rest/webhook", body, forwarded, method="POST")
    assert answer.status == 403 and "token" in answer.body["error"]
    health = request(bot.rasa_url + "/webhooks/rest/", headers=forwarded)
    assert health.status == 200, "readiness stays open to probes"


@pytest.mark.e2e
def test_the_streaming_mode_answers_too(bot: BotServers, sender: Callable[[], str]) -> None:
    me = sender()
    body = json.dumps({"sender": me, "message": "what is LEMS"}).encode()
    answer = request(
        bot.rasa_url + "/webhooks/rest/webhook?stream=true",
        body,
        {"Content-Type": "application/json"},
        method="POST",
    )
    assert answer.status == 200
    lines = [json.loads(line) for line in answer.raw.splitlines() if line.strip()]
    assert any("autoimmune" in str(line.get("text")) for line in lines)
    assert {line.get("recipient_id") for line in lines} == {me}


@pytest.mark.e2e
def test_replies_are_addressed_to_the_sender_the_client_sent(
    bot: BotServers, sender: Callable[[], str]
) -> None:
    me = sender()
    replies = say(bot.rasa_url, me, "what is LEMS").body
    assert replies and {r["recipient_id"] for r in replies} == {me}  # not rest:<sender>


# ------------------------------------------------------------ property-based (bounded)

ANY_TEXT = st.one_of(
    st.text(max_size=300),
    st.text(st.characters(categories=["Cc", "Cs", "Cf", "Zs", "So", "Lo"]), max_size=300),
    st.text(min_size=2_000, max_size=6_000),
)
PROPERTY = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.e2e
@PROPERTY
@given(text=ANY_TEXT)
def test_any_text_gets_an_answer(bot: BotServers, text: str) -> None:
    answer = post(bot.rasa_url, {"sender": "hypothesis-text", "message": text}, timeout=60)
    assert answer.status == 200, answer
    assert isinstance(answer.body, list) and answer.body, f"no reply to {text!r}"


@pytest.mark.e2e
@PROPERTY
@given(sender_id=st.text(max_size=160))
def test_any_sender_id_is_answered_or_refused_cleanly(bot: BotServers, sender_id: str) -> None:
    answer = post(bot.rasa_url, {"sender": sender_id, "message": "hello"}, timeout=60)
    try:
        rest.check_sender(sender_id)
    except rest.RequestError:
        assert answer.status == 400, answer
    else:
        assert answer.status == 200 and answer.body, answer


@pytest.mark.e2e
def test_the_server_survived_all_of_it(bot: BotServers, sender: Callable[[], str]) -> None:
    assert bot.processes["rasa"].poll() is None
    assert "autoimmune" in say(bot.rasa_url, sender(), "what is LEMS").texts
