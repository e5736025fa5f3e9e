"""The round-robin test proxy: turns, a backend that is down, a backend that dies."""

from __future__ import annotations

import asyncio
import socket

import pytest

from harness.proxy import RoundRobinProxy
from harness.servers import free_port


async def named_server(name: bytes) -> asyncio.AbstractServer:
    """A server on loopback that answers every connection with ``name`` and closes."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        writer.write(name)
        await writer.drain()
        writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", 0)


async def ask(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"?")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return answer


def port_of(server: asyncio.AbstractServer) -> int:
    return int(server.sockets[0].getsockname()[1])


async def test_connections_go_to_the_backends_in_turn_skipping_one_that_is_down() -> None:
    a, b = await named_server(b"a"), await named_server(b"b")
    down = free_port()  # nothing listens there
    backends = [("127.0.0.1", port_of(a)), ("127.0.0.1", down), ("127.0.0.1", port_of(b))]
    with RoundRobinProxy(backends) as proxy:
        answers = [await ask(proxy.port) for _ in range(6)]
        # the second connection's turn is the one that is down: it goes on to the next
        assert answers == [b"a", b"b", b"b", b"a", b"b", b"b"]
        assert proxy.served == [2, 0, 4] and proxy.refused == [0, 2, 0]
        assert proxy.unserved == 0
    a.close()
    b.close()


async def test_a_backend_that_dies_mid_request_closes_the_clients_connection() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    with RoundRobinProxy([("127.0.0.1", listener.getsockname()[1])]) as proxy:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"GET / HTTP/1.1\r\n\r\n")
        await writer.drain()
        accepted, _ = await asyncio.to_thread(listener.accept)
        accepted.close()  # the server goes away without answering
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
    assert proxy.silent == [1]
    listener.close()


def test_only_loopback_addresses() -> None:
    with pytest.raises(ValueError, match="loopback"):
        RoundRobinProxy([("192.0.2.1", 80)])
