"""Moved to :mod:`bot.rasa.tracker_store`; this name stays for ``bot/channels/rest.py``.

Drop it once the channels import ``can_save`` from :mod:`bot.rasa.tracker_store`.
"""

from bot.rasa.tracker_store import can_save

__all__ = ["can_save"]
