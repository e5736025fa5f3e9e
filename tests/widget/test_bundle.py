"""The built bundle carries the texts of bot/knowledge/ (`make widget` writes them in)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from bot import knowledge
from bot.launch.settings import PROJECT_DIR
from bot.widget_texts import widget_texts

BUNDLE = PROJECT_DIR / "widget" / "dist" / "lems-chat.js"


def texts_of(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from texts_of(item)
    else:
        yield value


def test_the_bundle_has_every_text_the_loader_reads() -> None:
    assert BUNDLE.is_file(), f"{BUNDLE} is missing: run `make widget`"
    bundle = BUNDLE.read_text(encoding="utf-8")
    texts = list(texts_of(widget_texts(knowledge.default())))
    assert len(texts) > 40
    # esbuild writes each as a string literal, non-ASCII escaped as JSON does
    missing = [t for t in texts if json.dumps(t) not in bundle]
    assert missing == [], "the bundle is older than bot/knowledge/: run `make widget`"
