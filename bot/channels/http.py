"""The one HTTP call the connectors make: a POST to a platform's send API."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15.0


async def post(
    url: str,
    *,
    what: str,
    json_body: Any = None,
    form: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    auth: aiohttp.BasicAuth | None = None,
) -> Any:
    """POST to ``url``; the decoded JSON answer, or None (logged) on any failure.

    Args:
        url: the API endpoint (may hold a token: it is never logged).
        what: a name for the call in log messages, such as "Telegram sendMessage".
        json_body: a body to send as JSON.
        form: a body to send form-encoded.
        params: query parameters.
        headers: extra request headers.
        auth: HTTP basic credentials.

    Returns:
        The decoded JSON body ({} when not JSON), or None when the call failed.
    """
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(
                url,
                json=json_body,
                data=dict(form) if form is not None else None,
                params=params,
                headers=headers,
                auth=auth,
            ) as response,
        ):
            text = await response.text()
            if response.status >= 400:
                logger.error("%s failed: HTTP %s: %s", what, response.status, text[:500])
                return None
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        logger.error("%s failed: %s", what, type(error).__name__)
        return None
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}
