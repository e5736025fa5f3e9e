"""A fake of the four platforms' send APIs on loopback, and how the platforms sign requests.

The signing helpers follow each platform's documentation independently of bot/channels, so
a mistake in the connectors' checks cannot cancel out in the tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from bot import knowledge

DISCLAIMER = knowledge.default().disclaimer
PUBLIC_URL = "https://bot.example.org"

SECRETS = {
    "BOT_ENV_FILE": "",  # never a developer's .env
    "TELEGRAM_ACCESS_TOKEN": "123456:test-telegram-token",
    "TELEGRAM_BOT_NAME": "LemsTestBot",
    "TELEGRAM_WEBHOOK_URL": f"{PUBLIC_URL}/webhooks/telegram/webhook",
    "TELEGRAM_SECRET_TOKEN": "test-telegram-secret_1",
    "SLACK_TOKEN": "xoxb-test-slack-token",
    "SLACK_SIGNING_SECRET": "test-slack-signing-secret",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "EAA-test-page-token",
    "FACEBOOK_SECRET": "test-facebook-app-secret",
    "FACEBOOK_VERIFY_TOKEN": "test-verify-token",
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "test-twilio-auth-token",
    "TWILIO_NUMBER": "+15550001111",
    "TWILIO_WEBHOOK_URL": f"{PUBLIC_URL}/webhooks/twilio/webhook",
    # Twilio advises under 320 characters for deliverability: long answers get split
    "TWILIO_MAX_MESSAGE_CHARS": "320",
    # REST from behind a proxy (tests/channels/test_identities.py)
    "REST_TOKEN": "test-rest-token-for-loopback-tests-only",
}


@dataclass(frozen=True)
class Sent:
    """One call the bot made to a platform's send API."""

    platform: str  # telegram, slack, facebook or twilio
    method: str  # the last path segment: sendMessage, chat.postMessage, messages, ...
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: dict[str, Any]  # decoded JSON, or the form as {name: first value}

    @property
    def recipient(self) -> str:
        """Who the message goes to, however the platform names it."""
        b = self.body
        if self.platform == "telegram":
            return str(b.get("chat_id", ""))
        if self.platform == "slack":
            return str(b.get("channel", ""))
        if self.platform == "facebook":
            return str((b.get("recipient") or {}).get("id", ""))
        return str(b.get("To", ""))

    @property
    def markup(self) -> str:
        """The message as sent, in the platform's markup (Slack: every block's text)."""
        b = self.body
        if self.platform == "telegram":
            return str(b.get("text", ""))
        if self.platform == "slack":
            return "\n".join(slack_texts(b)) or str(b.get("text", ""))
        if self.platform == "facebook":
            return str((b.get("message") or {}).get("text", ""))
        return str(b.get("Body", ""))

    @property
    def lines(self) -> list[str]:
        """The lines as the patient reads them: the markup gone, blank lines left out."""
        return [line for line in map(read_line, self.markup.split("\n")) if line]

    @property
    def heading(self) -> str | None:
        """An alert's heading ("🚨 Emergency"), as read, if the message has one."""
        return next((line for line in self.lines if line.startswith(ALERT_ICONS)), None)

    @property
    def text(self) -> str:
        """The message's words as read, without any alert heading."""
        return "\n".join(line for line in self.lines if not line.startswith(ALERT_ICONS))


ALERT_ICONS = ("🚨", "🆘")
_TELEGRAM_TAGS = re.compile(r"</?[bi]>")
_WRAPPED = re.compile(r"^([*_])(.+)\1$")  # a line in bold or italics (Slack, WhatsApp)


def slack_texts(body: Mapping[str, Any]) -> list[str]:
    """The texts of a Slack message's section and context blocks, in order."""
    texts = []
    for block in body.get("blocks", []):
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        elif block["type"] == "context":
            texts.extend(element["text"] for element in block["elements"])
    return texts


def read_line(line: str) -> str:
    """One line of a message without its markup (HTML tags, ``*bold*``, ``_italics_``)."""
    line = html.unescape(_TELEGRAM_TAGS.sub("", line)).strip()
    wrapped = _WRAPPED.match(line)
    return wrapped.group(2) if wrapped else line


class FakePlatforms:
    """Records every POST; answers like the real APIs do on success."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the fake."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def env(self) -> dict[str, str]:
        """The API base URL variables pointing the connectors here."""
        return {
            "TELEGRAM_API_URL": f"{self.url}/telegram",
            "SLACK_API_URL": f"{self.url}/slack/api",
            "FACEBOOK_API_URL": f"{self.url}/facebook/v21.0",
            "TWILIO_API_URL": f"{self.url}/twilio",
        }

    def start(self) -> FakePlatforms:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def messages(self, platform: str, recipient: str, method: str | None = None) -> list[Sent]:
        """Calls so far to ``platform`` for ``recipient`` (and ``method``), in order."""
        with self._changed:
            return [
                s
                for s in self.sent
                if s.platform == platform
                and s.recipient == recipient
                and (method is None or s.method == method)
            ]

    def wait_for(
        self,
        platform: str,
        recipient: str,
        until: Callable[[list[Sent]], bool],
        timeout: float = 30,
    ) -> list[Sent]:
        """Wait until the calls for ``recipient`` satisfy ``until``; return them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self.messages(platform, recipient)
                if until(found):
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    texts = [s.text for s in found]
                    raise AssertionError(f"{platform} {recipient}: condition not met: {texts}")
                self._changed.wait(left)

    def _record(self, sent: Sent) -> None:
        with self._changed:
            self.sent.append(sent)
            self._changed.notify_all()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                platform = parts.path.strip("/").split("/")[0]
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    body = json.loads(raw or b"{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                sent = Sent(
                    platform=platform,
                    method=parts.path.rsplit("/", 1)[-1],
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers=dict(self.headers.items()),
                    body=body,
                )
                fake._record(sent)
                status, answer = reply_for(sent)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def reply_for(sent: Sent) -> tuple[int, dict[str, Any]]:
    """What the real API answers to a successful call (a path with /fail/ fails)."""
    if "/fail/" in sent.path:
        return 400, {"ok": False, "description": "Bad Request: chat not found"}
    if sent.platform == "telegram":
        result: Any = {"message_id": 1} if sent.method == "sendMessage" else True
        return 200, {"ok": True, "result": result}
    if sent.platform == "slack":
        return 200, {"ok": True, "channel": sent.body.get("channel"), "ts": f"{time.time():.6f}"}
    if sent.platform == "facebook":
        return 200, {"recipient_id": sent.recipient, "message_id": "m_fake"}
    return 201, {"sid": "SM" + "0" * 32, "status": "queued"}


# --- signing, as each platform documents it -----------------------------------------


def slack_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def hub_signature_256(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hub_signature_sha1(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def sign_twilio(token: str, url: str, params: Mapping[str, str]) -> str:
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


# --- posting to the bot ---------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """The bot's HTTP answer to a webhook call."""

    status: int
    text: str


def post(url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
    """POST ``body`` to ``url``; the answer, whatever its status."""
    request = urllib.request.Request(url, body, dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode())


def get(url: str) -> Answer:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return Answer(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode())


def as_json(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def as_form(params: Mapping[str, str]) -> bytes:
    return urlencode(params).encode()


def has_disclaimer(sent: list[Sent]) -> bool:
    return any(DISCLAIMER in s.text for s in sent)


def webhook_url(rasa_url: str, channel: str) -> str:
    """The URL of ``channel``'s webhook on the test server."""
    return f"{rasa_url}/webhooks/{channel}/webhook"


def thanked(sent: Sequence[Sent]) -> bool:
    """Whether the bot has answered a "thank you" (either way the planner may thank)."""
    from bot import knowledge

    phrases = knowledge.default().phrases
    return any(phrases["thanks"] in s.text or phrases["feedback_thanks"] in s.text for s in sent)
