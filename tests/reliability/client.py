"""Small HTTP and database helpers for the reliability tests (loopback only, bounded)."""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.identity import REST, conversation_id

REST_PATH = "/webhooks/rest/webhook"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, headers and body (decoded JSON when it is JSON)."""

    status: int
    headers: dict[str, str]
    body: Any
    raw: str = ""

    @property
    def texts(self) -> str:
        """The reply texts of a REST answer, joined."""
        if not isinstance(self.body, list):
            return ""
        return "\n".join(str(r.get("text", "")) for r in self.body if isinstance(r, dict))


def request(
    url: str,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
    timeout: float = 60,
) -> Answer:
    """Send one request; 4xx and 5xx are answers too, not exceptions."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            status, raw, head = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, head = error.code, error.read(), dict(error.headers)
    try:
        body: Any = json.loads(raw)
    except ValueError:
        body = None
    text = raw.decode("utf-8", "replace")
    return Answer(status, {k.lower(): v for k, v in head.items()}, body, text)


def post(
    base_url: str,
    body: Any = None,
    raw: bytes | None = None,
    content_type: str = "application/json",
    timeout: float = 60,
) -> Answer:
    """POST ``body`` as JSON (or ``raw`` bytes) to the REST webhook."""
    data = raw if raw is not None else json.dumps(body).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    return request(base_url + REST_PATH, data, headers, method="POST", timeout=timeout)


def say(base_url: str, sender: str, message: str, timeout: float = 60) -> Answer:
    """Send one message as ``sender``; the answer must be a 200."""
    answer = post(base_url, {"sender": sender, "message": message}, timeout=timeout)
    assert answer.status == 200, answer
    return answer


@dataclass(frozen=True)
class StoredEvent:
    """One row of the tracker store's ``events`` table."""

    type_name: str
    timestamp: float
    action_name: str | None
    data: dict[str, Any]


def rest_conversation(sender: str) -> str:
    """The conversation id the REST channel keeps ``sender``'s messages under."""
    return conversation_id(REST, sender)


def stored_events(db: Path, sender: str) -> list[StoredEvent]:
    """The events SQLite holds for the conversation id ``sender``, in order."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT type_name, timestamp, action_name, data FROM events "
            "WHERE sender_id = ? ORDER BY id",
            (sender,),
        ).fetchall()
    return [StoredEvent(t, ts, a, json.loads(d)) for t, ts, a, d in rows]


def all_senders(db: Path) -> set[str]:
    """Every sender with a stored event."""
    with sqlite3.connect(db) as connection:
        return {row[0] for row in connection.execute("SELECT DISTINCT sender_id FROM events")}
