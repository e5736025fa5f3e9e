"""Rasa NLU components: thin graph wrappers around the matching code in ``bot``."""
