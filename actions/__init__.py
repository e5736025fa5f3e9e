"""Custom actions: thin rasa_sdk glue that asks ``bot`` for each answer."""
