"""``python -m bench``: evaluation and benchmarks of the bot against Rasa's defaults.

Writes ``docs/benchmarks.md`` and its plots. Every server it starts listens on a free
loopback port and is stopped before the command ends; every load loop is bounded in count
and time.
"""
