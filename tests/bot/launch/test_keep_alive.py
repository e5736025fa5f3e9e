"""Kept-alive connections from the Rasa server to its endpoints (loopback only)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from rasa.utils.endpoints import EndpointConfig

from bot.launch import keep_alive

BODY = b'{"ok": true}'
ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
    len(BODY),
    BODY,
)


@pytest.fixture
def patched() -> AsyncIterator[None]:
    session, request = EndpointConfig.session, EndpointConfig.request
    keep_alive.install()
    keep_alive.install()  # twice is harmless
    yield
    EndpointConfig.session, EndpointConfig.request = session, request


async def serve(answers_per_connection: int = 0) -> tuple[asyncio.AbstractServer, list[int], str]:
    """A tiny HTTP server that counts connections.

    With ``answers_per_connection``, a connection that has answered that many requests
    reads the next one and closes without answering, as a server does that closes an
    idle connection just as a request arrives.
    """
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        answered = 0
        while not reader.at_eof():
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            lines = head.lower().split(b"\r\n")
            length = next(
                (int(x.split(b":")[1]) for x in lines if x.startswith(b"content-length")), 0
            )
            await reader.readexactly(length)
            if answers_per_connection and answered == answers_per_connection:
                break
            writer.write(ANSWER)  # says nothing about closing: the client keeps it
            await writer.drain()
            answered += 1
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, connections, f"http://127.0.0.1:{port}/webhook"


async def calls(url: str, count: int) -> list[object]:
    endpoint = EndpointConfig(url=url)
    return [await endpoint.request(json={"next_action": "x"}, method="post") for _ in range(count)]


async def test_calls_share_one_connection(patched: None) -> None:
    server, connections, url = await serve()
    async with server:
        assert await calls(url, 5) == [{"ok": True}] * 5
    assert len(connections) == 1


async def test_a_connection_the_server_closed_is_replaced_not_an_error(patched: None) -> None:
    server, connections, url = await serve(answers_per_connection=1)
    async with server:
        assert await calls(url, 3) == [{"ok": True}] * 3
    assert len(connections) == 3  # each dropped request was sent again on a new one


async def test_rasas_own_way_opens_a_connection_per_call() -> None:
    server, connections, url = await serve()
    async with server:
        await calls(url, 3)
    assert len(connections) == 3, "if Rasa now keeps connections itself, drop keep_alive"
