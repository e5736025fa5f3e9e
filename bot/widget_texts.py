"""The web widget's fixed texts, as the JSON its build writes into the bundle.

``python -m bot.widget_texts PATH`` writes them to PATH (``make widget`` runs it before
esbuild). The loader checks them as at start-up, so a broken ``bot/knowledge/widget.yml``
stops ``make widget`` with the same :class:`~bot.knowledge.KnowledgeError`, and nothing is
written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bot import knowledge
from bot.safety import Alarm


def widget_texts(facts: knowledge.Knowledge) -> dict[str, Any]:
    """The widget's texts, nested as in ``widget.yml``, with the notice and alert headings.

    The standing notice is the disclaimer's short form, and each alert level's heading is
    the server's own phrase (``alert_heading_<level>``), which the widget uses when an
    alert comes without one: one wording for each, wherever it shows.
    """
    texts: dict[str, Any] = {}
    for key, text in facts.widget_texts.items():
        *path, last = key.split(".")
        group = texts
        for part in path:
            group = group.setdefault(part, {})
        group[last] = text
    texts["notice"] = facts.disclaimer_short
    texts["alert_headings"] = {a.value: facts.phrases[f"alert_heading_{a.value}"] for a in Alarm}
    return texts


def main(argv: list[str]) -> int:
    """Write the texts as JSON to the path in ``argv``; on a broken file, say which and fail."""
    if len(argv) != 1:
        print("usage: python -m bot.widget_texts PATH", file=sys.stderr)
        return 2
    try:
        texts = widget_texts(knowledge.load())
    except knowledge.KnowledgeError as error:
        print(f"the widget's texts: {error}", file=sys.stderr)
        return 1
    path = Path(argv[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(texts, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
