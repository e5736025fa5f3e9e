"""The bot's parts that Rasa loads or runs: its stores and its custom-action class."""
