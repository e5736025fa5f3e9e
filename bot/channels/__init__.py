"""Messaging-platform connectors for the Rasa server, one module per platform.

Each module holds a Rasa ``InputChannel`` (webhook in: authenticate, drop redeliveries,
acknowledge at once, handle the message in the background) and an ``OutputChannel``
(replies out through the platform's send API, split to its length limit and with buttons
in the platform's own form). ``bot.launch.channels`` enables them from the environment.
"""
