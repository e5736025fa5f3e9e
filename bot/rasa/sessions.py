"""Kept-open HTTP sessions for the calls from the Rasa server to the action server.

Rasa 3.6 opens a new HTTP session, so a new connection, for every call it makes to an
endpoint (``EndpointConfig.request``): about 1 ms of each answer here. A
:class:`KeptAliveEndpoint` borrows its session from a :class:`SessionPool` instead, which
keeps one per endpoint and event loop. Endpoints share a session only when their URL,
headers, login and token are all the same, so no call ever carries another endpoint's
credentials or cookies. Idle connections are closed after :data:`IDLE_SECONDS`, before
the action server would close them (Sanic does after 5 s); a call that finds its kept
connection closed by the server (it restarted, say) is sent once more on a new one, within
the same time limit. The custom actions have no side effects to repeat.
:meth:`SessionPool.close` closes the sessions when the server stops.
"""

from __future__ import annotations

import asyncio
import logging
import time
from types import TracebackType
from typing import Any

import aiohttp
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

IDLE_SECONDS = 4.0
# what makes two endpoints' sessions interchangeable: URL, headers, login, token
EndpointKey = tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], str]


def endpoint_key(endpoint: EndpointConfig) -> EndpointKey:
    """The endpoint's URL and everything that authenticates it."""

    def pairs(values: dict[str, Any] | None) -> tuple[tuple[str, str], ...]:
        return tuple(sorted((str(k), str(v)) for k, v in (values or {}).items()))

    token = f"{endpoint.token_name}={endpoint.token}" if endpoint.token else ""
    return str(endpoint.url), pairs(endpoint.headers), pairs(endpoint.basic_auth), token


class SessionPool:
    """Open HTTP sessions, one per endpoint (:func:`endpoint_key`) and event loop."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        """Keep idle connections for ``idle_seconds``."""
        self.idle_seconds = idle_seconds
        self._sessions: dict[
            tuple[int, EndpointKey], tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]
        ] = {}

    def session(self, endpoint: EndpointConfig) -> aiohttp.ClientSession:
        """The open session for ``endpoint`` in the running event loop (made if needed)."""
        loop = asyncio.get_running_loop()
        key = (id(loop), endpoint_key(endpoint))
        kept = self._sessions.get(key)
        if kept is not None and kept[0] is loop and not kept[1].closed:
            return kept[1]
        self._forget_closed_loops()
        login = endpoint.basic_auth
        session = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=aiohttp.BasicAuth(login["username"], login["password"]) if login else None,
            connector=aiohttp.TCPConnector(keepalive_timeout=self.idle_seconds),
        )
        self._sessions[key] = (loop, session)
        return session

    def _forget_closed_loops(self) -> None:
        """Drop the sessions of loops that have ended (a test's, say): nothing can use them."""
        for key, (loop, _) in list(self._sessions.items()):
            if loop.is_closed():
                del self._sessions[key]

    def __len__(self) -> int:
        """How many sessions are open."""
        return sum(not session.closed for _, session in self._sessions.values())

    async def close(self) -> int:
        """Close the running loop's sessions; how many were open."""
        loop = asyncio.get_running_loop()
        closed = 0
        for key, (owner, session) in list(self._sessions.items()):
            if owner is not loop:
                continue
            del self._sessions[key]
            if not session.closed:
                await session.close()
                closed += 1
        return closed


class _Borrowed:
    """``async with`` over a kept session that leaves it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        return None


class KeptAliveEndpoint(EndpointConfig):
    """An endpoint whose calls use a kept session of ``pool`` and wait ``timeout_seconds``.

    The timeout bounds each call, whatever timeout the caller passes (Rasa passes five
    minutes), including the one repeat on a new connection.
    """

    def __init__(self, endpoint: EndpointConfig, pool: SessionPool, timeout_seconds: float):
        """The same endpoint as ``endpoint``, calling through ``pool``."""
        super().__init__(
            endpoint.url,
            endpoint.params,
            endpoint.headers,
            endpoint.basic_auth,
            endpoint.token,
            endpoint.token_name,
            endpoint.cafile,
            **endpoint.kwargs,
        )
        self.type = endpoint.type
        self.pool = pool
        self.timeout_seconds = timeout_seconds

    def session(self) -> _Borrowed:
        """The pool's session for this endpoint, left open after use."""
        return _Borrowed(self.pool.session(self))

    async def request(
        self,
        method: str = "post",
        subpath: str | None = None,
        content_type: str | None = "application/json",
        compress: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Rasa's request, bounded by ``timeout_seconds``; repeated once on a dropped connection."""
        started = time.monotonic()
        kwargs["timeout"] = aiohttp.ClientTimeout(total=self.timeout_seconds)
        try:
            return await super().request(method, subpath, content_type, compress, **kwargs)
        except aiohttp.ServerDisconnectedError:  # a kept connection the server had closed
            left = self.timeout_seconds - (time.monotonic() - started)
            if left <= 0:
                raise
            kwargs["timeout"] = aiohttp.ClientTimeout(total=left)
            return await super().request(method, subpath, content_type, compress, **kwargs)
