"""Run-time settings, read from the environment with safe local defaults.

The YAML files (endpoints.yml) use ``${VAR}``, which Rasa rejects when unset, so
:meth:`Settings.export` writes every default into the environment before Rasa starts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
_COUNTRY = re.compile(r"[A-Z]{2,8}")  # a code of bot/knowledge/emergency_numbers.yml


@dataclass(frozen=True)
class Settings:
    """Where the servers listen and where they keep their data."""

    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_host: str = "127.0.0.1"
    action_port: int = 5055
    action_timeout_seconds: float = 5.0
    widget_host: str = "127.0.0.1"
    widget_port: int = 8080
    tracker_db: Path = PROJECT_DIR / ".rasa" / "conversations.db"
    model_path: Path = PROJECT_DIR / "models" / "lems-bot.tar.gz"
    # web pages allowed to call the Rasa server from a browser (default: the demo page)
    cors_origins: tuple[str, ...] | None = None
    # whose emergency and crisis numbers to give when the channel does not say (the
    # widget's browser locale, a Twilio sender's phone prefix); unset: "your local
    # emergency number" with examples from several countries
    country: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        """Settings from ``env``; a malformed number is a clear error."""
        default = cls()

        def number(name: str, fallback: float) -> float:
            raw = env.get(name)
            if raw is None or raw == "":
                return fallback
            try:
                return float(raw)
            except ValueError:
                raise SystemExit(f"{name} must be a number, got '{raw}'") from None

        return cls(
            rasa_host=env.get("RASA_HOST") or default.rasa_host,
            rasa_port=int(number("RASA_PORT", default.rasa_port)),
            action_host=env.get("ACTION_HOST") or default.action_host,
            action_port=int(number("ACTION_PORT", default.action_port)),
            action_timeout_seconds=number("ACTION_TIMEOUT_SECONDS", default.action_timeout_seconds),
            widget_host=env.get("WIDGET_HOST") or default.widget_host,
            widget_port=int(number("WIDGET_PORT", default.widget_port)),
            tracker_db=Path(env.get("TRACKER_DB") or default.tracker_db),
            cors_origins=tuple((env.get("CORS_ORIGINS") or "").split()) or None,
            model_path=Path(env.get("MODEL_PATH") or default.model_path),
            country=_country(env.get("BOT_COUNTRY")),
        )

    @property
    def action_url(self) -> str:
        """The action server's webhook, as Rasa calls it."""
        return f"http://{self.action_host}:{self.action_port}/webhook"

    @property
    def widget_url(self) -> str:
        """Base URL of the demo page that hosts the web widget."""
        return f"http://{self.widget_host}:{self.widget_port}"

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """CORS origins for the Rasa server: ``CORS_ORIGINS`` or the demo page's own."""
        if self.cors_origins:
            return self.cors_origins
        return (self.widget_url, f"http://localhost:{self.widget_port}")

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://{self.rasa_host}:{self.rasa_port}"

    def export(self, env: dict[str, str] | None = None) -> dict[str, str]:
        """Write the variables the YAML files and servers read into ``env`` (os.environ)."""
        target = os.environ if env is None else env
        self.tracker_db.parent.mkdir(parents=True, exist_ok=True)
        values = {
            "ACTION_ENDPOINT_URL": self.action_url,
            "TRACKER_DB": str(self.tracker_db),
            "SANIC_HOST": self.action_host,  # rasa_sdk's bind address
            "RASA_TELEMETRY_ENABLED": "false",  # no calls home (and no network here)
        }
        for key, value in values.items():
            target.setdefault(key, value)
        return values


def _country(raw: str | None) -> str | None:
    """``BOT_COUNTRY`` as a code ("gb" -> "GB"), None when unset; a clear error if malformed.

    Whether the file lists it is checked at start-up (:func:`bot.emergency_numbers.require`).
    """
    code = (raw or "").strip().upper()
    if code and not _COUNTRY.fullmatch(code):
        raise SystemExit(f"BOT_COUNTRY must be a country code such as GB or US, got '{raw}'")
    return code or None
