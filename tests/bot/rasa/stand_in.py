"""A tiny HTTP server on loopback standing in for the action server, counting connections."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

OK: Any = {"ok": True}


@dataclass
class Server:
    """What the stand-in saw: connections, and each request's Authorization header."""

    url: str
    connections: int = 0
    authorizations: list[str] = field(default_factory=list)  # per request, "" for none
    open_connections: int = 0


def answer(body: Any) -> bytes:
    """An HTTP/1.1 answer with ``body`` as JSON that says nothing about closing."""
    data = json.dumps(body).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(data)}"
    return head.encode() + b"\r\n\r\n" + data


async def serve(
    body: Any = OK, answers_per_connection: int = 0, silent: bool = False
) -> tuple[Server, asyncio.AbstractServer]:
    """Start the stand-in; it answers every request with ``body``.

    With ``answers_per_connection``, a connection that has answered that many requests
    reads the next one and closes without answering, as a server does that closes an
    idle connection just as a request arrives. ``silent``: read requests, never answer.
    """
    server = Server(url="")
    reply = answer(body)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.connections += 1
        server.open_connections += 1
        answered = 0
        try:
            while not reader.at_eof():
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    break
                lines = head.lower().split(b"\r\n")
                length = next(
                    (int(x.split(b":")[1]) for x in lines if x.startswith(b"content-length")), 0
                )
                auth = next((x for x in head.split(b"\r\n") if x.lower().startswith(b"auth")), b"")
                server.authorizations.append(auth.decode().partition(":")[2].strip())
                await reader.readexactly(length)
                if silent:
                    await reader.read()  # until the client gives up
                    break
                if answers_per_connection and answered == answers_per_connection:
                    break
                writer.write(reply)  # says nothing about closing: the client keeps it
                await writer.drain()
                answered += 1
        finally:
            server.open_connections -= 1
            writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    server.url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}/webhook"
    return server, listener
