"""Kept-open sessions from the Rasa server to its endpoints (loopback only)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from rasa.utils.endpoints import EndpointConfig

from bot.rasa.sessions import KeptAliveEndpoint, SessionPool
from tests.bot.rasa.stand_in import OK, serve


@pytest.fixture
async def pool() -> AsyncIterator[SessionPool]:
    sessions = SessionPool()
    yield sessions
    await sessions.close()


async def calls(endpoint: EndpointConfig, count: int) -> list[object]:
    return [await endpoint.request(json={"next_action": "x"}, method="post") for _ in range(count)]


def kept(pool: SessionPool, url: str, seconds: float = 5.0, **config: Any) -> KeptAliveEndpoint:
    return KeptAliveEndpoint(EndpointConfig(url=url, **config), pool, seconds)


async def test_calls_share_one_connection(pool: SessionPool) -> None:
    server, listener = await serve()
    async with listener:
        assert await calls(kept(pool, server.url), 5) == [OK] * 5
        assert await calls(kept(pool, server.url), 2) == [OK] * 2  # a new action
    assert server.connections == 1


async def test_a_connection_the_server_closed_is_replaced_not_an_error(pool: SessionPool) -> None:
    server, listener = await serve(answers_per_connection=1)
    async with listener:
        assert await calls(kept(pool, server.url), 3) == [OK] * 3
    assert server.connections == 3  # each dropped request was sent again on a new one


async def test_endpoints_with_other_credentials_never_share_a_session(pool: SessionPool) -> None:
    server, listener = await serve()
    alice = {"basic_auth": {"username": "alice", "password": "a"}}
    bob = {"basic_auth": {"username": "bob", "password": "b"}}
    async with listener:
        await calls(kept(pool, server.url, **alice), 1)
        await calls(kept(pool, server.url, **bob), 1)
        await calls(kept(pool, server.url, headers={"Authorization": "Bearer c"}), 1)
        await calls(kept(pool, server.url, **alice), 1)
        await calls(kept(pool, server.url), 1)
    assert (
        server.authorizations[0]
        == server.authorizations[3]
        == aiohttp.BasicAuth("alice", "a").encode()
    )
    assert server.authorizations[1] == aiohttp.BasicAuth("bob", "b").encode()
    assert server.authorizations[2] == "Bearer c"
    assert server.authorizations[4] == ""  # no credentials carried over
    assert server.connections == 4 and len(pool) == 4  # alice's session was reused


async def test_close_closes_every_session_of_the_loop(pool: SessionPool) -> None:
    server, listener = await serve()
    async with listener:
        await calls(kept(pool, server.url), 1)
        await calls(kept(pool, server.url, token="t"), 1)
        assert len(pool) == 2 and server.open_connections == 2
        assert await pool.close() == 2
        await asyncio.sleep(0.1)
        assert len(pool) == 0 and server.open_connections == 0


async def test_a_call_waits_at_most_its_timeout_whatever_the_caller_asks(pool: SessionPool) -> None:
    server, listener = await serve(silent=True)
    async with listener:
        started = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):
            call = kept(pool, server.url, seconds=0.5).request(json={}, timeout=300)
            await asyncio.wait_for(call, 3)  # our own bound: a hang fails, not waits
        assert 0.5 <= time.monotonic() - started < 2


async def test_rasas_own_way_opens_a_connection_per_call() -> None:
    server, listener = await serve()
    async with listener:
        await calls(EndpointConfig(url=server.url), 3)
    assert server.connections == 3, "if Rasa now keeps connections itself, drop bot.rasa.sessions"
