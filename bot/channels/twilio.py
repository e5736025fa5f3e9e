"""Twilio SMS and WhatsApp: incoming-message webhook in, the Messages resource out.

Requests must carry a valid ``X-Twilio-Signature`` (HMAC-SHA1 over the public webhook URL
and the sorted form parameters, keyed with the auth token). The signature holds no time,
so a request sent again is dropped by its ``MessageSid``, or, without one, by a digest of
its signed fields (:func:`redelivery_key`). The phone number is not
stored: the conversation is ``twilio:<keyed hash of the number>`` (:mod:`bot.identity`),
and replies go to the number the message came from. Text messages have no buttons, so
buttons become a numbered list, and a reply of just a number picks that option: the last
list offered to each conversation is kept in memory (bounded; forgotten on restart).
Each message carries the sender's country, from the phone number's prefix, as its
``country`` metadata, so emergency replies give local numbers
(:meth:`bot.emergency_numbers.EmergencyNumbers.for_phone`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import aiohttp
from rasa.core.channels.channel import InputChannel
from rasa.shared.exceptions import RasaException
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.base import Choice, SplittingOutput, choices
from bot.channels.http import post
from bot.channels.inbound import Incoming, WebhookInput
from bot.channels.memory import BoundedDict
from bot.channels.parts import Kind, Style, read_reply
from bot.channels.payload import RequestError, field
from bot.channels.wording import NUMBERED_LIST, phrase
from bot.emergency_numbers import COUNTRY_FIELD, COUNTRY_GUESSED_FIELD
from bot.identity import TWILIO, Identities
from bot.safety import default_rules

logger = logging.getLogger(__name__)

API_URL = "https://api.twilio.com"
MAX_CHARS = 1600  # Twilio's limit for one SMS or WhatsApp message body
SIGNATURE_HEADER = "X-Twilio-Signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
_NUMBER_REPLY = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")
_DEFAULT_PORTS = {"https": 443, "http": 80}

Params = Mapping[str, Sequence[str]]


def signed_fields(params: Params) -> str:
    """The form fields as Twilio signs them: sorted by name, each name then its values."""
    return "".join(name + value for name in sorted(params) for value in sorted(set(params[name])))


def twilio_signature(auth_token: str, url: str, params: Params) -> str:
    """The ``X-Twilio-Signature`` Twilio sends for a form POST of ``params`` to ``url``."""
    data = url + signed_fields(params)
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def form_params(body: bytes) -> dict[str, list[str]]:
    """The fields of a form body, or :class:`RequestError` when it is not UTF-8."""
    try:
        return parse_qs(body.decode(), keep_blank_values=True)
    except UnicodeDecodeError:
        raise RequestError("the form is not UTF-8") from None


def message_sid(params: Params) -> str | None:
    """The message's id, if the request has one."""
    return (params.get("MessageSid") or params.get("SmsSid") or [""])[0] or None


def redelivery_key(params: Params) -> str:
    """What identifies a request: its message id, else a digest of its signed fields.

    The signature holds no time, so a signed request can be sent again as it is; one
    without a ``MessageSid`` is told from others by the digest.
    """
    sid = message_sid(params)
    if sid:
        return f"sid:{sid}"
    return "body:" + hashlib.sha256(signed_fields(params).encode()).hexdigest()


def url_variants(url: str) -> list[str]:
    """``url`` as given and with its default port added or removed (Twilio may sign either)."""
    parts = urlsplit(url)
    default = _DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    if default is None or parts.port not in (None, default):
        return [url]
    other = host if parts.port else f"{host}:{default}"
    if parts.username or parts.password:
        credentials = parts.netloc.rsplit("@", 1)[0]
        other = f"{credentials}@{other}"
    return [url, urlunsplit(parts._replace(netloc=other))]


def is_valid_twilio_request(auth_token: str, url: str, params: Params, signature: str) -> bool:
    """Whether ``signature`` signs ``params`` posted to ``url`` (constant-time compare)."""
    return any(
        hmac.compare_digest(twilio_signature(auth_token, candidate, params), signature.strip())
        for candidate in url_variants(url)
    )


def numbered_list(options: Sequence[Choice]) -> str:
    """The options as an SMS-friendly list: "1. How it works" ..."""
    lines = [f"{index}. {option.title}" for index, option in enumerate(options, start=1)]
    return "\n".join([phrase(NUMBERED_LIST), *lines])


def from_number(number: str, recipient: str) -> str:
    """The sender to use: the WhatsApp form of ``number`` when replying on WhatsApp."""
    if recipient.startswith("whatsapp:") and not number.startswith("whatsapp:"):
        return f"whatsapp:{number}"
    return number


class OfferedChoices:
    """The last numbered list sent to each conversation, so "2" can pick option 2."""

    def __init__(self, max_senders: int = 10_000) -> None:
        self._offers: BoundedDict[tuple[Choice, ...]] = BoundedDict(max_senders)

    def offer(self, conversation: str, options: Sequence[Choice]) -> None:
        """Remember ``options`` as the list ``conversation`` can answer."""
        self._offers.put(conversation, tuple(options))

    def resolve(self, conversation: str, text: str) -> str:
        """The payload of the option ``text`` picks, or ``text`` itself."""
        match = _NUMBER_REPLY.match(text)
        options = self._offers.get(conversation) if match else None
        if match and options and 1 <= int(match.group(1)) <= len(options):
            return options[int(match.group(1)) - 1].payload
        return text


# SMS is paid by the segment: compact, no blank lines, the alert's heading in capitals
SMS_STYLE = Style({Kind.HEADING: str.upper}, gap="\n", alert_alone=False)
# WhatsApp's own formatting: an alert in bold, alone and first; small print in italics
WHATSAPP_STYLE = Style(
    {
        Kind.HEADING: lambda text: f"*{text}*",
        Kind.ALERT: lambda text: f"*{text}*",
        Kind.SOURCE: lambda text: f"_{text}_",
        Kind.DISCLAIMER: lambda text: f"_{text}_",
    }
)


class TwilioOutput(SplittingOutput):
    """Replies through ``POST /2010-04-01/Accounts/{sid}/Messages.json``."""

    @classmethod
    def name(cls) -> str:
        """The channel's name."""
        return "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        number: str,
        offers: OfferedChoices,
        api_url: str = API_URL,
        max_chars: int = MAX_CHARS,
        recipient: str | None = None,
    ) -> None:
        self._auth = aiohttp.BasicAuth(account_sid, auth_token)
        self._url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.number = number
        self.offers = offers
        self.max_chars = max_chars
        self.recipient = recipient  # the phone number (Rasa knows only its hash)

    def style_for(self, recipient_id: str) -> Style:
        """WhatsApp's formatting for a WhatsApp number, compact text for SMS."""
        return WHATSAPP_STYLE if recipient_id.startswith("whatsapp:") else SMS_STYLE

    async def send_part(self, recipient_id: str, text: str, buttons: Sequence[Choice]) -> None:
        """Send one message (buttons are sent as a list by send_text_with_buttons)."""
        form = {"To": recipient_id, "From": from_number(self.number, recipient_id), "Body": text}
        await post(self._url, what="Twilio Messages", form=form, auth=self._auth)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send the text, then the buttons as a numbered list the patient answers with.

        ``recipient_id`` is the conversation id; the list is remembered under it.
        """
        options = choices(buttons)
        await self.send_reply(recipient_id, read_reply(text or "", kwargs), ())
        if options:
            self.offers.offer(recipient_id, options)
            await self.send_parts(recipient_id, numbered_list(options), ())


class TwilioInput(WebhookInput):
    """Twilio incoming-message webhook for an SMS or WhatsApp number."""

    @classmethod
    def name(cls) -> str:
        """The channel's name (and URL prefix)."""
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """The channel from its credentials (see bot/launch/channels.py)."""
        credentials = cls.checked(credentials)
        if not credentials.get("identity_secret"):
            raise RasaException("The twilio channel needs identity_secret: see docs/channels.md.")
        return cls(
            identities=Identities(str(credentials["identity_secret"])),
            account_sid=str(credentials["account_sid"]),
            auth_token=str(credentials["auth_token"]),
            number=str(credentials["number"]),
            webhook_url=credentials.get("webhook_url") or None,
            api_url=credentials.get("api_url") or API_URL,
            max_chars=int(credentials.get("max_message_chars") or MAX_CHARS),
        )

    def __init__(
        self,
        identities: Identities,
        account_sid: str,
        auth_token: str,
        number: str,
        webhook_url: str | None = None,
        api_url: str = API_URL,
        max_chars: int = MAX_CHARS,
    ) -> None:
        super().__init__()
        self.identities = identities
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.number = number
        self.webhook_url = webhook_url
        self.api_url = api_url
        self.max_chars = min(max_chars, MAX_CHARS)
        self.offers = OfferedChoices()

    def conversation(self, platform_id: str) -> str:
        """The conversation of a phone number: ``twilio:`` and its keyed hash."""
        return self.identities.hashed(TWILIO, platform_id)

    def get_output_channel(self, recipient: str | None = None) -> TwilioOutput:
        """The Messages resource client, sending to the phone number ``recipient``."""
        return TwilioOutput(
            self.account_sid,
            self.auth_token,
            self.number,
            self.offers,
            self.api_url,
            self.max_chars,
            recipient,
        )

    def authenticate(self, request: Request) -> HTTPResponse | None:
        """Refuse a request without the auth token's signature of its URL and form."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return response.text("missing X-Twilio-Signature", status=401)
        try:
            params = form_params(request.body)
        except RequestError as problem:
            return self.refuse(str(problem))
        url = self.webhook_url or request.url
        if not is_valid_twilio_request(self.auth_token, url, params, signature):
            return response.text("wrong X-Twilio-Signature", status=403)
        return None

    def read(self, request: Request) -> dict[str, list[str]]:
        """The form's fields (a form has no nesting to check)."""
        return form_params(request.body)

    def parse(self, body: Any, request: Request) -> list[Incoming]:
        """The message, text or a picture alone; none for STOP or HELP (Twilio answers those)."""
        sender = field(body, "From")
        if not sender or field(body, "OptOutType"):
            return []
        text: str | None = field(body, "Body").strip()
        if text:
            text = self.offers.resolve(self.conversation(sender), text)
        elif field(body, "NumMedia") not in ("", "0") or field(body, "MediaUrl0"):
            text = None  # a picture without words
        else:
            return []
        country = {
            COUNTRY_FIELD: default_rules().numbers.for_phone(sender),
            COUNTRY_GUESSED_FIELD: True,  # a phone's country, not where it is
        }
        return [Incoming(sender, text, message_sid(body), (redelivery_key(body),), country)]

    def output_for(self, incoming: Incoming) -> TwilioOutput:
        """Replies to the phone number the message came from."""
        return self.get_output_channel(incoming.sender)

    def acknowledge(self, request: Request) -> HTTPResponse:
        """An empty TwiML answer: the replies go through the Messages resource."""
        return response.text(EMPTY_TWIML, content_type="text/xml")
