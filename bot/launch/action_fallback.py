"""Moved to :mod:`bot.rasa.fallback`; these names stay for ``bot/channels/delivery.py``.

Drop this module once the channels import from :mod:`bot.rasa.fallback`.
"""

from bot.rasa.fallback import not_saved_texts, replies

__all__ = ["not_saved_texts", "replies"]
