"""Conversation ids: one namespace per channel, phone numbers hashed, web sessions signed.

Every conversation id is ``<namespace>:<id>``. Each channel writes its own namespace on
the server, whatever a client sends, so no channel can name another's conversations:
``rest:`` the ``sender`` a REST client sent; ``web:`` a widget session the server
issued (socket.io, and REST when the widget falls back to it); ``telegram:`` the chat
id; ``slack:`` the user id; ``facebook:`` the page-scoped user id; ``twilio:`` a keyed
hash of the phone number.

Phone numbers are never stored: Twilio conversations are named by an HMAC-SHA256 of the
number under the identity secret. Web sessions are issued by the server as a token
``<id>.<signature>``; the browser keeps the token, the conversation is ``web:<id>``, and
a client can resume only a session whose token it holds (the signature is an HMAC of the
id under the secret), so neither a guessed id nor one read from the database or a report
opens a conversation.

The secret is ``BOT_IDENTITY_SECRET`` (at least 32 characters), or else a random one
generated on first start and kept in ``identity.key`` beside the conversations (mode
0600). Several servers sharing one database must all be given the same secret.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SECRET_VARIABLE = "BOT_IDENTITY_SECRET"
SECRET_FILE_NAME = "identity.key"
MIN_SECRET_CHARS = 32
SEPARATOR = ":"

REST, WEB, TWILIO = "rest", "web", "twilio"
NAMESPACES = frozenset({REST, WEB, "telegram", "slack", "facebook", TWILIO})

_SESSION_ID_BYTES = 16  # 128 random bits
_SIGNATURE_BYTES = 16
_TOKEN = re.compile(r"([0-9a-f]{32})\.([0-9a-f]{32})")


def conversation_id(namespace: str, platform_id: str) -> str:
    """The conversation id of ``platform_id`` in ``namespace`` (``"telegram:123"``)."""
    if namespace not in NAMESPACES:
        raise ValueError(f"unknown conversation namespace '{namespace}'")
    return f"{namespace}{SEPARATOR}{platform_id}"


def namespace_of(conversation: str) -> str | None:
    """The namespace of a conversation id, or None for an id without one (stored earlier)."""
    namespace, separator, _ = conversation.partition(SEPARATOR)
    return namespace if separator and namespace in NAMESPACES else None


class Identities:
    """Keyed hashes of phone numbers and signed web sessions, under one secret."""

    def __init__(self, secret: str) -> None:
        """Derive a separate key for each use from ``secret`` (32 characters or more)."""
        if len(secret) < MIN_SECRET_CHARS:
            raise ValueError(f"the identity secret must be at least {MIN_SECRET_CHARS} characters")
        key = secret.encode()
        self._number_key = hmac.new(key, b"lems-bot phone numbers", hashlib.sha256).digest()
        self._session_key = hmac.new(key, b"lems-bot web sessions", hashlib.sha256).digest()

    def hashed(self, namespace: str, platform_id: str) -> str:
        """The conversation id of ``platform_id`` with the id replaced by a keyed hash."""
        digest = hmac.new(self._number_key, platform_id.encode(), hashlib.sha256).hexdigest()
        return conversation_id(namespace, digest[:32])

    def _signature(self, session_id: str) -> str:
        mac = hmac.new(self._session_key, session_id.encode(), hashlib.sha256)
        return mac.digest()[:_SIGNATURE_BYTES].hex()

    def new_session(self) -> str:
        """A new web session token: 128 random bits and their signature."""
        session_id = secrets.token_hex(_SESSION_ID_BYTES)
        return f"{session_id}.{self._signature(session_id)}"

    def web_conversation(self, token: Any) -> str | None:
        """The conversation of a web session token, or None unless this server signed it."""
        match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
        if match is None:
            return None
        session_id, signature = match.groups()
        if not hmac.compare_digest(signature, self._signature(session_id)):
            return None
        return conversation_id(WEB, session_id)


def load_secret(
    env: MutableMapping[str, str], directory: Path, shared_database: bool = False
) -> str:
    """The identity secret: ``BOT_IDENTITY_SECRET``, else the kept file, else a new one.

    The secret found or made is written into ``env`` so the channels read it from there.

    Args:
        env: the environment (``os.environ`` for the Rasa server).
        directory: where the generated secret is kept (beside the conversations).
        shared_database: whether several servers may share the conversation database;
            each would generate its own secret, so then it must be set.

    Returns:
        The secret.

    Raises:
        SystemExit: for a secret under 32 characters, or a shared database without one.
    """
    secret = env.get(SECRET_VARIABLE, "").strip()
    if secret:
        if len(secret) < MIN_SECRET_CHARS:
            raise SystemExit(
                f"{SECRET_VARIABLE} must be at least {MIN_SECRET_CHARS} characters "
                "(e.g. `openssl rand -hex 32`)."
            )
        return secret
    if shared_database:
        raise SystemExit(
            f"Set {SECRET_VARIABLE} (e.g. `openssl rand -hex 32`), the same for every Rasa "
            "server of this database: each would otherwise make its own, and conversation "
            "ids and web sessions would differ from server to server."
        )
    path = directory / SECRET_FILE_NAME
    if path.is_file():
        secret = path.read_text(encoding="ascii", errors="replace").strip()
        if len(secret) < MIN_SECRET_CHARS:
            raise SystemExit(f"{path} is damaged: it must hold the identity secret.")
    else:
        directory.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_hex(32)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w", encoding="ascii") as file:
            file.write(secret + "\n")
        logger.info("Generated the identity secret in %s: keep it with the conversations.", path)
    env[SECRET_VARIABLE] = secret
    return secret
