"""Keep what patients write out of the Rasa server's logs.

At its default level (INFO) Rasa 3.6 logs the text of a message whenever handling it
fails: the REST channel's ``rest.message.received.failure`` event carries ``text=...``,
and its JSON tracebacks list every frame's local variables, the message among them.
SQLAlchemy errors quote the statement's parameters, which hold whole events.

:func:`install` (called by the launcher before ``rasa run``) removes them from every log
record as it is created: values of message-bearing keys in Rasa's structured (JSON) log
lines become ``[redacted]``, frame locals are dropped, and ``[parameters: ...]`` is cut
from error texts. Rasa is told to write structured lines as JSON
(``FORCE_JSON_LOGGING``), also in a terminal, so that they can be redacted. Python
warnings go through logging too: Rasa quotes a whole message in a warning when it starts
with "/" but names no intent (``/I feel sick``), and the quote is redacted.

Message text is logged only on request: ``LOG_MESSAGES=true``, or debug logging
(``--debug``/``-vv`` or ``LOG_LEVEL=DEBUG``, where Rasa logs every message in plain text).
Never turn it on where real patients write.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

logger = logging.getLogger(__name__)

ENABLE_VARIABLE = "LOG_MESSAGES"
DEBUG_FLAGS = frozenset({"--debug", "-vv"})
REDACTED = "[redacted]"
# Keys whose values can hold what a patient wrote (Rasa's own anonymizer list, plus
# tracebacks' frame locals and the places events and metadata travel).
SENSITIVE_KEYS = frozenset(
    {
        "text",
        "message",
        "response_text",
        "user_text",
        "user_message",
        "json_message",
        "parse_data",
        "parse_data_text",
        "parse_data_entities",
        "entity",
        "entities",
        "current_entity",
        "next_entity",
        "token_text",
        "slot_values",
        "slot_candidates",
        "prefilled_slots",
        "prediction_events",
        "tracker_latest_message",
        "rasa_event",
        "rasa_events",
        "events",
        "tracker",
        "tracker_states",
        "current_states",
        "old_states",
        "states",
        "successes",
        "response",
        "metadata",
        "locals",
    }
)
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\n|$|\s*\(Background)", re.DOTALL)
# Rasa's warnings that quote a message (a text starting with "/" is read as an intent):
# the first group of each is what the patient wrote
_QUOTED_MESSAGE = tuple(
    re.compile(pattern, re.DOTALL | re.MULTILINE)
    for pattern in (
        r"in line '(.*?)'\. (?:Expected|Failed)",
        r"but found (.*?)\. ?Continuing",
        r"Continuing without (.*?)\. ?$",
        r"Parsed an (?:intent|entity) '(.*?)' which is not defined",
        r"Invalid entity specification: (.*?)\. Assuming no entities",
    )
)
_MARK = "_lems_privacy"


def messages_allowed(argv: Sequence[str], env: Mapping[str, str]) -> bool:
    """Whether message text may be logged: ``LOG_MESSAGES`` or debug logging is on."""
    if env.get(ENABLE_VARIABLE, "").strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if env.get("LOG_LEVEL", "").strip().upper() == "DEBUG":
        return True
    return any(arg in DEBUG_FLAGS for arg in argv)


def redact(value: Any) -> Any:
    """``value`` with the values of :data:`SENSITIVE_KEYS` replaced, at any depth."""
    if isinstance(value, dict):
        return {
            key: REDACTED if key in SENSITIVE_KEYS else redact(item) for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return scrub(value)
    return value


def _redact_group(match: re.Match[str]) -> str:
    whole, start = match.group(0), match.start(0)
    return whole[: match.start(1) - start] + REDACTED + whole[match.end(1) - start :]


def scrub(text: str) -> str:
    """``text`` without SQL statement parameters or message text quoted in a warning."""
    text = _SQL_PARAMETERS.sub(f"[parameters: {REDACTED}]", text)
    for pattern in _QUOTED_MESSAGE:
        text = pattern.sub(_redact_group, text)
    return text


def redact_message(message: str) -> str:
    """A log line without patient text: a JSON object is redacted key by key."""
    stripped = message.strip()
    if stripped.startswith("{") and stripped.endswith("}"):
        try:
            data = json.loads(stripped)
        except ValueError:
            return scrub(message)
        if isinstance(data, dict):
            return json.dumps(redact(data))
    return scrub(message)


def redact_record(record: logging.LogRecord) -> None:
    """Redact ``record`` in place (its message, and its traceback text if any)."""
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to logging to report
        return
    cleaned = redact_message(message)
    if cleaned != message:
        record.msg, record.args = cleaned, ()
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))


def install(argv: Sequence[str] | None = None, env: MutableMapping[str, str] | None = None) -> bool:
    """Redact patient text from every log record of this process, unless allowed.

    Call it before Rasa configures logging (before ``rasa.__main__.main``).

    Args:
        argv: the command line (``sys.argv``), checked for ``--debug``/``-vv``.
        env: the environment (``os.environ``), checked for ``LOG_MESSAGES``.

    Returns:
        Whether redaction is on.
    """
    argv = sys.argv if argv is None else argv
    target = os.environ if env is None else env
    if messages_allowed(argv, target):
        logger.warning(
            "Message text will be logged (%s or debug logging): the logs hold health data.",
            ENABLE_VARIABLE,
        )
        return False
    target.setdefault("FORCE_JSON_LOGGING", "1")  # read by rasa.utils.log_utils on import
    logging.captureWarnings(True)  # Rasa's warnings quote messages: send them through here
    previous = logging.getLogRecordFactory()
    if getattr(previous, _MARK, False):
        return True

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redact_record(record)
        return record

    setattr(factory, _MARK, True)
    logging.setLogRecordFactory(factory)
    return True
