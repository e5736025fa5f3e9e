"""A reply's parts, read back from what the bot sent, for the platforms that style them.

Every reply is sent as plain text with its parts beside it (``PARTS_FIELD`` and
``ALERT_FIELD`` of :mod:`bot.answers`): an alert's heading and guidance, the body, the
source line and the disclaimer. A :class:`Style` says how one platform writes each part;
:func:`messages` lays the parts out in messages within the platform's length limit. When
the parts are missing, or do not add up to the text, the reply is one plain body: the
patient always gets every word.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from bot.answers import ALERT_FIELD, PARTS_FIELD
from bot.channels.splitting import Measure, split_message


class Kind(str, Enum):
    """What a part of a reply is."""

    HEADING = "heading"  # an alert's heading ("Emergency"); not in the plain text
    ALERT = "alert"  # emergency or crisis guidance, with its safety line
    BODY = "body"
    SOURCE = "source"
    DISCLAIMER = "disclaimer"


# parts of one group go on consecutive lines; a gap sets the groups apart
GROUPS = {
    Kind.HEADING: "alert",
    Kind.ALERT: "alert",
    Kind.BODY: "body",
    Kind.SOURCE: "closing",
    Kind.DISCLAIMER: "closing",
}
# the icon before an alert's heading, by level (beside words, never alone)
ALERT_ICONS = {"emergency": "🚨", "crisis": "🆘"}


@dataclass(frozen=True)
class Part:
    """One part of a reply: what it is and its text (one or more lines)."""

    kind: Kind
    text: str


@dataclass(frozen=True)
class Reply:
    """A reply as parts, in order; ``urgency`` is its alert's level, or None."""

    parts: tuple[Part, ...]
    urgency: str | None = None


def plain(text: str) -> Reply:
    """A reply that is only a body: ``text``."""
    return Reply((Part(Kind.BODY, text.strip()),) if text.strip() else ())


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _alert_parts(alert: Any, urgency: Any) -> list[Part] | None:
    if not isinstance(alert, Mapping) or alert.get("level") != urgency:
        return None
    heading, text = _text(alert.get("heading")), _text(alert.get("text"))
    if urgency not in ALERT_ICONS or not heading or not text:
        return None
    return [Part(Kind.HEADING, f"{ALERT_ICONS[urgency]} {heading}"), Part(Kind.ALERT, text)]


def read_reply(text: str, fields: Mapping[str, Any]) -> Reply:
    """The reply a sent message holds: its parts if they add up to ``text``, else plain."""
    data = fields.get(PARTS_FIELD)
    if not isinstance(data, Mapping):
        return plain(text)
    body = data.get("body")
    if not isinstance(body, list) or not all(isinstance(p, str) for p in body):
        return plain(text)
    urgency = data.get("urgency")
    parts: list[Part] = []
    if urgency is not None:
        alert = _alert_parts(fields.get(ALERT_FIELD), urgency)
        if alert is None:
            return plain(text)
        parts.extend(alert)
    parts.extend(Part(Kind.BODY, p) for p in body if p.strip())
    for kind, key in ((Kind.SOURCE, "source"), (Kind.DISCLAIMER, "disclaimer")):
        line = _text(data.get(key))
        if line:
            parts.append(Part(kind, line))
    as_sent = "\n".join(p.text for p in parts if p.kind is not Kind.HEADING)
    if as_sent.strip() != text.strip():
        return plain(text)
    return Reply(tuple(parts), urgency)


Format = Callable[[str], str]


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Style:
    """How a platform writes a reply's parts.

    ``formats`` writes each kind (a kind mapped to None is left out, a kind not named is
    written as it is); ``escape`` makes a text safe for the platform's markup first.
    """

    formats: Mapping[Kind, Format | None] = field(default_factory=dict)
    escape: Format = _same
    line: str = "\n"  # between the parts of one group
    gap: str = "\n\n"  # between groups
    alert_alone: bool = True  # the alert in a message of its own, before the rest

    def shows(self, part: Part) -> bool:
        """Whether the part is written at all."""
        return part.kind not in self.formats or self.formats[part.kind] is not None

    def write(self, part: Part) -> str:
        """One part as the platform writes it, each line formatted on its own."""
        write = self.formats.get(part.kind) or _same
        return "\n".join(write(self.escape(line)) for line in part.text.split("\n"))

    def join(self, parts: Sequence[Part]) -> str:
        """Parts written in one message, groups set apart."""
        written = ""
        for index, part in enumerate(parts):
            if index:
                same_group = GROUPS[part.kind] == GROUPS[parts[index - 1].kind]
                written += self.line if same_group else self.gap
            written += self.write(part)
        return written


PLAIN = Style({Kind.HEADING: None}, gap="\n", alert_alone=False)  # as the reply's text


def _pieces(part: Part, style: Style, limit: int, measure: Measure) -> list[Part]:
    """``part`` as pieces of one line each, each fitting in ``limit`` once written."""
    if measure(style.write(part)) <= limit:
        return [part]
    room = max(1, limit - (measure(style.write(Part(part.kind, "x"))) - 1))
    return [
        Part(part.kind, piece)
        for line in part.text.split("\n")
        for piece in split_message(line, room, measure)
    ]


def messages(reply: Reply, style: Style, limit: int, measure: Measure = len) -> list[str]:
    """The reply written in ``style``, as messages of at most ``limit``, in order.

    ``measure`` counts as the platform does. The alert is alone and first if the style
    says so.
    """
    shown = [p for p in reply.parts if style.shows(p)]
    pieces = [piece for part in shown for piece in _pieces(part, style, limit, measure)]
    groups: list[list[Part]] = []
    for piece in pieces:
        current = groups[-1] if groups else None
        alone = (
            style.alert_alone
            and current
            and (GROUPS[current[-1].kind] == "alert") != (GROUPS[piece.kind] == "alert")
        )
        if current and not alone and measure(style.join([*current, piece])) <= limit:
            current.append(piece)
        else:
            groups.append([piece])
    return [style.join(group) for group in groups]
