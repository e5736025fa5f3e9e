"""Helpers shared by the tests and the benchmark: the bot's servers on loopback."""
