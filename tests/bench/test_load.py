"""The load client against a tiny local aiohttp server on a free loopback port."""

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from bench.load import alternating, first_answer, post_message, run_senders

SEEN = web.AppKey("seen", list)


async def webhook(request: web.Request) -> web.Response:
    body = await request.json()
    message = body["message"]
    if message == "fail":
        return web.Response(status=500, text="boom")
    if message == "slow":
        await asyncio.sleep(1)
    if message == "not a list":
        return web.json_response({"text": "?"})
    request.app[SEEN].append((body["sender"], message))
    return web.json_response([{"recipient_id": body["sender"], "text": f"echo {message}"}])


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, web.Application]]:
    app = web.Application()
    app[SEEN] = []
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/webhooks/rest/webhook", app
    finally:
        await runner.cleanup()


async def test_one_message(server: tuple[str, web.Application]) -> None:
    url, _ = server
    async with aiohttp.ClientSession() as session:
        ok = await post_message(session, url, "me", "hi", timeout=5)
        failed = await post_message(session, url, "me", "fail", timeout=5)
        slow = await post_message(session, url, "me", "slow", timeout=0.2)
        odd = await post_message(session, url, "me", "not a list", timeout=5)
    assert ok.ok and ok.seconds > 0
    assert failed.error == "HTTP 500"
    assert slow.error == "timeout (0.2 s)"
    assert odd.error == "reply is not a JSON list"


async def test_senders_send_a_fixed_count_in_conversations(
    server: tuple[str, web.Application],
) -> None:
    url, app = server
    result = await run_senders(url, ["a", "b", "c"], senders=4, per_sender=5, conversation_length=2)
    assert result.ok == 20 and result.errors == 0
    assert result.throughput > 0
    assert result.latency.count == 20
    senders = {sender for sender, _ in app[SEEN]}
    assert len(senders) == 4 * 3  # 5 messages in conversations of 2: 3 conversations each
    assert [m for s, m in app[SEEN] if s == "bench-0-0"] == ["a", "b"]


async def test_errors_are_counted_not_raised(server: tuple[str, web.Application]) -> None:
    url, _ = server
    result = await run_senders(url, ["hi", "fail"], senders=2, per_sender=4)
    assert result.ok == 4 and result.errors == 4
    assert result.error_kinds() == {"HTTP 500": 4}


async def test_the_deadline_stops_a_run(server: tuple[str, web.Application]) -> None:
    url, _ = server
    result = await run_senders(url, ["slow"], senders=2, per_sender=5, total_seconds=0.5)
    assert result.elapsed < 3
    assert result.ok == 0
    assert result.errors == 10
    assert "not sent before the deadline" in result.error_kinds()


async def test_first_answer_waits_for_the_server(server: tuple[str, web.Application]) -> None:
    url, _ = server
    assert await first_answer(url, alive=lambda: True, deadline_seconds=5) < 5


async def test_first_answer_gives_up_when_the_process_dies() -> None:
    with pytest.raises(RuntimeError, match="exited"):
        await first_answer("http://127.0.0.1:9/x", alive=lambda: False, deadline_seconds=5)


async def test_first_answer_gives_up_at_the_deadline() -> None:
    with pytest.raises(RuntimeError, match="did not answer"):
        await first_answer("http://127.0.0.1:9/x", alive=lambda: True, deadline_seconds=0.3)


async def test_alternating_takes_the_bots_in_turn_by_conversation(
    server: tuple[str, web.Application],
) -> None:
    url, app = server
    first, second = await alternating(
        [(url, ["a1", "a2"]), (url + "?bot=2", ["b1"])], count=3, conversation_length=2
    )
    assert [m for _, m in app[SEEN]] == ["a1", "a2", "b1", "b1", "a1", "b1"]
    senders = [s for s, _ in app[SEEN]]
    assert senders[0] == senders[1] != senders[4], "a new conversation every 2 messages"
    assert senders[2] == senders[3] != senders[5] and senders[2] != senders[0]
    assert (first.ok, second.ok, first.senders, second.errors) == (3, 3, 1, 0)
    assert len(first.outcomes) == len(second.outcomes) == 3


async def test_alternating_stops_at_the_deadline(server: tuple[str, web.Application]) -> None:
    url, _ = server
    [result] = await alternating([(url, ["slow"])], count=5, total_seconds=1.5)
    assert result.ok + result.errors == 5 and result.unsent >= 2


async def test_long_conversations_are_one_per_bot_taken_in_blocks(
    server: tuple[str, web.Application],
) -> None:
    url, app = server
    first, second = (
        result.outcomes
        for result in await alternating(
            [(url, ["a"]), (url + "?bot=2", ["b"])], count=5, conversation_length=5, block=2
        )
    )
    assert [m for _, m in app[SEEN]] == ["a", "a", "b", "b", "a", "a", "b", "b", "a", "b"]
    senders = {m: {s for s, seen in app[SEEN] if seen == m} for m in ("a", "b")}
    assert len(senders["a"]) == len(senders["b"]) == 1 and senders["a"] != senders["b"]
    assert len(first) == len(second) == 5 and all(o.ok for o in first + second)


async def test_long_conversations_stop_at_the_deadline(server: tuple[str, web.Application]) -> None:
    url, _ = server
    [result] = await alternating(
        [(url, ["slow"])], count=5, conversation_length=5, block=2, total_seconds=1.5
    )
    assert 1 <= len(result.outcomes) < 5


async def test_a_refused_connection_is_named_with_its_reason() -> None:
    from harness.servers import free_port

    url = f"http://127.0.0.1:{free_port()}/webhooks/rest/webhook"  # nothing listens there
    result = await run_senders(url, ["hi"], senders=1, per_sender=1, timeout=5)
    assert result.error_kinds() == {"ClientConnectorError (Connection refused)": 1}
