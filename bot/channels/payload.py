"""Reading what a client or platform sent: nesting first, then shape, then the text.

Every channel reads its request body (or socket.io event) through these functions before
anything else looks inside it, so an odd body is a clear 400 (or, on socket.io, an error
event) and never a 500: a body nested deeper than :data:`MAX_DEPTH` is refused before any
recursive function walks it (Python's JSON functions fail at about 1,000 levels, which fit
in 2 KB), and each field is read with the type it must have. The text of every message is
cleaned and cut once, here (:func:`clean_text`), by the channel pipeline
(:mod:`bot.channels.inbound`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.limits import truncate_message

# Deepest nesting of a request body. The platforms' payloads go about ten levels deep (a
# Slack button click, a Telegram reply to a message); metadata is a flat object.
MAX_DEPTH = 32
MAX_METADATA_BYTES = 4096  # metadata is stored with every message: keep it small

# C0 control characters except tab, line feed and carriage return, and DEL
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RequestError(ValueError):
    """A request the channel refuses (400); the message says what is wrong."""


def check_depth(value: Any, what: str = "the body") -> Any:
    """``value`` if it nests at most :data:`MAX_DEPTH` levels, else :class:`RequestError`.

    Walks the value without recursion, so any depth can be measured.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise RequestError(f"{what} is nested more than {MAX_DEPTH} levels deep")
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
    return value


def load_json(raw: bytes | str, what: str = "the body") -> Any:
    """The JSON value of ``raw``, checked by :func:`check_depth`, else :class:`RequestError`."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise RequestError(f"{what} is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError:  # UnicodeDecodeError included
        raise RequestError(f"{what} is not valid JSON") from None
    return check_depth(value, what)


def an_object(value: Any, what: str) -> dict[str, Any]:
    """``value`` if it is a JSON object, else :class:`RequestError`."""
    if not isinstance(value, dict):
        raise RequestError(f"{what} must be an object")
    return value


def optional_object(value: Any, what: str) -> dict[str, Any]:
    """``value`` if it is an object, ``{}`` if absent, else :class:`RequestError`."""
    return {} if value is None else an_object(value, what)


def optional_list(value: Any, what: str) -> list[Any]:
    """``value`` if it is a list, ``[]`` if absent, else :class:`RequestError`."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise RequestError(f"{what} must be a list")
    return value


def optional_text(value: Any, what: str) -> str | None:
    """``value`` if it is a string, None if absent, else :class:`RequestError`."""
    if value is None or isinstance(value, str):
        return value
    raise RequestError(f"{what} must be a string")


def optional_id(value: Any, what: str) -> str | None:
    """A platform id (a string or a whole number) as a string; None if absent or empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RequestError(f"{what} must be a string or a number")
    return str(value)


def check_metadata(value: Any, what: str = "'metadata'") -> dict[str, Any] | None:
    """``value`` if it is absent or a small JSON object, else :class:`RequestError`.

    Call it on values that passed :func:`check_depth`.
    """
    if value is None:
        return None
    metadata = an_object(value, what)
    if len(json.dumps(metadata)) > MAX_METADATA_BYTES:
        raise RequestError(f"{what} must be at most {MAX_METADATA_BYTES} bytes as JSON")
    return metadata


def clean_text(text: str) -> str:
    """``text`` cut to the message limit, control characters and lone surrogates replaced.

    The NLU pipeline and the tracker store fail on them.
    """
    cut = truncate_message(text)
    encodable = cut.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
    return _CONTROL.sub(" ", encodable)


def field(params: Mapping[str, list[str]], name: str) -> str:
    """The first value of form field ``name``, or ""."""
    return (params.get(name) or [""])[0]
