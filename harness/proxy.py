"""A round-robin TCP proxy on 127.0.0.1: several servers behind one address (tests, bench).

:class:`RoundRobinProxy` hands each new client connection to the next backend in turn,
as a load balancer would, and skips a backend that refuses the connection (a server that
is down), as nginx's ``proxy_next_upstream error`` does. A backend that dies during a
request closes the client's connection too, so the client sees the failure. It runs its
own event loop in a thread, so synchronous test code can use it, and only ever listens
on and connects to loopback addresses.

With one HTTP request per connection (``Connection: close``, or aiohttp's
``force_close``), every request goes to the next backend.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import threading
from collections.abc import Sequence
from types import TracebackType

CONNECT_SECONDS = 2.0
CHUNK = 64 * 1024


def _loopback(host: str) -> str:
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the test proxy only talks to loopback addresses, not {host}")
    return host


class RoundRobinProxy:
    """Forward each connection to the next of ``backends`` that accepts it."""

    def __init__(self, backends: Sequence[tuple[str, int]], host: str = "127.0.0.1") -> None:
        """Listen on ``host`` (a free port, :attr:`port`) once started."""
        self.backends = [(_loopback(h), int(p)) for h, p in backends]
        self.host = _loopback(host)
        self.port = 0
        self.served = [0] * len(self.backends)  # connections handed to each backend
        self.refused = [0] * len(self.backends)  # connections a backend refused
        self.silent = [0] * len(self.backends)  # accepted, then closed without a byte back
        self.unserved = 0  # connections no backend accepted
        self._next = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        """``http://host:port`` of the proxy."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> RoundRobinProxy:
        """Start listening (in the proxy's own thread)."""
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, self.host, 0), self._loop
        ).result(timeout=10)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    def close(self) -> None:
        """Stop listening, drop open connections and end the thread."""
        if self._server is not None:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> RoundRobinProxy:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _connect(self) -> tuple[int, asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The next backend that accepts a connection, and the connection (each tried once)."""
        first = self._next  # each connection tries every backend once, from its own turn on
        self._next = (first + 1) % len(self.backends)
        for offset in range(len(self.backends)):
            index = (first + offset) % len(self.backends)
            host, port = self.backends[index]
            try:
                streams = await asyncio.wait_for(
                    asyncio.open_connection(host, port), CONNECT_SECONDS
                )
            except (OSError, asyncio.TimeoutError):
                self.refused[index] += 1
                continue
            self.served[index] += 1
            return index, *streams
        self.unserved += 1
        return None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            backend = await self._connect()
            if backend is None:
                return
            index, upstream_reader, upstream_writer = backend

            async def answer() -> None:
                if not await self._pipe(upstream_reader, writer):
                    self.silent[index] += 1

            try:
                await asyncio.gather(self._pipe(reader, upstream_writer), answer())
            finally:
                upstream_writer.close()
        finally:
            writer.close()
            self._tasks.discard(task)

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> int:
        """Copy ``source`` to ``target`` until either closes, close ``target``; bytes copied."""
        copied = 0
        try:
            while data := await source.read(CHUNK):
                target.write(data)
                copied += len(data)
                await target.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(ConnectionError, OSError):
                if target.can_write_eof():
                    target.write_eof()
                target.close()
        return copied
