"""Keep the Rasa server's connection to the action server open between answers.

Rasa 3.6 opens a new HTTP session, so a new connection, for every call it makes to an
endpoint (``EndpointConfig.request``): about 1 ms of each answer here. After
:func:`install`, each endpoint keeps one session per event loop. Idle connections are
closed after :data:`IDLE_SECONDS`, before the action server would close them (Sanic does
after 5 s), and a call that finds its kept connection closed by the server (it restarted,
say) is tried once more on a new one. The custom actions have no side effects to repeat.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

import aiohttp

IDLE_SECONDS = 4.0
MARK = "_keeps_connections"


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


def install() -> None:
    """Make every ``EndpointConfig`` reuse its HTTP session (idempotent)."""
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    if getattr(EndpointConfig.request, MARK, False):
        return
    rasa_request = EndpointConfig.request
    sessions: dict[tuple[int, int], aiohttp.ClientSession] = {}

    def session(self: EndpointConfig) -> _Borrowed:
        key = (id(self), id(asyncio.get_running_loop()))
        kept = sessions.get(key)
        if kept is None or kept.closed:
            login = self.basic_auth
            auth = aiohttp.BasicAuth(login["username"], login["password"]) if login else None
            kept = sessions[key] = aiohttp.ClientSession(
                headers=self.headers,
                auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_SECONDS),
            )
        return _Borrowed(kept)

    async def request(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
        try:
            return await rasa_request(self, *args, **kwargs)
        except aiohttp.ServerDisconnectedError:  # a kept connection the server had closed
            return await rasa_request(self, *args, **kwargs)

    setattr(request, MARK, True)
    EndpointConfig.session = session
    EndpointConfig.request = request
